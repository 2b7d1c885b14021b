//! `--http-retries` (`HTTP_RETRIES`) and `--http-retry-backoff-ms` are one
//! setting for every command that opens a warehouse, not only `sync`: here
//! against a BigQuery double (wiremock) that is always unavailable.

use crate::common;

use common::Workspace;
use common::bigquery::{Metadata, google_error};
use wiremock::{Mock, MockServer};

async fn unavailable_bigquery() -> MockServer {
    let google = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(google_error(503, "UNAVAILABLE", "backend unavailable"))
        .mount(&google)
        .await;
    google
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_on_bigquery_retries_a_deletion_as_often_as_http_retries_says() {
    let ws = Workspace::new();
    let (meta, google) = (Metadata::start().await, unavailable_bigquery().await);

    let run = ws.run(
        &["purge".into(), "--yes".into()],
        &[
            ("WAREHOUSE", "bigquery:p1.ds".into()),
            ("BIGQUERY_API_URL", google.uri()),
            ("GCE_METADATA_HOST", meta.host()),
            ("HTTP_RETRIES", "1".into()),
            ("HTTP_RETRY_BACKOFF_MS", "1".into()),
        ],
    );

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stderr().contains("deleting"), "{}", run.stderr());
    let deletes = google
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method == wiremock::http::Method::DELETE)
        .count();
    // The first deletion, tried once and retried once; the purge stops there.
    assert_eq!(deletes, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn views_apply_takes_the_retry_settings_sync_takes() {
    let ws = Workspace::new();
    let (meta, google) = (Metadata::start().await, unavailable_bigquery().await);

    let run = ws.run(
        &[
            "views".into(),
            "--apply".into(),
            "--http-retries".into(),
            "0".into(),
            "--http-retry-backoff-ms".into(),
            "1".into(),
        ],
        &[
            ("WAREHOUSE", "bigquery:p1.ds".into()),
            ("BIGQUERY_API_URL", google.uri()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    );

    // Not a usage error: the settings are taken and BigQuery's answer is reported.
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("backend unavailable"),
        "{}",
        run.stderr()
    );
}
