//! A hostile or broken upstream: doubles that echo what they were sent (the
//! token call's form, the API call's `Authorization` header) into their error
//! bodies, and a token call whose answer never comes back. Every run here
//! also passes the secret sweep of `tests/common` (stdout, stderr, and every
//! file the run left, `sync_runs` in the DuckDB file included).

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

/// Answers `status` with the request's own body, as a misbehaving gateway might.
struct EchoBody(u16);

impl Respond for EchoBody {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(self.0).set_body_bytes(request.body.clone())
    }
}

/// Answers `status` quoting the request's headers.
struct EchoHeaders(u16);

impl Respond for EchoHeaders {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let headers: Vec<String> = request
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or_default()))
            .collect();
        ResponseTemplate::new(self.0).set_body_json(
            json!({"message": format!("bad request, you sent {}", headers.join("; "))}),
        )
    }
}

fn sync_runs_message(ws: &Workspace) -> String {
    Db::open(&ws.db()).one("SELECT message FROM sync_runs ORDER BY started_at DESC LIMIT 1")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_call_answered_with_the_echoed_form_says_what_failed_without_any_secret() {
    for status in [400, 500] {
        let ws = Workspace::new();
        let strava = Strava::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(EchoBody(status))
            .mount(&strava.server)
            .await;

        // `ws.sync` fails the test if a secret is in the output or the warehouse.
        let run = ws.sync(&strava, &[]);

        assert_eq!(run.code(), 1, "{}", run.all());
        let err = run.stderr();
        assert!(err.contains("token refresh"), "{err}");
        assert!(err.contains(&format!("HTTP {status}")), "{err}");
        assert!(err.contains("client_secret=<redacted>"), "{err}");
        let message = sync_runs_message(&ws);
        assert!(message.contains("refresh_token=<redacted>"), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_page_that_echoes_the_authorization_header_fails_naming_the_page_without_the_token()
{
    let ws = Workspace::new();
    let strava = Strava::start().await;
    strava.token(Some(ROTATED_TOKEN)).await;
    strava.athlete().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/athlete/activities"))
        .respond_with(EchoHeaders(400))
        .mount(&strava.server)
        .await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains("page 1 of activities"), "{err}");
    assert!(err.contains("authorization: Bearer <redacted>"), "{err}");
    let message = sync_runs_message(&ws);
    assert!(message.contains("HTTP 400"), "{message}");
    assert!(!message.contains(ACCESS_TOKEN), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_call_whose_answer_is_lost_is_sent_once_and_says_login_may_be_needed() {
    let ws = Workspace::new();
    let strava = Strava::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"access_token": ACCESS_TOKEN, "refresh_token": ROTATED_TOKEN}),
                )
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&strava.server)
        .await;

    let run = ws.sync_with_env(
        &strava,
        &[],
        &[
            ("STRAVA_TOKEN_TIMEOUT_SECS", "1"),
            ("HTTP_TIMEOUT_SECS", "1"),
        ],
    );

    assert_eq!(run.code(), 1, "{}", run.all());
    assert_eq!(
        strava.token_calls().await,
        1,
        "a sent refresh is never repeated"
    );
    let err = run.stderr();
    assert!(err.contains("answer was lost"), "{err}");
    assert!(
        err.contains("may already have rotated the refresh token"),
        "{err}"
    );
    assert!(err.contains("strava-warehouse login"), "{err}");
}
