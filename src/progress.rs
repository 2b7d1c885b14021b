//! Progress on a terminal: a bar for the pages of a sync (against the pages
//! the previous run took), one for the export's activity files, a countdown
//! for a wait on Strava's rate limit, and a spinner for the load.
//!
//! Responsible for: drawing those with `indicatif` when the logs are text on
//! a terminal, and for letting log lines print above the bars without
//! tearing them (`suspend`, which `logging` calls for every line). Not
//! responsible for: what is logged; with JSON logs or no terminal nothing is
//! drawn and the log lines are exactly as without it.

use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Draws progress from now on (text logs on a terminal only: `logging::init`
/// decides).
pub(crate) fn enable() {
    let _ = BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
}

/// Runs `print` with the bars hidden, so a log line lands above them whole.
pub(crate) fn suspend<R>(print: impl FnOnce() -> R) -> R {
    match BARS.get() {
        Some(bars) => bars.suspend(print),
        None => print(),
    }
}

/// One bar or spinner; cleared from the screen when dropped.
pub(crate) struct Progress(Option<ProgressBar>);

impl Progress {
    fn add(bar: ProgressBar, template: &str) -> Progress {
        let Some(bars) = BARS.get() else {
            return Progress(None);
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress(Some(bars.add(bar)))
    }

    /// Pages of activities; `expected` is what the history took last time
    /// (the empty closing page included), else a spinner.
    pub(crate) fn pages(expected: Option<u64>) -> Progress {
        match expected {
            Some(n) if n > 1 => Progress::add(
                ProgressBar::new(n),
                "{spinner} fetching pages {bar:30} {pos}/{len}, {msg}",
            ),
            _ => Progress::add(
                ProgressBar::no_length(),
                "{spinner} fetching pages: {pos} {msg}",
            ),
        }
    }

    /// The export's activity files.
    pub(crate) fn files(total: u64) -> Progress {
        Progress::add(
            ProgressBar::new(total),
            "{spinner} reading activity files {bar:30} {pos}/{len} {eta} left",
        )
    }

    /// A wait of `wait` (Strava's rate-limit window), counting down.
    pub(crate) fn countdown(wait: Duration, what: &str) -> Progress {
        let progress = Progress::add(
            ProgressBar::new(wait.as_secs().max(1)),
            &format!("{{spinner}} {what}: {{msg}} left {{bar:30}}"),
        );
        progress.set_message(&clock(wait));
        progress
    }

    /// Something without steps (the load).
    pub(crate) fn spinner(what: &str) -> Progress {
        Progress::add(
            ProgressBar::new_spinner(),
            &format!("{{spinner}} {what} {{elapsed}}"),
        )
    }

    /// One step done; a history longer than expected grows the bar.
    pub(crate) fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
            if let Some(len) = bar.length()
                && bar.position() > len
            {
                bar.set_length(bar.position());
            }
        }
    }

    pub(crate) fn set_message(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_string());
        }
    }

    /// For a countdown: `left` of the wait remains.
    pub(crate) fn left(&self, left: Duration) {
        if let Some(bar) = &self.0 {
            bar.set_position(bar.length().unwrap_or(0).saturating_sub(left.as_secs()));
            bar.set_message(clock(left));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
            if let Some(bars) = BARS.get() {
                bars.remove(&bar);
            }
        }
    }
}

/// `4:05` for a wait.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_reads_as_minutes_and_seconds() {
        assert_eq!(clock(Duration::from_secs(272)), "4:32");
        assert_eq!(clock(Duration::from_secs(9)), "0:09");
    }
}
