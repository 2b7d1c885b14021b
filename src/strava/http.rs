//! The one place a Strava request is sent, counted and retried (through
//! `crate::retry`).
//!
//! Responsible for: counting every attempt (retries included) against the call
//! budget, reading the rate-limit headers of every response, stopping at once on
//! 429, and retrying transient failures (5xx, connect errors, timeouts, bodies cut
//! off) a bounded number of times with exponential backoff and jitter; the
//! token call, which changes state at Strava, only after a connect error. Not
//! responsible for: what a non-transient error body means (see `api`, `oauth`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use reqwest::{Client, RequestBuilder, StatusCode};

use super::error::StravaError;
use super::ratelimit::Reading;
use crate::excerpt::excerpt;
use crate::retry::{Attempt, Backoff, GaveUp, describe_transport};

#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Retries after the first attempt for transient failures.
    pub retries: u32,
    /// First backoff; doubles each retry, with jitter.
    pub backoff: Duration,
    /// Limit for one whole request, body included.
    pub timeout: Duration,
    /// Limit for the token call, which is never repeated once sent, so it is
    /// given longer than a page.
    pub token_timeout: Duration,
    /// Largest body read from one response (`MAX_PAGE_BYTES`); a larger one
    /// fails the call while it streams in, before it fills memory.
    pub max_body: u64,
}

/// `MAX_PAGE_BYTES`' default: 200 times Strava's ~0.3 MB page, and small
/// beside the 512 MiB the Cloud Run job has.
pub const DEFAULT_MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// The defaults, written once: `Default` below and the command line's
/// `--http-retries`, `--http-retry-backoff-ms`, `--http-timeout-secs` and
/// `--token-timeout-secs` read them.
pub const DEFAULT_RETRIES: u32 = 4;
pub const DEFAULT_BACKOFF_MS: u64 = 1000;
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
pub const DEFAULT_TOKEN_TIMEOUT_SECS: u64 = 120;

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            retries: DEFAULT_RETRIES,
            backoff: Duration::from_millis(DEFAULT_BACKOFF_MS),
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            token_timeout: Duration::from_secs(DEFAULT_TOKEN_TIMEOUT_SECS),
            max_body: DEFAULT_MAX_PAGE_BYTES,
        }
    }
}

/// A byte count for people: `64 MiB`, or bytes when not a whole MiB.
pub(crate) fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// A response that is not a 429, 5xx or transport failure.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

pub(crate) struct Http {
    client: Client,
    settings: HttpSettings,
    calls: AtomicU64,
    last_reading: Mutex<Option<Reading>>,
}

impl Http {
    pub(crate) fn new(settings: HttpSettings) -> Result<Self, StravaError> {
        let client = crate::tls::client_builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("strava-warehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StravaError::Unreachable {
                what: "an HTTP client".into(),
                attempts: 0,
                detail: e.to_string(),
            })?;
        Ok(Http {
            client,
            settings,
            calls: AtomicU64::new(0),
            last_reading: Mutex::new(None),
        })
    }

    /// HTTP requests made so far, retries included.
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The rate-limit headers of the latest response that had them.
    pub(crate) fn last_reading(&self) -> Option<Reading> {
        self.last_reading.lock().ok().and_then(|r| *r)
    }

    /// Sends the request `build` makes, retrying transient failures. `what`
    /// names the call in logs and errors ("page 3 of activities").
    pub(crate) async fn send(
        &self,
        what: &str,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Answer, StravaError> {
        self.send_with(what, Repeat::Freely, build).await
    }

    /// Sends a request that changes state at Strava (the token call: a
    /// refresh can rotate the refresh token, a code works once), with the
    /// longer token timeout. It is repeated only when it provably never
    /// reached Strava (no connection); a timeout, reset, cut body or 5xx after
    /// sending ends the call with `AnswerLost`, because repeating it with the
    /// old token could only fail, and would hide why.
    pub(crate) async fn send_unrepeatable(
        &self,
        what: &str,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Answer, StravaError> {
        let timeout = self.settings.token_timeout;
        self.send_with(what, Repeat::OnlyIfUnsent, |c| build(c).timeout(timeout))
            .await
    }

    async fn send_with(
        &self,
        what: &str,
        repeat: Repeat,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Answer, StravaError> {
        let backoff = Backoff {
            retries: self.settings.retries,
            first: self.settings.backoff,
        };
        let outcome = backoff.run(what, || self.attempt(&build, repeat)).await;
        outcome.map_err(|GaveUp { error, attempts }| match error {
            Failure::Fatal(e) => e,
            Failure::Status(status, body) => StravaError::Refused {
                what: what.to_string(),
                status: status.as_u16(),
                detail: format!("{} (after {attempts} attempts)", excerpt(&body, 300)),
            },
            Failure::Transport(detail) => StravaError::Unreachable {
                what: what.to_string(),
                attempts,
                detail,
            },
            Failure::Lost(detail) => StravaError::AnswerLost {
                what: what.to_string(),
                detail,
            },
            Failure::TooLarge => StravaError::TooLarge {
                what: what.to_string(),
                limit: self.settings.max_body,
            },
        })
    }

    /// One request: counted, its rate-limit headers read, a 429 fatal.
    async fn attempt(
        &self,
        build: &impl Fn(&Client) -> RequestBuilder,
        repeat: Repeat,
    ) -> Attempt<Answer, Failure> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        // A failure after the request may have been sent.
        let lost = |e: &reqwest::Error| match repeat {
            Repeat::Freely => Attempt::Transient(Failure::Transport(describe_transport(e))),
            Repeat::OnlyIfUnsent => Attempt::Fatal(Failure::Lost(describe_transport(e))),
        };
        let resp = match build(&self.client).send().await {
            Ok(resp) => resp,
            // No connection, so nothing was sent: safe to repeat any request.
            Err(e) if e.is_connect() => {
                return Attempt::Transient(Failure::Transport(describe_transport(&e)));
            }
            Err(e) => return lost(&e),
        };
        let status = resp.status();
        let reading = Reading::from_headers(resp.headers());
        if let Some(r) = reading {
            tracing::debug!(usage = %r.describe(), "Strava rate limits");
            if let Ok(mut last) = self.last_reading.lock() {
                *last = Some(r);
            }
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let r = reading.or_else(|| self.last_reading()).unwrap_or_default();
            let window = r.spent_window();
            return Attempt::Fatal(Failure::Fatal(StravaError::RateLimited {
                window,
                usage: r.describe(),
                resets_at: window.resets_at(Utc::now()),
            }));
        }
        match (read_capped(resp, self.settings.max_body).await, repeat) {
            (Ok(body), Repeat::Freely) if status.is_server_error() => {
                Attempt::Transient(Failure::Status(status, body))
            }
            (Ok(body), Repeat::OnlyIfUnsent) if status.is_server_error() => Attempt::Fatal(
                Failure::Lost(format!("HTTP {}: {}", status.as_u16(), excerpt(&body, 300))),
            ),
            (Ok(body), _) => Attempt::Done(Answer { status, body }),
            // Not retried: the same call would send the same body again.
            (Err(Capped::TooLarge), _) => Attempt::Fatal(Failure::TooLarge),
            (Err(Capped::Read(e)), _) => lost(&e),
        }
    }
}

/// Why a body was not read whole.
enum Capped {
    TooLarge,
    Read(reqwest::Error),
}

/// The body, read chunk by chunk so that one larger than `max` fails as
/// soon as it passes `max` (an endless body included) instead of filling
/// memory first.
async fn read_capped(mut resp: reqwest::Response, max: u64) -> Result<Bytes, Capped> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(Capped::TooLarge);
    }
    let expected = resp.content_length().unwrap_or(0).min(max);
    let mut body = bytes::BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if (body.len() + chunk.len()) as u64 > max {
                    return Err(Capped::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.freeze()),
            Err(e) => return Err(Capped::Read(e)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Reads: any transient failure is retried.
    Freely,
    /// The token call: retried only when it never left.
    OnlyIfUnsent,
}

enum Failure {
    Status(StatusCode, Bytes),
    Transport(String),
    /// An unrepeatable request was sent and no usable answer came back.
    Lost(String),
    TooLarge,
    Fatal(StravaError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Failure::Status(s, _) => write!(f, "HTTP {}", s.as_u16()),
            Failure::Transport(e) | Failure::Lost(e) => f.write_str(e),
            Failure::TooLarge => f.write_str("the response is larger than MAX_PAGE_BYTES"),
            Failure::Fatal(e) => write!(f, "{e}"),
        }
    }
}
