//! Test harness: a local Strava double (wiremock over real HTTP), a runner for
//! the real `strava-warehouse` binary, and read-back helpers for the DuckDB file.
#![allow(dead_code)] // each test file uses its own subset

pub mod bigquery;
pub mod cutting;
#[cfg(feature = "duckdb")]
pub mod views;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_ID: &str = "4242";
pub const CLIENT_SECRET: &str = "cs-SECRET-client-9f8e7d";
pub const REFRESH_TOKEN: &str = "rt-SECRET-refresh-1a2b3c";
pub const ACCESS_TOKEN: &str = "at-SECRET-access-4d5e6f";
pub const ROTATED_TOKEN: &str = "rt-SECRET-rotated-7a8b9c";
pub const ATHLETE_ID: i64 = 777;

/// Every secret the tests hand the binary; none may ever appear in its output.
pub const SECRETS: [&str; 4] = [CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, ROTATED_TOKEN];

pub struct Strava {
    pub server: MockServer,
}

impl Strava {
    pub async fn start() -> Self {
        Strava {
            server: MockServer::start().await,
        }
    }

    pub fn api_url(&self) -> String {
        format!("{}/api/v3", self.server.uri())
    }

    pub fn oauth_url(&self) -> String {
        format!("{}/oauth", self.server.uri())
    }

    /// The token endpoint grants ACCESS_TOKEN; `rotate_to` makes it issue a new refresh token.
    pub async fn token(&self, rotate_to: Option<&str>) {
        let body = json!({
            "token_type": "Bearer",
            "access_token": ACCESS_TOKEN,
            "expires_at": 4_102_444_800_i64,
            "expires_in": 21600,
            "refresh_token": rotate_to.unwrap_or(REFRESH_TOKEN),
        });
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&self.server)
            .await;
    }

    pub async fn token_fails(&self, status: u16, body: Value) {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&self.server)
            .await;
    }

    pub async fn athlete(&self) {
        self.athlete_responds(ResponseTemplate::new(200).set_body_json(athlete()))
            .await;
    }

    pub async fn athlete_responds(&self, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/api/v3/athlete"))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// Serves `pages` as pages 1..n and an empty page n+1.
    pub async fn pages(&self, pages: &[Vec<Value>]) {
        for (i, page) in pages.iter().enumerate() {
            self.page_responds(i as u32 + 1, ResponseTemplate::new(200).set_body_json(page))
                .await;
        }
        self.page_responds(
            pages.len() as u32 + 1,
            ResponseTemplate::new(200).set_body_json(json!([])),
        )
        .await;
    }

    pub async fn page_responds(&self, page: u32, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/api/v3/athlete/activities"))
            .and(query_param("page", page.to_string()))
            .and(query_param("per_page", "200"))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// Page `page` answers `response` once, ahead of whatever else is mounted.
    pub async fn page_fails_once(&self, page: u32, response: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path("/api/v3/athlete/activities"))
            .and(query_param("page", page.to_string()))
            .respond_with(response)
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// A full happy double: token, athlete, and these pages.
    pub async fn serving(pages: &[Vec<Value>]) -> Self {
        Strava::serving_with_token(None, pages).await
    }

    /// `serving`, but the token call rotates the refresh token to ROTATED_TOKEN.
    pub async fn rotating(pages: &[Vec<Value>]) -> Self {
        Strava::serving_with_token(Some(ROTATED_TOKEN), pages).await
    }

    async fn serving_with_token(rotate_to: Option<&str>, pages: &[Vec<Value>]) -> Self {
        let s = Strava::start().await;
        s.token(rotate_to).await;
        s.athlete().await;
        s.pages(pages).await;
        s
    }

    pub async fn requests(&self) -> Vec<wiremock::Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Requests to the token endpoint so far.
    pub async fn token_calls(&self) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.url.path() == "/oauth/token")
            .count()
    }
}

/// The athlete the doubles serve.
pub fn athlete() -> Value {
    json!({
        "id": ATHLETE_ID, "username": "tester", "firstname": "Test", "lastname": "Er",
        "sex": "F", "weight": 60.5, "ftp": 230, "measurement_preference": "meters",
        "city": "Bern", "country": "Switzerland", "created_at": "2015-03-01T10:00:00Z",
        "resource_state": 3, "premium": true,
        "bikes": [{"id": "b100", "primary": true, "name": "Steel", "resource_state": 2, "distance": 1234.5}],
        "shoes": []
    })
}

/// A SummaryActivity as Strava sends it, with the given id and start.
pub fn activity(id: i64, start: &str) -> Value {
    json!({
        "resource_state": 2,
        "athlete": {"id": ATHLETE_ID, "resource_state": 1},
        "name": format!("Ride {id}"),
        "distance": 40123.4,
        "moving_time": 5400,
        "elapsed_time": 6000,
        "total_elevation_gain": 420.0,
        "type": "Ride",
        "sport_type": "Ride",
        "workout_type": 10,
        "id": id,
        "start_date": start,
        "start_date_local": start,
        "timezone": "(GMT+00:00) Europe/London",
        "utc_offset": 0.0,
        "start_latlng": [51.5, -0.12],
        "end_latlng": [51.51, -0.13],
        "average_speed": 7.43,
        "max_speed": 15.2,
        "average_watts": 201.5,
        "weighted_average_watts": 215,
        "max_watts": 780,
        "kilojoules": 1088.1,
        "device_watts": true,
        "has_heartrate": false,
        "kudos_count": 3,
        "trainer": false,
        "commute": false,
        "manual": false,
        "private": false,
        "visibility": "everyone",
        "flagged": false,
        "gear_id": "b123",
        "map": {"id": format!("a{id}"), "summary_polyline": "abc", "resource_state": 2},
        "upload_id": id.saturating_add(1000),
        "external_id": format!("{id}.fit"),
        "device_name": "Garmin Edge 530"
    })
}

/// Page of activities with ids `ids`, newest first, a day apart.
pub fn page_of(ids: &[i64]) -> Vec<Value> {
    ids.iter()
        .map(|id| activity(*id, &format!("2024-03-{:02}T07:00:00Z", 1 + (*id % 28))))
        .collect()
}

/// Files that are the secret store itself (the `file:` store, its lock and
/// the temporary file it is saved through): the one place secrets belong.
fn is_secret_store(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains("secrets"))
}

/// Fails if any test secret is in a file under `dir` other than the store:
/// raw pages and CSVs byte by byte, Parquet and DuckDB files by their decoded
/// values (ZSTD and DuckDB's compression would hide a secret from a byte scan).
pub fn assert_no_secret_in_files(dir: &Path) {
    for path in files_under(dir) {
        if is_secret_store(&path) {
            continue;
        }
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("parquet") => parquet_text(&path),
            #[cfg(feature = "duckdb")]
            Some("duckdb") => duckdb_text(&path),
            _ => String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned(),
        };
        for s in SECRETS {
            assert!(!text.contains(s), "a secret was left in {}", path.display());
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    files_under_except(dir, &[])
}

/// Every file under `dir`, not entering folders named in `skip`.
pub fn files_under_except(dir: &Path, skip: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() && !skip.iter().any(|s| entry.file_name() == **s) => {
                found.extend(files_under_except(&path, skip))
            }
            Ok(t) if t.is_file() => found.push(path),
            _ => {}
        }
    }
    found
}

/// Every string and binary value of a Parquet file, one per line. A file a
/// failed run left unfinished is read byte by byte instead.
fn parquet_text(path: &Path) -> String {
    use arrow_array::{Array, BinaryArray, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let bytes = std::fs::read(path).unwrap_or_default();
    let Ok(reader) = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes.clone()))
        .and_then(|b| b.build())
    else {
        return String::from_utf8_lossy(&bytes).into_owned();
    };
    let mut text = String::new();
    for batch in reader {
        let batch = batch.expect("read a Parquet batch");
        for column in batch.columns() {
            if let Some(strings) = column.as_any().downcast_ref::<StringArray>() {
                strings.iter().flatten().for_each(|v| {
                    text.push_str(v);
                    text.push('\n');
                });
            } else if let Some(blobs) = column.as_any().downcast_ref::<BinaryArray>() {
                blobs.iter().flatten().for_each(|v| {
                    text.push_str(&String::from_utf8_lossy(v));
                    text.push('\n');
                });
            }
        }
    }
    text
}

/// Every row of every table of a DuckDB file, as text.
#[cfg(feature = "duckdb")]
fn duckdb_text(path: &Path) -> String {
    let db = Db::open(path);
    let tables: Vec<String> = {
        let mut stmt =
            db.0.prepare("SELECT table_name FROM duckdb_tables()")
                .expect("list tables");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    };
    let mut text = String::new();
    for table in tables {
        let sql = format!("SELECT CAST(t AS VARCHAR) FROM \"{table}\" t");
        let mut stmt = db.0.prepare(&sql).expect(&sql);
        for row in stmt.query_map([], |r| r.get::<_, String>(0)).expect(&sql) {
            text.push_str(&row.expect("row"));
            text.push('\n');
        }
    }
    text
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout(), self.stderr())
    }
    /// The stderr lines (JSON logs) whose severity is ERROR.
    pub fn error_lines(&self) -> Vec<String> {
        self.stderr()
            .lines()
            .filter(|l| l.contains(r#""severity":"ERROR""#))
            .map(str::to_string)
            .collect()
    }

    pub fn assert_no_secret(&self) {
        let all = self.all();
        for s in SECRETS {
            assert!(!all.contains(s), "a secret leaked into the output:\n{all}");
        }
    }
}

/// A scratch directory with a DuckDB file path and a `file:` secrets store.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let ws = Workspace {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::write(
            ws.secrets_file(),
            json!({"client_id": 4242, "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN})
                .to_string(),
        )
        .expect("write secrets");
        ws
    }
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("strava.duckdb")
    }
    pub fn secrets_file(&self) -> PathBuf {
        self.dir.path().join("secrets.json")
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Saved API pages for `sync --from-raw` in `raw/`: the athlete, one page
    /// of `activities` and the empty page that ends the paging.
    pub fn write_raw_pages(&self, athlete: &Value, activities: &[Value]) -> PathBuf {
        let raw = self.path("raw");
        std::fs::create_dir_all(&raw).unwrap();
        std::fs::write(raw.join("athlete.json"), athlete.to_string()).unwrap();
        let mut last = 1;
        if !activities.is_empty() {
            std::fs::write(
                raw.join("activities-page-0001.json"),
                Value::Array(activities.to_vec()).to_string(),
            )
            .unwrap();
            last = 2;
        }
        std::fs::write(raw.join(format!("activities-page-{last:04}.json")), "[]").unwrap();
        raw
    }

    /// `sync --from-raw DIR` into this workspace's DuckDB file.
    pub fn sync_raw(&self, dir: &Path) -> Run {
        self.run(
            &[
                "sync".into(),
                "--from-raw".into(),
                dir.display().to_string(),
            ],
            &[],
        )
    }

    /// Runs `strava-warehouse sync` against the double with the `file:` store.
    pub fn sync(&self, strava: &Strava, extra: &[&str]) -> Run {
        self.sync_with_env(strava, extra, &[])
    }

    /// `sync` with extra environment variables.
    pub fn sync_with_env(&self, strava: &Strava, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let (args, vars) = self.sync_command(strava, extra, env);
        self.run(&args, &vars)
    }

    /// The arguments and environment of `sync_with_env`, for `spawn`.
    pub fn sync_command<'a>(
        &self,
        strava: &Strava,
        extra: &[&str],
        env: &[(&'a str, &str)],
    ) -> (Vec<String>, Vec<(&'a str, String)>) {
        let mut args = vec![
            "sync".to_string(),
            "--secrets".into(),
            format!("file:{}", self.secrets_file().display()),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut vars = vec![
            ("STRAVA_API_URL", strava.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
        ];
        vars.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
        (args, vars)
    }

    /// Runs the binary with a clean environment plus `env`.
    pub fn run(&self, args: &[String], env: &[(&str, String)]) -> Run {
        let output = self
            .command(args, env)
            .output()
            .expect("run strava-warehouse");
        self.checked(output)
    }

    /// `run` with `input` on the binary's standard input (a pipe: what it
    /// reads there once is gone).
    pub fn run_with_stdin(&self, args: &[String], env: &[(&str, String)], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .command(args, env)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start strava-warehouse");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // A run that stops reading early closes the pipe: not this test's failure.
        let _ = stdin.write_all(input);
        drop(stdin);
        self.checked(child.wait_with_output().expect("output"))
    }

    /// Starts the binary like `run` without waiting, its output piped; end
    /// with `finish`.
    pub fn spawn(&self, args: &[String], env: &[(&str, String)]) -> std::process::Child {
        self.command(args, env)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start strava-warehouse")
    }

    /// Waits for a `spawn`ed run, at most `limit`: a run still going then is
    /// killed and fails the test.
    pub fn finish(&self, mut child: std::process::Child, limit: std::time::Duration) -> Run {
        let deadline = std::time::Instant::now() + limit;
        while child.try_wait().expect("wait for the run").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!(
                    "the run was still going after {limit:?}:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.checked(child.wait_with_output().expect("output"))
    }

    fn command(&self, args: &[String], env: &[(&str, String)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strava-warehouse"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("WAREHOUSE", format!("duckdb:{}", self.db().display()))
            .env("HTTP_RETRY_BACKOFF_MS", "1")
            .env("HTTP_RETRIES", "2")
            .env("HTTP_TIMEOUT_SECS", "5")
            .env("LOG_FORMAT", "json")
            .env("LOG_LEVEL", "trace");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    fn checked(&self, output: Output) -> Run {
        let run = Run { output };
        // Every scenario, not only the ones about secrets: whatever a run
        // printed or left behind must be free of them.
        run.assert_no_secret();
        assert_no_secret_in_files(self.dir.path());
        run
    }

    pub fn refresh_token_on_disk(&self) -> String {
        let text = std::fs::read_to_string(self.secrets_file()).expect("secrets file");
        let v: Value = serde_json::from_str(&text).expect("secrets json");
        v["refresh_token"].as_str().unwrap_or_default().to_string()
    }
}

/// Sends `signal` (`TERM`, `INT`) to a spawned run.
pub fn send_signal(child: &std::process::Child, signal: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -{signal} failed");
}

/// Waits (up to 20 s) until `seen` holds; panics naming `what` otherwise.
pub async fn wait_until<F, Fut>(what: &str, mut seen: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !seen().await {
        assert!(std::time::Instant::now() < deadline, "never saw {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Reads back the warehouse file.
#[cfg(feature = "duckdb")]
pub struct Db(pub duckdb::Connection);

#[cfg(feature = "duckdb")]
impl Db {
    pub fn open(path: &Path) -> Db {
        Db(duckdb::Connection::open(path).expect("open duckdb"))
    }
    pub fn ids(&self) -> Vec<i64> {
        self.column_i64("SELECT id FROM activities ORDER BY id")
    }
    pub fn column_i64(&self, sql: &str) -> Vec<i64> {
        let mut stmt = self.0.prepare(sql).expect("prepare");
        stmt.query_map([], |r| r.get::<_, i64>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }
    pub fn one<T: duckdb::types::FromSql>(&self, sql: &str) -> T {
        self.0.query_row(sql, [], |r| r.get(0)).expect(sql)
    }
    pub fn outcomes(&self) -> Vec<String> {
        let mut stmt = self
            .0
            .prepare("SELECT outcome FROM sync_runs ORDER BY started_at")
            .expect("prepare");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    }
}
