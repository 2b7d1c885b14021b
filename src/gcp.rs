//! Google Cloud sign-in, shared by every Google call the product makes (the
//! BigQuery warehouse and the Secret Manager store): one Application Default
//! Credentials source, and one way of turning a Google error into a sentence.
//!
//! Responsible for: finding credentials the way `gcloud` and Google's client
//! libraries do (GOOGLE_APPLICATION_CREDENTIALS, then the gcloud ADC file, then
//! the metadata server on Cloud Run, whose address GCE_METADATA_HOST
//! overrides), handing bearer headers to hand-written requests, and describing
//! failures without a token in them. Not responsible for: which API is called
//! (see `warehouse::bigquery`, `secrets::gcp`).

use std::time::Duration;

use google_cloud_auth::credentials::{Builder, CacheableResource, Credentials};
use google_cloud_gax::exponential_backoff::{ExponentialBackoff, ExponentialBackoffBuilder};
use google_cloud_gax::retry_policy::{Aip194Strict, LimitedAttemptCount, RetryPolicyExt};
use reqwest::header::HeaderMap;

/// One scope for every call: BigQuery and Secret Manager both accept it.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

#[derive(Debug, thiserror::Error)]
#[error(
    "no usable Google Cloud credentials ({0}). On Cloud Run the job's service account signs in \
     by itself; on a laptop run `gcloud auth application-default login` or set \
     GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
)]
pub(crate) struct NoCredentials(pub(crate) String);

/// Application Default Credentials. Nothing is fetched until the first call.
/// Built once per process and shared (clones share one token cache), so
/// BigQuery and Secret Manager sign in with one token source: one token
/// fetch a run, not one per client.
pub(crate) fn credentials() -> Result<Credentials, NoCredentials> {
    // Google's clients build their own reqwest clients; they take the
    // process default, which must be chosen before the first one.
    crate::tls::install();
    static SHARED: std::sync::OnceLock<Credentials> = std::sync::OnceLock::new();
    if let Some(shared) = SHARED.get() {
        return Ok(shared.clone());
    }
    if !any_source() {
        return Err(NoCredentials(
            "no Application Default Credentials found: GOOGLE_APPLICATION_CREDENTIALS is not \
             set, there is no gcloud credentials file, and no metadata server answers"
                .into(),
        ));
    }
    let built = Builder::default()
        .with_scopes([SCOPE])
        .build()
        .map_err(|e| NoCredentials(e.to_string()))?;
    Ok(SHARED.get_or_init(|| built).clone())
}

/// Whether any ADC source exists. Without one, Google's builder falls back
/// to the metadata server and its first call retries for most of a minute
/// before saying "transient errors"; this says what is missing at once.
fn any_source() -> bool {
    let env = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if env("GOOGLE_APPLICATION_CREDENTIALS") || env("GCE_METADATA_HOST") {
        return true;
    }
    // gcloud's file: $CLOUDSDK_CONFIG, else ~/.config/gcloud.
    let gcloud_dir = std::env::var_os("CLOUDSDK_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".config/gcloud"))
        });
    if gcloud_dir.is_some_and(|d| d.join("application_default_credentials.json").is_file()) {
        return true;
    }
    // On Google Cloud (Cloud Run sets these; a VM has the metadata server at
    // its link-local address, which answers at once or not at all).
    if env("CLOUD_RUN_JOB") || env("K_SERVICE") {
        return true;
    }
    google_metadata_answers()
}

/// One plain request to the link-local metadata address, half a second at
/// most: other clouds answer there too, so only Google's own response header
/// counts.
fn google_metadata_answers() -> bool {
    use std::io::{Read, Write};
    let limit = Duration::from_millis(500);
    let metadata = std::net::SocketAddr::from(([169, 254, 169, 254], 80));
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&metadata, limit) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(limit));
    let _ = stream.set_write_timeout(Some(limit));
    let request = "GET /computeMetadata/v1/ HTTP/1.0\r\nHost: metadata.google.internal\r\n\
                   Metadata-Flavor: Google\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 1024];
    let n = stream.read(&mut head).unwrap_or(0);
    String::from_utf8_lossy(&head[..n])
        .to_ascii_lowercase()
        .contains("metadata-flavor: google")
}

/// The retry policy for Google client calls: Google's own rules for what is
/// retryable, but at most `retries` retries. The default retries for minutes,
/// which would stall a run against an unreachable service.
pub(crate) fn retry_policy(retries: u32) -> LimitedAttemptCount<Aip194Strict> {
    Aip194Strict.with_attempt_limit(retries + 1)
}

/// Exponential backoff for Google client calls, from `first` up to 16 times it.
pub(crate) fn backoff_policy(first: Duration) -> Result<ExponentialBackoff, String> {
    ExponentialBackoffBuilder::new()
        .with_initial_delay(first)
        .with_maximum_delay(first.saturating_mul(16))
        .build()
        .map_err(|e| e.to_string())
}

/// The `Authorization` (and quota-project) headers for a hand-written request.
pub(crate) async fn auth_headers(credentials: &Credentials) -> Result<HeaderMap, NoCredentials> {
    match credentials.headers(http::Extensions::new()).await {
        Ok(CacheableResource::New { data, .. }) => {
            // The token is in the `Authorization` value, after `Bearer `.
            for value in data.get_all(reqwest::header::AUTHORIZATION) {
                if let Ok(text) = value.to_str() {
                    crate::redact::register(text.split_whitespace().last().unwrap_or(text));
                }
            }
            Ok(data)
        }
        // Only returned when the caller passes an entity tag, which we never do.
        Ok(CacheableResource::NotModified) => Ok(HeaderMap::new()),
        Err(e) => Err(NoCredentials(e.to_string())),
    }
}

/// Fetches the Google access token once so that `redact` knows it before
/// Google's client crates send it anywhere (they never hand it to this code).
/// Best effort, within a few seconds: a sign-in that fails here fails again,
/// with Google's message, at the first real call.
pub(crate) async fn register_token(credentials: &Credentials) {
    let _ = tokio::time::timeout(Duration::from_secs(5), auth_headers(credentials)).await;
}

/// A Google API error as one line: HTTP status, Google's status name and its
/// message. Google's messages name resources, never tokens.
pub(crate) fn describe(e: &google_cloud_gax::error::Error) -> String {
    if let Some(status) = e.status() {
        let code = e
            .http_status_code()
            .map(|c| format!("HTTP {c} "))
            .unwrap_or_default();
        return format!("{code}{:?}: {}", status.code, status.message);
    }
    if let Some(code) = e.http_status_code() {
        let body = e
            .http_payload()
            .map(|b| crate::excerpt::excerpt(b, 300))
            .unwrap_or_default();
        return format!("HTTP {code}: {body}");
    }
    e.to_string()
}

/// The HTTP status of a Google API error, when the server answered.
pub(crate) fn http_status(e: &google_cloud_gax::error::Error) -> Option<u16> {
    e.http_status_code()
        .or_else(|| e.status().map(|s| code_to_http(s.code)))
}

fn code_to_http(code: google_cloud_gax::error::rpc::Code) -> u16 {
    use google_cloud_gax::error::rpc::Code;
    match code {
        Code::NotFound => 404,
        Code::AlreadyExists => 409,
        Code::PermissionDenied => 403,
        Code::Unauthenticated => 401,
        Code::InvalidArgument | Code::FailedPrecondition => 400,
        Code::ResourceExhausted => 429,
        Code::Unavailable => 503,
        _ => 500,
    }
}
