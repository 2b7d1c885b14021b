//! README's first command: `sync --from-raw examples/sample-athlete` loads the
//! synthetic sample athlete into DuckDB and prints a summary, with no network
//! and no credentials.
#![cfg(feature = "duckdb")]

mod common;

use common::{Db, Workspace};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");

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
    let run = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
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
