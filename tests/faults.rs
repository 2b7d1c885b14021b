//! Fault injection beyond the happy path: page bodies that are not pages, a
//! 429 before any page arrives, a connection reset halfway through a body,
//! and a full disk under the Parquet file and under the DuckDB file. Each
//! test loads a first history, breaks the second run, and checks the exit
//! code, the message, and that the first history is still there.

use crate::common;

use common::*;
use serde_json::json;
use wiremock::ResponseTemplate;

/// A workspace whose warehouse holds activities 1, 2, 3 from a clean run.
async fn loaded() -> Workspace {
    let ws = Workspace::new();
    let first = Strava::serving(&[page_of(&[3, 2, 1])]).await;
    let run = ws.sync(&first, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    ws
}

/// Waits until the run under test has asked `strava` for a page of activities.
async fn until_activities_requested(strava: &Strava) {
    wait_until("the request for page 1", || async move {
        strava
            .requests()
            .await
            .iter()
            .any(|r| r.url.path().ends_with("/activities"))
    })
    .await;
}

/// A Strava double whose page `page` answers `response`, the others normally.
async fn strava_with_page(page: u32, response: ResponseTemplate) -> Strava {
    let strava = Strava::start().await;
    strava.token(None).await;
    strava.athlete().await;
    strava.page_responds(page, response).await;
    strava
        .page_responds(
            1,
            ResponseTemplate::new(200).set_body_json(page_of(&[9, 8])),
        )
        .await;
    strava
        .page_responds(2, ResponseTemplate::new(200).set_body_json(json!([])))
        .await;
    strava
}

#[tokio::test(flavor = "multi_thread")]
async fn an_html_error_page_sent_with_status_200_fails_naming_the_page() {
    let ws = loaded().await;
    let html = "<!DOCTYPE html><html><body><h1>Strava is down for maintenance</h1></body></html>";
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(200).set_body_raw(html, "text/html"),
    )
    .await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr()
            .contains("expected a JSON array of activities, found HTML or XML, not JSON"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("page 1"), "{}", run.stderr());
    assert!(
        run.stderr().contains("maintenance"),
        "shows what came: {}",
        run.stderr()
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
    run.assert_no_secret();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_is_an_object_instead_of_an_array_fails_naming_the_page() {
    let ws = loaded().await;
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(200).set_body_json(json!({"activities": page_of(&[9, 8])})),
    )
    .await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr()
            .contains("expected a JSON array of activities, found a JSON object"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("page 1"), "{}", run.stderr());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_page_body_fails_naming_the_page() {
    let ws = loaded().await;
    let full = serde_json::to_string(&page_of(&[9, 8])).unwrap();
    let cut = &full[..full.len() / 2];
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(200).set_body_raw(cut.to_string(), "application/json"),
    )
    .await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("EOF while parsing"),
        "says the page ended early: {}",
        run.stderr()
    );
    assert!(run.stderr().contains("page 1"), "{}", run.stderr());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_on_the_first_page_exits_3_and_keeps_the_table() {
    let ws = loaded().await;
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(429)
            .insert_header("X-ReadRateLimit-Limit", "100,1000")
            .insert_header("X-ReadRateLimit-Usage", "100,300")
            .set_body_json(json!({"message": "Rate Limit Exceeded"})),
    )
    .await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 3, "{}", run.all());
    assert!(run.stderr().contains("resets at"), "{}", run.stderr());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "rate_limited"]);
}

/// The disk under `--parquet-out` fills up while the run writes: a 16 MiB
/// tmpfs left with 64 kB (`SmallDisk`; needs root).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root: mounts a tmpfs; .ci/test runs it when root"]
async fn a_full_disk_under_the_parquet_file_fails_cleanly_and_keeps_the_table() {
    let disk = SmallDisk::mount();
    let ws = loaded().await;
    let ids: Vec<i64> = (1..=3000).rev().collect();
    let pages: Vec<_> = ids.chunks(200).map(page_of).collect();
    let strava = Strava::serving(&pages).await;
    let out = disk.path("out.parquet");

    disk.fill_leaving(64 * 1024);
    let run = ws.sync(&strava, &["--parquet-out", out.to_str().unwrap()]);
    disk.free();

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr().to_lowercase();
    assert!(err.contains("no space left"), "{err}");
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "failed"]);
    assert!(!out.exists(), "a failed run leaves no --parquet-out file");
    run.assert_no_secret();
}

/// Every run in these tests ends with a sweep for secrets (`common::run`);
/// it must find a secret stored as a value in a DuckDB table or in a
/// ZSTD-compressed Parquet column, whatever either format does to the bytes.
#[test]
fn the_secret_sweep_finds_a_secret_inside_a_duckdb_file_and_a_zstd_parquet_file() {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let duck = tempfile::tempdir().unwrap();
    let db = Db::open(&duck.path().join("w.duckdb"));
    db.0.execute_batch(&format!(
        "CREATE TABLE t AS SELECT 'row ' || i || ' {REFRESH_TOKEN}' AS v FROM range(5000) r(i)"
    ))
    .unwrap();
    drop(db);
    let found = catch_unwind(AssertUnwindSafe(|| assert_no_secret_in_files(duck.path())));
    assert!(
        found.is_err(),
        "the sweep missed a secret in a DuckDB table"
    );

    let pq = tempfile::tempdir().unwrap();
    let path = pq.path().join("out.parquet");
    write_zstd_parquet(&path, &format!("note {ACCESS_TOKEN}"));
    let found = catch_unwind(AssertUnwindSafe(|| assert_no_secret_in_files(pq.path())));
    assert!(
        found.is_err(),
        "the sweep missed a secret in a Parquet file"
    );
}

fn write_zstd_parquet(path: &std::path::Path, value: &str) {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let values: ArrayRef = std::sync::Arc::new(StringArray::from(vec![value; 1000]));
    let batch = RecordBatch::try_from_iter([("v", values)]).unwrap();
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_dictionary_enabled(false)
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// The API half of a sync through `CuttingApi`, the token from `strava`.
fn sync_through(ws: &Workspace, strava: &Strava, api: &common::cutting::CuttingApi) -> Run {
    let secrets = format!("file:{}", ws.secrets_file().display());
    ws.run(
        &["sync".into(), "--secrets".into(), secrets],
        &[
            ("STRAVA_API_URL", api.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_reset_in_the_middle_of_a_page_is_retried_and_the_run_succeeds() {
    let ws = loaded().await;
    let strava = Strava::start().await;
    strava.token(None).await;
    let api = common::cutting::CuttingApi::start(vec![page_of(&[9, 8, 7])], 1, 1).await;

    let run = sync_through(&ws, &strava, &api);

    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![7, 8, 9]);
    let page_one = api
        .requests()
        .iter()
        .filter(|t| t.contains("page=1&") || t.ends_with("page=1"))
        .count();
    assert_eq!(
        page_one,
        2,
        "page 1 once cut, once whole: {:?}",
        api.requests()
    );
    // token + athlete + page 1 twice + the empty page 2
    assert_eq!(
        db.one::<i64>("SELECT api_calls FROM sync_runs ORDER BY started_at DESC LIMIT 1"),
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_reset_on_every_try_fails_after_bounded_retries_and_keeps_the_table() {
    let ws = loaded().await;
    let strava = Strava::start().await;
    strava.token(None).await;
    let api = common::cutting::CuttingApi::start(vec![page_of(&[9, 8, 7])], 1, usize::MAX).await;

    let run = sync_through(&ws, &strava, &api);

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("page 1") && err.contains("after 3 attempts") && err.contains("reset"),
        "{err}"
    );
    // 1 try + HTTP_RETRIES (2) retries
    assert_eq!(
        api.requests()
            .iter()
            .filter(|t| t.contains("activities"))
            .count(),
        3,
        "{:?}",
        api.requests()
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "failed"]);
}

/// A 16 MiB tmpfs mounted for one test, unmounted when dropped. Mounting
/// needs root (CAP_SYS_ADMIN); the tests that use it are ignored and
/// `.ci/test` runs them when it runs as root.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> SmallDisk {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            mounted,
            "this test needs root to mount a tmpfs: run it as root (`bash .ci/test` does when root)"
        );
        SmallDisk { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a filler file until the disk refuses, then frees `leave` bytes.
    fn fill_leaving(&self, leave: usize) {
        use std::io::Write;
        let mut filler = std::fs::File::create(self.path("filler")).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while filler
            .write_all(&chunk)
            .and_then(|()| filler.sync_all())
            .is_ok()
        {}
        let len = filler.metadata().unwrap().len();
        filler.set_len(len.saturating_sub(leave as u64)).unwrap();
    }

    fn free(&self) {
        std::fs::remove_file(self.path("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root: mounts a tmpfs; .ci/test runs it when root"]
async fn a_full_disk_under_the_duckdb_file_fails_cleanly_and_keeps_the_table() {
    let disk = SmallDisk::mount();
    let ws = Workspace::new();
    let warehouse = format!("duckdb:{}", disk.path("strava.duckdb").display());
    let first = Strava::serving(&[page_of(&[3, 2, 1])]).await;
    let run = ws.sync_with_env(&first, &[], &[("WAREHOUSE", &warehouse)]);
    assert_eq!(run.code(), 0, "{}", run.all());

    // A history of 3,000 activities needs megabytes; the disk has 256 kB left.
    let ids: Vec<i64> = (1..=3000).rev().collect();
    let pages: Vec<_> = ids.chunks(200).map(page_of).collect();
    let second = Strava::serving(&pages).await;
    disk.fill_leaving(256 * 1024);
    let run = ws.sync_with_env(&second, &[], &[("WAREHOUSE", &warehouse)]);
    disk.free();

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("the previous data is kept"), "{err}");
    let db = Db::open(&disk.path("strava.duckdb"));
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "failed"]);
    assert_no_secret_in_files(disk.dir.path());
}

/// The entries of `tmp` named like the product's scratch directories.
fn scratch_dirs(tmp: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.starts_with("strava-warehouse-run-"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sigterm_while_a_page_is_slow_stops_the_run_records_it_interrupted_and_keeps_the_table() {
    let ws = loaded().await;
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(200)
            .set_body_json(page_of(&[9, 8]))
            .set_delay(std::time::Duration::from_secs(60)),
    )
    .await;
    let tmp = ws.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let (args, env) = ws.sync_command(
        &strava,
        &[],
        &[
            ("HTTP_TIMEOUT_SECS", "120"),
            ("TMPDIR", tmp.to_str().unwrap()),
        ],
    );

    let child = ws.spawn(&args, &env);
    until_activities_requested(&strava).await;
    send_signal(&child, "TERM");
    // Cloud Run sends SIGKILL 10 s after SIGTERM.
    let run = ws.finish(child, std::time::Duration::from_secs(10));

    assert_eq!(run.code(), 143, "{}", run.all());
    let errors = run.error_lines();
    assert_eq!(errors.len(), 1, "one ERROR line: {errors:#?}");
    assert!(
        errors[0].contains("interrupted by SIGTERM"),
        "{}",
        errors[0]
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "interrupted"]);
    assert_eq!(scratch_dirs(&tmp), Vec::<String>::new(), "scratch left");
}

/// A page of `n` activities as JSON text, about 1.2 kB each.
fn big_page(n: i64) -> String {
    serde_json::to_string(&page_of(&(1..=n).rev().collect::<Vec<_>>())).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_larger_than_max_page_bytes_fails_unretried_naming_the_page_and_keeps_the_table() {
    let ws = loaded().await;
    let body = big_page(2_000);
    assert!(body.len() > 1 << 20, "{}", body.len());
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(200).set_body_raw(body, "application/json"),
    )
    .await;

    let run = ws.sync_with_env(&strava, &[], &[("MAX_PAGE_BYTES", "1048576")]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("page 1 of activities") && err.contains("larger than 1 MiB (MAX_PAGE_BYTES)"),
        "{err}"
    );
    let page_calls = strava
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/activities"))
        .count();
    assert_eq!(
        page_calls, 1,
        "the same call would send the same body again"
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "failed"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_chunked_page_is_cut_off_at_max_page_bytes_and_the_run_recorded_failed() {
    let ws = loaded().await;
    let strava = Strava::start().await;
    strava.token(None).await;
    // The double stops at 256 MiB, so even a client without a cap ends.
    let api = common::cutting::EndlessApi::start(256 << 20).await;
    let secrets = format!("file:{}", ws.secrets_file().display());

    let run = ws.run(
        &["sync".into(), "--secrets".into(), secrets],
        &[
            ("STRAVA_API_URL", api.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
            ("MAX_PAGE_BYTES", "1048576".into()),
        ],
    );

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("page 1 of activities") && err.contains("larger than 1 MiB"),
        "{err}"
    );
    // What the socket buffers hold beyond the cap, no more: the run hung up.
    assert!(
        api.bytes_sent() < 32 << 20,
        "the run read on: {} bytes sent",
        api.bytes_sent()
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "failed"]);
}

/// A saved run directory outside the workspace (what it holds is not the
/// workspace's to sweep), with the athlete and `page`'s file made by `make`.
fn replay_dir(make_page: impl FnOnce(&std::path::Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("athlete.json"), athlete().to_string()).unwrap();
    make_page(&dir.path().join("activities-page-0001.json"));
    std::fs::write(dir.path().join("activities-page-0002.json"), "[]").unwrap();
    dir
}

fn replay(ws: &Workspace, dir: &std::path::Path, env: &[(&str, String)]) -> Run {
    let args = [
        "sync".into(),
        "--from-raw".into(),
        dir.display().to_string(),
    ];
    let child = ws.spawn(&args, env);
    // A run that blocks on what it reads ends the test instead of hanging it.
    ws.finish(child, std::time::Duration::from_secs(30))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_page_that_is_a_fifo_is_refused_unread() {
    let ws = loaded().await;
    let dir = replay_dir(|page| {
        let made = std::process::Command::new("mkfifo").arg(page).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    });

    let run = replay(&ws, dir.path(), &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    let err = run.stderr();
    assert!(
        err.contains("activities-page-0001.json is not a regular file"),
        "{err}"
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_page_that_links_to_dev_zero_is_refused_unread() {
    let ws = loaded().await;
    let dir = replay_dir(|page| std::os::unix::fs::symlink("/dev/zero", page).unwrap());

    let run = replay(&ws, dir.path(), &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("is not a regular file"),
        "{}",
        run.stderr()
    );
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_page_larger_than_max_page_bytes_is_refused_unread() {
    let ws = loaded().await;
    let dir = replay_dir(|page| std::fs::write(page, big_page(2_000)).unwrap());

    let run = replay(&ws, dir.path(), &[("MAX_PAGE_BYTES", "1048576".into())]);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr()
            .contains("activities-page-0001.json is larger than 1 MiB (MAX_PAGE_BYTES)"),
        "{}",
        run.stderr()
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![1, 2, 3]);
    assert_eq!(db.outcomes(), vec!["ok", "failed"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_file_that_is_not_json_is_named_without_quoting_its_content() {
    let ws = loaded().await;
    // Whatever the path pointed at: here, text holding a secret.
    let dir = replay_dir(|page| {
        std::fs::write(page, format!("<html>client_secret={CLIENT_SECRET}</html>")).unwrap()
    });

    // `run` fails the test if the secret shows up in any output.
    let run = replay(&ws, dir.path(), &[]);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("activities-page-0001.json")
            && run.stderr().contains("HTML or XML, not JSON"),
        "{}",
        run.stderr()
    );
}

/// Makes `path` look `hours` old.
fn age(path: &std::path::Path, hours: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
    std::fs::File::open(path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scratch_directory_a_killed_run_left_in_tmpdir_is_removed_by_the_next_run() {
    let ws = Workspace::new();
    let tmp = ws.path("tmp");
    let scratch = |name: &str| {
        let dir = tmp.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("activities.parquet"), b"PAR1 the athlete's data").unwrap();
        std::fs::write(dir.join(".lock"), b"").unwrap();
        age(&dir, 2);
        dir
    };
    let killed = scratch("strava-warehouse-run-Killed");
    let running = scratch("strava-warehouse-run-Running");
    let lock = std::fs::File::open(running.join(".lock")).unwrap();
    lock.lock().unwrap();
    let strava = Strava::serving(&[page_of(&[1])]).await;

    let run = ws.sync_with_env(&strava, &[], &[("TMPDIR", tmp.to_str().unwrap())]);

    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(!killed.exists(), "the killed run's data is still in TMPDIR");
    assert!(running.exists(), "a live run's scratch was removed");
    assert_eq!(
        scratch_dirs(&tmp),
        vec!["strava-warehouse-run-Running".to_string()]
    );
}

/// DuckDB lets one process write a file or many read it; a sync holds it
/// for writing only while it loads, not while it waits for Strava.
#[tokio::test(flavor = "multi_thread")]
async fn an_analyst_can_read_the_duckdb_file_while_a_sync_waits_for_a_page() {
    let ws = loaded().await;
    let strava = strava_with_page(
        1,
        ResponseTemplate::new(200)
            .set_body_json(page_of(&[4, 3, 2, 1]))
            .set_delay(std::time::Duration::from_secs(3)),
    )
    .await;
    let (args, env) = ws.sync_command(&strava, &[], &[]);

    let child = ws.spawn(&args, &env);
    until_activities_requested(&strava).await;
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .expect("a read-only config");
    let reader = duckdb::Connection::open_with_flags(ws.db(), config)
        .expect("the file is free to read while the sync fetches");
    let loaded: i64 = reader
        .query_row("SELECT count(*) FROM activities", [], |r| r.get(0))
        .expect("a count");
    drop(reader);
    let run = ws.finish(child, std::time::Duration::from_secs(30));

    assert_eq!(loaded, 3, "the reader sees the previous load");
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids(), vec![1, 2, 3, 4]);
}
