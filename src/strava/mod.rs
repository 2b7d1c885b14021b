//! Extract stage, Strava side: OAuth token refresh, the HTTP client with its
//! one retry loop, rate-limit accounting, and the two API calls a sync needs.
//!
//! Responsible for: talking to Strava correctly and cheaply (every call
//! counted, every rate-limit header read, transient failures retried a bounded
//! number of times) and turning Strava's error bodies into errors that say
//! what to do. Not responsible for: decoding activities (see `transform`),
//! storing credentials (see `secrets`) or saving raw pages (see `raw`).

pub(crate) mod api;
pub(crate) mod error;
pub mod http;
pub(crate) mod oauth;
pub(crate) mod ratelimit;

pub(crate) use api::StravaClient;
pub(crate) use error::StravaError;
pub use http::HttpSettings;

/// Strava's own addresses; `--strava-api-url` and `--strava-oauth-url`
/// replace them (tests, proxies).
pub const DEFAULT_API_URL: &str = "https://www.strava.com/api/v3";
pub const DEFAULT_OAUTH_URL: &str = "https://www.strava.com/oauth";
