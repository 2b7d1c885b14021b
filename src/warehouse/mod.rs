//! Load stage: one trait, one implementation per warehouse. A load replaces
//! the product's tables with the run's Parquet files and appends the run's
//! row to `sync_runs`. How atomic that is depends on the warehouse: DuckDB
//! replaces all tables (and the views) in one transaction, so a failure
//! anywhere leaves every table as it was; BigQuery has no transaction across
//! tables, so each table is replaced atomically on its own (readers see its
//! old or its new rows, never half), one at a time, and a failure names the
//! tables already replaced (`WarehouseError`'s `replaced`).
//!
//! Responsible for: the `--warehouse` setting, the contract every warehouse
//! keeps, and `AnyWarehouse`, through which every command opens the one it
//! names (so no command repeats a per-warehouse branch or a per-build twin). Not responsible for: producing the Parquet files (see `transform`) or
//! deciding whether a load is safe (see `pipeline`'s shrink guard).

pub mod bigquery;
#[cfg(feature = "duckdb")]
pub mod duckdb;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::interrupt::Signal;
use crate::schema::Table;

/// The `--warehouse` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarehouseSpec {
    DuckDb(PathBuf),
    BigQuery { project: String, dataset: String },
}

impl FromStr for WarehouseSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("duckdb", path)) if !path.is_empty() => Ok(WarehouseSpec::DuckDb(path.into())),
            Some(("bigquery", target)) => match target.split_once('.') {
                Some((project, dataset)) if !project.is_empty() && !dataset.is_empty() => {
                    Ok(WarehouseSpec::BigQuery {
                        project: project.into(),
                        dataset: dataset.into(),
                    })
                }
                _ => Err(format!(
                    "`{s}` names no dataset: write bigquery:PROJECT.DATASET"
                )),
            },
            _ => Err(format!(
                "unknown warehouse `{s}`: use duckdb:PATH (e.g. duckdb:strava.duckdb) or \
                 bigquery:PROJECT.DATASET"
            )),
        }
    }
}

impl fmt::Display for WarehouseSpec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            WarehouseSpec::DuckDb(p) => write!(f, "duckdb:{}", p.display()),
            WarehouseSpec::BigQuery { project, dataset } => {
                write!(f, "bigquery:{project}.{dataset}")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("the warehouse {warehouse} is unavailable: {detail}")]
    Unavailable { warehouse: String, detail: String },
    #[error(
        "loading `{table}` into {warehouse} failed, {}: {detail}",
        kept(replaced)
    )]
    Load {
        warehouse: String,
        table: &'static str,
        detail: String,
        /// Tables this run had already replaced when it failed: a warehouse
        /// without multi-table transactions (BigQuery) cannot take them back.
        replaced: Vec<&'static str>,
    },
    #[error(
        "interrupted by {} while loading into {warehouse}, {}: {detail}",
        signal.name(),
        kept(replaced)
    )]
    Interrupted {
        warehouse: String,
        signal: Signal,
        detail: String,
        replaced: Vec<&'static str>,
    },
    /// A view's SQL was refused (the warehouse answered; the view is wrong
    /// for it), unlike an unreachable warehouse.
    #[error(
        "creating the view `{view}` in {warehouse} failed, {}: {detail}",
        kept(replaced)
    )]
    View {
        warehouse: String,
        view: &'static str,
        detail: String,
        /// As for `Load`: what BigQuery had replaced before the views.
        replaced: Vec<&'static str>,
    },
    /// `purge` could not delete a table or view.
    #[error(
        "deleting {what} from {warehouse} failed, {}: {detail}",
        deleted_so_far(deleted)
    )]
    Purge {
        warehouse: String,
        /// The table or view (`` `activities` ``), or "the tables and views".
        what: String,
        detail: String,
        /// What this purge had deleted before it failed (BigQuery deletes
        /// one at a time; DuckDB's purge is one transaction).
        deleted: Vec<String>,
    },
}

/// What a failed purge left: nothing deleted, or some relations gone.
fn deleted_so_far(deleted: &[String]) -> String {
    if deleted.is_empty() {
        return "nothing was deleted".into();
    }
    format!(
        "after deleting {}; run purge again to delete the rest",
        deleted.join(", ")
    )
}

impl WarehouseError {
    /// The same error, saying which tables the run had already replaced
    /// (BigQuery's; DuckDB replaces all tables in one transaction).
    #[cfg(feature = "gcp")]
    pub(crate) fn after_replacing(self, tables: &[&'static str]) -> Self {
        match self {
            WarehouseError::Load {
                warehouse,
                table,
                detail,
                ..
            } => WarehouseError::Load {
                warehouse,
                table,
                detail,
                replaced: tables.to_vec(),
            },
            WarehouseError::Interrupted {
                warehouse,
                signal,
                detail,
                ..
            } => WarehouseError::Interrupted {
                warehouse,
                signal,
                detail,
                replaced: tables.to_vec(),
            },
            WarehouseError::View {
                warehouse,
                view,
                detail,
                ..
            } => WarehouseError::View {
                warehouse,
                view,
                detail,
                replaced: tables.to_vec(),
            },
            WarehouseError::Unavailable { warehouse, detail } if !tables.is_empty() => {
                WarehouseError::Unavailable {
                    warehouse,
                    detail: format!("{detail} ({})", kept(tables)),
                }
            }
            other => other,
        }
    }
}

/// What a failed run left: everything as it was, or some tables new.
fn kept(replaced: &[&str]) -> String {
    if replaced.is_empty() {
        return "the previous data is kept".into();
    }
    let names: Vec<String> = replaced.iter().map(|t| format!("`{t}`")).collect();
    format!(
        "but this run had already replaced {} with the new data; the other tables keep the \
         previous data",
        names.join(", ")
    )
}

/// The Parquet files of one run.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(any(feature = "gcp", feature = "duckdb")), allow(dead_code))]
pub struct Load<'a> {
    pub(crate) activities: &'a Path,
    pub(crate) athlete: &'a Path,
    pub(crate) athlete_settings: &'a Path,
    /// The other tables the run replaces, each with its file: those made
    /// from the export's activity files (`activity_streams`, `power_curve`,
    /// `best_efforts`, `time_in_zones`) and `gear`.
    pub(crate) files: &'a [(&'static Table, &'a Path)],
    /// The run's `sync_runs` row.
    pub(crate) run: &'a Path,
}

/// The warehouse `--warehouse` names, opened: the one seam every command
/// goes through, whichever warehouses this build has.
pub enum AnyWarehouse {
    #[cfg(feature = "duckdb")]
    DuckDb(duckdb::DuckDbFile),
    BigQuery(Box<bigquery::BigQueryWarehouse>),
}

impl AnyWarehouse {
    /// For a command that writes (`sync`, `views --apply`): a DuckDB file is
    /// created if missing. BigQuery builds its clients; nothing is sent yet.
    pub async fn open(
        spec: &WarehouseSpec,
        bigquery: &bigquery::BigQuerySettings,
    ) -> anyhow::Result<Self> {
        match spec {
            WarehouseSpec::DuckDb(path) => Self::duckdb(path, true).map(|w| w.expect("created")),
            WarehouseSpec::BigQuery { project, dataset } => Ok(AnyWarehouse::BigQuery(Box::new(
                bigquery::BigQueryWarehouse::open(project, dataset, bigquery).await?,
            ))),
        }
    }

    /// For a command that must not create a DuckDB file (`purge`, `doctor`,
    /// `status`, `report`): `None` when it does not exist.
    pub async fn open_existing(
        spec: &WarehouseSpec,
        bigquery: &bigquery::BigQuerySettings,
    ) -> anyhow::Result<Option<Self>> {
        match spec {
            WarehouseSpec::DuckDb(path) => Self::duckdb(path, false),
            WarehouseSpec::BigQuery { .. } => Self::open(spec, bigquery).await.map(Some),
        }
    }

    /// The DuckDB file at `path` if it exists, for reading (`status`).
    pub fn existing_duckdb(path: &Path) -> anyhow::Result<Option<Self>> {
        Self::duckdb(path, false)
    }

    /// The last `limit` runs in `sync_runs`, newest first (`status` reads
    /// DuckDB files; BigQuery has `bq query`).
    #[cfg_attr(not(feature = "duckdb"), allow(unused_variables))]
    pub fn recent_runs(&self, limit: u32) -> anyhow::Result<Vec<crate::status::RunRow>> {
        match self {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(w) => Ok(w.recent_runs(limit)?),
            AnyWarehouse::BigQuery(_) => Err(crate::exit::ConfigError(
                "status reads DuckDB files; for BigQuery query `sync_runs` with bq".into(),
            )
            .into()),
        }
    }

    #[cfg(feature = "duckdb")]
    fn duckdb(path: &Path, create: bool) -> anyhow::Result<Option<Self>> {
        let file = if create {
            Some(duckdb::DuckDbFile::open(path)?)
        } else {
            duckdb::DuckDbFile::existing(path)
        };
        Ok(file.map(AnyWarehouse::DuckDb))
    }

    #[cfg(not(feature = "duckdb"))]
    fn duckdb(_: &Path, _: bool) -> anyhow::Result<Option<Self>> {
        Err(crate::exit::ConfigError(
            "this build has no embedded DuckDB warehouse (built without the `duckdb` feature); \
             use --warehouse bigquery:PROJECT.DATASET"
                .into(),
        )
        .into())
    }

    /// (Re)creates every view; returns how many.
    pub async fn apply_views(&self) -> Result<usize, WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(w) => w.apply_views(),
            AnyWarehouse::BigQuery(w) => w.apply_views().await,
        }
    }
}

impl Warehouse for AnyWarehouse {
    async fn activity_count(&mut self) -> Result<Option<u64>, WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(w) => w.activity_count().await,
            AnyWarehouse::BigQuery(w) => w.activity_count().await,
        }
    }

    async fn replace(&mut self, load: Load<'_>) -> Result<(), WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(w) => w.replace(load).await,
            AnyWarehouse::BigQuery(w) => w.replace(load).await,
        }
    }

    async fn append_run(&mut self, run: &Path) -> Result<(), WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(w) => w.append_run(run).await,
            AnyWarehouse::BigQuery(w) => w.append_run(run).await,
        }
    }

    async fn purge(&mut self) -> Result<Vec<String>, WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(w) => w.purge().await,
            AnyWarehouse::BigQuery(w) => w.purge().await,
        }
    }
}

#[allow(async_fn_in_trait)] // used generically, never as `dyn`
pub trait Warehouse {
    /// Rows in `activities` now, or `None` when the table does not exist yet.
    async fn activity_count(&mut self) -> Result<Option<u64>, WarehouseError>;
    /// Replaces `activities`, `athlete`, `athlete_settings` and the file
    /// tables, appends to `sync_runs` and (re)creates the views: in one
    /// transaction on DuckDB, one table at a time on BigQuery.
    async fn replace(&mut self, load: Load<'_>) -> Result<(), WarehouseError>;
    /// Appends a failed run's row to `sync_runs`, leaving the other tables alone.
    async fn append_run(&mut self, run: &Path) -> Result<(), WarehouseError>;
    /// Drops every view and table the product created; returns their names.
    async fn purge(&mut self) -> Result<Vec<String>, WarehouseError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_settings_parse() {
        assert_eq!(
            "duckdb:strava.duckdb".parse::<WarehouseSpec>(),
            Ok(WarehouseSpec::DuckDb("strava.duckdb".into()))
        );
        assert_eq!(
            "bigquery:p1.ds".parse::<WarehouseSpec>(),
            Ok(WarehouseSpec::BigQuery {
                project: "p1".into(),
                dataset: "ds".into()
            })
        );
        assert!("bigquery:p1".parse::<WarehouseSpec>().is_err());
        assert!("postgres:x".parse::<WarehouseSpec>().is_err());
    }
}
