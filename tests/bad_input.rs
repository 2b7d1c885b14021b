//! Bad configuration and hostile data: exit code 2 naming the setting for the
//! former; for the latter, values stored exactly or rejected with the field
//! named, never a panic, and the previous data kept.
#![cfg(feature = "duckdb")]

mod common;

use common::*;
use serde_json::json;
use wiremock::ResponseTemplate;

#[test]
fn an_unknown_warehouse_scheme_is_exit_2_naming_the_choices() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into()], &[("WAREHOUSE", "postgres:db".into())]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("duckdb:PATH"), "{}", run.stderr());
}

#[test]
fn a_missing_environment_variable_is_exit_2_naming_it() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into()], &[("STRAVA_CLIENT_ID", "1".into())]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("STRAVA_CLIENT_SECRET"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_malformed_secrets_file_is_exit_2_without_echoing_it() {
    let ws = Workspace::new();
    std::fs::write(ws.secrets_file(), format!("refresh_token={REFRESH_TOKEN}")).unwrap();
    let run = ws.run(
        &[
            "sync".into(),
            "--secrets".into(),
            format!("file:{}", ws.secrets_file().display()),
        ],
        &[],
    );
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("secrets.json"), "{}", run.stderr());
    run.assert_no_secret();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_on_the_token_call_exits_3_and_keeps_the_data() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    let limited = Strava::start().await;
    limited
        .token_fails(429, json!({"message": "Rate Limit Exceeded"}))
        .await;
    let run = ws.sync(&limited, &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_are_stored_exactly() {
    let long_name: String = "ç".repeat(5_000) + "\n\"quoted\" 'single' \\ back";
    let mut a = activity(i64::MAX, "1969-07-20T20:17:40Z");
    a["name"] = json!(long_name);
    a["distance"] = json!(-12.5);
    a["max_speed"] = json!(1e308);
    let mut b = activity(i64::MAX - 1, "2101-01-01T00:00:00Z");
    b["name"] = json!("مرحبا بالعالم ‏RTL‏ 🏃‍♀️");
    b["start_date_local"] = json!("2101-01-01T01:00:00Z");
    let strava = Strava::serving(&[vec![a, b]]).await;
    let ws = Workspace::new();

    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    let max = i64::MAX;
    assert_eq!(db.ids(), vec![max - 1, max]);
    assert_eq!(
        db.one::<String>(&format!("SELECT name FROM activities WHERE id = {max}")),
        long_name
    );
    assert_eq!(
        db.one::<f64>(&format!("SELECT distance FROM activities WHERE id = {max}")),
        -12.5
    );
    assert_eq!(
        db.one::<f64>(&format!(
            "SELECT max_speed FROM activities WHERE id = {max}"
        )),
        1e308
    );
    assert_eq!(
        db.one::<String>(&format!(
            "SELECT CAST(start_date AS VARCHAR) FROM activities WHERE id = {max}"
        )),
        "1969-07-20 20:17:40"
    );
    assert_eq!(
        db.one::<String>(&format!(
            "SELECT name FROM activities WHERE id = {}",
            max - 1
        )),
        "مرحبا بالعالم ‏RTL‏ 🏃‍♀️"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn numbers_json_cannot_hold_are_rejected_with_the_field_named() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);

    for (body, field) in [
        (r#"[{"id": 5, "distance": NaN}]"#, "page 1"),
        (r#"[{"id": 5, "distance": 1e999}]"#, "page 1"),
        (r#"[{"id": 18446744073709551616}]"#, "`id`"),
        (r#"[{"id": 5, "start_date": "yesterday"}]"#, "`start_date`"),
    ] {
        let strava = Strava::start().await;
        strava.token(None).await;
        strava.athlete().await;
        strava
            .page_responds(1, ResponseTemplate::new(200).set_body_string(body))
            .await;
        let run = ws.sync(&strava, &[]);
        assert_eq!(run.code(), 1, "{body}: {}", run.all());
        assert!(run.stderr().contains(field), "{body}: {}", run.stderr());
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    }
    assert_eq!(Db::open(&ws.db()).ids(), vec![1]);
}

#[test]
fn looker_url_without_a_bigquery_warehouse_is_exit_2_saying_which_setting() {
    let ws = Workspace::new();
    let run = ws.run(&["looker-url".into()], &[]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr()
            .contains("--warehouse bigquery:PROJECT.DATASET"),
        "{}",
        run.stderr()
    );
}
