//! The BigQuery warehouse: each table is replaced by one Parquet load job with
//! WRITE_TRUNCATE (readers see the old table or the new one, never half, and a
//! failed job leaves the old table as it was); `sync_runs` is appended to.
//!
//! Responsible for: the dataset (created if missing, never deleted), the load
//! job's configuration (the explicit schema with descriptions generated from
//! `crate::schema`, partitioning and clustering; never autodetect), waiting for
//! each job and reporting its errors verbatim with the table named, and the
//! views. Dataset, table, job and query calls go through Google's official
//! `google-cloud-bigquery-v2` client (it shares its sign-in and HTTP stack with
//! the Secret Manager client); the file upload itself is in `upload`.
//!
//! Not responsible for: making the Parquet file (`transform`) or deciding
//! whether a load is safe (`pipeline`). BigQuery has no transaction across
//! tables: each table is replaced atomically, `activities` first.

#[cfg(feature = "gcp")]
mod upload;

use std::path::Path;
use std::time::Duration;

use super::{Load, Warehouse, WarehouseError};

// The client itself is the `gcp` feature; without it only the settings and
// a type that answers `open` with how to get a build that has it remain.
#[cfg(feature = "gcp")]
use {
    crate::gcp,
    crate::interrupt,
    crate::retry::Backoff,
    crate::schema::{ACTIVITIES, ATHLETE, ATHLETE_SETTINGS, SYNC_RUNS, Table},
    bytes::Bytes,
    google_cloud_auth::credentials::Credentials,
    google_cloud_bigquery_v2::client::{DatasetService, JobService, TableService},
    google_cloud_bigquery_v2::model::{Dataset, DatasetReference, ErrorProto, QueryRequest},
    serde_json::json,
    std::time::Instant,
    upload::{UPLOAD_TIMEOUT, Uploader},
};

pub const DEFAULT_API_URL: &str = "https://bigquery.googleapis.com";

/// Longest wait for BigQuery to answer a cancel: a stopping run has seconds.
#[cfg(feature = "gcp")]
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a SIGTERM or SIGINT cancels a load job: yes for the tables the
/// run replaces, no for the `sync_runs` row that records the run.
#[cfg(feature = "gcp")]
#[derive(Debug, Clone, Copy)]
enum Stop {
    OnSignal,
    Never,
}

/// How the warehouse reaches BigQuery.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "gcp"), allow(dead_code))]
pub struct BigQuerySettings {
    /// The API root; the product appends `/bigquery/v2/…` and `/upload/bigquery/v2/…`.
    pub api_url: String,
    /// Where the dataset is created when it does not exist yet.
    pub location: String,
    /// Parquet files above this size are uploaded resumably.
    pub resumable_above: u64,
    /// Retries of the upload after the first attempt.
    pub retries: u32,
    pub retry_backoff: Duration,
    /// The longest a load or query job may take before the run gives up.
    pub job_timeout: Duration,
}

#[cfg(feature = "gcp")]
pub struct BigQueryWarehouse {
    project: String,
    dataset: String,
    location: String,
    job_timeout: Duration,
    datasets: DatasetService,
    tables: TableService,
    jobs: JobService,
    upload: Uploader,
    dataset_ready: bool,
}

/// What went wrong in one BigQuery call, before the table is known.
#[cfg(any(feature = "gcp", feature = "report"))]
type Detail = String;

#[cfg(feature = "gcp")]
impl BigQueryWarehouse {
    /// Builds the clients; nothing is sent until the first call.
    pub async fn open(
        project: &str,
        dataset: &str,
        settings: &BigQuerySettings,
    ) -> Result<Self, WarehouseError> {
        let name = format!("bigquery:{project}.{dataset}");
        let unavailable = |detail: String| WarehouseError::Unavailable {
            warehouse: name.clone(),
            detail,
        };
        let credentials = gcp::credentials().map_err(|e| unavailable(e.to_string()))?;
        gcp::register_token(&credentials).await;
        let api = settings.api_url.trim_end_matches('/').to_string();
        // The run's retry budget, so an unreachable warehouse is reported in
        // seconds and before any Strava call is spent.
        let retry = || gcp::retry_policy(settings.retries);
        let backoff = || gcp::backoff_policy(settings.retry_backoff).map_err(&unavailable);
        macro_rules! client {
            ($service:ty) => {
                <$service>::builder()
                    .with_endpoint(&api)
                    .with_credentials(credentials.clone())
                    .with_retry_policy(retry())
                    .with_backoff_policy(backoff()?)
                    .build()
                    .await
                    .map_err(|e| unavailable(e.to_string()))?
            };
        }
        let datasets = client!(DatasetService);
        let tables = client!(TableService);
        let jobs = client!(JobService);
        let upload = uploader(&api, project, credentials, settings)
            .map_err(|e| unavailable(e.to_string()))?;
        Ok(BigQueryWarehouse {
            project: project.into(),
            dataset: dataset.into(),
            location: settings.location.clone(),
            job_timeout: settings.job_timeout,
            datasets,
            tables,
            jobs,
            upload,
            dataset_ready: false,
        })
    }

    pub(crate) fn name(&self) -> String {
        format!("bigquery:{}.{}", self.project, self.dataset)
    }

    fn unavailable(&self, detail: String) -> WarehouseError {
        WarehouseError::Unavailable {
            warehouse: self.name(),
            detail,
        }
    }

    fn load_error(&self, table: &'static str, detail: String) -> WarehouseError {
        WarehouseError::Load {
            warehouse: self.name(),
            table,
            detail,
            replaced: Vec::new(),
        }
    }

    /// Looks the dataset up and creates it only when it is missing: the job's
    /// service account may read and write the dataset without holding the
    /// project-wide right to create one (Terraform creates it).
    async fn ensure_dataset(&mut self) -> Result<(), WarehouseError> {
        if self.dataset_ready {
            return Ok(());
        }
        let found = self
            .datasets
            .get_dataset()
            .set_project_id(&self.project)
            .set_dataset_id(&self.dataset)
            .send()
            .await;
        match found {
            Ok(_) => {}
            Err(e) if gcp::http_status(&e) == Some(404) => {
                let dataset = Dataset::new()
                    .set_dataset_reference(
                        DatasetReference::new()
                            .set_project_id(&self.project)
                            .set_dataset_id(&self.dataset),
                    )
                    .set_location(&self.location)
                    .set_description(
                        "Strava activities loaded by strava-warehouse, and its effort-metric views.",
                    );
                let created = self
                    .datasets
                    .insert_dataset()
                    .set_project_id(&self.project)
                    .set_dataset(dataset)
                    .send()
                    .await;
                match created {
                    Ok(_) => tracing::info!(
                        "created dataset {}.{} in {}",
                        self.project,
                        self.dataset,
                        self.location
                    ),
                    // Created by someone else meanwhile: just as good.
                    Err(e) if gcp::http_status(&e) == Some(409) => {}
                    Err(e) => {
                        return Err(self.unavailable(format!(
                            "creating the dataset failed: {}{}",
                            gcp::describe(&e),
                            permission_hint(&e)
                        )));
                    }
                }
            }
            Err(e) => {
                return Err(self.unavailable(format!(
                    "reading the dataset failed: {}{}",
                    gcp::describe(&e),
                    permission_hint(&e)
                )));
            }
        }
        self.dataset_ready = true;
        Ok(())
    }

    /// Uploads `file` into `table` as one load job and waits for it. With
    /// `Stop::OnSignal` a SIGTERM or SIGINT meanwhile cancels the job (its id
    /// is chosen here, so even one whose upload was cut off is found), so no
    /// WRITE_TRUNCATE lands after the run has said it stopped.
    async fn load_table(
        &self,
        table: &'static Table,
        file: &Path,
        write: &str,
        stop: Stop,
    ) -> Result<(), WarehouseError> {
        let data = tokio::fs::read(file).await.map_err(|e| {
            self.load_error(
                table.name,
                format!("cannot read the Parquet file {}: {e}", file.display()),
            )
        })?;
        let chosen_id = new_job_id(table.name);
        let job = self.load_job(table, &chosen_id, write);
        // The id BigQuery answered with, once the upload is in: the one to cancel.
        let started = std::sync::Mutex::new(chosen_id.clone());
        let load = async {
            let job_id = self
                .upload
                .start_job(&job, Bytes::from(data))
                .await
                .map_err(|e| self.load_error(table.name, format!("{e}{}", upload_hint(&e))))?
                .unwrap_or_else(|| chosen_id.clone());
            if let Ok(mut id) = started.lock() {
                id.clone_from(&job_id);
            }
            self.wait(&job_id)
                .await
                .map_err(|detail| self.load_error(table.name, detail))?;
            Ok(job_id)
        };
        let job_id = match stop {
            Stop::Never => load.await?,
            Stop::OnSignal => tokio::select! {
                biased;
                done = load => done?,
                stop = interrupt::requested() => {
                    let job_id = started.lock().map(|id| id.clone()).unwrap_or(chosen_id);
                    let what = self.cancel(&job_id).await;
                    return Err(WarehouseError::Interrupted {
                        warehouse: self.name(),
                        signal: stop.signal,
                        detail: format!("load job {job_id} into `{}`: {what}", table.name),
                        replaced: Vec::new(),
                    });
                }
            },
        };
        tracing::info!(
            table = table.name,
            job_id,
            "loaded {} ({write})",
            table.name
        );
        Ok(())
    }

    /// Asks BigQuery to cancel a job; says how that went, for the message.
    async fn cancel(&self, job_id: &str) -> String {
        let cancelled = self
            .jobs
            .cancel_job()
            .set_project_id(&self.project)
            .set_job_id(job_id)
            .set_location(&self.location)
            .send();
        match tokio::time::timeout(CANCEL_TIMEOUT, cancelled).await {
            Ok(Ok(_)) => "asked BigQuery to cancel it (a job that was nearly done may still \
                          finish)"
                .to_string(),
            Ok(Err(e)) if gcp::http_status(&e) == Some(404) => {
                "BigQuery had not created it yet, so nothing is left running".to_string()
            }
            Ok(Err(e)) => format!(
                "cancelling it failed ({}), so it may still finish in BigQuery",
                gcp::describe(&e)
            ),
            Err(_) => format!(
                "cancelling it got no answer within {} s, so it may still finish in BigQuery",
                CANCEL_TIMEOUT.as_secs()
            ),
        }
    }

    /// The load job resource: explicit schema from `crate::schema`, never autodetect.
    fn load_job(&self, table: &Table, job_id: &str, write: &str) -> serde_json::Value {
        load_job_resource(
            &self.project,
            &self.dataset,
            &self.location,
            table,
            job_id,
            write,
        )
    }

    /// Polls the job until DONE; its `errorResult` and `errors` verbatim when it failed.
    async fn wait(&self, job_id: &str) -> Result<(), Detail> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(200);
        loop {
            let job = self
                .jobs
                .get_job()
                .set_project_id(&self.project)
                .set_job_id(job_id)
                .set_location(&self.location)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "asking for job {job_id} failed: {}{}",
                        gcp::describe(&e),
                        permission_hint(&e)
                    )
                })?;
            if let Some(status) = &job.status
                && status.state == "DONE"
            {
                return match &status.error_result {
                    None => Ok(()),
                    Some(first) => Err(format!(
                        "job {job_id} failed: {}",
                        job_errors(first, &status.errors)
                    )),
                };
            }
            if started.elapsed() > self.job_timeout {
                // Left running, a WRITE_TRUNCATE load could replace the table
                // after this run has reported failure and exited.
                let what = self.cancel(job_id).await;
                return Err(format!(
                    "job {job_id} was not done after {} s (BIGQUERY_JOB_TIMEOUT_SECS); {what}",
                    self.job_timeout.as_secs()
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    /// Creates or replaces every view, in order; returns how many.
    pub async fn apply_views(&self) -> Result<usize, WarehouseError> {
        let rendering = crate::views::Rendering::bigquery(&self.project, &self.dataset);
        for view in crate::views::VIEWS {
            let sql = view.render(&rendering);
            self.execute(&sql)
                .await
                .map_err(|detail| WarehouseError::View {
                    warehouse: self.name(),
                    view: view.name,
                    detail,
                    replaced: Vec::new(),
                })?;
        }
        Ok(crate::views::VIEWS.len())
    }

    /// Sends one GoogleSQL query job against the dataset; BigQuery's own
    /// errors verbatim, with `hint` saying which role a refusal points to.
    async fn query(
        &self,
        sql: &str,
        hint: fn(&google_cloud_gax::error::Error) -> &'static str,
    ) -> Result<google_cloud_bigquery_v2::model::QueryResponse, Detail> {
        let request = QueryRequest::new()
            .set_query(sql)
            .set_use_legacy_sql(false)
            .set_location(&self.location)
            .set_default_dataset(
                DatasetReference::new()
                    .set_project_id(&self.project)
                    .set_dataset_id(&self.dataset),
            );
        let answer = self
            .jobs
            .query()
            .set_project_id(&self.project)
            .set_query_request(request)
            .send()
            .await
            .map_err(|e| format!("{}{}", gcp::describe(&e), hint(&e)))?;
        match answer.errors.first() {
            Some(first) => Err(job_errors(first, &answer.errors)),
            None => Ok(answer),
        }
    }

    /// Runs one GoogleSQL statement (a view's DDL) and waits for it.
    pub(crate) async fn execute(&self, sql: &str) -> Result<(), Detail> {
        let answer = self.query(sql, permission_hint).await?;
        match answer.job_reference {
            Some(job) if answer.job_complete != Some(true) => self.wait(&job.job_id).await,
            _ => Ok(()),
        }
    }
}

/// The report's reads (`report` feature).
#[cfg(all(feature = "report", feature = "gcp"))]
impl BigQueryWarehouse {
    /// Every row of a read-only GoogleSQL query whose columns are all cast to
    /// STRING, through a query job (the rows come as text on the wire anyway);
    /// pages through the results when they do not fit in the first answer.
    pub(crate) async fn text_rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, Detail> {
        let answer = self.query(sql, read_hint).await?;
        let mut rows: Vec<Vec<Option<String>>> = Vec::new();
        let complete = answer.job_complete.unwrap_or(false);
        if complete {
            rows.extend(answer.rows.iter().map(text_cells));
        }
        let Some(job) = answer.job_reference else {
            return Ok(rows);
        };
        let mut token = answer.page_token;
        if !complete {
            self.wait(&job.job_id).await?;
            rows.clear();
            token = String::new();
        } else if token.is_empty() {
            return Ok(rows);
        }
        loop {
            let mut ask = self
                .jobs
                .get_query_results()
                .set_project_id(&self.project)
                .set_job_id(&job.job_id)
                .set_location(&self.location);
            if !token.is_empty() {
                ask = ask.set_page_token(&token);
            }
            let page = ask
                .send()
                .await
                .map_err(|e| format!("{}{}", gcp::describe(&e), read_hint(&e)))?;
            if page.rows.is_empty() {
                return Ok(rows);
            }
            rows.extend(page.rows.iter().map(text_cells));
            let total = page.total_rows.map(|t| t as usize).unwrap_or(0);
            if page.page_token.is_empty() || rows.len() >= total {
                return Ok(rows);
            }
            token = page.page_token;
        }
    }

    /// Whether a table or view of this name exists in the dataset.
    pub(crate) async fn has_relation(&self, name: &str) -> Result<bool, WarehouseError> {
        let table = self
            .tables
            .get_table()
            .set_project_id(&self.project)
            .set_dataset_id(&self.dataset)
            .set_table_id(name)
            .send()
            .await;
        match table {
            Ok(_) => Ok(true),
            Err(e) if gcp::http_status(&e) == Some(404) => Ok(false),
            Err(e) => Err(self.unavailable(format!(
                "reading {name} failed: {}{}",
                gcp::describe(&e),
                read_hint(&e)
            ))),
        }
    }
}

/// One row of BigQuery's `{"f": [{"v": …}, …]}`, each cell as text.
#[cfg(all(feature = "report", feature = "gcp"))]
fn text_cells(row: &serde_json::Map<String, serde_json::Value>) -> Vec<Option<String>> {
    let cells = row.get("f").and_then(|f| f.as_array());
    cells
        .map(|cells| {
            cells
                .iter()
                .map(|c| match c.get("v") {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Null) | None => None,
                    Some(other) => Some(other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A reader needs less than the job: data viewer on the dataset and jobUser to run queries.
#[cfg(all(feature = "report", feature = "gcp"))]
fn read_hint(e: &google_cloud_gax::error::Error) -> &'static str {
    match gcp::http_status(e) {
        Some(403) => {
            ". Reading needs roles/bigquery.dataViewer on the dataset and \
             roles/bigquery.jobUser (bigquery.jobs.create) on the project"
        }
        _ => "",
    }
}

#[cfg(feature = "gcp")]
impl Warehouse for BigQueryWarehouse {
    async fn activity_count(&mut self) -> Result<Option<u64>, WarehouseError> {
        let table = self
            .tables
            .get_table()
            .set_project_id(&self.project)
            .set_dataset_id(&self.dataset)
            .set_table_id(ACTIVITIES.name)
            .send()
            .await;
        match table {
            Ok(t) => Ok(Some(t.num_rows.unwrap_or(0))),
            Err(e) if gcp::http_status(&e) == Some(404) => Ok(None),
            Err(e) => Err(self.unavailable(format!(
                "reading table {} failed: {}{}",
                ACTIVITIES.name,
                gcp::describe(&e),
                permission_hint(&e)
            ))),
        }
    }

    async fn replace(&mut self, load: Load<'_>) -> Result<(), WarehouseError> {
        self.ensure_dataset().await?;
        // Each load is atomic, the set is not (no multi-table transaction for
        // load jobs): a failure says which tables were already replaced.
        let mut replaced = Vec::new();
        let main = [
            (&ACTIVITIES, load.activities),
            (&ATHLETE, load.athlete),
            (&ATHLETE_SETTINGS, load.athlete_settings),
        ];
        for &(table, file) in main.iter().chain(load.files) {
            if let Err(i) = interrupt::check() {
                return Err(WarehouseError::Interrupted {
                    warehouse: self.name(),
                    signal: i.signal,
                    detail: format!("stopped before loading `{}`", table.name),
                    replaced,
                });
            }
            self.load_table(table, file, "WRITE_TRUNCATE", Stop::OnSignal)
                .await
                .map_err(|e| e.after_replacing(&replaced))?;
            replaced.push(table.name);
        }
        // Once the tables are in, the views and the run's row follow even
        // after a signal: seconds of work that make the warehouse whole.
        self.apply_views()
            .await
            .map_err(|e| e.after_replacing(&replaced))?;
        self.load_table(&SYNC_RUNS, load.run, "WRITE_APPEND", Stop::Never)
            .await
    }

    async fn append_run(&mut self, run: &Path) -> Result<(), WarehouseError> {
        self.ensure_dataset().await?;
        self.load_table(&SYNC_RUNS, run, "WRITE_APPEND", Stop::Never)
            .await
    }

    async fn purge(&mut self) -> Result<Vec<String>, WarehouseError> {
        let mut removed = Vec::new();
        let views = crate::views::VIEWS.iter().rev().map(|v| v.name);
        let tables = crate::schema::TABLES.map(|t| t.name);
        for name in views.chain(tables) {
            let deleted = self
                .tables
                .delete_table()
                .set_project_id(&self.project)
                .set_dataset_id(&self.dataset)
                .set_table_id(name)
                .send()
                .await;
            match deleted {
                Ok(()) => removed.push(format!("{}.{}.{name}", self.project, self.dataset)),
                Err(e) if gcp::http_status(&e) == Some(404) => {}
                Err(e) => {
                    return Err(WarehouseError::Purge {
                        warehouse: self.name(),
                        what: format!("`{name}`"),
                        detail: format!("{}{}", gcp::describe(&e), permission_hint(&e)),
                        deleted: removed,
                    });
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(feature = "gcp")]
fn uploader(
    api: &str,
    project: &str,
    credentials: Credentials,
    settings: &BigQuerySettings,
) -> reqwest::Result<Uploader> {
    let client = crate::tls::client_builder()
        .timeout(UPLOAD_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("strava-warehouse/", env!("CARGO_PKG_VERSION")))
        .build()?;
    Ok(Uploader {
        client,
        credentials,
        jobs_url: format!("{api}/upload/bigquery/v2/projects/{project}/jobs"),
        resumable_above: settings.resumable_above,
        backoff: Backoff {
            retries: settings.retries,
            first: settings.retry_backoff,
        },
    })
}

/// The load job resource: explicit schema from `crate::schema`, never autodetect.
#[cfg(feature = "gcp")]
fn load_job_resource(
    project: &str,
    dataset: &str,
    location: &str,
    table: &Table,
    job_id: &str,
    write: &str,
) -> serde_json::Value {
    let mut load = json!({
        "destinationTable": {
            "projectId": project,
            "datasetId": dataset,
            "tableId": table.name,
        },
        "sourceFormat": "PARQUET",
        "writeDisposition": write,
        "createDisposition": "CREATE_IF_NEEDED",
        "autodetect": false,
        "schema": { "fields": table.bigquery_json() },
        "destinationTableProperties": { "description": table.description },
    });
    if let Some(field) = table.partition_by_month {
        load["timePartitioning"] = json!({ "type": "MONTH", "field": field });
    }
    if !table.cluster_by.is_empty() {
        load["clustering"] = json!({ "fields": table.cluster_by });
    }
    if write == "WRITE_APPEND" {
        // `sync_runs` from an older version gains the columns added since.
        load["schemaUpdateOptions"] = json!(["ALLOW_FIELD_ADDITION"]);
    }
    json!({
        "jobReference": {
            "projectId": project,
            "jobId": job_id,
            "location": location,
        },
        "configuration": { "load": load },
    })
}

#[cfg(feature = "gcp")]
/// Unique per load, and valid in a job id (letters, digits, `_`, `-`).
fn new_job_id(table: &str) -> String {
    format!(
        "strava_warehouse_{table}_{}_{:08x}",
        chrono::Utc::now().format("%Y%m%d%H%M%S"),
        rand::random::<u32>()
    )
}

#[cfg(feature = "gcp")]
/// BigQuery's own words: the main error, then every further one.
fn job_errors(first: &ErrorProto, all: &[ErrorProto]) -> String {
    let main = describe_error(first);
    let mut lines = vec![main.clone()];
    lines.extend(all.iter().map(describe_error).filter(|l| *l != main));
    lines.join("; ")
}

#[cfg(feature = "gcp")]
fn describe_error(e: &ErrorProto) -> String {
    match (e.reason.as_str(), e.location.as_str()) {
        ("", _) => e.message.clone(),
        (reason, "") => format!("{reason}: {}", e.message),
        (reason, location) => format!("{reason} at {location}: {}", e.message),
    }
}

#[cfg(feature = "gcp")]
fn permission_hint(e: &google_cloud_gax::error::Error) -> &'static str {
    match gcp::http_status(e) {
        Some(403) => {
            ". The job's service account needs roles/bigquery.dataEditor on the dataset and \
             roles/bigquery.jobUser on the project"
        }
        Some(401) => ". The Google credentials were refused; sign in again",
        _ => "",
    }
}

#[cfg(feature = "gcp")]
fn upload_hint(e: &upload::UploadError) -> &'static str {
    match e {
        upload::UploadError::Refused { status: 403, .. } => {
            ". The job's service account needs roles/bigquery.jobUser on the project"
        }
        _ => "",
    }
}

/// Without the `gcp` feature: no value of this type can exist, so `open` is
/// the one way in and it says how to get a build that has BigQuery.
#[cfg(not(feature = "gcp"))]
pub enum BigQueryWarehouse {}

#[cfg(not(feature = "gcp"))]
impl BigQueryWarehouse {
    pub async fn open(
        project: &str,
        dataset: &str,
        _: &BigQuerySettings,
    ) -> Result<Self, crate::exit::ConfigError> {
        Err(crate::exit::ConfigError(format!(
            "bigquery:{project}.{dataset}: {}",
            crate::NO_GCP
        )))
    }

    pub async fn apply_views(&self) -> Result<usize, WarehouseError> {
        match *self {}
    }

    #[cfg(feature = "report")]
    pub(crate) fn name(&self) -> String {
        match *self {}
    }

    #[cfg(feature = "report")]
    pub(crate) async fn text_rows(&self, _: &str) -> Result<Vec<Vec<Option<String>>>, Detail> {
        match *self {}
    }

    #[cfg(feature = "report")]
    pub(crate) async fn has_relation(&self, _: &str) -> Result<bool, WarehouseError> {
        match *self {}
    }
}

#[cfg(not(feature = "gcp"))]
impl Warehouse for BigQueryWarehouse {
    async fn activity_count(&mut self) -> Result<Option<u64>, WarehouseError> {
        match *self {}
    }
    async fn replace(&mut self, _: Load<'_>) -> Result<(), WarehouseError> {
        match *self {}
    }
    async fn append_run(&mut self, _: &Path) -> Result<(), WarehouseError> {
        match *self {}
    }
    async fn purge(&mut self) -> Result<Vec<String>, WarehouseError> {
        match *self {}
    }
}

#[cfg(all(test, feature = "gcp"))]
mod tests {
    use super::*;

    fn activities() -> &'static Table {
        &ACTIVITIES
    }

    #[test]
    fn a_load_job_names_its_table_truncates_and_never_autodetects() {
        let job = load_job_resource("p1", "ds", "EU", activities(), "j1", "WRITE_TRUNCATE");
        let load = &job["configuration"]["load"];
        assert_eq!(job["jobReference"]["location"], "EU");
        assert_eq!(job["jobReference"]["jobId"], "j1");
        assert_eq!(load["destinationTable"]["tableId"], "activities");
        assert_eq!(load["writeDisposition"], "WRITE_TRUNCATE");
        assert_eq!(load["sourceFormat"], "PARQUET");
        assert_eq!(load["autodetect"], false);
        assert_eq!(
            load["schema"]["fields"].as_array().map(Vec::len),
            Some(activities().columns.len())
        );
    }

    #[test]
    fn an_appending_load_may_add_columns_and_a_replacing_one_needs_not() {
        let runs = &SYNC_RUNS;
        let append = load_job_resource("p1", "ds", "US", runs, "j1", "WRITE_APPEND");
        // A sync_runs table from before files_skipped gains the column.
        assert_eq!(
            append["configuration"]["load"]["schemaUpdateOptions"],
            json!(["ALLOW_FIELD_ADDITION"])
        );
        let replace = load_job_resource("p1", "ds", "US", activities(), "j1", "WRITE_TRUNCATE");
        assert!(
            replace["configuration"]["load"]
                .get("schemaUpdateOptions")
                .is_none()
        );
    }

    #[test]
    fn a_load_job_partitions_and_clusters_as_the_schema_says() {
        let table = activities();
        let job = load_job_resource("p1", "ds", "US", table, "j1", "WRITE_TRUNCATE");
        let load = &job["configuration"]["load"];
        match table.partition_by_month {
            Some(field) => {
                assert_eq!(load["timePartitioning"]["type"], "MONTH");
                assert_eq!(load["timePartitioning"]["field"], field);
            }
            None => assert!(load.get("timePartitioning").is_none()),
        }
        assert_eq!(load["clustering"]["fields"], json!(table.cluster_by));
    }

    #[test]
    fn a_job_id_is_unique_and_uses_only_letters_digits_and_underscores() {
        let (a, b) = (
            new_job_id("athlete_settings"),
            new_job_id("athlete_settings"),
        );
        assert_ne!(a, b);
        assert!(a.starts_with("strava_warehouse_athlete_settings_"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "{a}"
        );
        assert!(a.len() <= 1024);
    }

    #[test]
    fn job_errors_give_the_main_error_then_each_further_one_once() {
        let main = ErrorProto::new()
            .set_reason("invalid")
            .set_location("gs://x/activities.parquet")
            .set_message("Error while reading data");
        let further = [
            main.clone(),
            ErrorProto::new().set_message("Column distance has type STRING"),
        ];
        assert_eq!(
            job_errors(&main, &further),
            "invalid at gs://x/activities.parquet: Error while reading data; \
             Column distance has type STRING"
        );
    }

    #[test]
    fn an_error_without_a_location_says_its_reason_and_message() {
        let e = ErrorProto::new()
            .set_reason("quotaExceeded")
            .set_message("Quota exceeded");
        assert_eq!(describe_error(&e), "quotaExceeded: Quota exceeded");
    }
}
