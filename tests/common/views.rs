//! Comparing a view's rows across engines: DuckDB's rows read back from the
//! file, another engine's handed in as text or numbers, both keyed by the
//! view's `-- key:` columns and compared cell by cell (floats to 1e-9
//! relative). Also the edge-case fixture both dialect checks run on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use strava_warehouse::views::View;

use super::{Db, Workspace};

pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");

/// How many activities the sample athlete's raw pages hold.
pub fn sample_activities() -> usize {
    std::fs::read_dir(SAMPLE)
        .expect("the sample")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("activities-page-"))
        })
        .map(|p| {
            let page = std::fs::read_to_string(p).expect("a page");
            serde_json::from_str::<Vec<serde_json::Value>>(&page)
                .expect("a JSON array")
                .len()
        })
        .sum()
}

/// The edge cases where dialects part ways: a settings change mid-month and a
/// date before the first entry, a run at 00:30 local that is the previous day
/// in UTC, a Sunday and the Monday after (week boundaries), New Year's Eve,
/// a female athlete's TRIMP constants, rest days, a tie for a record, a sport
/// in no group, a manual entry, and a heart-rate activity whose settings have
/// no max_hr (its heart-rate reserve is NULL).
pub fn edge_cases() -> (PathBuf, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/view-edge-cases");
    let settings = dir.join("athlete.toml").display().to_string();
    (dir.join("raw"), vec!["--athlete-settings".into(), settings])
}

/// The views drawn from the export's activity files alone: empty after a
/// sync from raw API pages, which have no files.
pub const FILE_VIEWS: [&str; 4] = [
    "power_duration_curve",
    "critical_power",
    "best_efforts_records",
    "weekly_time_in_zones",
];

/// `--from-raw RAW EXTRA…`: what a sync from saved pages is given.
pub fn from_raw(raw: &Path, extra: &[String]) -> Vec<String> {
    let mut args = vec!["--from-raw".to_string(), raw.display().to_string()];
    args.extend(extra.iter().cloned());
    args
}

/// The sample athlete's bulk export with its activity files, loaded alone.
pub fn sample_export() -> Vec<String> {
    vec!["--from-export".into(), format!("{SAMPLE}/export")]
}

/// `sync SOURCE…` into a new workspace's DuckDB file; returns the workspace
/// and the arguments (to sync the same into another warehouse).
pub fn synced(source: &[String]) -> (Workspace, Vec<String>) {
    let ws = Workspace::new();
    let mut args = vec!["sync".to_string()];
    args.extend(source.iter().cloned());
    let run = ws.run(&args, &[]);
    assert_eq!(run.code(), 0, "duckdb sync: {}", run.all());
    (ws, args)
}

/// Whether a view of `rows` rows is as full as its source makes it: every
/// view has rows, except the file views after a source without files, which
/// must have none. The message says what is wrong.
pub fn rows_expected(view: &str, rows: usize, source_has_files: bool) -> Result<(), String> {
    match (FILE_VIEWS.contains(&view) && !source_has_files, rows) {
        (false, 0) => Err(format!("{view}: no rows to compare")),
        (true, n) if n > 0 => Err(format!(
            "{view}: {n} rows from a source without activity files"
        )),
        _ => Ok(()),
    }
}

/// One cell, made comparable across engines: numbers as f64, the rest as text.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Num(f64),
    Text(String),
}

pub fn same(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Null, Cell::Null) => true,
        (Cell::Num(x), Cell::Num(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (Cell::Text(x), Cell::Text(y)) => x == y,
        _ => false,
    }
}

/// How a column is read: DuckDB's type decides the expression in each dialect.
pub struct Column {
    pub name: String,
    /// DuckDB's type, as DESCRIBE names it.
    pub duckdb_type: String,
    pub numeric: bool,
    pub bigquery: String,
    pub duckdb: String,
}

/// The view's columns, from DuckDB, with a read expression for each engine
/// (dates and booleans as text, timestamps as epoch microseconds).
pub fn columns(db: &Db, view: &str) -> Vec<Column> {
    let mut stmt = db.0.prepare(&format!("DESCRIBE {view}")).expect("describe");
    let described: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("describe rows")
        .map(|r| r.expect("row"))
        .collect();
    described
        .into_iter()
        .map(|(name, ty)| {
            let (numeric, bigquery, duckdb) = match ty.as_str() {
                t if t.starts_with("TIMESTAMP") => (
                    true,
                    format!("UNIX_MICROS({name})"),
                    format!("CAST(epoch_us({name}) AS DOUBLE)"),
                ),
                "DATE" | "VARCHAR" | "BOOLEAN" => (
                    false,
                    format!("CAST({name} AS STRING)"),
                    format!("CAST({name} AS VARCHAR)"),
                ),
                _ => (true, name.clone(), format!("CAST({name} AS DOUBLE)")),
            };
            Column {
                name,
                duckdb_type: ty,
                numeric,
                bigquery,
                duckdb,
            }
        })
        .collect()
}

pub type Rows = BTreeMap<String, Vec<Cell>>;

/// Rows by their key (the view's `-- key:` columns); a repeated key panics.
pub fn keyed(view: &View, cols: &[Column], rows: Vec<Vec<Cell>>) -> Rows {
    let idx: Vec<usize> = view
        .key()
        .iter()
        .map(|k| {
            cols.iter()
                .position(|c| c.name == *k)
                .unwrap_or_else(|| panic!("{}: key column {k} is not a column", view.name))
        })
        .collect();
    let mut out = Rows::new();
    for row in rows {
        let k = idx
            .iter()
            .map(|&i| format!("{:?}", row[i]))
            .collect::<Vec<_>>()
            .join("|");
        assert!(
            out.insert(k.clone(), row).is_none(),
            "{}: duplicate key {k}",
            view.name
        );
    }
    out
}

pub fn read_duckdb(db: &Db, view: &View, cols: &[Column]) -> Rows {
    let select = cols
        .iter()
        .map(|c| c.duckdb.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {select} FROM {}", view.name);
    let mut stmt = db.0.prepare(&sql).expect("select");
    let rows = stmt
        .query_map([], |r| {
            Ok(cols
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if c.numeric {
                        r.get::<_, Option<f64>>(i)
                            .expect("a number")
                            .map_or(Cell::Null, Cell::Num)
                    } else {
                        r.get::<_, Option<String>>(i)
                            .expect("text")
                            .map_or(Cell::Null, Cell::Text)
                    }
                })
                .collect::<Vec<_>>())
        })
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    keyed(view, cols, rows)
}

/// Every difference between DuckDB's rows (`duckdb`) and another engine's
/// (`other`, named `engine`), one line each: missing or extra rows, cells.
pub fn differences(
    view: &str,
    engine: &str,
    cols: &[Column],
    duckdb: &Rows,
    other: &Rows,
) -> Vec<String> {
    let mut out = Vec::new();
    for k in duckdb.keys().filter(|k| !other.contains_key(*k)) {
        out.push(format!("{view}: row {k} only in duckdb"));
    }
    for k in other.keys().filter(|k| !duckdb.contains_key(*k)) {
        out.push(format!("{view}: row {k} only in {engine}"));
    }
    for (k, drow) in duckdb {
        let Some(orow) = other.get(k) else { continue };
        for ((c, x), y) in cols.iter().zip(drow).zip(orow) {
            if !same(x, y) {
                out.push(format!(
                    "{view} row {k} column {}: duckdb {x:?}, {engine} {y:?}",
                    c.name
                ));
            }
        }
    }
    out
}
