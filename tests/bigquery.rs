//! `sync --warehouse bigquery:…` end to end: the real binary, signing in through
//! Application Default Credentials against a fake metadata server, loading
//! into the BigQuery emulator that `.ci/test` starts (the tests that need it
//! are ignored by plain `cargo test`), read back over BigQuery's REST API.

use crate::common;

use common::bigquery::*;
use common::*;
use serde_json::{Value, json};
use strava_warehouse::schema::ACTIVITIES;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");

/// The environment of `sync --from-raw` of the sample into `PROJECT.dataset` at `api`.
fn sample_env<'a>(
    meta: &Metadata,
    api: &str,
    dataset: &str,
    env: &[(&'a str, &str)],
) -> Vec<(&'a str, String)> {
    let mut vars = vec![
        ("WAREHOUSE", format!("bigquery:{PROJECT}.{dataset}")),
        ("BIGQUERY_API_URL", api.to_string()),
        ("GCE_METADATA_HOST", meta.host()),
    ];
    vars.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
    vars
}

fn sample_args() -> Vec<String> {
    vec!["sync".into(), "--from-raw".into(), SAMPLE.into()]
}

/// Runs `sync --from-raw` of the sample athlete into `PROJECT.dataset` at `api`.
fn sync_sample(
    ws: &Workspace,
    meta: &Metadata,
    api: &str,
    dataset: &str,
    env: &[(&str, &str)],
) -> Run {
    let run = ws.run(&sample_args(), &sample_env(meta, api, dataset, env));
    assert!(
        !run.all().contains(GCP_TOKEN),
        "the Google token leaked:\n{}",
        run.all()
    );
    run
}

/// What most tests here start from: the emulator, a workspace, the fake
/// metadata server, a read-back client and a dataset no other test uses.
struct Setup {
    emulator: Emulator,
    ws: Workspace,
    meta: Metadata,
    bq: BigQuery,
    ds: Dataset,
}

/// A fresh dataset and workspace; panics without an emulator.
async fn setup() -> Setup {
    let emulator = lease_emulator();
    Setup {
        ws: Workspace::new(),
        meta: Metadata::start().await,
        bq: BigQuery::new(&emulator),
        ds: fresh_dataset(&emulator),
        emulator,
    }
}

fn sample_first_activity() -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLE}/activities-page-0001.json")).unwrap();
    let page: Vec<Value> = serde_json::from_str(&text).unwrap();
    page[0].clone()
}

fn cell_str(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn sync_loads_every_sample_activity_into_bigquery_with_exact_values() {
    let Setup {
        emulator,
        ws,
        meta,
        bq,
        ds,
    } = setup().await;

    let run = sync_sample(&ws, &meta, &emulator, &ds, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.activities"))
            .await,
        600
    );
    bq.assert_no_secret_in(&ds).await;
    let a = sample_first_activity();
    let id = a["id"].as_i64().unwrap();
    let rows = bq
        .query(&format!(
            "SELECT name, distance, moving_time, sport_type, UNIX_SECONDS(start_date), \
             start_lat, source FROM {ds}.activities WHERE id = {id}"
        ))
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(cell_str(&r[0]), a["name"].as_str().unwrap());
    assert_eq!(
        cell_str(&r[1]).parse::<f64>().unwrap(),
        a["distance"].as_f64().unwrap()
    );
    assert_eq!(cell_str(&r[2]), a["moving_time"].to_string());
    assert_eq!(cell_str(&r[3]), a["sport_type"].as_str().unwrap());
    let start = chrono::DateTime::parse_from_rfc3339(a["start_date"].as_str().unwrap()).unwrap();
    assert_eq!(cell_str(&r[4]), start.timestamp().to_string());
    assert_eq!(
        cell_str(&r[5]).parse::<f64>().unwrap(),
        a["start_latlng"][0].as_f64().unwrap()
    );
    assert_eq!(cell_str(&r[6]), "api");
    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.athlete"))
            .await,
        1
    );
    let outcome = bq
        .query(&format!("SELECT outcome, activities FROM {ds}.sync_runs"))
        .await;
    assert_eq!(outcome, vec![vec![json!("ok"), json!("600")]]);
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn the_activities_table_has_the_fixed_schema_descriptions_partitioning_and_clustering() {
    let Setup {
        emulator,
        ws,
        meta,
        bq,
        ds,
    } = setup().await;

    let run = sync_sample(&ws, &meta, &emulator, &ds, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let table = bq.table(&ds, "activities").await;
    let fields = table["schema"]["fields"].as_array().expect("schema fields");
    let got: Vec<(String, String, String)> = fields
        .iter()
        .map(|f| {
            (
                cell_str(&f["name"]),
                cell_str(&f["type"]),
                cell_str(&f["description"]),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = ACTIVITIES
        .columns
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.kind.bigquery().to_string(),
                c.description.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        table["timePartitioning"],
        json!({"type": "MONTH", "field": "start_date"})
    );
    assert_eq!(table["clustering"], json!({"fields": ["sport_type"]}));
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn a_second_sync_replaces_activities_instead_of_appending_and_appends_a_run_row() {
    let Setup {
        emulator,
        ws,
        meta,
        bq,
        ds,
    } = setup().await;

    for _ in 0..2 {
        let run = sync_sample(&ws, &meta, &emulator, &ds, &[]);
        assert_eq!(run.code(), 0, "{}", run.all());
    }

    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.activities"))
            .await,
        600
    );
    assert_eq!(
        bq.count(&format!("SELECT COUNT(DISTINCT id) FROM {ds}.activities"))
            .await,
        600
    );
    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.athlete"))
            .await,
        1
    );
    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.sync_runs"))
            .await,
        2
    );
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn a_file_above_the_threshold_goes_up_resumably_with_an_explicit_schema() {
    let Setup {
        emulator,
        ws,
        meta,
        bq,
        ds,
    } = setup().await;
    let front = Front::start(&emulator).await;

    let run = sync_sample(
        &ws,
        &meta,
        &front.url(),
        &ds,
        &[("BIGQUERY_RESUMABLE_ABOVE_BYTES", "1000")],
    );
    assert_eq!(run.code(), 0, "{}", run.all());

    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.activities"))
            .await,
        600
    );
    let uploads: Vec<_> = front
        .requests()
        .await
        .into_iter()
        .filter(|r| r.url.path().starts_with("/upload/"))
        .collect();
    assert!(!uploads.is_empty());
    for upload in &uploads {
        let kind = upload.url.query().unwrap_or_default();
        assert!(kind.contains("uploadType=resumable"), "{kind}");
        let job: Value =
            serde_json::from_slice(&upload.body).expect("the session request is the job");
        let load = &job["configuration"]["load"];
        assert_eq!(load["autodetect"], json!(false));
        assert_eq!(load["sourceFormat"], json!("PARQUET"));
        assert!(
            load["schema"]["fields"]
                .as_array()
                .is_some_and(|f| !f.is_empty())
        );
        let bearer = upload
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        assert_eq!(bearer, Some(format!("Bearer {GCP_TOKEN}").as_str()));
    }
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn a_failing_load_job_keeps_the_previous_rows_and_reports_bigquerys_words() {
    let Setup {
        emulator,
        ws,
        meta,
        bq,
        ds,
    } = setup().await;
    let first = sync_sample(&ws, &meta, &emulator, &ds, &[]);
    assert_eq!(first.code(), 0, "{}", first.all());
    let loaded_at = bq
        .query(&format!("SELECT MAX(loaded_at) FROM {ds}.activities"))
        .await;

    let front = Front::start(&emulator).await;
    let reason =
        "Error while reading data, error message: Parquet column 'distance' has type INT64";
    front.fail_loads_into("activities", reason).await;
    let run = sync_sample(&ws, &meta, &front.url(), &ds, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let stderr = run.stderr();
    assert!(stderr.contains("`activities`"), "{stderr}");
    assert!(stderr.contains(reason), "{stderr}");
    assert!(
        stderr.contains("file-00000000"),
        "every error is shown: {stderr}"
    );
    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.activities"))
            .await,
        600
    );
    assert_eq!(
        bq.query(&format!("SELECT MAX(loaded_at) FROM {ds}.activities"))
            .await,
        loaded_at
    );
    let outcomes = bq
        .query(&format!(
            "SELECT outcome FROM {ds}.sync_runs ORDER BY started_at"
        ))
        .await;
    assert_eq!(outcomes, vec![vec![json!("ok")], vec![json!("failed")]]);
    let destructive = front
        .requests()
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "DELETE" || r.url.path().ends_with("/queries"))
        .count();
    assert_eq!(destructive, 0, "nothing but load jobs may touch the tables");
}

#[tokio::test]
async fn an_unreachable_bigquery_fails_before_any_strava_call() {
    let ws = Workspace::new();
    let meta = Metadata::start().await;
    let strava = Strava::serving(&[page_of(&[1, 2])]).await;

    let run = ws.sync_with_env(
        &strava,
        &[],
        &[
            ("WAREHOUSE", "bigquery:p1.ds"),
            ("BIGQUERY_API_URL", "http://127.0.0.1:1"),
            ("GCE_METADATA_HOST", &meta.host()),
        ],
    );

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("bigquery:p1.ds is unavailable"),
        "{}",
        run.stderr()
    );
    assert!(
        strava.requests().await.is_empty(),
        "no Strava call may be spent"
    );
    run.assert_no_secret();
}

#[tokio::test]
async fn a_permission_denied_answer_names_the_roles_the_job_needs() {
    let ws = Workspace::new();
    let meta = Metadata::start().await;
    let google = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/bigquery/v2/projects/p1/datasets/ds/tables/activities$"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {
            "code": 403,
            "message": "Access Denied: Table p1:ds.activities: Permission bigquery.tables.get denied",
            "status": "PERMISSION_DENIED",
            "errors": [{"reason": "accessDenied", "message": "Access Denied"}]
        }})))
        .mount(&google)
        .await;

    let run = ws.run(
        &["sync".into(), "--from-raw".into(), SAMPLE.into()],
        &[
            ("WAREHOUSE", "bigquery:p1.ds".into()),
            ("BIGQUERY_API_URL", google.uri()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    );

    assert_eq!(run.code(), 1, "{}", run.all());
    let stderr = run.stderr();
    assert!(
        stderr.contains("Permission bigquery.tables.get denied"),
        "{stderr}"
    );
    assert!(stderr.contains("roles/bigquery.dataEditor"), "{stderr}");
    assert!(!run.all().contains(GCP_TOKEN));
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn purge_deletes_every_table_and_view_the_product_created_in_the_dataset() {
    let Setup {
        emulator,
        ws,
        meta,
        bq,
        ds,
    } = setup().await;
    assert_eq!(sync_sample(&ws, &meta, &emulator, &ds, &[]).code(), 0);
    assert!(
        bq.table(&ds, "activity_metrics")
            .await
            .get("error")
            .is_none()
    );

    let run = ws.run(
        &["purge".into(), "--yes".into()],
        &[
            ("WAREHOUSE", format!("bigquery:{PROJECT}.{ds}")),
            ("BIGQUERY_API_URL", emulator.clone()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    );

    assert_eq!(run.code(), 0, "{}", run.all());
    let mut gone = vec![];
    for view in strava_warehouse::views::VIEWS.iter().map(|v| v.name) {
        gone.push(view);
    }
    gone.extend(strava_warehouse::schema::TABLES.iter().map(|t| t.name));
    for name in gone {
        assert!(
            run.stdout().contains(&format!("{PROJECT}.{ds}.{name}")),
            "{name} not listed:\n{}",
            run.stdout()
        );
        let table = bq.table(&ds, name).await;
        assert_eq!(table["error"]["code"], 404, "{name} still there: {table}");
    }
    assert!(!run.all().contains(GCP_TOKEN));
}

/// The sample synced into the test's dataset, then a Front before the
/// emulator for the next sync to go through (the Front's faults are set by
/// the caller).
async fn loaded_behind_a_front(s: &Setup) -> Front {
    assert_eq!(
        sync_sample(&s.ws, &s.meta, &s.emulator, &s.ds, &[]).code(),
        0
    );
    Front::start(&s.emulator).await
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn a_load_job_still_running_at_the_timeout_is_cancelled_and_the_rows_kept() {
    let s = setup().await;
    let front = loaded_behind_a_front(&s).await;
    front.stall_loads_into("activities").await;
    let Setup {
        ws, meta, bq, ds, ..
    } = &s;

    let run = sync_sample(
        ws,
        meta,
        &front.url(),
        ds,
        &[("BIGQUERY_JOB_TIMEOUT_SECS", "1")],
    );

    assert_eq!(run.code(), 1, "{}", run.all());
    let stderr = run.stderr();
    assert!(
        stderr.contains("not done after 1 s") && stderr.contains("cancel"),
        "{stderr}"
    );
    assert_eq!(cancels(&front).await, 1);
    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.activities"))
            .await,
        600
    );
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn a_load_failing_after_activities_were_replaced_says_so_instead_of_claiming_all_kept() {
    let s = setup().await;
    let front = loaded_behind_a_front(&s).await;
    let Setup {
        ws, meta, bq, ds, ..
    } = &s;
    let loaded_at = bq
        .query(&format!("SELECT MAX(loaded_at) FROM {ds}.activities"))
        .await;
    front
        .fail_loads_into("athlete", "Error while reading data")
        .await;

    let run = sync_sample(ws, meta, &front.url(), ds, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let stderr = run.stderr();
    assert!(
        stderr.contains("loading `athlete`")
            && stderr.contains("already replaced `activities`")
            && !stderr.contains("the previous data is kept"),
        "{stderr}"
    );
    assert_ne!(
        bq.query(&format!("SELECT MAX(loaded_at) FROM {ds}.activities"))
            .await,
        loaded_at,
        "activities was replaced, as the message says"
    );
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn a_sigterm_during_a_load_job_cancels_it_records_the_run_interrupted_and_keeps_the_rows() {
    let s = setup().await;
    let front = loaded_behind_a_front(&s).await;
    front.stall_loads_into("activities").await;
    let Setup {
        ws, meta, bq, ds, ..
    } = &s;

    let child = ws.spawn(&sample_args(), &sample_env(meta, &front.url(), ds, &[]));
    let front_ref = &front;
    wait_until("the stalled load job being polled", || async move {
        front_ref.requests().await.iter().any(|r| {
            r.method.as_str() == "GET" && r.url.path().ends_with("/jobs/stalled_load_activities")
        })
    })
    .await;
    send_signal(&child, "TERM");
    let run = ws.finish(child, std::time::Duration::from_secs(10));

    assert_eq!(run.code(), 143, "{}", run.all());
    assert!(!run.all().contains(GCP_TOKEN));
    let errors = run.error_lines();
    assert_eq!(errors.len(), 1, "one ERROR line: {errors:#?}");
    assert!(
        errors[0].contains("interrupted by SIGTERM")
            && errors[0].contains("asked BigQuery to cancel"),
        "{}",
        errors[0]
    );
    assert_eq!(cancels(&front).await, 1);
    assert_eq!(
        bq.count(&format!("SELECT COUNT(*) FROM {ds}.activities"))
            .await,
        600
    );
    let outcomes: Vec<String> = bq
        .query(&format!(
            "SELECT outcome FROM {ds}.sync_runs ORDER BY started_at"
        ))
        .await
        .iter()
        .map(|row| cell_str(&row[0]))
        .collect();
    assert_eq!(outcomes, vec!["ok", "interrupted"]);
}

/// The report's sections and chart data, without the header line that says
/// when each warehouse was loaded.
#[cfg(all(feature = "duckdb", feature = "report"))]
fn report_body(html: &str) -> &str {
    &html[html.find("<main>").expect("a report")..]
}

#[cfg(all(feature = "duckdb", feature = "report"))]
#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn the_report_from_bigquery_is_the_report_from_duckdb() {
    let Setup {
        emulator,
        ws,
        meta,
        ds,
        ..
    } = setup().await;
    assert_eq!(sync_sample(&ws, &meta, &emulator, &ds, &[]).code(), 0);
    let vars = [
        ("WAREHOUSE", format!("bigquery:{PROJECT}.{ds}")),
        ("BIGQUERY_API_URL", emulator.clone()),
        ("GCE_METADATA_HOST", meta.host()),
    ];
    let out = ws.path("bq.html");
    let run = ws.run(
        &["report".into(), "--out".into(), out.display().to_string()],
        &vars,
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    let from_bigquery = std::fs::read_to_string(&out).unwrap();

    let local = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
    assert_eq!(local.code(), 0, "{}", local.all());
    let out = ws.path("duck.html");
    let run = ws.run(
        &["report".into(), "--out".into(), out.display().to_string()],
        &[],
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    let from_duckdb = std::fs::read_to_string(&out).unwrap();

    assert!(from_bigquery.contains("id=\"chart-fitness\""));
    assert!(from_bigquery.contains("Sam Ple"), "the header's athlete");
    assert_eq!(report_body(&from_bigquery), report_body(&from_duckdb));
}

/// `jobs.cancel` calls the front received.
async fn cancels(front: &Front) -> usize {
    front
        .requests()
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/cancel"))
        .count()
}
