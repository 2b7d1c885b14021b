//! Where the report's rows come from: the same SQL text sent to the embedded
//! DuckDB file or to BigQuery (a query job with the run's credentials).
//!
//! Responsible for: running one read-only query and handing back every cell
//! as text (each query casts its columns to STRING, the one type both
//! dialects spell alike), and telling whether an optional view exists.
//! Not responsible for: what is asked (`queries.rs`) or how it is drawn.

use crate::warehouse::bigquery::BigQueryWarehouse;
use crate::warehouse::{AnyWarehouse, WarehouseError};

/// One result row, each cell as the text the warehouse printed (NULL as None).
pub(crate) type Row = Vec<Option<String>>;

/// A warehouse the report can read.
pub enum Source {
    #[cfg(feature = "duckdb")]
    DuckDb(crate::warehouse::duckdb::DuckDbWarehouse),
    BigQuery(Box<BigQueryWarehouse>),
}

impl Source {
    /// The report's reader of an opened warehouse; `None` for a DuckDB file
    /// that is not there.
    pub fn of(warehouse: AnyWarehouse) -> Result<Option<Self>, WarehouseError> {
        match warehouse {
            #[cfg(feature = "duckdb")]
            AnyWarehouse::DuckDb(file) => Ok(file.reader()?.map(Source::DuckDb)),
            AnyWarehouse::BigQuery(w) => Ok(Some(Source::BigQuery(w))),
        }
    }

    pub(crate) fn name(&self) -> String {
        match self {
            #[cfg(feature = "duckdb")]
            Source::DuckDb(w) => w.name(),
            Source::BigQuery(w) => w.name(),
        }
    }

    /// Gets ready for many queries: on DuckDB, the per-activity view is
    /// computed once (see `DuckDbWarehouse::cache_activity_metrics`).
    pub(crate) async fn prepare(&self) -> Result<(), WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            Source::DuckDb(w) if w.has_relation("activity_metrics").unwrap_or(false) => w
                .cache_activity_metrics()
                .map_err(|e| WarehouseError::Unavailable {
                    warehouse: self.name(),
                    detail: e.to_string(),
                }),
            _ => Ok(()),
        }
    }

    /// Runs `sql` (names of tables and views unqualified) and returns its rows.
    pub(crate) async fn rows(&self, sql: &str) -> Result<Vec<Row>, WarehouseError> {
        let unavailable = |detail: String| WarehouseError::Unavailable {
            warehouse: self.name(),
            detail: format!("the report's query failed: {detail}\n{sql}"),
        };
        let started = std::time::Instant::now();
        let rows = match self {
            #[cfg(feature = "duckdb")]
            Source::DuckDb(w) => w.text_rows(sql).map_err(|e| unavailable(e.to_string())),
            Source::BigQuery(w) => w.text_rows(sql).await.map_err(unavailable),
        }?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            rows = rows.len(),
            "report query: {sql}"
        );
        Ok(rows)
    }

    /// Every row of an optional view, one JSON object each (its columns are
    /// not fixed here: another module owns them, so they are read by name).
    pub(crate) async fn json_rows(
        &self,
        view: &str,
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, WarehouseError> {
        let sql = match self {
            #[cfg(feature = "duckdb")]
            Source::DuckDb(_) => format!("SELECT CAST(to_json(t) AS VARCHAR) FROM {view} AS t"),
            Source::BigQuery(_) => format!("SELECT TO_JSON_STRING(t) FROM {view} AS t"),
        };
        let mut out = Vec::new();
        for row in self.rows(&sql).await? {
            let text = row.into_iter().next().flatten().unwrap_or_default();
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) {
                out.push(map);
            }
        }
        Ok(out)
    }

    /// Whether a table or view of this name exists (the physiology views are optional).
    pub(crate) async fn exists(&self, name: &str) -> Result<bool, WarehouseError> {
        match self {
            #[cfg(feature = "duckdb")]
            Source::DuckDb(w) => w
                .has_relation(name)
                .map_err(|e| WarehouseError::Unavailable {
                    warehouse: self.name(),
                    detail: e.to_string(),
                }),
            Source::BigQuery(w) => w.has_relation(name).await,
        }
    }
}
