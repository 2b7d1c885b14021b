//! BigQuery test doubles: a fake GCE metadata server (so the binary signs in
//! through the real Application Default Credentials path), the BigQuery
//! emulator `.ci/bigquery-emulator` starts (`BIGQUERY_EMULATOR_URL`), and a
//! wiremock front that forwards to the emulator while recording requests and
//! injecting faults.

use std::sync::{Arc, Condvar, Mutex, OnceLock};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The access token the fake metadata server hands out; a secret like any other.
pub const GCP_TOKEN: &str = "ya29.SECRET-gcp-access-0c0ffee";

/// An error answer the way Google's JSON APIs write one.
pub fn google_error(code: u16, status: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({"error": {
        "code": code, "message": message, "status": status
    }}))
}

/// The metadata server Cloud Run would offer, on 127.0.0.1.
pub struct Metadata {
    pub server: MockServer,
}

impl Metadata {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path_regex(
                "^/computeMetadata/v1/instance/service-accounts/default/token$",
            ))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Metadata-Flavor", "Google")
                    .set_body_json(json!({
                        "access_token": GCP_TOKEN,
                        "expires_in": 3599,
                        "token_type": "Bearer"
                    })),
            )
            .mount(&server)
            .await;
        Metadata { server }
    }

    /// `GCE_METADATA_HOST` takes host:port, no scheme.
    pub fn host(&self) -> String {
        self.server.address().to_string()
    }
}

/// One of the emulators `bash .ci/test` started, held by one test at a time.
/// `BIGQUERY_EMULATOR_URL` lists them, separated by spaces. One emulator runs
/// every request on one embedded DuckDB, and two tests' queries at once can
/// break it for every later request; tests that run in parallel each get
/// their own. Dereferences to the emulator's URL.
pub struct Emulator {
    url: String,
}

struct Pool {
    free: Mutex<Vec<String>>,
    returned: Condvar,
    size: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let urls: Vec<String> = std::env::var("BIGQUERY_EMULATOR_URL")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Pool {
            size: urls.len(),
            free: Mutex::new(urls),
            returned: Condvar::new(),
        }
    })
}

/// Waits until an emulator is free and holds it until dropped. Tests that
/// call this are `#[ignore]`d: `bash .ci/test` starts the emulators, sets
/// `BIGQUERY_EMULATOR_URL` and runs them.
pub fn lease_emulator() -> Emulator {
    let pool = pool();
    assert!(
        pool.size > 0,
        "this test needs the BigQuery emulator: run it with `bash .ci/test`, or set \
         BIGQUERY_EMULATOR_URL to one started by .ci/bigquery-emulator"
    );
    let mut free = pool.free.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(url) = free.pop() {
            return Emulator { url };
        }
        free = pool.returned.wait(free).unwrap_or_else(|e| e.into_inner());
    }
}

impl std::ops::Deref for Emulator {
    type Target = String;
    fn deref(&self) -> &String {
        &self.url
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let pool = pool();
        let mut free = pool.free.lock().unwrap_or_else(|e| e.into_inner());
        free.push(std::mem::take(&mut self.url));
        pool.returned.notify_one();
    }
}

/// The project the emulator serves and a dataset name no other test uses.
pub const PROJECT: &str = "strava-test";

pub fn fresh_dataset(emulator: &str) -> Dataset {
    Dataset {
        name: format!("t_{:016x}", rand::random::<u64>()),
        emulator: emulator.trim_end_matches('/').to_string(),
    }
}

/// A test's own dataset, deleted with its tables and views when the test
/// ends (passed or not): the emulator's catalog lookups read every dataset it
/// holds, so datasets left behind made each later test slower than the last.
pub struct Dataset {
    name: String,
    emulator: String,
}

impl std::ops::Deref for Dataset {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Display for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        let url = format!(
            "{}/bigquery/v2/projects/{PROJECT}/datasets/{}?deleteContents=true",
            self.emulator, self.name
        );
        // Drop runs inside the test's runtime, which must not block: the
        // request gets a thread and a runtime of its own. A failed delete
        // only leaves the dataset behind.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let http = strava_warehouse::tls::client_builder().build().ok()?;
                http.delete(url).send().await.ok()
            })
        })
        .join();
    }
}

/// Read-back through BigQuery's REST API, as an analyst's client would.
pub struct BigQuery {
    pub url: String,
    http: reqwest::Client,
}

impl BigQuery {
    pub fn new(url: &str) -> Self {
        BigQuery {
            url: url.trim_end_matches('/').to_string(),
            // A fresh connection per query: the emulator closes idle
            // keep-alive connections after a few seconds, and a query sent on
            // one it is closing fails with IncompleteMessage (seen in CI after
            // a sync that ran between two read-backs).
            http: strava_warehouse::tls::client_builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("a plain HTTP client"),
        }
    }

    /// Rows of a GoogleSQL query, each cell as BigQuery's JSON sends it.
    pub async fn query(&self, sql: &str) -> Vec<Vec<Value>> {
        let answer: Value = self
            .http
            .post(format!(
                "{}/bigquery/v2/projects/{PROJECT}/queries",
                self.url
            ))
            .json(&json!({ "query": sql, "useLegacySql": false }))
            .send()
            .await
            .expect("query the emulator")
            .json()
            .await
            .expect("query answer");
        assert!(answer.get("error").is_none(), "{sql}: {answer}");
        answer["rows"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|row| {
                row["f"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|cell| cell["v"].clone())
                    .collect()
            })
            .collect()
    }

    /// Fails if a test secret or the Google token is in any row of the
    /// product's tables in `dataset`.
    pub async fn assert_no_secret_in(&self, dataset: &str) {
        for table in strava_warehouse::schema::TABLES {
            let rows = self
                .query(&format!("SELECT * FROM {dataset}.{}", table.name))
                .await;
            let text = serde_json::to_string(&rows).expect("rows as JSON");
            for secret in super::SECRETS.iter().chain([&GCP_TOKEN]) {
                assert!(
                    !text.contains(secret),
                    "a secret is stored in {dataset}.{}",
                    table.name
                );
            }
        }
    }

    /// One integer from `sql`.
    pub async fn count(&self, sql: &str) -> i64 {
        let rows = self.query(sql).await;
        rows[0][0]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: {rows:?}"))
    }

    /// The table resource (schema, partitioning, clustering, numRows), or
    /// BigQuery's error object for a table that is not there.
    pub async fn table(&self, dataset: &str, table: &str) -> Value {
        let url = format!(
            "{}/bigquery/v2/projects/{PROJECT}/datasets/{dataset}/tables/{table}",
            self.url
        );
        // The emulator, busy with other tests' loads, now and then closes a
        // connection without answering; a read-back may ask again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.http.get(&url).send().await {
                Ok(resp) => return resp.json().await.expect("table json"),
                Err(e) if attempt < 3 && e.is_request() => {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await
                }
                Err(e) => panic!("tables.get {url}: {e}"),
            }
        }
    }
}

/// A wiremock server in front of the emulator: whatever no test-specific mock
/// answers is forwarded as is.
pub struct Front {
    pub server: MockServer,
}

impl Front {
    pub async fn start(emulator: &str) -> Self {
        let server = MockServer::start().await;
        Mock::given(path_regex(".*"))
            .respond_with(Forward {
                to: Arc::new(emulator.trim_end_matches('/').to_string()),
            })
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        Front { server }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Load jobs whose upload names `table` are accepted, then fail in
    /// BigQuery with `message`, the way a bad file fails a real load job.
    pub async fn fail_loads_into(&self, table: &str, message: &str) {
        let job_id = format!("failing_load_{table}");
        let done = json!({
            "state": "DONE",
            "errorResult": { "reason": "invalid", "message": message },
            "errors": [
                { "reason": "invalid", "message": message },
                { "reason": "invalid", "location": "file-00000000", "message": "Error while reading data" }
            ]
        });
        self.jobs_into(table, &job_id, done).await;
    }

    /// Load jobs whose upload names `table` are accepted and then never
    /// finish; cancelling one is answered.
    pub async fn stall_loads_into(&self, table: &str) {
        let job_id = format!("stalled_load_{table}");
        let running = self
            .jobs_into(table, &job_id, json!({ "state": "RUNNING" }))
            .await;
        Mock::given(method("POST"))
            .and(path(format!(
                "/bigquery/v2/projects/{PROJECT}/jobs/{job_id}/cancel"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "job": running })))
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// An upload naming `table` starts job `job_id` (RUNNING); `jobs.get`
    /// then answers `status`. Returns the running job resource.
    async fn jobs_into(&self, table: &str, job_id: &str, status: Value) -> Value {
        let job = |status: Value| {
            json!({
                "jobReference": { "projectId": PROJECT, "jobId": job_id, "location": "US" },
                "status": status
            })
        };
        let running = job(json!({ "state": "RUNNING" }));
        Mock::given(method("POST"))
            .and(path(format!("/upload/bigquery/v2/projects/{PROJECT}/jobs")))
            .and(loads_into(table))
            .respond_with(ResponseTemplate::new(200).set_body_json(running.clone()))
            .with_priority(1)
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!(
                "/bigquery/v2/projects/{PROJECT}/jobs/{job_id}"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(job(status)))
            .with_priority(1)
            .mount(&self.server)
            .await;
        running
    }

    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

/// Matches an upload whose load job names `table`. The multipart body holds
/// the Parquet bytes, not UTF-8, so it is searched as bytes.
fn loads_into(table: &str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let needle = format!("\"tableId\":\"{table}\"");
    move |req: &Request| {
        req.body
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }
}

/// Forwards one request to the emulator. wiremock's responders are
/// synchronous, so the call runs on a thread of its own with its own runtime.
struct Forward {
    to: Arc<String>,
}

impl Respond for Forward {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let url = match req.url.query() {
            Some(q) => format!("{}{}?{q}", self.to, req.url.path()),
            None => format!("{}{}", self.to, req.url.path()),
        };
        let method = req.method.clone();
        let headers = req.headers.clone();
        let body = req.body.clone();
        let answer = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let mut request = strava_warehouse::tls::client_builder()
                    .build()
                    .expect("an HTTP client")
                    .request(method, url)
                    .body(body);
                for (name, value) in headers.iter() {
                    if name != "host" && name != "content-length" {
                        request = request.header(name, value);
                    }
                }
                let resp = request.send().await.expect("forward to the emulator");
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let body = resp.bytes().await.expect("emulator body").to_vec();
                (status, headers, body)
            })
        })
        .join()
        .expect("forwarding thread");
        let (status, headers, body) = answer;
        let mut template = ResponseTemplate::new(status).set_body_bytes(body);
        for (name, value) in headers.iter() {
            if name == "content-type" || name == "location" {
                template = template.insert_header(name.as_str(), value.clone());
            }
        }
        template
    }
}
