//! The one retry loop: bounded attempts with exponential backoff and jitter,
//! used by every HTTP call the product makes itself (Strava pages and tokens,
//! the BigQuery upload).
//!
//! Responsible for: how many times, how long to wait, logging each retry, and
//! the words a failed request is described with (`describe_transport`).
//! Not responsible for: deciding what is transient (the caller classifies each
//! attempt) or what a final failure means (the caller maps it). Calls made
//! through Google's client crates are retried by those crates' own policies.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    /// Retries after the first attempt.
    pub(crate) retries: u32,
    /// First wait; doubles each retry, with jitter.
    pub(crate) first: Duration,
}

/// What one attempt came to.
pub(crate) enum Attempt<T, E> {
    Done(T),
    /// Worth another try (5xx, connection reset, timeout).
    Transient(E),
    /// Retrying cannot help (4xx, 429, a bad answer): stop now.
    Fatal(E),
}

/// The last failure and how many attempts were made.
#[derive(Debug)]
pub(crate) struct GaveUp<E> {
    pub(crate) error: E,
    pub(crate) attempts: u32,
}

impl Backoff {
    /// Runs `attempt` until it is done, fatal, or out of retries. `what` names
    /// the call in the retry warnings ("page 3 of activities").
    pub(crate) async fn run<T, E, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, GaveUp<E>>
    where
        E: Display,
        F: FnMut() -> Fut,
        Fut: Future<Output = Attempt<T, E>>,
    {
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            match attempt().await {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fatal(error) => return Err(GaveUp { error, attempts }),
                Attempt::Transient(error) if attempts > self.retries => {
                    return Err(GaveUp { error, attempts });
                }
                Attempt::Transient(error) => {
                    let wait = self.wait(attempts);
                    tracing::warn!(
                        "{what} failed ({error}); retry {attempts} of {} in {} ms",
                        self.retries,
                        wait.as_millis()
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so
    /// retries from several jobs do not arrive together.
    fn wait(&self, attempt: u32) -> Duration {
        let full = self.first.saturating_mul(1u32 << (attempt - 1).min(16));
        let half = full / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// What a failed request says, for the retry log and the final error.
/// reqwest's own words name only the outer layer ("error decoding response
/// body"); the cause a user can act on (connection reset, timed out, refused)
/// is further down the chain, so it is appended.
pub(crate) fn describe_transport(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const FAST: Backoff = Backoff {
        retries: 2,
        first: Duration::from_millis(1),
    };

    #[tokio::test]
    async fn transient_failures_are_retried_until_the_budget_is_spent() {
        let calls = Cell::new(0);
        let result: Result<(), GaveUp<&str>> = FAST
            .run("a call", || {
                calls.set(calls.get() + 1);
                async { Attempt::Transient("503") }
            })
            .await;
        let gave_up = result.unwrap_err();
        assert_eq!((gave_up.attempts, calls.get()), (3, 3));
    }

    #[tokio::test]
    async fn a_fatal_failure_stops_at_once() {
        let calls = Cell::new(0);
        let result: Result<(), GaveUp<&str>> = FAST
            .run("a call", || {
                calls.set(calls.get() + 1);
                async { Attempt::Fatal("400") }
            })
            .await;
        assert_eq!(result.unwrap_err().attempts, 1);
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test]
    async fn a_success_after_a_transient_failure_is_returned() {
        let calls = Cell::new(0);
        let result: Result<u32, GaveUp<&str>> = FAST
            .run("a call", || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n == 1 {
                        Attempt::Transient("reset")
                    } else {
                        Attempt::Done(n)
                    }
                }
            })
            .await;
        assert_eq!(result.unwrap(), 2);
    }

    #[test]
    fn waits_double_and_stay_within_the_jitter_band() {
        let b = Backoff {
            retries: 5,
            first: Duration::from_millis(100),
        };
        for (attempt, full) in [(1, 100), (2, 200), (3, 400)] {
            let w = b.wait(attempt).as_millis();
            assert!((full / 2..=full).contains(&w), "attempt {attempt}: {w} ms");
        }
    }
}
