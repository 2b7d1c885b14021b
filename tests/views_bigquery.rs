//! The GoogleSQL views through BigQuery's API path: the same raw pages synced
//! once into the BigQuery emulator (`.ci/test` starts it and runs these ignored tests)
//! and once into DuckDB, then every view read back from both and compared row
//! by row, every column, floats to 1e-9 relative. The emulator executes
//! GoogleSQL on DuckDB, so this proves the views are created, loaded and read
//! through the API, not what the GoogleSQL means: tests/views_zetasql.rs runs
//! it in Google's own engine for that, and tests/views.rs proves the DuckDB
//! views right by hand-computed values.
#![cfg(feature = "duckdb")]

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::Db;
use common::bigquery::*;
use common::views::*;
use serde_json::Value;
use strava_warehouse::views::{VIEWS, View};

async fn read_bigquery(bq: &BigQuery, dataset: &str, view: &View, cols: &[Column]) -> Rows {
    let select = cols
        .iter()
        .map(|c| c.bigquery.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let rows = bq
        .query(&format!(
            "SELECT {select} FROM `{PROJECT}.{dataset}.{}`",
            view.name
        ))
        .await
        .into_iter()
        .map(|row| {
            row.iter()
                .zip(cols)
                .map(|(v, c)| match v {
                    Value::Null => Cell::Null,
                    Value::String(s) if c.numeric => {
                        Cell::Num(s.parse().unwrap_or_else(|_| {
                            panic!("{}.{}: not a number: {s}", view.name, c.name)
                        }))
                    }
                    Value::String(s) => Cell::Text(s.clone()),
                    other => panic!("{}.{}: unexpected cell {other}", view.name, c.name),
                })
                .collect()
        })
        .collect();
    keyed(view, cols, rows)
}

/// Syncs `source` into DuckDB and into a fresh emulator dataset, then
/// compares every view. Returns what was compared, per view, for the callers'
/// checks.
async fn assert_parity(emulator: &str, source: &[String]) -> BTreeMap<String, usize> {
    let (ws, args) = synced(source);

    let (meta, bq, ds) = (
        Metadata::start().await,
        BigQuery::new(emulator),
        fresh_dataset(emulator),
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
    for view in VIEWS {
        let cols = columns(&db, view.name);
        let mut d = read_duckdb(&db, view, &cols);
        let mut b = read_bigquery(&bq, &ds, view, &cols).await;
        if view.name == "daily_training_load" {
            // It runs to today, which each engine takes in its own time
            // zone: the last day may be in one only.
            assert!(
                d.len().abs_diff(b.len()) <= 1,
                "{}: {} vs {} days",
                view.name,
                d.len(),
                b.len()
            );
            b.retain(|k, _| d.contains_key(k));
            d.retain(|k, _| b.contains_key(k));
        }
        let diffs = differences(view.name, "bigquery", &cols, &d, &b);
        assert!(diffs.is_empty(), "{}", diffs.join("\n"));
        let n = d.len();
        let has_files = source.iter().any(|a| a == "--from-export");
        rows_expected(view.name, n, has_files).unwrap_or_else(|e| panic!("{e}"));
        compared.insert(view.name.to_string(), n);
    }
    compared
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn the_sample_athlete_gives_the_same_views_in_bigquery_and_duckdb() {
    let emulator = lease_emulator();
    let compared = assert_parity(&emulator, &from_raw(Path::new(SAMPLE), &[])).await;
    // Every activity of the sample compared, and every view had rows.
    assert_eq!(compared["activity_metrics"], sample_activities());
    assert_eq!(compared.len(), VIEWS.len());
}

#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn edge_cases_give_the_same_views_in_bigquery_and_duckdb() {
    let emulator = lease_emulator();
    let (raw, args) = edge_cases();
    let compared = assert_parity(&emulator, &from_raw(&raw, &args)).await;
    assert_eq!(compared["activity_metrics"], 10);
    assert_eq!(compared.len(), VIEWS.len());
}

/// The sample's bulk export with its activity files: the views drawn from the
/// files and activity_metrics' stream NP through BigQuery's API path too.
#[tokio::test]
#[ignore = "needs the BigQuery emulator: bash .ci/test starts it and runs this"]
async fn the_sample_export_with_activity_files_gives_the_same_views_in_bigquery_and_duckdb() {
    let emulator = lease_emulator();
    let compared = assert_parity(&emulator, &sample_export()).await;
    assert_eq!(compared.len(), VIEWS.len());
    for view in FILE_VIEWS {
        assert!(compared[view] > 0, "{view}");
    }
}
