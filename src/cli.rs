//! The command line (the binary's, not the library's): every flag with its
//! environment twin (flags > environment > defaults, as clap resolves them).
//!
//! Responsible for: the names, help and parsing of every setting, and turning
//! them into the plain settings structs the library's stages take; defaults
//! are the library's constants, written there once. Not responsible for:
//! acting on them (see `main` and the library's `pipeline`).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use strava_warehouse::cloud_storage::{self, ExportLocation, StorageSettings};
use strava_warehouse::extract::ApiSettings;
use strava_warehouse::logging::LogFormat;
use strava_warehouse::login::LoginSettings;
use strava_warehouse::pipeline::{SourceSettings, SyncSettings};
use strava_warehouse::schema::{TABLES, Table};
use strava_warehouse::secrets::{self, Secret, SecretsSettings, SecretsSpec};
use strava_warehouse::strava::http::{self, DEFAULT_MAX_PAGE_BYTES};
use strava_warehouse::strava::{self, HttpSettings};
use strava_warehouse::views::Dialect;
use strava_warehouse::warehouse::{WarehouseSpec, bigquery};

/// A century: any longer cannot be subtracted from today as a date.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

#[derive(Debug, Parser)]
#[command(
    name = "strava-warehouse",
    version,
    about = "Keeps an athlete's whole Strava history in a SQL warehouse (BigQuery, or an embedded DuckDB file)."
)]
pub struct Cli {
    /// Log format: text for people, json (one object per line with `severity`)
    /// for Cloud Logging; auto picks text on a terminal.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto, global = true, help_heading = "Logging")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: credentials -> all activities -> Parquet -> truncate-and-load.
    #[command(
        after_help = SYNC_EXAMPLES,
        mut_arg("warehouse", |a| a.help("Where to load: duckdb:PATH, or bigquery:PROJECT.DATASET."))
    )]
    Sync(Box<SyncArgs>),
    /// First-time authorization: get a refresh token from Strava and store it.
    Login(LoginArgs),
    /// Print the SQL of the effort-metric views, or (re)create them with --apply.
    Views(ViewsArgs),
    /// Print the fixed schema of the tables `sync` writes.
    Schema(SchemaArgs),
    /// Delete everything the product stored: tables, views, raw pages and,
    /// with --credentials, the stored tokens.
    Purge(PurgeArgs),
    /// Print a Looker Studio link that opens a new report on the BigQuery views
    /// (with --template, a copy of your template report).
    LookerUrl(LookerArgs),
    /// Write one self-contained HTML dashboard drawn from the views.
    Report(ReportArgs),
    /// Show the last runs recorded in `sync_runs`: when, outcome, activities, API calls, message.
    Status(StatusArgs),
    /// Check the setup without syncing: secret store, Strava token, rate limit, warehouse.
    #[command(after_help = DOCTOR_EXAMPLES)]
    Doctor(DoctorArgs),
}

const SYNC_EXAMPLES: &str = "\
Examples:
  strava-warehouse sync --from-raw examples/sample-athlete --from-export examples/sample-athlete/export
      the synthetic sample athlete (its API pages and its export's activity
      files) into ./strava.duckdb, no account needed
  strava-warehouse sync --secrets file:strava-secrets.json --raw-dir raw/
      your own Strava history (after `login`), keeping the API pages
  strava-warehouse sync --from-export export_12345.zip
      Strava's bulk export (\"Download your data\") instead of the API
  WAREHOUSE=bigquery:my-project.strava STRAVA_SECRETS=gcp:my-project strava-warehouse sync
      what the Cloud Run job runs (a build with the `gcp` feature)

Exit codes: 0 done; 1 failed, previous data kept; 2 bad setting; 3 Strava's rate limit, run again later.
--help (not -h) also shows the settings only tests and proxies need.";

const DOCTOR_EXAMPLES: &str = "\
Examples:
  strava-warehouse doctor --secrets file:strava-secrets.json
  WAREHOUSE=bigquery:my-project.strava strava-warehouse doctor --secrets gcp:my-project

Each check prints OK, SKIP or FAIL with what to do; any FAIL exits 1.
The token is refreshed (once) only where a rotated one can be saved (file: or gcp:).";

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten, next_help_heading = "Warehouse")]
    pub warehouse: WarehouseArgs,

    #[command(flatten, next_help_heading = "Credentials")]
    pub secrets: SecretsArgs,

    /// Strava API base URL.
    #[arg(long, env = "STRAVA_API_URL", default_value = strava::DEFAULT_API_URL, hide_short_help = true)]
    pub strava_api_url: String,

    /// Strava OAuth base URL (doctor appends /token).
    #[arg(long, env = "STRAVA_OAUTH_URL", default_value = strava::DEFAULT_OAUTH_URL, hide_short_help = true)]
    pub strava_oauth_url: String,
}

impl DoctorArgs {
    /// The Strava side's settings: a sync's, without paging or raw pages.
    pub fn api(&self) -> ApiSettings {
        ApiSettings {
            secrets: self.secrets.settings(Duration::from_secs(1)),
            api_url: self.strava_api_url.clone(),
            oauth_url: self.strava_oauth_url.clone(),
            http: HttpSettings {
                retries: self.warehouse.http_retries,
                backoff: self.warehouse.http_retry_backoff(),
                ..HttpSettings::default()
            },
            raw_dir: None,
            raw_retention_days: 7,
            max_rate_wait: Duration::ZERO,
        }
    }
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The warehouse: duckdb:PATH (for BigQuery, status prints the `bq query` to run).
    #[arg(long, env = "WAREHOUSE", default_value = "duckdb:strava.duckdb")]
    pub warehouse: WarehouseSpec,

    /// How many runs, newest first.
    #[arg(long, default_value_t = 10)]
    pub limit: u32,

    /// text (a table) or json (one array).
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// How a command prints its result on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct LookerArgs {
    /// The BigQuery dataset the report reads (`sync` loads it).
    #[arg(long, env = "WAREHOUSE", value_name = "bigquery:PROJECT.DATASET")]
    pub warehouse: Option<WarehouseSpec>,

    /// The id of a Looker Studio report to copy (the part after /reporting/
    /// in its address); its data sources are pointed at this dataset.
    #[arg(long, env = "LOOKER_TEMPLATE", value_name = "REPORT_ID")]
    pub template: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,

    /// The HTML file to write. Without it, ./report.html, which is replaced
    /// only if it is an earlier report.
    #[arg(long, env = "REPORT_OUT", value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// First day of the charts' window (YYYY-MM-DD); default: 12 months before --to.
    #[arg(long, env = "REPORT_FROM", value_name = "DATE", value_parser = parse_date)]
    pub from: Option<chrono::NaiveDate>,

    /// Last day of the charts' window (YYYY-MM-DD); default: the last day with an activity.
    #[arg(long, env = "REPORT_TO", value_name = "DATE", value_parser = parse_date)]
    pub to: Option<chrono::NaiveDate>,

    /// Only this sport group: ride, run, swim, walk_hike or other.
    #[arg(long, env = "REPORT_SPORT_GROUP", value_name = "GROUP")]
    pub sport_group: Option<SportGroup>,
}

/// The views' sport groups (`activity_metrics.sport_group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SportGroup {
    Ride,
    Run,
    Swim,
    WalkHike,
    Other,
}

impl SportGroup {
    #[cfg(feature = "report")]
    pub fn as_str(self) -> &'static str {
        match self {
            SportGroup::Ride => "ride",
            SportGroup::Run => "run",
            SportGroup::Swim => "swim",
            SportGroup::WalkHike => "walk_hike",
            SportGroup::Other => "other",
        }
    }
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("`{s}` is not a date like 2024-03-31 ({e})"))
}

/// Where the Strava credentials are, and where Secret Manager is.
#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Where the Strava credentials are: env, file:PATH, or gcp:PROJECT (Secret Manager).
    #[arg(long, env = "STRAVA_SECRETS", default_value = "env")]
    pub secrets: SecretsSpec,

    /// Secret Manager API root, for gcp:PROJECT (the job appends /v1/...).
    #[arg(long, env = "SECRET_MANAGER_API_URL", default_value = secrets::gcp::DEFAULT_API_URL, hide_short_help = true)]
    pub secret_manager_api_url: String,

    /// Name of the Secret Manager secret holding the Strava client id.
    #[arg(
        long,
        env = "STRAVA_CLIENT_ID_SECRET",
        default_value = "strava-client-id"
    )]
    pub client_id_secret: String,

    /// Name of the Secret Manager secret holding the Strava client secret.
    #[arg(
        long,
        env = "STRAVA_CLIENT_SECRET_SECRET",
        default_value = "strava-client-secret"
    )]
    pub client_secret_secret: String,

    /// Name of the Secret Manager secret holding the Strava refresh token.
    #[arg(
        long,
        env = "STRAVA_REFRESH_TOKEN_SECRET",
        default_value = "strava-refresh-token"
    )]
    pub refresh_token_secret: String,
}

impl SecretsArgs {
    /// `save_backoff`: first delay between attempts to save a rotated token.
    pub fn settings(&self, save_backoff: Duration) -> SecretsSettings {
        SecretsSettings {
            spec: self.secrets.clone(),
            secret_manager: secrets::gcp::SecretManagerSettings {
                api_url: self.secret_manager_api_url.clone(),
                client_id_secret: self.client_id_secret.clone(),
                client_secret_secret: self.client_secret_secret.clone(),
                refresh_token_secret: self.refresh_token_secret.clone(),
                save_backoff,
            },
        }
    }
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,

    /// Also delete the runs saved under this --raw-dir root.
    #[arg(long, env = "RAW_DIR", value_name = "DIR")]
    pub raw_dir: Option<PathBuf>,

    /// Also delete the stored Strava credentials (the --secrets store).
    #[arg(long)]
    pub credentials: bool,

    #[command(flatten)]
    pub secrets: SecretsArgs,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Where to store the credentials (--secrets file:PATH or gcp:PROJECT).
    #[command(flatten)]
    pub secrets: SecretsArgs,

    /// The Strava application's client id (else the one already in the store).
    #[arg(long, env = "STRAVA_CLIENT_ID")]
    pub client_id: Option<String>,

    /// The Strava application's client secret (else the one already in the
    /// store). Prefer the environment variable: a command line is visible to
    /// every local user in `ps`.
    #[arg(long, env = "STRAVA_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,

    /// Strava OAuth base URL (login appends /authorize and /token).
    #[arg(long, env = "STRAVA_OAUTH_URL", default_value = strava::DEFAULT_OAUTH_URL, hide_short_help = true)]
    pub strava_oauth_url: String,

    /// Port on 127.0.0.1 that receives Strava's redirect (0: any free port;
    /// Strava checks the callback domain, not the port).
    #[arg(long, env = "LOGIN_PORT", default_value_t = 8642)]
    pub port: u16,

    /// Do not listen for the redirect: paste the address the browser was sent to.
    #[arg(long)]
    pub no_browser: bool,

    /// How long the listener waits for Strava's redirect, in seconds.
    #[arg(long, env = "LOGIN_TIMEOUT_SECS", default_value_t = 300)]
    pub timeout_secs: u64,
}

/// Asks on the terminal without echoing what is typed.
fn ask_hidden(prompt: &str) -> std::io::Result<String> {
    rpassword::prompt_password(prompt)
}

impl LoginArgs {
    pub fn settings(&self) -> LoginSettings {
        LoginSettings {
            secrets: self.secrets.settings(Duration::from_secs(1)),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone().map(Secret::new),
            ask_client_secret: std::io::IsTerminal::is_terminal(&std::io::stdin())
                .then_some(ask_hidden as fn(&str) -> std::io::Result<String>),
            oauth_url: self.strava_oauth_url.clone(),
            port: self.port,
            no_browser: self.no_browser,
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            http: HttpSettings::default(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ViewsArgs {
    /// The SQL dialect to print; with --apply, the warehouse decides.
    #[arg(long, value_enum, default_value_t = Dialect::Duckdb)]
    pub dialect: Dialect,

    /// Create or replace the views in --warehouse instead of printing them.
    #[arg(long)]
    pub apply: bool,

    #[command(flatten)]
    pub warehouse: WarehouseArgs,
}

#[derive(Debug, Args)]
pub struct WarehouseArgs {
    /// The warehouse: duckdb:PATH, or bigquery:PROJECT.DATASET.
    #[arg(long, env = "WAREHOUSE", default_value = "duckdb:strava.duckdb")]
    pub warehouse: WarehouseSpec,

    /// BigQuery's API root (an emulator or a proxy in tests); `/bigquery/v2/…`
    /// and `/upload/bigquery/v2/…` are appended.
    #[arg(long, env = "BIGQUERY_API_URL", default_value = bigquery::DEFAULT_API_URL, hide_short_help = true)]
    pub bigquery_api_url: String,

    /// Location of the BigQuery dataset (US, EU, europe-west1, ...): where
    /// `sync` creates it and where every job runs.
    #[arg(long, env = "BIGQUERY_LOCATION", default_value = "US")]
    pub bigquery_location: String,

    /// Parquet files larger than this are uploaded to BigQuery resumably
    /// (Google's guidance: multipart up to 5 MB, resumable above).
    #[arg(long, env = "BIGQUERY_RESUMABLE_ABOVE_BYTES", default_value_t = 5 * 1024 * 1024, hide = true)]
    pub bigquery_resumable_above_bytes: u64,

    /// The longest one BigQuery load or query job may take.
    #[arg(long, env = "BIGQUERY_JOB_TIMEOUT_SECS", default_value_t = 1800)]
    pub bigquery_job_timeout_secs: u64,

    /// Retries of a request (Strava, BigQuery) after a transient failure (5xx, timeout, reset).
    #[arg(
        long,
        env = "HTTP_RETRIES",
        default_value_t = http::DEFAULT_RETRIES,
        help_heading = "Limits"
    )]
    pub http_retries: u32,

    /// First retry delay in milliseconds; doubles with each retry, with jitter.
    #[arg(
        long,
        env = "HTTP_RETRY_BACKOFF_MS",
        default_value_t = http::DEFAULT_BACKOFF_MS,
        help_heading = "Limits"
    )]
    pub http_retry_backoff_ms: u64,
}

impl WarehouseArgs {
    pub fn bigquery(&self) -> bigquery::BigQuerySettings {
        bigquery::BigQuerySettings {
            api_url: self.bigquery_api_url.clone(),
            location: self.bigquery_location.clone(),
            resumable_above: self.bigquery_resumable_above_bytes,
            job_timeout: std::time::Duration::from_secs(self.bigquery_job_timeout_secs),
            retries: self.http_retries,
            retry_backoff: self.http_retry_backoff(),
        }
    }

    /// `--http-retry-backoff-ms`: the first delay between retries.
    pub fn http_retry_backoff(&self) -> Duration {
        Duration::from_millis(self.http_retry_backoff_ms)
    }
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten, next_help_heading = "Warehouse")]
    pub warehouse: WarehouseArgs,

    #[command(flatten, next_help_heading = "Credentials")]
    pub secrets: SecretsArgs,

    /// Replay pages saved by an earlier run (a run directory, or a --raw-dir
    /// root whose newest complete run is used) instead of calling Strava.
    #[arg(long, env = "FROM_RAW", value_name = "DIR", help_heading = "Source")]
    pub from_raw: Option<PathBuf>,

    /// Load Strava's bulk export ("Download your data": the .zip, its folder,
    /// or activities.csv; gs://BUCKET/PATH.zip in Cloud Storage), merged with
    /// the API's newer activities (or, with --from-raw, with the saved pages).
    #[arg(
        long,
        env = "FROM_EXPORT",
        value_name = "PATH",
        help_heading = "Source"
    )]
    pub from_export: Option<ExportLocation>,

    /// Cloud Storage base URL (for a gs:// --from-export).
    #[arg(long, env = "STORAGE_API_URL", default_value = cloud_storage::DEFAULT_API_URL, hide_short_help = true, help_heading = "Source")]
    pub storage_api_url: String,

    /// Keep every API page as received under DIR/<run start time>/.
    #[arg(long, env = "RAW_DIR", value_name = "DIR", help_heading = "Source")]
    pub raw_dir: Option<PathBuf>,

    /// Delete runs saved under --raw-dir that are older than this many days, at
    /// the start of each run (Strava's API policy allows a 7-day cache); 0 to 36500.
    #[arg(
        long,
        env = "RAW_RETENTION_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_RETENTION_DAYS)),
        help_heading = "Source"
    )]
    pub raw_retention_days: u32,

    /// Keep the run's Parquet files: the activities at PATH, the athlete at
    /// <stem>.athlete.parquet beside it (out.parquet -> out.athlete.parquet).
    /// Written under temporary names and renamed into place once the run has
    /// loaded; an existing file is only replaced if an earlier run wrote it.
    #[arg(
        long,
        env = "PARQUET_OUT",
        value_name = "PATH",
        help_heading = "Output"
    )]
    pub parquet_out: Option<PathBuf>,

    /// The athlete's dated thresholds (FTP, heart rate, weight, sex) as TOML
    /// `[[settings]]` entries; without it they come from the Strava profile and the data.
    #[arg(
        long,
        env = "ATHLETE_SETTINGS",
        value_name = "FILE",
        help_heading = "Source"
    )]
    pub athlete_settings: Option<PathBuf>,

    /// Replace the table even when the fetch is empty or less than half of
    /// what is loaded.
    #[arg(long, env = "ALLOW_SHRINK", help_heading = "Warehouse")]
    pub allow_shrink: bool,

    /// Strava API base URL.
    #[arg(long, env = "STRAVA_API_URL", default_value = strava::DEFAULT_API_URL, hide_short_help = true, help_heading = "Source")]
    pub strava_api_url: String,

    /// Strava OAuth base URL (the job appends /token).
    #[arg(long, env = "STRAVA_OAUTH_URL", default_value = strava::DEFAULT_OAUTH_URL, hide_short_help = true, help_heading = "Source")]
    pub strava_oauth_url: String,

    /// Longest wait, in seconds, for Strava's 15-minute rate-limit window to
    /// reset when it has too few calls left for the sync; longer means exit 3.
    #[arg(
        long,
        env = "RATE_LIMIT_MAX_WAIT_SECS",
        default_value_t = 300,
        help_heading = "Limits"
    )]
    pub rate_limit_max_wait_secs: u64,

    /// Time limit for one HTTP request, in seconds.
    #[arg(
        long,
        env = "HTTP_TIMEOUT_SECS",
        default_value_t = http::DEFAULT_TIMEOUT_SECS,
        help_heading = "Limits"
    )]
    pub http_timeout_secs: u64,

    /// The closing summary on stdout: text for people, json (one object) for scripts.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text, help_heading = "Output")]
    pub format: SummaryFormat,

    /// Time limit for Strava's token call, in seconds. Longer than a page's:
    /// a token call that timed out after reaching Strava is never repeated.
    #[arg(
        long,
        env = "STRAVA_TOKEN_TIMEOUT_SECS",
        default_value_t = http::DEFAULT_TOKEN_TIMEOUT_SECS,
        help_heading = "Limits"
    )]
    pub token_timeout_secs: u64,

    /// Largest Strava response or replayed page file, in bytes (a page of 200
    /// activities is about 0.3 MB); a larger one fails the run unread.
    #[arg(
        long,
        env = "MAX_PAGE_BYTES",
        default_value_t = DEFAULT_MAX_PAGE_BYTES,
        value_parser = clap::value_parser!(u64).range(1024..),
        help_heading = "Limits"
    )]
    pub max_page_bytes: u64,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// markdown (docs/tables.md's column tables), arrow, bigquery (JSON), or duckdb (DDL).
    #[arg(long, value_enum, default_value_t = SchemaFormat::Markdown)]
    pub format: SchemaFormat,

    /// Only this table (`strava-warehouse schema` lists them, e.g. activities). With
    /// --format bigquery: its fields alone, the JSON array `bq mk --schema` takes.
    #[arg(long, value_name = "TABLE", value_parser = table_named)]
    pub table: Option<&'static Table>,
}

fn table_named(name: &str) -> Result<&'static Table, String> {
    TABLES
        .iter()
        .copied()
        .find(|t| t.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
            format!("unknown table `{name}`: use one of {}", names.join(", "))
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    Markdown,
    Arrow,
    Bigquery,
    Duckdb,
}

impl SyncArgs {
    pub fn settings(&self) -> SyncSettings {
        let backoff = self.warehouse.http_retry_backoff();
        let api = ApiSettings {
            secrets: self.secrets.settings(backoff),
            api_url: self.strava_api_url.clone(),
            oauth_url: self.strava_oauth_url.clone(),
            http: HttpSettings {
                retries: self.warehouse.http_retries,
                backoff,
                timeout: Duration::from_secs(self.http_timeout_secs.max(1)),
                token_timeout: Duration::from_secs(self.token_timeout_secs.max(1)),
                max_body: self.max_page_bytes,
            },
            raw_dir: self.raw_dir.clone(),
            raw_retention_days: self.raw_retention_days,
            max_rate_wait: Duration::from_secs(self.rate_limit_max_wait_secs),
        };
        let source = match (&self.from_raw, &self.from_export) {
            (replay, Some(location)) => SourceSettings::Export {
                location: location.clone(),
                storage: StorageSettings {
                    api_url: self.storage_api_url.clone(),
                    retries: self.warehouse.http_retries,
                    backoff,
                },
                api,
                replay: replay.clone(),
            },
            (Some(dir), None) => SourceSettings::Replay(dir.clone()),
            (None, None) => SourceSettings::Api(api),
        };
        SyncSettings {
            source,
            parquet_out: self.parquet_out.clone(),
            athlete_settings: self.athlete_settings.clone(),
            allow_shrink: self.allow_shrink,
            max_page_bytes: self.max_page_bytes,
        }
    }
}
