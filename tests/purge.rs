//! Owning one's data: `purge` deletes everything the product stored, and
//! saved raw pages expire after RAW_RETENTION_DAYS.
#![cfg(feature = "duckdb")]

use crate::common;

use common::*;

fn objects_in(db: &Db) -> i64 {
    db.one::<i64>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'")
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_deletes_tables_views_raw_pages_and_credentials_and_lists_them() {
    let strava = Strava::serving(&[page_of(&[2, 1])]).await;
    let ws = Workspace::new();
    let raw = ws.path("raw");
    assert_eq!(
        ws.sync(&strava, &["--raw-dir", raw.to_str().unwrap()])
            .code(),
        0
    );
    std::fs::write(raw.join("my-notes.txt"), "not the product's").unwrap();
    assert!(objects_in(&Db::open(&ws.db())) > 5);

    let run = ws.run(
        &[
            "purge".into(),
            "--yes".into(),
            "--credentials".into(),
            "--raw-dir".into(),
            raw.display().to_string(),
            "--secrets".into(),
            format!("file:{}", ws.secrets_file().display()),
        ],
        &[],
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    assert!(
        out.contains("table activities") && out.contains("view activity_metrics"),
        "{out}"
    );
    assert!(
        out.contains("raw pages") && out.contains("secrets file"),
        "{out}"
    );
    assert_eq!(objects_in(&Db::open(&ws.db())), 0);
    assert!(!ws.secrets_file().exists());
    let left: Vec<_> = std::fs::read_dir(&raw)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("my-notes.txt")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_without_confirmation_deletes_nothing() {
    let strava = Strava::serving(&[page_of(&[1])]).await;
    let ws = Workspace::new();
    assert_eq!(ws.sync(&strava, &[]).code(), 0);

    let run = ws.run(&["purge".into()], &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("nothing was deleted"),
        "{}",
        run.stderr()
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_pages_older_than_the_retention_are_deleted_at_the_start_of_a_sync() {
    let strava = Strava::serving(&[page_of(&[1])]).await;
    let ws = Workspace::new();
    let raw = ws.path("raw");
    let old = raw.join("20200101T000000.000Z");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("athlete.json"), "{}").unwrap();

    let run = ws.sync(&strava, &["--raw-dir", raw.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(!old.exists(), "a 2020 run is older than 7 days");
    assert_eq!(
        std::fs::read_dir(&raw).unwrap().count(),
        1,
        "this run's pages stay"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_points_to_purge() {
    let strava = Strava::start().await;
    strava
        .token_fails(400, serde_json::json!({"message": "Bad Request", "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}]}))
        .await;
    let ws = Workspace::new();
    let run = ws.sync(&strava, &[]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("purge --credentials"),
        "{}",
        run.stderr()
    );
}

#[test]
fn purging_a_duckdb_file_that_does_not_exist_deletes_nothing_and_creates_nothing() {
    let ws = Workspace::new();
    let run = ws.run(&["purge".into(), "--yes".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stdout().contains("Nothing to delete."), "{}", run.all());
    assert!(!ws.db().exists(), "purge created {}", ws.db().display());
}
