//! README's first command: `sync --from-raw examples/sample-athlete
//! --from-export examples/sample-athlete/export` loads the synthetic sample
//! athlete (saved API pages merged with its bulk export's activity files)
//! into DuckDB and prints a summary, with no network and no credentials.
#![cfg(feature = "duckdb")]

use crate::common;

use common::{Db, Workspace};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");
const SAMPLE_EXPORT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/sample-athlete/export"
);

/// README's first command, after `cargo run --`.
fn first_command() -> Vec<String> {
    ["sync", "--from-raw", SAMPLE, "--from-export", SAMPLE_EXPORT]
        .map(String::from)
        .to_vec()
}

fn sample_file_count() -> usize {
    std::fs::read_dir(format!("{SAMPLE_EXPORT}/activities"))
        .expect("the sample export's activities/")
        .count()
}

fn sample_activity_count() -> usize {
    let mut n = 0;
    for page in 1.. {
        let path = format!("{SAMPLE}/activities-page-{page:04}.json");
        let text = std::fs::read_to_string(&path).expect("sample page");
        let items: Vec<serde_json::Value> =
            serde_json::from_str(&text).expect("sample page is JSON");
        if items.is_empty() {
            return n;
        }
        n += items.len();
    }
    unreachable!()
}

#[test]
fn the_sample_athlete_loads_every_activity_and_prints_a_summary() {
    let ws = Workspace::new();
    let run = ws.run(&first_command(), &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let expected = sample_activity_count();
    assert!(
        expected > 100,
        "the sample should be several years of activities"
    );
    assert!(
        run.stdout()
            .starts_with(&format!("Synced {expected} activities")),
        "{}",
        run.stdout()
    );
    let db = Db::open(&ws.db());
    assert_eq!(
        db.one::<i64>("SELECT count(*) FROM activities") as usize,
        expected
    );
    assert_eq!(
        db.one::<i64>("SELECT count(DISTINCT id) FROM activities") as usize,
        expected
    );
    // The edge cases the sample exists to show are really in it.
    assert!(
        db.one::<i64>("SELECT count(*) FROM activities WHERE start_lat IS NULL AND NOT manual") > 0
    );
    assert!(db.one::<i64>("SELECT count(*) FROM activities WHERE manual") > 0);
    assert!(db.one::<i64>("SELECT count(*) FROM activities WHERE device_watts") > 0);
    assert!(db.one::<i64>("SELECT count(*) FROM activities WHERE NOT device_watts AND weighted_average_watts IS NULL") > 0);
    assert!(
        db.one::<i64>(
            "SELECT count(*) FROM activities WHERE has_heartrate AND average_watts IS NULL"
        ) > 0
    );
    assert!(db.one::<i64>("SELECT count(*) FROM activities WHERE sport_type = 'Swim'") > 0);
    assert!(db.one::<i64>("SELECT count(*) FROM activities WHERE trainer") > 0);
    assert!(
        db.one::<i64>(
            "SELECT count(*) FROM activities WHERE regexp_matches(name, '[^\\x00-\\x7F]')"
        ) > 0
    );
    assert!(
        db.one::<i64>("SELECT date_diff('year', min(start_date), max(start_date)) FROM activities")
            >= 3
    );
}

#[test]
fn the_first_command_reads_every_sample_activity_file_into_a_power_curve() {
    let ws = Workspace::new();
    let run = ws.run(&first_command(), &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let files = sample_file_count();
    assert!(files > 20, "the sample export has {files} activity files");
    assert!(
        run.stdout().contains(&format!(
            "Activity files from the export: {files} read, 0 skipped."
        )),
        "{}",
        run.stdout()
    );
    let db = Db::open(&ws.db());
    assert_eq!(
        db.one::<i64>("SELECT count(*) FROM activity_streams") as usize,
        files
    );
    // The 20-minute best, in the view the report draws.
    assert!(
        db.one::<f64>(
            "SELECT watts FROM power_duration_curve WHERE duration_s = 1200 AND period = 'all_time'"
        ) > 150.0
    );
    assert_eq!(
        db.one::<String>("SELECT source FROM sync_runs"),
        "export+raw"
    );
}

#[test]
fn the_saved_pages_rows_win_over_the_export_and_bring_the_profile() {
    let ws = Workspace::new();
    let run = ws.run(&first_command(), &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let db = Db::open(&ws.db());
    // Export rows never say whether watts came from a power meter; the
    // pages' rows do, so some rides have it.
    assert!(db.one::<i64>("SELECT count(*) FROM activities WHERE device_watts") > 0);
    assert_eq!(db.one::<i64>("SELECT id FROM athlete"), 12_345_678);
    // The profile's FTP puts the power-meter rides' seconds into power zones.
    assert!(db.one::<i64>("SELECT count(*) FROM time_in_zones WHERE kind = 'power'") > 0);
}

#[test]
fn sync_format_json_prints_the_summary_as_one_object_with_the_change() {
    let ws = Workspace::new();
    let args: Vec<String> = ["sync", "--from-raw", SAMPLE, "--format", "json"]
        .map(String::from)
        .to_vec();
    let expected = sample_activity_count() as u64;

    let first = ws.run(&args, &[]);
    assert_eq!(first.code(), 0, "{}", first.all());
    let summary: serde_json::Value =
        serde_json::from_str(first.stdout().trim()).expect("stdout is one JSON object");
    assert_eq!(summary["activities"], expected, "{summary}");
    assert_eq!(summary["previous"], serde_json::Value::Null, "{summary}");
    assert_eq!(summary["change"], expected, "{summary}");

    let again = ws.run(&args, &[]);
    let summary: serde_json::Value =
        serde_json::from_str(again.stdout().trim()).expect("stdout is one JSON object");
    assert_eq!(summary["previous"], expected, "{summary}");
    assert_eq!(summary["change"], 0, "{summary}");
}

#[test]
fn status_before_the_first_sync_says_no_runs_and_creates_no_file() {
    let ws = Workspace::new();
    let run = ws.run(&["status".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(run.stdout(), "No runs recorded yet.\n");
    assert!(!ws.db().exists(), "status created {}", ws.db().display());
}

#[test]
fn status_format_json_lists_the_recorded_runs_newest_first() {
    let ws = Workspace::new();
    for _ in 0..2 {
        let sync = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
        assert_eq!(sync.code(), 0, "{}", sync.all());
    }

    let run = ws.run(&["status".into(), "--format".into(), "json".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let runs: serde_json::Value = serde_json::from_str(&run.stdout()).expect("one JSON array");
    let runs = runs.as_array().expect("an array");
    assert_eq!(runs.len(), 2, "{runs:?}");
    let started = |i: usize| {
        runs[i]["started_at"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(started(0) >= started(1), "{runs:?}");
    for r in runs {
        assert_eq!(r["outcome"], "ok", "{r}");
        assert_eq!(r["source"], "raw", "{r}");
        assert_eq!(r["activities"], sample_activity_count() as u64, "{r}");
        assert_eq!(r["message"], serde_json::Value::Null, "{r}");
    }
}

#[test]
fn status_prints_a_table_with_a_header_and_one_line_per_run() {
    let ws = Workspace::new();
    let sync = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
    assert_eq!(sync.code(), 0, "{}", sync.all());

    let run = ws.run(&["status".into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("started (UTC)"), "{out}");
    assert!(lines[1].contains(" ok "), "{out}");
}

#[test]
fn every_loaded_table_and_column_carries_its_schema_description() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());

    let db = Db::open(&ws.db());
    for table in strava_warehouse::schema::TABLES {
        let sql = format!(
            "SELECT comment FROM duckdb_tables() WHERE table_name = '{}'",
            table.name
        );
        assert_eq!(db.one::<String>(&sql), table.description, "{}", table.name);
        for column in table.columns {
            let sql = format!(
                "SELECT comment FROM duckdb_columns() \
                 WHERE table_name = '{}' AND column_name = '{}'",
                table.name, column.name
            );
            assert_eq!(
                db.one::<String>(&sql),
                column.description,
                "{}.{}",
                table.name,
                column.name
            );
        }
    }
}

#[test]
fn on_a_terminal_a_sync_draws_progress_and_without_one_it_does_not() {
    let ws = Workspace::new();
    // A pseudo-terminal from util-linux's `script`, as a person's shell is.
    let command = format!(
        "'{}' sync --from-raw '{SAMPLE}' --from-export '{SAMPLE_EXPORT}' --warehouse 'duckdb:{}'",
        env!("CARGO_BIN_EXE_strava-warehouse"),
        ws.db().display()
    );
    let on_terminal = std::process::Command::new("/usr/bin/script")
        .args(["-qfec", &command, "/dev/null"])
        .env_clear()
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sync on a pseudo-terminal (util-linux `script`)");
    let shown = String::from_utf8_lossy(&on_terminal.stdout);
    assert_eq!(on_terminal.status.code(), Some(0), "{shown}");
    for bar in [
        "fetching pages",
        "reading activity files",
        "loading the tables",
    ] {
        assert!(shown.contains(bar), "no {bar:?} on the terminal: {shown}");
    }

    let piped = ws.run(&first_command(), &[]);
    assert_eq!(piped.code(), 0, "{}", piped.all());
    assert!(!piped.all().contains("fetching pages"), "{}", piped.all());
}
