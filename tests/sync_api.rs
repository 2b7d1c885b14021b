//! `sync` against a local Strava double over HTTP, loading the embedded DuckDB
//! warehouse: what lands, how paging and the call budget behave, and that
//! every failure leaves the previous tables intact.
#![cfg(feature = "duckdb")]

use crate::common;

use common::*;
use serde_json::json;
use wiremock::ResponseTemplate;

#[tokio::test(flavor = "multi_thread")]
async fn every_activity_lands_once_with_exact_values() {
    let mut tricky = activity(9_007_199_254_740_993, "2024-05-01T06:12:03Z");
    tricky["name"] = json!("Tour \"du\" Léman 🚴‍♀️ l'été");
    tricky["start_latlng"] = json!([]);
    tricky["end_latlng"] = json!(null);
    tricky["start_date_local"] = json!("2024-05-01T08:12:03Z");
    for power in [
        "average_watts",
        "weighted_average_watts",
        "max_watts",
        "kilojoules",
        "device_watts",
    ] {
        tricky.as_object_mut().unwrap().remove(power);
    }
    let strava = Strava::serving(&[vec![tricky], page_of(&[3, 2])]).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![2, 3, 9_007_199_254_740_993]);
    let q = |col: &str| format!("SELECT {col} FROM activities WHERE id = 9007199254740993");
    assert_eq!(db.one::<String>(&q("name")), "Tour \"du\" Léman 🚴‍♀️ l'été");
    assert_eq!(db.one::<Option<f64>>(&q("start_lat")), None);
    assert_eq!(db.one::<Option<f64>>(&q("end_lng")), None);
    assert_eq!(db.one::<Option<f64>>(&q("average_watts")), None);
    assert_eq!(db.one::<Option<bool>>(&q("device_watts")), None);
    assert_eq!(
        db.one::<String>(&q("CAST(start_date AS VARCHAR)")),
        "2024-05-01 06:12:03"
    );
    assert_eq!(
        db.one::<String>(&q("CAST(start_date_local AS VARCHAR)")),
        "2024-05-01 08:12:03"
    );
    assert_eq!(
        db.one::<f64>("SELECT distance FROM activities WHERE id = 2"),
        40123.4
    );
    assert_eq!(
        db.one::<i64>("SELECT weighted_average_watts FROM activities WHERE id = 2"),
        215
    );
    assert_eq!(
        db.one::<f64>("SELECT start_lng FROM activities WHERE id = 2"),
        -0.12
    );
    assert_eq!(
        db.one::<String>("SELECT map_summary_polyline FROM activities WHERE id = 3"),
        "abc"
    );
    assert_eq!(
        db.one::<i64>("SELECT athlete_id FROM activities WHERE id = 3"),
        ATHLETE_ID
    );
    assert_eq!(db.one::<i64>("SELECT ftp FROM athlete"), 230);
    assert_eq!(db.one::<i64>("SELECT count(*) FROM athlete"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_goes_past_a_short_page_and_stops_at_the_empty_one() {
    // A short first page is not the end: Strava says only an empty page is.
    let strava = Strava::serving(&[page_of(&[5]), page_of(&[4, 3])]).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids(), vec![3, 4, 5]);
    let pages_asked: Vec<String> = strava
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/activities"))
        .map(|r| r.url.query().unwrap_or_default().to_string())
        .collect();
    assert_eq!(pages_asked.len(), 3, "asked for {pages_asked:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_sync_costs_pages_plus_token_plus_athlete_calls() {
    let strava = Strava::serving(&[page_of(&[3, 2]), page_of(&[1])]).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    // 3 pages (two with activities, the empty one) + 1 token + 1 athlete.
    assert_eq!(strava.requests().await.len(), 5);
    let db = Db::open(&ws.db());
    assert_eq!(db.one::<i64>("SELECT api_calls FROM sync_runs"), 5);
    assert!(
        run.stdout().contains("Strava API calls: 5"),
        "{}",
        run.stdout()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_token_travels_only_in_the_authorization_header() {
    let strava = Strava::serving(&[page_of(&[1])]).await;
    let ws = Workspace::new();
    assert_eq!(ws.sync(&strava, &[]).code(), 0);

    for r in strava.requests().await {
        assert!(
            !r.url.as_str().contains(ACCESS_TOKEN),
            "token in URL {}",
            r.url
        );
        if r.url.path().starts_with("/api/v3") {
            let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
            assert_eq!(auth, Some(format!("Bearer {ACCESS_TOKEN}").as_str()));
        }
    }
}

/// Answers the athlete call with what the secrets file holds at that moment
/// (refusing it with a 429, so the run stops there).
struct SeesTheStore {
    store: std::path::PathBuf,
    seen: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl wiremock::Respond for SeesTheStore {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let text = std::fs::read_to_string(&self.store).unwrap_or_default();
        *self.seen.lock().unwrap() = Some(text);
        ResponseTemplate::new(429).set_body_json(json!({"message": "Rate Limit Exceeded"}))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_refresh_token_is_saved_before_any_activity_call() {
    let strava = Strava::start().await;
    strava.token(Some(ROTATED_TOKEN)).await;
    let ws = Workspace::new();
    // The first call after the refresh (the athlete profile) looks at the
    // file as it is then: the new token must already be there.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/api/v3/athlete"))
        .respond_with(SeesTheStore {
            store: ws.secrets_file(),
            seen: seen.clone(),
        })
        .mount(&strava.server)
        .await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 3, "{}", run.all());
    let at_first_call = seen.lock().unwrap().clone().expect("the athlete call came");
    assert!(
        at_first_call.contains(ROTATED_TOKEN) && !at_first_call.contains(REFRESH_TOKEN),
        "the store when the first activity-side call arrived still held the old token"
    );
    assert_eq!(ws.refresh_token_on_disk(), ROTATED_TOKEN);
    run.assert_no_secret();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_replaces_rather_than_appends_and_drops_deleted_activities() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[3, 2, 1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let second = Strava::serving(&[page_of(&[4, 3, 1])]).await;
    let run = ws.sync(&second, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 3, 4]);
    assert_eq!(db.outcomes(), vec!["ok", "ok"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_keeps_the_previous_table_and_exits_3_saying_when_to_retry() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[3, 2, 1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let limited = Strava::start().await;
    limited.token(None).await;
    limited.athlete().await;
    limited
        .page_responds(
            1,
            ResponseTemplate::new(200).set_body_json(page_of(&[9, 8])),
        )
        .await;
    limited
        .page_responds(
            2,
            ResponseTemplate::new(429)
                .insert_header("X-ReadRateLimit-Limit", "100,1000")
                .insert_header("X-ReadRateLimit-Usage", "100,420")
                .set_body_json(json!({"message": "Rate Limit Exceeded", "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}]})),
        )
        .await;
    let run = ws.sync(&limited, &[]);

    assert_eq!(run.code(), 3, "{}", run.all());
    assert!(
        run.stderr().contains("15-minute rate limit"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("resets at"), "{}", run.stderr());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "rate_limited"]);
    // No retry of a 429: page 2 was asked once.
    let asked = limited
        .requests()
        .await
        .iter()
        .filter(|r| r.url.query_pairs().any(|(k, v)| k == "page" && v == "2"))
        .count();
    assert_eq!(asked, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_page_keeps_the_previous_table_and_names_page_activity_and_field() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[3, 2, 1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let mut bad = activity(12, "2024-01-01T00:00:00Z");
    bad["distance"] = json!("abc");
    let broken = Strava::serving(&[page_of(&[14, 13]), vec![bad]]).await;
    let run = ws.sync(&broken, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("page 2") && err.contains("id 12") && err.contains("`distance`"),
        "{err}"
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shrink_guard_refuses_losing_more_than_half_unless_allowed() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[4, 3, 2, 1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let shrunk = Strava::serving(&[page_of(&[4])]).await;
    let refused = ws.sync(&shrunk, &[]);
    assert_eq!(refused.code(), 1, "{}", refused.all());
    assert!(
        refused.stderr().contains("--allow-shrink"),
        "{}",
        refused.stderr()
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3, 4]);

    let allowed = ws.sync(&shrunk, &["--allow-shrink"]);
    assert_eq!(allowed.code(), 0, "{}", allowed.all());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![4]);
    assert_eq!(db.outcomes(), vec!["ok", "refused_shrink", "ok"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_fetch_never_empties_a_loaded_table() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[2, 1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let empty = Strava::serving(&[]).await;
    let run = ws.sync(&empty, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_server_errors_are_retried_and_counted() {
    let strava = Strava::start().await;
    strava.token(None).await;
    strava.athlete().await;
    strava.page_fails_once(1, ResponseTemplate::new(503)).await;
    strava.pages(&[page_of(&[1])]).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(
        Db::open(&ws.db()).one::<i64>("SELECT api_calls FROM sync_runs"),
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_that_persists_fails_cleanly_after_bounded_retries() {
    let strava = Strava::start().await;
    strava.token(None).await;
    strava.athlete_responds(ResponseTemplate::new(502)).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stderr().contains("HTTP 502"), "{}", run.stderr());
    // token + 1 attempt + HTTP_RETRIES (2) retries
    assert_eq!(strava.requests().await.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_refresh_token_says_to_run_login() {
    let strava = Strava::start().await;
    strava
        .token_fails(400, json!({"message": "Bad Request", "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}]}))
        .await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("strava-warehouse login"),
        "{}",
        run.stderr()
    );
    run.assert_no_secret();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_scope_names_the_scope_to_grant() {
    let strava = Strava::start().await;
    strava.token(None).await;
    strava.athlete().await;
    strava
        .page_responds(1, ResponseTemplate::new(401).set_body_json(json!({"message": "Authorization Error", "errors": [{"resource": "AccessToken", "field": "activity:read_permission", "code": "missing"}]})))
        .await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("activity:read_all"),
        "{}",
        run.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inactive_application_says_a_subscription_is_needed() {
    let strava = Strava::start().await;
    strava
        .token_fails(403, json!({"message": "Forbidden", "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}]}))
        .await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr()
            .contains("Strava answered 403 Inactive: the application is inactive"),
        "{}",
        run.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_the_env_store_cannot_save_is_reported_after_the_data_loads() {
    let strava = Strava::rotating(&[page_of(&[1])]).await;
    let ws = Workspace::new();

    let run = ws.run(
        &["sync".to_string()],
        &[
            ("STRAVA_API_URL", strava.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
            ("STRAVA_CLIENT_ID", CLIENT_ID.to_string()),
            ("STRAVA_CLIENT_SECRET", CLIENT_SECRET.to_string()),
            ("STRAVA_REFRESH_TOKEN", REFRESH_TOKEN.to_string()),
        ],
    );
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stderr().contains("file:PATH"), "{}", run.stderr());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1]);
    run.assert_no_secret();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_appears_in_output_parquet_or_raw_pages_even_at_trace_level() {
    let strava = Strava::rotating(&[page_of(&[2, 1])]).await;
    let ws = Workspace::new();
    let raw = ws.path("raw");
    let parquet = ws.path("out.parquet");

    let run = ws.sync(
        &strava,
        &[
            "--raw-dir",
            raw.to_str().unwrap(),
            "--parquet-out",
            parquet.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(parquet.exists() && std::fs::read_dir(&raw).unwrap().count() == 1);
    // The sweep every run ends with, spelled out: output, Parquet values,
    // raw pages and the DuckDB file's rows.
    run.assert_no_secret();
    assert_no_secret_in_files(ws.dir.path());
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_kept_with_raw_dir_replay_to_the_same_table_without_network() {
    let strava = Strava::serving(&[page_of(&[3, 2]), page_of(&[1])]).await;
    let ws = Workspace::new();
    let raw = ws.path("raw");
    assert_eq!(
        ws.sync(&strava, &["--raw-dir", raw.to_str().unwrap()])
            .code(),
        0
    );
    let before = strava.requests().await.len();

    let replay_db = ws.path("replay.duckdb");
    let run = ws.run(
        &[
            "sync".into(),
            "--from-raw".into(),
            raw.display().to_string(),
        ],
        &[("WAREHOUSE", format!("duckdb:{}", replay_db.display()))],
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(
        strava.requests().await.len(),
        before,
        "replay must not call Strava"
    );
    let replayed = Db::open(&replay_db);
    assert_eq!(replayed.ids(), vec![1, 2, 3]);
    assert_eq!(
        replayed.one::<String>("SELECT source FROM sync_runs"),
        "raw"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn instants_stay_utc_whatever_the_machines_time_zone() {
    let strava = Strava::serving(&[vec![activity(1, "2024-05-01T23:30:00Z")]]).await;
    let ws = Workspace::new();
    let run = ws.sync_with_env(&strava, &[], &[("TZ", "Pacific/Auckland")]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(
        db.one::<String>("SELECT CAST(start_date AS VARCHAR) FROM activities"),
        "2024-05-01 23:30:00"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_warehouse_file_held_by_another_process_fails_before_any_strava_call() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[2, 1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let second = Strava::serving(&[page_of(&[3, 2, 1])]).await;
    let holder = Db::open(&ws.db());
    let run = ws.sync(&second, &[]);
    drop(holder);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("the file is open in another program"),
        "{}",
        run.stderr()
    );
    assert!(
        second.requests().await.is_empty(),
        "no Strava call may be spent"
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_access_token_rejected_mid_run_is_refreshed_once_and_the_run_goes_on() {
    let strava = Strava::start().await;
    strava.token(None).await;
    strava.athlete().await;
    strava
        .page_fails_once(2, ResponseTemplate::new(401).set_body_json(json!({"message": "Authorization Error", "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}]})))
        .await;
    strava.pages(&[page_of(&[3, 2]), page_of(&[1])]).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
    assert_eq!(strava.token_calls().await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_access_token_rejected_again_after_the_refresh_fails_the_run() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let revoked = Strava::start().await;
    revoked.token(None).await;
    revoked
        .athlete_responds(ResponseTemplate::new(401).set_body_json(json!({"message": "Authorization Error", "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}]})))
        .await;
    let run = ws.sync(&revoked, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("strava-warehouse login"),
        "{}",
        run.stderr()
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_response_that_stalls_past_the_timeout_is_retried_and_the_run_succeeds() {
    let strava = Strava::start().await;
    strava.token(None).await;
    strava.athlete().await;
    strava
        .page_fails_once(
            1,
            ResponseTemplate::new(200)
                .set_body_json(page_of(&[1]))
                .set_delay(std::time::Duration::from_secs(3)),
        )
        .await;
    strava.pages(&[page_of(&[1])]).await;
    let ws = Workspace::new();

    let run = ws.sync_with_env(&strava, &[], &[("HTTP_TIMEOUT_SECS", "1")]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stderr().contains("retry 1 of 2"), "{}", run.stderr());
    assert_eq!(
        Db::open(&ws.db()).one::<i64>("SELECT api_calls FROM sync_runs"),
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_strava_fails_cleanly_after_bounded_retries() {
    // A socket bound but never listening: the port stays ours for the whole
    // test (no other process can take it) and every connection is refused.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    let ws = Workspace::new();

    let run = ws.run(
        &[
            "sync".into(),
            "--secrets".into(),
            format!("file:{}", ws.secrets_file().display()),
        ],
        &[
            ("STRAVA_API_URL", format!("{url}/api/v3")),
            ("STRAVA_OAUTH_URL", format!("{url}/oauth")),
        ],
    );
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("after 3 attempts"),
        "{}",
        run.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_history_of_450_activities_costs_three_full_pages_plus_the_empty_one_token_and_athlete() {
    let ids: Vec<i64> = (1..=450).rev().collect();
    let pages: Vec<Vec<serde_json::Value>> = ids.chunks(200).map(page_of).collect();
    let strava = Strava::serving(&pages).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    // ceil(450 / 200) = 3 pages, the empty 4th, 1 token call, 1 athlete call.
    assert_eq!(strava.requests().await.len(), 3 + 1 + 1 + 1);
    assert_eq!(
        Db::open(&ws.db()).one::<i64>("SELECT count(*) FROM activities"),
        450
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nearly_spent_window_stops_the_sync_before_any_page_is_fetched() {
    let ws = Workspace::new();
    let ids: Vec<i64> = (1..=450).rev().collect();
    let history: Vec<Vec<serde_json::Value>> = ids.chunks(200).map(page_of).collect();
    let first = Strava::serving(&history).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    // 4 pages are needed (450 activities and the empty page); 2 calls are left.
    let spent = Strava::start().await;
    spent.token(None).await;
    spent
        .athlete_responds(
            ResponseTemplate::new(200)
                .insert_header("X-ReadRateLimit-Limit", "100,1000")
                .insert_header("X-ReadRateLimit-Usage", "98,400")
                .set_body_json(json!({"id": ATHLETE_ID})),
        )
        .await;
    spent.pages(&history).await;
    let run = ws.sync_with_env(&spent, &[], &[("RATE_LIMIT_MAX_WAIT_SECS", "0")]);

    assert_eq!(run.code(), 3, "{}", run.all());
    assert!(run.stderr().contains("2 calls left"), "{}", run.stderr());
    let pages_asked = spent
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/activities"))
        .count();
    assert_eq!(pages_asked, 0);
    let db = Db::open(&ws.db());
    assert_eq!(db.one::<i64>("SELECT count(*) FROM activities"), 450);
    assert_eq!(db.outcomes(), vec!["ok", "rate_limited"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_on_the_same_credentials_does_nothing_while_the_first_holds_the_lock() {
    let strava = Strava::serving(&[page_of(&[1])]).await;
    let ws = Workspace::new();
    let mut lock_path = ws.secrets_file().into_os_string();
    lock_path.push(".lock");
    let held = std::fs::File::create(&lock_path).unwrap();
    held.lock().unwrap();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("another strava-warehouse run"),
        "{}",
        run.stderr()
    );
    assert!(
        strava.requests().await.is_empty(),
        "no token refresh, no call at all"
    );

    held.unlock().unwrap();
    assert_eq!(ws.sync(&strava, &[]).code(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_json_log_line_carries_the_run_id_and_the_run_ends_with_its_figures() {
    let ws = Workspace::new();
    let strava = Strava::serving(&[page_of(&[3, 2, 1])]).await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 0, "{}", run.all());
    let lines: Vec<serde_json::Value> = run
        .stderr()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(!lines.is_empty());
    let run_id = lines[0]["run_id"].as_str().expect("run_id").to_string();
    assert!(lines.iter().all(|l| l["run_id"] == json!(run_id)));
    let last = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("sync finished"))
        })
        .expect("a closing line");
    assert_eq!(last["severity"], json!("INFO"));
    assert_eq!(last["activities"], json!(3));
    assert_eq!(last["api_calls"], json!(4));
}

/// `doctor` with the `file:` store against the double.
fn doctor(ws: &Workspace, strava: &Strava) -> Run {
    ws.run(
        &[
            "doctor".into(),
            "--secrets".into(),
            format!("file:{}", ws.secrets_file().display()),
        ],
        &[
            ("STRAVA_API_URL", strava.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_reports_each_check_ok_and_saves_a_rotated_token_creating_nothing() {
    let ws = Workspace::new();
    let strava = Strava::start().await;
    strava.token(Some(ROTATED_TOKEN)).await;
    strava
        .athlete_responds(
            ResponseTemplate::new(200)
                .set_body_json(athlete())
                .insert_header("x-ratelimit-limit", "200,2000")
                .insert_header("x-ratelimit-usage", "7,70"),
        )
        .await;

    let run = doctor(&ws, &strava);

    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("OK")), "{out}");
    assert!(out.contains("7/200 in 15 min"), "{out}");
    assert!(out.contains("no sync has loaded it yet"), "{out}");
    assert_eq!(ws.refresh_token_on_disk(), ROTATED_TOKEN);
    assert!(!ws.db().exists(), "doctor created {}", ws.db().display());
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_with_a_revoked_token_prints_fail_with_the_fix_and_exits_1() {
    let ws = Workspace::new();
    let strava = Strava::start().await;
    strava
        .token_fails(400, json!({"message": "Bad Request", "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}]}))
        .await;

    let run = doctor(&ws, &strava);

    assert_eq!(run.code(), 1, "{}", run.all());
    let token_line = run
        .stdout()
        .lines()
        .find(|l| l.contains("Strava token"))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(token_line.starts_with("FAIL"), "{}", run.stdout());
    assert!(
        token_line.contains("strava-warehouse login"),
        "{token_line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_never_refreshes_a_token_the_env_store_could_not_save() {
    let ws = Workspace::new();
    let strava = Strava::serving(&[]).await;
    let run = ws.run(
        &["doctor".into()],
        &[
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
            ("STRAVA_CLIENT_ID", CLIENT_ID.into()),
            ("STRAVA_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("STRAVA_REFRESH_TOKEN", REFRESH_TOKEN.into()),
        ],
    );

    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout().contains("SKIP  Strava token"),
        "{}",
        run.stdout()
    );
    assert!(strava.requests().await.is_empty(), "doctor called Strava");
}
