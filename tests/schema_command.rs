//! `strava-warehouse schema`: what it prints is the schema in the code, in a
//! form other tools take as is.

use std::process::{Command, Output};

use strava_warehouse::schema::ACTIVITIES;

fn schema(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strava-warehouse"))
        .arg("schema")
        .args(args)
        .output()
        .expect("run schema")
}

#[test]
fn one_tables_bigquery_schema_is_the_json_array_bq_takes() {
    let out = schema(&["--format", "bigquery", "--table", "activities"]);
    assert!(out.status.success());
    let fields: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).expect("one JSON array");
    let names: Vec<&str> = fields.iter().filter_map(|f| f["name"].as_str()).collect();
    let expected: Vec<&str> = ACTIVITIES.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, expected);
    assert_eq!(fields[0]["mode"], "REQUIRED");
}

#[test]
fn an_unknown_table_is_exit_2_naming_the_tables() {
    let out = schema(&["--table", "activity"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("activities, athlete, athlete_settings, activity_streams, power_curve, best_efforts, time_in_zones, gear, sync_runs"),
        "{err}"
    );
}
