//! Starts a BigQuery load job by uploading the Parquet file with it (a media
//! upload to `{api}/upload/bigquery/v2/projects/P/jobs`): multipart for small
//! files, resumable above a threshold.
//!
//! Written on reqwest because no Rust BigQuery crate does media uploads (the
//! official `google-cloud-bigquery-v2` and `gcp-bigquery-client` only load from
//! Cloud Storage URIs, which would need a bucket). Signed with the same
//! credentials as every other Google call (`crate::gcp`).
//!
//! Responsible for: the upload protocols and retrying a failed upload with the
//! same job id, so a retry after a lost answer finds the job already created
//! (409) instead of loading twice. Not responsible for: the job's
//! configuration or waiting for it to finish (see `super`).

use std::time::Duration;

use bytes::Bytes;
use google_cloud_auth::credentials::Credentials;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Client, StatusCode};

use crate::excerpt::excerpt;
use crate::gcp;
use crate::retry::{Attempt, Backoff, GaveUp, describe_transport};

pub(crate) struct Uploader {
    pub(crate) client: Client,
    pub(crate) credentials: Credentials,
    /// `{api}/upload/bigquery/v2/projects/{project}/jobs`
    pub(crate) jobs_url: String,
    /// Files larger than this go up as a resumable upload.
    pub(crate) resumable_above: u64,
    pub(crate) backoff: Backoff,
}

/// Why a file could not be handed to BigQuery.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    #[error(transparent)]
    Credentials(#[from] gcp::NoCredentials),
    #[error("BigQuery refused the upload (HTTP {status}): {detail}")]
    Refused { status: u16, detail: String },
    #[error("the upload to BigQuery failed after {attempts} attempts: {detail}")]
    Unreachable { attempts: u32, detail: String },
}

enum Failure {
    Credentials(gcp::NoCredentials),
    Status(StatusCode, String),
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Failure::Credentials(e) => write!(f, "{e}"),
            Failure::Status(s, body) => write!(f, "HTTP {}: {body}", s.as_u16()),
            Failure::Transport(e) => f.write_str(e),
        }
    }
}

impl Uploader {
    /// Uploads `data` with the job resource `job` (which carries its own job
    /// id). Returns once BigQuery has accepted the job, not when it is done,
    /// with the job id the answer names (the requested one; a server that
    /// assigns its own is followed rather than polled under the wrong name).
    pub(crate) async fn start_job(
        &self,
        job: &serde_json::Value,
        data: Bytes,
    ) -> Result<Option<String>, UploadError> {
        let what = "the Parquet upload to BigQuery";
        let resumable = data.len() as u64 > self.resumable_above;
        let outcome = self
            .backoff
            .run(what, || async {
                if resumable {
                    self.resumable(job, &data).await
                } else {
                    self.multipart(job, &data).await
                }
            })
            .await;
        outcome.map_err(|GaveUp { error, attempts }| match error {
            Failure::Credentials(e) => UploadError::Credentials(e),
            Failure::Status(status, detail) if !is_transient(status) => UploadError::Refused {
                status: status.as_u16(),
                detail,
            },
            other => UploadError::Unreachable {
                attempts,
                detail: other.to_string(),
            },
        })
    }

    async fn headers(&self) -> Result<HeaderMap, Failure> {
        gcp::auth_headers(&self.credentials)
            .await
            .map_err(Failure::Credentials)
    }

    /// One request carrying both the job (JSON) and the file.
    async fn multipart(
        &self,
        job: &serde_json::Value,
        data: &Bytes,
    ) -> Attempt<Option<String>, Failure> {
        let headers = match self.headers().await {
            Ok(h) => h,
            Err(e) => return Attempt::Fatal(e),
        };
        let boundary = format!("strava_warehouse_{:016x}", rand::random::<u64>());
        let mut body = Vec::with_capacity(data.len() + 4096);
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(job.to_string().as_bytes());
        // An explicit media type: some servers reject the `*/*` others send.
        body.extend_from_slice(
            format!("\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(&self.jobs_url)
            .query(&[("uploadType", "multipart")])
            .headers(headers)
            .header(
                CONTENT_TYPE,
                format!("multipart/related; boundary={boundary}"),
            )
            .body(body);
        accepted(request.send().await).await
    }

    /// A session first (the job as JSON), then the file in one PUT. On any
    /// failure the next attempt opens a new session.
    async fn resumable(
        &self,
        job: &serde_json::Value,
        data: &Bytes,
    ) -> Attempt<Option<String>, Failure> {
        let headers = match self.headers().await {
            Ok(h) => h,
            Err(e) => return Attempt::Fatal(e),
        };
        let open = self
            .client
            .post(&self.jobs_url)
            .query(&[("uploadType", "resumable")])
            .headers(headers.clone())
            .header("X-Upload-Content-Type", "application/octet-stream")
            .header("X-Upload-Content-Length", data.len().to_string())
            .json(job)
            .send()
            .await;
        let session = match open {
            Ok(resp) if resp.status().is_success() => {
                match resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
                    Some(url) => url.to_string(),
                    None => {
                        return Attempt::Fatal(Failure::Status(
                            resp.status(),
                            "the resumable upload answer has no Location header".into(),
                        ));
                    }
                }
            }
            other => return accepted(other).await,
        };
        let put = self
            .client
            .put(session)
            .headers(headers)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(data.clone())
            .send()
            .await;
        accepted(put).await
    }
}

/// 2xx: the job exists. 409: it already existed, i.e. an earlier attempt got
/// through and only its answer was lost.
async fn accepted(sent: reqwest::Result<reqwest::Response>) -> Attempt<Option<String>, Failure> {
    let resp = match sent {
        Ok(r) => r,
        Err(e) => return Attempt::Transient(Failure::Transport(describe_transport(&e))),
    };
    let status = resp.status();
    let body = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => return Attempt::Transient(Failure::Transport(describe_transport(&e))),
    };
    if status == StatusCode::CONFLICT {
        return Attempt::Done(None);
    }
    if status.is_success() {
        let job: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let id = job
            .as_ref()
            .and_then(|j| j.pointer("/jobReference/jobId"))
            .and_then(|id| id.as_str())
            .map(str::to_string);
        return Attempt::Done(id);
    }
    let body = excerpt(&body, 600);
    let failure = Failure::Status(status, body);
    if is_transient(status) {
        Attempt::Transient(failure)
    } else {
        Attempt::Fatal(failure)
    }
}

fn is_transient(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

/// Generous: a 100 MB file on a slow link still fits, a hung one does not hang forever.
pub(crate) const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
