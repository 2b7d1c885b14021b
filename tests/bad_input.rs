//! Bad configuration and hostile data: exit code 2 naming the setting for the
//! former; for the latter, values stored exactly or rejected with the field
//! named, never a panic, and the previous data kept.
#![cfg(feature = "duckdb")]

use crate::common;

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
fn missing_environment_variables_are_exit_2_naming_every_one_at_once() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into()], &[("STRAVA_CLIENT_ID", "1".into())]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr()
            .contains("STRAVA_CLIENT_SECRET, STRAVA_REFRESH_TOKEN are not set"),
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

#[tokio::test(flavor = "multi_thread")]
async fn parquet_out_naming_the_warehouse_file_is_exit_2_and_the_warehouse_survives() {
    let ws = Workspace::new();
    let strava = Strava::serving(&[page_of(&[2, 1])]).await;
    assert_eq!(ws.sync(&strava, &[]).code(), 0);

    let run = ws.sync(&strava, &["--parquet-out", ws.db().to_str().unwrap()]);

    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("strava.duckdb") && run.stderr().contains("not a Parquet file"),
        "{}",
        run.stderr()
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_out_naming_the_secrets_file_is_refused_before_the_token_call() {
    let ws = Workspace::new();
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = ws.sync(
        &strava,
        &["--parquet-out", ws.secrets_file().to_str().unwrap()],
    );

    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("secrets.json"), "{}", run.stderr());
    assert_eq!(ws.refresh_token_on_disk(), REFRESH_TOKEN);
    assert!(strava.requests().await.is_empty(), "no call may be spent");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_athlete_file_beside_parquet_out_that_an_earlier_run_did_not_write_is_refused() {
    let ws = Workspace::new();
    let strava = Strava::serving(&[page_of(&[1])]).await;
    let notes = ws.path("out.athlete.parquet");
    std::fs::write(&notes, "my own notes").unwrap();

    let run = ws.sync(
        &strava,
        &["--parquet-out", ws.path("out.parquet").to_str().unwrap()],
    );

    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("out.athlete.parquet"),
        "{}",
        run.stderr()
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my own notes");
}

/// Rows in a Parquet file.
fn parquet_rows(path: &std::path::Path) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(path).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    reader.metadata().file_metadata().num_rows()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_run_leaves_the_parquet_out_files_of_the_last_good_run_as_they_were() {
    let ws = Workspace::new();
    let out = ws.path("out.parquet");
    let athlete = ws.path("out.athlete.parquet");
    let first = Strava::serving(&[page_of(&[2, 1])]).await;
    assert_eq!(
        ws.sync(&first, &["--parquet-out", out.to_str().unwrap()])
            .code(),
        0
    );
    let before = (
        std::fs::read(&out).unwrap(),
        std::fs::read(&athlete).unwrap(),
    );

    let broken = Strava::start().await;
    broken.token(None).await;
    broken.athlete().await;
    broken
        .page_responds(
            1,
            ResponseTemplate::new(200).set_body_string(r#"[{"id": 5, "distance": "far"}]"#),
        )
        .await;
    let run = ws.sync(&broken, &["--parquet-out", out.to_str().unwrap()]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let after = (
        std::fs::read(&out).unwrap(),
        std::fs::read(&athlete).unwrap(),
    );
    assert!(before == after, "the failed run changed the kept files");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_replaces_the_parquet_out_files_an_earlier_run_wrote() {
    let ws = Workspace::new();
    let out = ws.path("out.parquet");
    let first = Strava::serving(&[page_of(&[2, 1])]).await;
    assert_eq!(
        ws.sync(&first, &["--parquet-out", out.to_str().unwrap()])
            .code(),
        0
    );
    let second = Strava::serving(&[page_of(&[5, 4, 3, 2, 1])]).await;

    let run = ws.sync(&second, &["--parquet-out", out.to_str().unwrap()]);

    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(parquet_rows(&out), 5);
    assert_eq!(parquet_rows(&ws.path("out.athlete.parquet")), 1);
    let leftovers: Vec<_> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn sync_help_names_both_files_parquet_out_writes() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into(), "--help".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout().contains("<stem>.athlete.parquet"),
        "{}",
        run.stdout()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_raw_retention_beyond_a_century_is_exit_2_naming_the_allowed_range() {
    let ws = Workspace::new();
    let strava = Strava::serving(&[page_of(&[1])]).await;
    let raw = ws.path("raw");

    let run = ws.sync(
        &strava,
        &[
            "--raw-dir",
            raw.to_str().unwrap(),
            "--raw-retention-days",
            "100000000",
        ],
    );

    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("0..=36500"), "{}", run.stderr());
    assert!(strava.requests().await.is_empty(), "no call may be spent");
}

/// `sync` asked for Google Cloud; unless the store is the Google one, the
/// `file:` store (so the Strava credentials are not what fails).
fn google_cloud_sync(ws: &Workspace, flag: &str, value: &str) -> Run {
    let mut args: Vec<String> = vec!["sync".into()];
    if flag != "--secrets" {
        let secrets = format!("file:{}", ws.secrets_file().display());
        args.extend(["--secrets".to_string(), secrets]);
    }
    args.extend([flag.to_string(), value.to_string()]);
    ws.run(&args, &[])
}

#[cfg(not(feature = "gcp"))]
#[test]
fn a_build_without_gcp_asked_for_google_cloud_is_exit_2_saying_how_to_get_it() {
    let ws = Workspace::new();
    for (flag, value) in [("--warehouse", "bigquery:p1.d1"), ("--secrets", "gcp:p1")] {
        let run = google_cloud_sync(&ws, flag, value);
        assert_eq!(run.code(), 2, "{flag} {value}: {}", run.all());
        let err = run.stderr();
        assert!(
            err.contains(value) && err.contains("built without the `gcp` feature"),
            "{flag} {value}: {err}"
        );
        assert!(err.contains("--features gcp"), "{flag} {value}: {err}");
    }
}

#[cfg(feature = "gcp")]
#[test]
fn bigquery_with_no_google_credentials_at_all_says_so_and_names_the_gcloud_command() {
    // The run's environment is cleared: no GOOGLE_APPLICATION_CREDENTIALS,
    // no HOME (so no gcloud file), and no metadata server on this machine.
    let ws = Workspace::new();
    let run = google_cloud_sync(&ws, "--warehouse", "bigquery:p1.d1");
    assert_ne!(run.code(), 0, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("no Application Default Credentials found"),
        "{err}"
    );
    assert!(
        err.contains("gcloud auth application-default login"),
        "{err}"
    );
    assert!(!err.contains("transient errors"), "{err}");
}

#[test]
fn a_from_raw_folder_that_does_not_exist_is_exit_2_saying_so_once() {
    let ws = Workspace::new();
    let missing = ws.path("no-such-run");
    let run = ws.run(
        &[
            "sync".into(),
            "--from-raw".into(),
            missing.display().to_string(),
        ],
        &[],
    );
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains("does not exist"), "{err}");
    assert_eq!(err.matches("no-such-run").count(), 1, "{err}");
}

#[test]
fn sync_help_groups_the_settings_under_headings_and_ends_with_examples() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into(), "--help".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    for heading in [
        "Source:",
        "Warehouse:",
        "Credentials:",
        "Limits:",
        "Logging:",
        "Examples:",
    ] {
        assert!(out.contains(heading), "no {heading}\n{out}");
    }
    assert!(
        out.contains("sync --from-raw examples/sample-athlete"),
        "{out}"
    );
}

#[test]
fn the_short_help_hides_the_test_only_url_settings_the_long_help_shows() {
    let ws = Workspace::new();
    let short = ws.run(&["sync".into(), "-h".into()], &[]);
    let long = ws.run(&["sync".into(), "--help".into()], &[]);
    for flag in [
        "--strava-api-url",
        "--strava-oauth-url",
        "--bigquery-api-url",
        "--secret-manager-api-url",
    ] {
        assert!(!short.stdout().contains(flag), "-h shows {flag}");
        assert!(long.stdout().contains(flag), "--help lacks {flag}");
    }
    assert!(short.stdout().contains("--from-raw"), "{}", short.stdout());
}

#[test]
fn looker_url_takes_only_the_dataset_and_the_template_not_the_load_settings() {
    let ws = Workspace::new();
    let run = ws.run(&["looker-url".into(), "--help".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let help = run.stdout();
    assert!(help.contains("--template"), "{help}");
    for flag in [
        "--bigquery-location",
        "--bigquery-job-timeout-secs",
        "--http-retries",
        "--bigquery-api-url",
    ] {
        assert!(
            !help.contains(flag),
            "looker-url --help offers {flag}\n{help}"
        );
    }
}

#[test]
fn only_sync_describes_the_warehouse_as_where_to_load() {
    let ws = Workspace::new();
    let sync = ws.run(&["sync".into(), "--help".into()], &[]);
    assert!(sync.stdout().contains("Where to load"), "{}", sync.stdout());
    for command in ["purge", "report", "views", "doctor"] {
        let run = ws.run(&[command.into(), "--help".into()], &[]);
        assert_eq!(run.code(), 0, "{command}: {}", run.all());
        assert!(
            !run.stdout().contains("Where to load"),
            "{command} --help: {}",
            run.stdout()
        );
    }
}

#[test]
fn a_usage_error_with_json_logs_is_one_error_line_and_exit_2() {
    let ws = Workspace::new();
    let run = ws.run(
        &["sync".into(), "--no-such-flag".into()],
        &[("LOG_FORMAT", "json".into())],
    );
    assert_eq!(run.code(), 2, "{}", run.all());
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let line: serde_json::Value = serde_json::from_str(lines[0]).expect("one JSON line");
    assert_eq!(line["severity"], "ERROR", "{line}");
    assert!(
        line["message"]
            .as_str()
            .is_some_and(|m| m.contains("--no-such-flag")),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_holding_the_file_is_named_with_what_to_do_and_the_data_is_kept() {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[1])]).await;
    assert_eq!(ws.sync(&first, &[]).code(), 0);
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .expect("a read-only config");
    let reader = duckdb::Connection::open_with_flags(ws.db(), config).expect("a reader");

    let second = Strava::serving(&[page_of(&[2, 1])]).await;
    let run = ws.sync(&second, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains("open in another program"), "{err}");
    assert!(
        err.contains("close it there (a notebook: `con.close()`)"),
        "{err}"
    );
    assert!(!err.contains("However, you would be able"), "{err}");
    drop(reader);
    assert_eq!(Db::open(&ws.db()).ids(), vec![1]);
}
