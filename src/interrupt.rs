//! SIGTERM and SIGINT during a sync: Cloud Run sends SIGTERM at the task
//! timeout and SIGKILL 10 s later, and people press Ctrl-C.
//!
//! Responsible for: catching both signals once `listen` has run, telling the
//! stages that a stop was asked for (`requested`, `received`), keeping the
//! stretches that must not be cut (a token refresh and the save of a rotated
//! token) whole through `shield`, and the error and exit code an interrupted
//! run ends with (128 + the signal's number, as a shell reports it). A second
//! signal ends the process at once. Not responsible for: what each stage
//! undoes (the pipeline records the run, the warehouse rolls back or cancels
//! its job).

use std::sync::OnceLock;

use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Term,
    Int,
}

impl Signal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Term => "SIGTERM",
            Signal::Int => "SIGINT",
        }
    }

    /// 143 for SIGTERM, 130 for SIGINT.
    pub(crate) fn exit_code(self) -> u8 {
        128 + match self {
            Signal::Term => 15,
            Signal::Int => 2,
        }
    }
}

/// The run stopped because of a signal.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("interrupted by {}: stopped before loading, nothing was replaced", signal.name())]
pub(crate) struct Interrupted {
    pub(crate) signal: Signal,
}

#[derive(Debug, Default, Clone, Copy)]
struct State {
    signal: Option<Signal>,
    /// Open `Shield`s: a stop waits for them.
    shields: usize,
}

fn state() -> &'static watch::Sender<State> {
    static STATE: OnceLock<watch::Sender<State>> = OnceLock::new();
    STATE.get_or_init(|| watch::channel(State::default()).0)
}

/// Catches SIGTERM and SIGINT from now on (instead of dying at once). Call
/// inside the runtime.
pub fn listen() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        loop {
            let got = tokio::select! {
                _ = term.recv() => Signal::Term,
                _ = int.recv() => Signal::Int,
            };
            if let Some(first) = state().borrow().signal {
                tracing::warn!(
                    "{} after {}: exiting at once, without cleaning up",
                    got.name(),
                    first.name()
                );
                std::process::exit(i32::from(got.exit_code()));
            }
            tracing::warn!(
                "{} received: stopping the run (the previous data stays)",
                got.name()
            );
            state().send_modify(|s| s.signal = Some(got));
        }
    });
    Ok(())
}

/// The signal received so far, if any.
pub(crate) fn received() -> Option<Signal> {
    state().borrow().signal
}

/// `Err` once a signal has been received: for the points where a stage can
/// stop cleanly between steps.
pub(crate) fn check() -> Result<(), Interrupted> {
    match received() {
        Some(signal) => Err(Interrupted { signal }),
        None => Ok(()),
    }
}

/// Resolves once a signal has been received and no `Shield` is open; never
/// without `listen`. Racing work against it drops the work only where a
/// drop is safe.
pub(crate) async fn requested() -> Interrupted {
    let mut rx = state().subscribe();
    match rx.wait_for(|s| s.signal.is_some() && s.shields == 0).await {
        Ok(s) => Interrupted {
            signal: s.signal.unwrap_or(Signal::Term),
        },
        // The sender is a static and never dropped.
        Err(_) => std::future::pending().await,
    }
}

/// While one is alive, `requested` does not resolve: for work that must not
/// be cut in the middle (a token refresh whose answer may rotate the token,
/// and the save of that token).
pub(crate) struct Shield(());

pub(crate) fn shield() -> Shield {
    state().send_modify(|s| s.shields += 1);
    Shield(())
}

impl Drop for Shield {
    fn drop(&mut self) {
        state().send_modify(|s| s.shields = s.shields.saturating_sub(1));
    }
}

/// The signal that stopped the run, wherever it sits in the error's chain.
pub(crate) fn signal_of(err: &anyhow::Error) -> Option<Signal> {
    err.chain().find_map(|cause| {
        if let Some(i) = cause.downcast_ref::<Interrupted>() {
            return Some(i.signal);
        }
        match cause.downcast_ref::<crate::warehouse::WarehouseError>() {
            Some(crate::warehouse::WarehouseError::Interrupted { signal, .. }) => Some(*signal),
            _ => None,
        }
    })
}
