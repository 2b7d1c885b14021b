//! `--secrets gcp:PROJECT`: the Strava credentials in Secret Manager, against a
//! local Secret Manager double (wiremock, the REST shapes Google's client
//! sends) and a fake metadata server for the sign-in.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::bigquery::{GCP_TOKEN, Metadata, google_error};
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRETS_ROOT: &str = "/v1/projects/p1/secrets";

struct SecretManager {
    server: MockServer,
}

impl SecretManager {
    async fn start() -> Self {
        SecretManager {
            server: MockServer::start().await,
        }
    }

    /// The latest version of `name` holds `value`, with a correct CRC32C.
    async fn holds(&self, name: &str, value: &str) {
        let crc = crc32c::crc32c(value.as_bytes()).to_string();
        self.holds_with_crc(name, value, &crc).await;
    }

    async fn holds_with_crc(&self, name: &str, value: &str, crc: &str) {
        self.access_responds(
            name,
            ResponseTemplate::new(200).set_body_json(json!({
                "name": format!("projects/p1/secrets/{name}/versions/3"),
                "payload": { "data": B64.encode(value), "dataCrc32c": crc }
            })),
        )
        .await;
    }

    async fn access_responds(&self, name: &str, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path(format!(
                "{SECRETS_ROOT}/{name}/versions/latest:access"
            )))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// The three secrets, the refresh token written with `echo` (trailing newline).
    async fn holds_all(&self) {
        self.holds("strava-client-id", CLIENT_ID).await;
        self.holds("strava-client-secret", CLIENT_SECRET).await;
        self.holds("strava-refresh-token", &format!("{REFRESH_TOKEN}\n"))
            .await;
    }

    /// addVersion answers `response`; versions 3 and 4 are listed as enabled.
    async fn add_version_responds(&self, response: ResponseTemplate) {
        let secret = format!("{SECRETS_ROOT}/strava-refresh-token");
        Mock::given(method("POST"))
            .and(path(format!("{secret}:addVersion")))
            .respond_with(response)
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{secret}/versions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "versions": [
                { "name": "projects/p1/secrets/strava-refresh-token/versions/4", "state": "ENABLED" },
                { "name": "projects/p1/secrets/strava-refresh-token/versions/3", "state": "ENABLED" }
            ]})))
            .mount(&self.server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{secret}/versions/3:disable")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "name": "projects/p1/secrets/strava-refresh-token/versions/3", "state": "DISABLED"
            })))
            .mount(&self.server)
            .await;
    }

    async fn requests(&self) -> Vec<wiremock::Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

fn sync_with_gcp(ws: &Workspace, strava: &Strava, sm: &SecretManager, meta: &Metadata) -> Run {
    let run = ws.run(
        &["sync".into(), "--secrets".into(), "gcp:p1".into()],
        &[
            ("STRAVA_API_URL", strava.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
            ("SECRET_MANAGER_API_URL", sm.server.uri()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    );
    run.assert_no_secret();
    assert!(!run.all().contains(GCP_TOKEN), "{}", run.all());
    run
}

fn token_request_bodies(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .collect()
}

#[tokio::test]
async fn sync_reads_the_credentials_from_secret_manager_without_the_echo_newline() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds_all().await;
    let strava = Strava::serving(&[page_of(&[1, 2, 3])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_eq!(run.code(), 0, "{}", run.all());
    let bodies = token_request_bodies(&strava.requests().await);
    assert_eq!(bodies.len(), 1);
    let form: Vec<(String, String)> = reqwest::Url::parse(&format!("http://x/?{}", bodies[0]))
        .expect("form body")
        .query_pairs()
        .into_owned()
        .collect();
    assert!(
        form.contains(&("refresh_token".into(), REFRESH_TOKEN.into())),
        "{form:?}"
    );
    assert!(
        form.contains(&("client_id".into(), CLIENT_ID.into())),
        "{form:?}"
    );
    let auth = sm.requests().await[0]
        .headers
        .get("authorization")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    assert_eq!(auth, Some(format!("Bearer {GCP_TOKEN}")));
}

#[tokio::test]
async fn a_rotated_refresh_token_becomes_a_new_version_and_the_older_one_is_disabled() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds_all().await;
    sm.add_version_responds(ResponseTemplate::new(200).set_body_json(json!({
        "name": "projects/p1/secrets/strava-refresh-token/versions/4", "state": "ENABLED"
    })))
    .await;
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_eq!(run.code(), 0, "{}", run.all());
    let requests = sm.requests().await;
    let added: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path().ends_with(":addVersion"))
        .map(|r| serde_json::from_slice(&r.body).expect("addVersion body"))
        .collect();
    assert_eq!(added.len(), 1);
    let data = B64
        .decode(added[0]["payload"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(data, ROTATED_TOKEN.as_bytes());
    let crc = crc32c::crc32c(ROTATED_TOKEN.as_bytes()).to_string();
    assert_eq!(added[0]["payload"]["dataCrc32c"], json!(crc));
    let disabled: Vec<&str> = requests
        .iter()
        .map(|r| r.url.path())
        .filter(|p| p.ends_with(":disable"))
        .collect();
    assert_eq!(
        disabled,
        vec!["/v1/projects/p1/secrets/strava-refresh-token/versions/3:disable"]
    );
}

#[tokio::test]
async fn every_older_enabled_version_is_disabled_when_the_listing_spans_two_pages() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds_all().await;
    let secret = format!("{SECRETS_ROOT}/strava-refresh-token");
    let version = |n: u32| format!("projects/p1/secrets/strava-refresh-token/versions/{n}");
    Mock::given(method("POST"))
        .and(path(format!("{secret}:addVersion")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "name": version(151), "state": "ENABLED" })),
        )
        .mount(&sm.server)
        .await;
    // 150 old versions and the new one, newest first, 100 a page.
    let listed = |ns: std::ops::RangeInclusive<u32>| -> Vec<Value> {
        ns.rev()
            .map(|n| json!({ "name": version(n), "state": "ENABLED" }))
            .collect()
    };
    Mock::given(method("GET"))
        .and(path(format!("{secret}/versions")))
        .and(wiremock::matchers::query_param("pageToken", "page-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "versions": listed(1..=51) })),
        )
        .with_priority(1)
        .mount(&sm.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{secret}/versions")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "versions": listed(52..=151), "nextPageToken": "page-2" })),
        )
        .mount(&sm.server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(format!(
            r"^{secret}/versions/\d+:disable$"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "state": "DISABLED" })))
        .mount(&sm.server)
        .await;
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_eq!(run.code(), 0, "{}", run.all());
    let mut disabled: Vec<u32> = sm
        .requests()
        .await
        .iter()
        .filter_map(|r| {
            let p = r.url.path();
            p.strip_suffix(":disable")?.rsplit('/').next()?.parse().ok()
        })
        .collect();
    disabled.sort_unstable();
    assert_eq!(disabled, (1..=150).collect::<Vec<u32>>());
}

#[tokio::test]
async fn a_rotated_token_that_cannot_be_saved_fails_the_run_and_says_to_log_in_again() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds_all().await;
    sm.add_version_responds(google_error(
        503,
        "UNAVAILABLE",
        "The service is currently unavailable.",
    ))
    .await;
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_eq!(run.code(), 1, "{}", run.all());
    let stderr = run.stderr();
    assert!(stderr.contains("strava-refresh-token"), "{stderr}");
    assert!(stderr.contains("strava-warehouse login"), "{stderr}");
    let attempts = sm
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().ends_with(":addVersion"))
        .count();
    assert!(
        attempts > 1,
        "the save is retried, made {attempts} attempts"
    );
    let activity_calls = strava
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().contains("activities"))
        .count();
    assert_eq!(activity_calls, 0, "no activity call after a lost rotation");
}

#[tokio::test]
async fn a_payload_whose_crc32c_does_not_match_is_refused_naming_the_secret() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds("strava-client-id", CLIENT_ID).await;
    sm.holds_with_crc("strava-client-secret", CLIENT_SECRET, "12345")
        .await;
    sm.holds("strava-refresh-token", REFRESH_TOKEN).await;
    let strava = Strava::serving(&[page_of(&[1])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_ne!(run.code(), 0, "{}", run.all());
    assert!(
        run.stderr().contains("`strava-client-secret`"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("CRC32C"), "{}", run.stderr());
    assert!(strava.requests().await.is_empty());
}

#[tokio::test]
async fn a_missing_secret_says_which_one_and_how_to_create_it() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds("strava-client-id", CLIENT_ID).await;
    sm.access_responds(
        "strava-client-secret",
        google_error(
            404,
            "NOT_FOUND",
            "Secret [projects/1/secrets/strava-client-secret] not found or has no versions.",
        ),
    )
    .await;
    let strava = Strava::serving(&[page_of(&[1])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_eq!(run.code(), 2, "{}", run.all());
    let stderr = run.stderr();
    assert!(stderr.contains("`strava-client-secret`"), "{stderr}");
    assert!(
        stderr.contains("gcloud secrets create strava-client-secret --project p1"),
        "{stderr}"
    );
    assert!(strava.requests().await.is_empty());
}

#[tokio::test]
async fn a_denied_read_names_the_accessor_role() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.access_responds(
        "strava-client-id",
        google_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'secretmanager.versions.access' denied for resource \
             'projects/p1/secrets/strava-client-id/versions/latest'",
        ),
    )
    .await;
    let strava = Strava::serving(&[page_of(&[1])]).await;

    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_ne!(run.code(), 0, "{}", run.all());
    let stderr = run.stderr();
    assert!(
        stderr.contains("roles/secretmanager.secretAccessor"),
        "{stderr}"
    );
    assert!(stderr.contains("secretmanager.versions.access"), "{stderr}");
}

#[tokio::test]
async fn secret_manager_and_the_secret_names_can_be_given_as_flags() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    sm.holds("strava-client-id", CLIENT_ID).await;
    sm.holds("strava-client-secret", CLIENT_SECRET).await;
    sm.holds("athlete-7-refresh", REFRESH_TOKEN).await;
    let strava = Strava::serving(&[page_of(&[1])]).await;

    let run = ws.run(
        &[
            "sync".into(),
            "--secrets".into(),
            "gcp:p1".into(),
            "--secret-manager-api-url".into(),
            sm.server.uri(),
            "--refresh-token-secret".into(),
            "athlete-7-refresh".into(),
        ],
        &[
            ("STRAVA_API_URL", strava.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    );

    assert_eq!(run.code(), 0, "{}", run.all());
    let read: Vec<String> = sm
        .requests()
        .await
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert!(
        read.iter()
            .any(|p| p.contains("/secrets/athlete-7-refresh/")),
        "{read:?}"
    );
    assert!(
        !read.iter().any(|p| p.contains("strava-refresh-token")),
        "{read:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_credentials_on_secret_manager_says_how_to_delete_the_configured_secrets() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );

    let run = ws.run(
        &[
            "purge".into(),
            "--credentials".into(),
            "--yes".into(),
            "--secrets".into(),
            "gcp:p1".into(),
            "--secret-manager-api-url".into(),
            sm.server.uri(),
            "--refresh-token-secret".into(),
            "athlete-7-refresh".into(),
        ],
        &[("GCE_METADATA_HOST", meta.host())],
    );

    assert!(
        run.all()
            .contains("`gcloud secrets delete athlete-7-refresh --project p1`"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains("strava-refresh-token"), "{}", run.all());
}

/// Secret Manager (or a proxy before it) answering 400 with the request's
/// `Authorization` header quoted in its message.
struct EchoesAuthorization;

impl wiremock::Respond for EchoesAuthorization {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none");
        google_error(
            400,
            "INVALID_ARGUMENT",
            &format!("request with Authorization: {auth} is malformed"),
        )
    }
}

#[tokio::test]
async fn a_secret_manager_error_quoting_the_google_token_is_reported_without_it() {
    let (ws, meta, sm) = (
        Workspace::new(),
        Metadata::start().await,
        SecretManager::start().await,
    );
    Mock::given(method("GET"))
        .and(path(format!(
            "{SECRETS_ROOT}/strava-client-id/versions/latest:access"
        )))
        .respond_with(EchoesAuthorization)
        .mount(&sm.server)
        .await;
    let strava = Strava::serving(&[page_of(&[1])]).await;

    // `sync_with_gcp` fails the test if GCP_TOKEN is anywhere in the output.
    let run = sync_with_gcp(&ws, &strava, &sm, &meta);

    assert_ne!(run.code(), 0, "{}", run.all());
    let stderr = run.stderr();
    assert!(stderr.contains("strava-client-id"), "{stderr}");
    assert!(
        stderr.contains("Authorization: Bearer <redacted>"),
        "{stderr}"
    );
}
