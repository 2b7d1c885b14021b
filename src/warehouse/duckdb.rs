//! The embedded warehouse: a DuckDB file with the same tables (and, through
//! `views`, the same views) as BigQuery, for running with no cloud account.
//!
//! Responsible for: creating the tables from `schema` and loading the run's
//! Parquet files inside one transaction, so a failure anywhere rolls back to the
//! previous tables. Not responsible for: the views' SQL (`sql/views/`, rendered by `views.rs`).

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::{Load, Warehouse, WarehouseError};
use crate::schema::{ACTIVITIES, ATHLETE, ATHLETE_SETTINGS, SYNC_RUNS, TABLES, Table};
use crate::status::{self, RunRow};
use crate::views;

pub struct DuckDbWarehouse {
    path: PathBuf,
    conn: Connection,
}

impl DuckDbWarehouse {
    pub(crate) fn open(path: &Path) -> Result<Self, WarehouseError> {
        let conn = Connection::open(path).map_err(|e| WarehouseError::Unavailable {
            warehouse: format!("duckdb:{}", path.display()),
            detail: open_error(&e.to_string(), true),
        })?;
        // Never reach for the network to fetch an extension, and keep UTC
        // instants from being shifted by the machine's time zone on load.
        // TimeZone exists only when the ICU extension is linked, hence `ok()`.
        let _ = conn.execute_batch("SET autoinstall_known_extensions = false");
        let _ = conn.execute_batch("SET TimeZone = 'UTC'");
        Ok(DuckDbWarehouse {
            path: path.to_path_buf(),
            conn,
        })
    }

    /// Opens the file for reading only (`status`, `doctor`): never creates
    /// it, and other readers may have it open at the same time. `None` when
    /// no file is there yet.
    pub(crate) fn open_read_only(path: &Path) -> Result<Option<Self>, WarehouseError> {
        if !path.exists() {
            return Ok(None);
        }
        let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly);
        let conn = config
            .and_then(|config| Connection::open_with_flags(path, config))
            .map_err(|e| WarehouseError::Unavailable {
                warehouse: format!("duckdb:{}", path.display()),
                detail: open_error(&e.to_string(), false),
            })?;
        let _ = conn.execute_batch("SET autoinstall_known_extensions = false");
        let _ = conn.execute_batch("SET TimeZone = 'UTC'");
        Ok(Some(DuckDbWarehouse {
            path: path.to_path_buf(),
            conn,
        }))
    }

    /// The last `limit` runs in `sync_runs`, newest first (`status`); none
    /// when the table does not exist yet.
    pub(crate) fn recent_runs(&self, limit: u32) -> Result<Vec<RunRow>, WarehouseError> {
        if !self.table_exists(SYNC_RUNS.name)? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(&status::duckdb_query(limit))
            .map_err(self.read_error(SYNC_RUNS.name))?;
        stmt.query_map([], |r| {
            Ok(RunRow {
                started_at: r.get(0)?,
                outcome: r.get(1)?,
                source: r.get(2)?,
                activities: r.get(3)?,
                api_calls: r.get(4)?,
                message: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(self.read_error(SYNC_RUNS.name))
    }

    /// Whether a table or view of this name is in the file.
    fn table_exists(&self, name: &'static str) -> Result<bool, WarehouseError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema = 'main' AND table_name = ?",
                [name],
                |r| r.get(0),
            )
            .map_err(self.read_error(name))?;
        Ok(n > 0)
    }

    fn read_error(&self, table: &'static str) -> impl FnOnce(duckdb::Error) -> WarehouseError + '_ {
        move |e| WarehouseError::Unavailable {
            warehouse: self.name(),
            detail: format!("reading `{table}` failed: {e}"),
        }
    }

    pub(crate) fn name(&self) -> String {
        format!("duckdb:{}", self.path.display())
    }

    /// Every row of a query whose columns are all cast to text (the report's reads).
    #[cfg(feature = "report")]
    pub(crate) fn text_rows(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, duckdb::Error> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        let width = rows.as_ref().map(|s| s.column_count()).unwrap_or(0);
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(row.get::<_, Option<String>>(i)?);
            }
            out.push(cells);
        }
        Ok(out)
    }

    /// Computes `activity_metrics` once for this connection: a temporary
    /// table of that name (in memory, never in the file) comes first on
    /// DuckDB's search path, so every view built on it reads the rows
    /// instead of recomputing them per view. The report's queries then take a
    /// fraction of the time on long histories; the results are the same rows.
    #[cfg(feature = "report")]
    pub(crate) fn cache_activity_metrics(&self) -> Result<(), duckdb::Error> {
        self.conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE activity_metrics AS SELECT * FROM main.activity_metrics",
        )
    }

    /// Whether a table or view of this name exists in the file.
    #[cfg(feature = "report")]
    pub(crate) fn has_relation(&self, name: &str) -> Result<bool, duckdb::Error> {
        self.conn.query_row(
            "SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = ?",
            [name],
            |r| r.get(0),
        )
    }

    fn load_error(&self, table: &'static str) -> impl Fn(duckdb::Error) -> WarehouseError + '_ {
        move |e| WarehouseError::Load {
            warehouse: self.name(),
            table,
            detail: e.to_string(),
            // One transaction: nothing is replaced unless everything is.
            replaced: Vec::new(),
        }
    }

    /// A purge is one transaction: when it fails, nothing was deleted.
    fn purge_error(&self, what: String) -> impl Fn(duckdb::Error) -> WarehouseError + '_ {
        move |e| WarehouseError::Purge {
            warehouse: self.name(),
            what: what.clone(),
            detail: e.to_string(),
            deleted: Vec::new(),
        }
    }

    /// `INSERT INTO t SELECT … FROM read_parquet(…)`, casting each column to
    /// the table's type (Parquet's UTC timestamps arrive as TIMESTAMPTZ).
    fn insert_sql(table: &Table, parquet: &Path) -> String {
        let cols: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("CAST(\"{0}\" AS {1}) AS \"{0}\"", c.name, c.kind.duckdb()))
            .collect();
        format!(
            "INSERT INTO \"{}\" SELECT {} FROM read_parquet({})",
            table.name,
            cols.join(", "),
            sql_string(&parquet.to_string_lossy())
        )
    }

    /// (Re)creates every view, in order. Part of the load's transaction, so
    /// readers never see new tables under old views.
    pub(crate) fn apply_views(&self) -> Result<(), WarehouseError> {
        let rendering = views::Rendering::duckdb();
        for view in views::VIEWS {
            self.conn
                .execute_batch(&view.render(&rendering))
                .map_err(|e| WarehouseError::View {
                    warehouse: self.name(),
                    view: view.name,
                    detail: e.to_string(),
                    replaced: Vec::new(),
                })?;
        }
        Ok(())
    }

    /// `sync_runs` is appended to, never replaced: a table from an older
    /// version gains the columns added since (all nullable), keeping its rows.
    fn create_runs_table(&self) -> Result<(), WarehouseError> {
        let ddl = SYNC_RUNS.duckdb_ddl().replacen(
            "CREATE OR REPLACE TABLE",
            "CREATE TABLE IF NOT EXISTS",
            1,
        );
        self.conn
            .execute_batch(&ddl)
            .map_err(self.load_error(SYNC_RUNS.name))?;
        for c in SYNC_RUNS.columns.iter().filter(|c| c.nullable) {
            self.conn
                .execute_batch(&format!(
                    "ALTER TABLE \"{}\" ADD COLUMN IF NOT EXISTS \"{}\" {}",
                    SYNC_RUNS.name,
                    c.name,
                    c.kind.duckdb()
                ))
                .map_err(self.load_error(SYNC_RUNS.name))?;
        }
        // Every run, so a file made before the descriptions existed gets them.
        self.conn
            .execute_batch(&SYNC_RUNS.duckdb_comments())
            .map_err(self.load_error(SYNC_RUNS.name))
    }

    /// Runs `body` in one transaction; `failed` says what a failed BEGIN or
    /// COMMIT means for the caller.
    fn in_transaction(
        &self,
        failed: impl Fn(duckdb::Error) -> WarehouseError,
        body: impl FnOnce() -> Result<(), WarehouseError>,
    ) -> Result<(), WarehouseError> {
        self.conn
            .execute_batch("BEGIN TRANSACTION")
            .map_err(&failed)?;
        match body().and_then(|()| self.conn.execute_batch("COMMIT").map_err(&failed)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

impl Warehouse for DuckDbWarehouse {
    async fn activity_count(&mut self) -> Result<Option<u64>, WarehouseError> {
        if !self.table_exists(ACTIVITIES.name)? {
            return Ok(None);
        }
        let n: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", ACTIVITIES.name),
                [],
                |r| r.get(0),
            )
            .map_err(self.read_error(ACTIVITIES.name))?;
        Ok(Some(n.max(0) as u64))
    }

    async fn replace(&mut self, load: Load<'_>) -> Result<(), WarehouseError> {
        self.in_transaction(self.load_error(ACTIVITIES.name), || {
            let main = [
                (&ACTIVITIES, load.activities),
                (&ATHLETE, load.athlete),
                (&ATHLETE_SETTINGS, load.athlete_settings),
            ];
            for &(table, file) in main.iter().chain(load.files) {
                // CREATE OR REPLACE applies schema changes between versions, too.
                self.conn
                    .execute_batch(&table.duckdb_ddl())
                    .map_err(self.load_error(table.name))?;
                self.conn
                    .execute_batch(&table.duckdb_comments())
                    .map_err(self.load_error(table.name))?;
                self.conn
                    .execute_batch(&Self::insert_sql(table, file))
                    .map_err(self.load_error(table.name))?;
            }
            self.create_runs_table()?;
            self.conn
                .execute_batch(&Self::insert_sql(&SYNC_RUNS, load.run))
                .map_err(self.load_error(SYNC_RUNS.name))?;
            self.apply_views()?;
            // The last moment a signal can still undo the whole load.
            crate::interrupt::check().map_err(|i| WarehouseError::Interrupted {
                warehouse: self.name(),
                signal: i.signal,
                detail: "the load was rolled back".into(),
                replaced: Vec::new(),
            })
        })
    }

    async fn purge(&mut self) -> Result<Vec<String>, WarehouseError> {
        let mut dropped = Vec::new();
        let views = views::VIEWS.iter().rev().map(|v| ("VIEW", v.name));
        let tables = TABLES.iter().map(|t| ("TABLE", t.name));
        self.in_transaction(self.purge_error("the tables and views".into()), || {
            for (kind, name) in views.chain(tables) {
                if self.table_exists(name)? {
                    self.conn
                        .execute_batch(&format!("DROP {kind} \"{name}\""))
                        .map_err(self.purge_error(format!("`{name}`")))?;
                    dropped.push(format!("{} {name}", kind.to_lowercase()));
                }
            }
            Ok(())
        })?;
        Ok(dropped)
    }

    async fn append_run(&mut self, run: &Path) -> Result<(), WarehouseError> {
        self.in_transaction(self.load_error(SYNC_RUNS.name), || {
            self.create_runs_table()?;
            self.conn
                .execute_batch(&Self::insert_sql(&SYNC_RUNS, run))
                .map_err(self.load_error(SYNC_RUNS.name))
        })
    }
}

/// The file as a sync, `views --apply` or `purge` writes it: opened for
/// writing only while it writes, so the minutes a sync spends fetching pages
/// leave it free for readers (a notebook, `report`, `status`). DuckDB lets
/// one process write a file, or any number read it, never both.
pub struct DuckDbFile {
    path: PathBuf,
}

impl DuckDbFile {
    /// Opens the file for writing once (creating it) and closes it again, so
    /// a file that is locked or cannot be written fails before any Strava call.
    pub(crate) fn open(path: &Path) -> Result<Self, WarehouseError> {
        DuckDbWarehouse::open(path)?;
        Ok(DuckDbFile {
            path: path.to_path_buf(),
        })
    }

    /// `None` when the file does not exist (nothing is created).
    pub(crate) fn existing(path: &Path) -> Option<Self> {
        path.exists().then(|| DuckDbFile {
            path: path.to_path_buf(),
        })
    }

    fn writer(&self) -> Result<DuckDbWarehouse, WarehouseError> {
        DuckDbWarehouse::open(&self.path)
    }

    pub(crate) fn apply_views(&self) -> Result<usize, WarehouseError> {
        self.writer()?.apply_views()?;
        Ok(views::VIEWS.len())
    }

    /// The last `limit` runs in `sync_runs`, read without locking out others.
    pub(crate) fn recent_runs(&self, limit: u32) -> Result<Vec<RunRow>, WarehouseError> {
        match DuckDbWarehouse::open_read_only(&self.path)? {
            Some(w) => w.recent_runs(limit),
            None => Ok(Vec::new()),
        }
    }

    /// The file for reading (the report).
    #[cfg(feature = "report")]
    pub(crate) fn reader(&self) -> Result<Option<DuckDbWarehouse>, WarehouseError> {
        DuckDbWarehouse::open_read_only(&self.path)
    }
}

impl Warehouse for DuckDbFile {
    async fn activity_count(&mut self) -> Result<Option<u64>, WarehouseError> {
        match DuckDbWarehouse::open_read_only(&self.path)? {
            Some(mut w) => w.activity_count().await,
            None => Ok(None),
        }
    }

    async fn replace(&mut self, load: Load<'_>) -> Result<(), WarehouseError> {
        self.writer()?.replace(load).await
    }

    async fn append_run(&mut self, run: &Path) -> Result<(), WarehouseError> {
        self.writer()?.append_run(run).await
    }

    async fn purge(&mut self) -> Result<Vec<String>, WarehouseError> {
        self.writer()?.purge().await
    }
}

/// The sentence for a failed open: a lock names the holder and the fix; any
/// other error is DuckDB's own (saying "another program" for a bad path or a
/// corrupt file would send the user looking for a program that is not there).
fn open_error(duckdb: &str, write: bool) -> String {
    if !duckdb.contains("Could not set lock") && !duckdb.contains("Conflicting lock") {
        return duckdb.to_string();
    }
    // "… Conflicting lock is held in /usr/bin/python3 (PID 42) by user ann.
    // However, you would be able to open this database in read-only mode …"
    // (or "… (PID 42). See also https://…"): the holder is the first
    // sentence; DuckDB's hint is about the other side and only confuses here.
    let holder = duckdb
        .split_once("Conflicting lock is held in ")
        .map(|(_, rest)| {
            rest.split(". ")
                .next()
                .unwrap_or(rest)
                .trim_end_matches('.')
        })
        .map(|who| format!(" ({who})"))
        .unwrap_or_default();
    let needs = if write {
        "writing needs the file alone, readers included (DuckDB lets one process write or \
         many read, never both); a sync holds it only while it loads, at the end of the run: \
         close it there (a notebook: `con.close()`) and run again"
    } else {
        "another program is writing to it; wait for it to finish (or close it) and run again"
    };
    format!("the file is open in another program{holder}; {needs}")
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warehouse(setup: &str) -> (tempfile::TempDir, DuckDbWarehouse) {
        let dir = tempfile::tempdir().unwrap();
        let w = DuckDbWarehouse::open(&dir.path().join("s.duckdb")).unwrap();
        w.conn.execute_batch(setup).unwrap();
        (dir, w)
    }

    #[tokio::test]
    async fn a_count_that_fails_is_a_failed_read_not_a_failed_load() {
        // A view over a table dropped since: it exists, and reading it fails.
        let (_d, mut w) = warehouse(
            "CREATE TABLE gone (id BIGINT); CREATE VIEW activities AS SELECT * FROM gone; \
             DROP TABLE gone;",
        );

        let err = w.activity_count().await.unwrap_err().to_string();

        assert!(err.contains("reading `activities` failed"), "{err}");
        assert!(!err.contains("loading"), "{err}");
    }

    #[tokio::test]
    async fn a_drop_that_fails_says_nothing_was_deleted_not_that_a_load_failed() {
        // A table where purge expects a view: `DROP VIEW` refuses it.
        let last_view = views::VIEWS.last().unwrap().name;
        let (_d, mut w) = warehouse(&format!(
            "CREATE TABLE activities (id BIGINT); CREATE TABLE \"{last_view}\" (x INT);"
        ));

        let err = w.purge().await.unwrap_err().to_string();

        assert!(
            err.contains(&format!("deleting `{last_view}`")) && err.contains("nothing was deleted"),
            "{err}"
        );
        assert!(!err.contains("loading"), "{err}");
        assert!(w.table_exists(ACTIVITIES.name).unwrap(), "rolled back");
    }

    #[test]
    fn a_lock_error_names_the_holder_and_the_fix_without_duckdbs_read_only_hint() {
        let duckdb = "IO Error: Could not set lock on file \"s.duckdb\": Conflicting lock is \
                      held in /usr/bin/python3 (PID 42) by user ann. However, you would be able \
                      to open this database in read-only mode, e.g. by using the -readonly parameter";
        let text = open_error(duckdb, true);
        assert!(
            text.contains("open in another program (/usr/bin/python3 (PID 42) by user ann)"),
            "{text}"
        );
        assert!(
            text.contains("close it there (a notebook: `con.close()`)"),
            "{text}"
        );
        assert!(!text.contains("However"), "{text}");
    }

    #[test]
    fn a_lock_error_ending_in_a_link_names_the_holder_without_the_link() {
        let duckdb = "IO Error: Could not set lock on file \"s.duckdb\": Conflicting lock is \
                      held in /usr/bin/duckdb (PID 7). See also \
                      https://duckdb.org/docs/stable/connect/concurrency";
        let text = open_error(duckdb, false);
        assert!(
            text.contains("open in another program (/usr/bin/duckdb (PID 7));"),
            "{text}"
        );
        assert!(!text.contains("See also"), "{text}");
    }

    #[test]
    fn any_other_open_error_is_duckdbs_own_without_blaming_another_program() {
        let duckdb = "IO Error: Cannot open file \"/nope/s.duckdb\": No such file or directory";
        assert_eq!(open_error(duckdb, true), duckdb);
    }
}
