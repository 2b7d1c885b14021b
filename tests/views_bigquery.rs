//! Parity of the two dialects' views: the same raw pages synced once into the
//! BigQuery emulator (`.ci/test` starts it; SKIPPED without one) and once into
//! DuckDB, then every view read back from both and compared row by row, every
//! column, floats to 1e-9 relative. Nothing here is a hand-computed value:
//! tests/views.rs proves the DuckDB views right, this file proves the
//! GoogleSQL ones say the same.
#![cfg(feature = "duckdb")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::bigquery::*;
use common::{Db, Workspace};
use serde_json::{Value, json};
use strava_warehouse::views::{BIGQUERY, DUCKDB};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");

/// One cell, made comparable across engines: numbers as f64, the rest as text.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Num(f64),
    Text(String),
}

fn same(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Null, Cell::Null) => true,
        (Cell::Num(x), Cell::Num(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (Cell::Text(x), Cell::Text(y)) => x == y,
        _ => false,
    }
}

/// How a column is read: DuckDB's type decides the expression in each dialect.
struct Column {
    name: String,
    numeric: bool,
    bigquery: String,
    duckdb: String,
}

/// The view's columns, from DuckDB, with a read expression for each engine
/// (dates and booleans as text, timestamps as epoch microseconds).
fn columns(db: &Db, view: &str) -> Vec<Column> {
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
                numeric,
                bigquery,
                duckdb,
            }
        })
        .collect()
}

/// The columns that identify a row of each view.
fn key(view: &str) -> &'static [&'static str] {
    match view {
        "activity_metrics" => &["id"],
        "daily_training_load" => &["date"],
        "period_summary" => &["period", "period_start", "sport_group"],
        "eddington" => &["sport_group", "unit"],
        "personal_records" => &["sport_group", "record"],
        _ => &["period_start", "sport_group"],
    }
}

type Rows = BTreeMap<String, Vec<Cell>>;

fn keyed(view: &str, cols: &[Column], rows: Vec<Vec<Cell>>) -> Rows {
    let idx: Vec<usize> = key(view)
        .iter()
        .map(|k| cols.iter().position(|c| c.name == *k).expect("key column"))
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
            "{view}: duplicate key {k}"
        );
    }
    out
}

fn read_duckdb(db: &Db, view: &str, cols: &[Column]) -> Rows {
    let select = cols
        .iter()
        .map(|c| c.duckdb.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt =
        db.0.prepare(&format!("SELECT {select} FROM {view}"))
            .expect("select");
    let rows = stmt
        .query_map([], |r| {
            Ok(cols
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if c.numeric {
                        r.get::<_, Option<f64>>(i)
                            .unwrap()
                            .map_or(Cell::Null, Cell::Num)
                    } else {
                        r.get::<_, Option<String>>(i)
                            .unwrap()
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

async fn read_bigquery(bq: &BigQuery, dataset: &str, view: &str, cols: &[Column]) -> Rows {
    let select = cols
        .iter()
        .map(|c| c.bigquery.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let rows = bq
        .query(&format!(
            "SELECT {select} FROM `{PROJECT}.{dataset}.{view}`"
        ))
        .await
        .into_iter()
        .map(|row| {
            row.iter()
                .zip(cols)
                .map(|(v, c)| match v {
                    Value::Null => Cell::Null,
                    Value::String(s) if c.numeric => Cell::Num(
                        s.parse()
                            .unwrap_or_else(|_| panic!("{view}.{}: not a number: {s}", c.name)),
                    ),
                    Value::String(s) => Cell::Text(s.clone()),
                    other => panic!("{view}.{}: unexpected cell {other}", c.name),
                })
                .collect()
        })
        .collect();
    keyed(view, cols, rows)
}

/// Syncs `raw` into DuckDB and into a fresh emulator dataset, then compares
/// every view. Returns what was compared, per view, for the callers' checks.
async fn assert_parity(emulator: &str, raw: &Path, extra: &[String]) -> BTreeMap<String, usize> {
    let ws = Workspace::new();
    let mut args = vec![
        "sync".to_string(),
        "--from-raw".into(),
        raw.display().to_string(),
    ];
    args.extend(extra.iter().cloned());

    let run = ws.run(&args, &[]);
    assert_eq!(run.code(), 0, "duckdb sync: {}", run.all());

    let (meta, bq, ds) = (
        Metadata::start().await,
        BigQuery::new(emulator),
        fresh_dataset(),
    );
    let run = ws.run(
        &args,
        &[
            ("WAREHOUSE", format!("bigquery:{PROJECT}.{ds}")),
            ("BIGQUERY_API_URL", emulator.to_string()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    );
    assert_eq!(run.code(), 0, "bigquery sync: {}", run.all());

    let db = Db::open(&ws.db());
    let mut compared = BTreeMap::new();
    for (duck, big) in DUCKDB.iter().zip(BIGQUERY) {
        assert_eq!(duck.name, big.name);
        let view = duck.name;
        let cols = columns(&db, view);
        let d = read_duckdb(&db, view, &cols);
        let b = read_bigquery(&bq, &ds, view, &cols).await;
        if view == "daily_training_load" {
            // It runs to CURRENT_DATE, which each engine takes in its own
            // time zone: the last day may be in one only.
            assert!(
                d.len().abs_diff(b.len()) <= 1,
                "{view}: {} vs {} days",
                d.len(),
                b.len()
            );
        } else {
            assert_eq!(
                d.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{view}: different rows (duckdb left, bigquery right)"
            );
        }
        let mut n = 0;
        for (k, drow) in &d {
            let Some(brow) = b.get(k) else { continue };
            for ((c, x), y) in cols.iter().zip(drow).zip(brow) {
                assert!(
                    same(x, y),
                    "{view} row {k} column {}: duckdb {x:?}, bigquery {y:?}",
                    c.name
                );
            }
            n += 1;
        }
        assert!(n > 0, "{view}: no rows to compare");
        compared.insert(view.to_string(), n);
    }
    compared
}

#[tokio::test]
async fn the_sample_athlete_gives_the_same_views_in_bigquery_and_duckdb() {
    let Some(emulator) =
        emulator_url("the_sample_athlete_gives_the_same_views_in_bigquery_and_duckdb")
    else {
        return;
    };
    let compared = assert_parity(&emulator, Path::new(SAMPLE), &[]).await;
    // Every activity of the sample compared, and every view had rows.
    let activities = std::fs::read_dir(SAMPLE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("activities-page-")
        })
        .map(|p| {
            serde_json::from_str::<Vec<Value>>(&std::fs::read_to_string(p).unwrap())
                .unwrap()
                .len()
        })
        .sum::<usize>();
    assert_eq!(compared["activity_metrics"], activities);
    assert_eq!(compared.len(), DUCKDB.len());
}

/// The edge cases where dialects part ways: a settings change mid-month and a
/// date before the first entry, a run at 00:30 local that is the previous day
/// in UTC, a Sunday and the Monday after (week boundaries), New Year's Eve,
/// a female athlete's TRIMP constants, rest days, a tie for a record.
#[tokio::test]
async fn edge_cases_give_the_same_views_in_bigquery_and_duckdb() {
    let Some(emulator) = emulator_url("edge_cases_give_the_same_views_in_bigquery_and_duckdb")
    else {
        return;
    };
    let ws = Workspace::new();
    let raw = ws.path("raw");
    std::fs::create_dir_all(&raw).unwrap();
    let act = |id: i64,
               sport: &str,
               local: &str,
               utc: &str,
               metres: f64,
               secs: i64,
               extra: Value| {
        let mut v = json!({"id": id, "sport_type": sport, "type": sport, "name": format!("a{id}"),
            "start_date": utc, "start_date_local": local, "distance": metres,
            "moving_time": secs, "elapsed_time": secs + 60, "total_elevation_gain": 120.0,
            "average_speed": metres / secs as f64, "has_heartrate": false,
            "manual": false, "trainer": false, "commute": false});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let power = json!({"device_watts": true, "weighted_average_watts": 230, "average_watts": 210.0, "kilojoules": 700.0});
    let hr = json!({"has_heartrate": true, "average_heartrate": 152.0, "max_heartrate": 178.0});
    let activities = vec![
        act(
            1,
            "Ride",
            "2023-12-31T10:00:00Z",
            "2023-12-31T09:00:00Z",
            42_000.0,
            5400,
            power.clone(),
        ),
        act(
            2,
            "Run",
            "2024-01-01T00:30:00Z",
            "2023-12-31T23:30:00Z",
            10_000.0,
            3000,
            hr.clone(),
        ),
        act(
            3,
            "Run",
            "2024-01-07T08:00:00Z",
            "2024-01-07T07:00:00Z",
            10_000.0,
            2900,
            hr.clone(),
        ),
        act(
            4,
            "Ride",
            "2024-01-08T08:00:00Z",
            "2024-01-08T07:00:00Z",
            61_000.0,
            7300,
            power.clone(),
        ),
        act(
            5,
            "Ride",
            "2024-03-14T08:00:00Z",
            "2024-03-14T07:00:00Z",
            30_000.0,
            3700,
            power.clone(),
        ),
        act(
            6,
            "Ride",
            "2024-03-15T08:00:00Z",
            "2024-03-15T07:00:00Z",
            30_000.0,
            3700,
            power,
        ),
        act(
            7,
            "Hike",
            "2024-03-16T08:00:00Z",
            "2024-03-16T07:00:00Z",
            12_000.0,
            14_400,
            hr,
        ),
        act(
            8,
            "Kitesurf",
            "2024-04-02T08:00:00Z",
            "2024-04-02T07:00:00Z",
            0.0,
            1800,
            json!({}),
        ),
        act(
            9,
            "Swim",
            "2025-02-03T06:00:00Z",
            "2025-02-03T05:00:00Z",
            2_000.0,
            2400,
            json!({"manual": true}),
        ),
    ];
    std::fs::write(
        raw.join("athlete.json"),
        json!({"id": 1, "sex": "F", "ftp": 240, "weight": 61.0}).to_string(),
    )
    .unwrap();
    std::fs::write(
        raw.join("activities-page-0001.json"),
        Value::Array(activities).to_string(),
    )
    .unwrap();
    std::fs::write(raw.join("activities-page-0002.json"), "[]").unwrap();
    let settings = ws.path("athlete.toml");
    std::fs::write(
        &settings,
        "[[settings]]\nfrom = \"2024-01-01\"\nftp_w = 250\nmax_hr = 190\nresting_hr = 50\n\
         threshold_hr = 170\nweight_kg = 62\nsex = \"F\"\n\n\
         [[settings]]\nfrom = \"2024-03-15\"\nftp_w = 210\nmax_hr = 188\nresting_hr = 48\n\
         threshold_hr = 168\nweight_kg = 60.5\nsex = \"F\"\n",
    )
    .unwrap();
    let compared = assert_parity(
        &emulator,
        &raw,
        &["--athlete-settings".into(), settings.display().to_string()],
    )
    .await;
    assert_eq!(compared["activity_metrics"], 9);
    assert_eq!(compared.len(), DUCKDB.len());
}
