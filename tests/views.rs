//! The effort-metric views in DuckDB, checked against values worked out by
//! hand (or by the plain recurrence) on a small fixture: an FTP change
//! mid-month, a run at 00:30 local time that is the previous day in UTC, a
//! known Eddington number, rest days, and a tie for a record.
#![cfg(feature = "duckdb")]

use crate::common;

use common::{Db, Workspace};
use serde_json::{Value, json};

const SETTINGS: &str = r#"
[[settings]]
from = "2024-01-01"
ftp_w = 250
max_hr = 190
resting_hr = 50
threshold_hr = 170
weight_kg = 70
sex = "M"

[[settings]]
from = "2024-03-15"
ftp_w = 200
max_hr = 190
resting_hr = 50
threshold_hr = 170
weight_kg = 70
sex = "M"
"#;

fn ride(id: i64, local: &str, utc: &str, metres: f64, seconds: i64) -> Value {
    json!({"id": id, "sport_type": "Ride", "type": "Ride", "name": format!("ride {id}"),
           "start_date": utc, "start_date_local": local, "distance": metres,
           "moving_time": seconds, "elapsed_time": seconds, "total_elevation_gain": 0.0,
           "has_heartrate": false, "manual": false, "trainer": false, "commute": false})
}

fn with(mut v: Value, extra: Value) -> Value {
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    v
}

/// Loads `activities` from raw pages (with the settings file) into a new workspace.
fn load(activities: Vec<Value>) -> Workspace {
    let ws = Workspace::new();
    let raw = ws.write_raw_pages(&json!({"id": 1, "sex": "M", "ftp": 300}), &activities);
    std::fs::write(ws.path("athlete.toml"), SETTINGS).unwrap();
    let run = ws.run(
        &[
            "sync".into(),
            "--from-raw".into(),
            raw.display().to_string(),
            "--athlete-settings".into(),
            ws.path("athlete.toml").display().to_string(),
        ],
        &[],
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    ws
}

/// Loads the fixture and returns the workspace holding the DuckDB file.
fn load_fixture() -> Workspace {
    let power = |np: i64, avg: f64| json!({"device_watts": true, "weighted_average_watts": np, "average_watts": avg});
    let activities = vec![
        // 2024-03-20, FTP 200 from the 2024-03-15 entry: IF 1.0, 2 h -> TSS 200.
        with(
            ride(
                2,
                "2024-03-20T09:00:00Z",
                "2024-03-20T08:00:00Z",
                10_000.0,
                7200,
            ),
            power(200, 195.0),
        ),
        // Two runs of the same distance: the record goes to the earlier one (id 3).
        with(
            ride(
                7,
                "2024-03-25T07:00:00Z",
                "2024-03-25T06:00:00Z",
                10_000.0,
                3000,
            ),
            json!({"sport_type": "Run", "type": "Run"}),
        ),
        ride(
            6,
            "2024-03-07T07:00:00Z",
            "2024-03-07T06:00:00Z",
            2_900.0,
            900,
        ),
        ride(
            5,
            "2024-03-06T18:00:00Z",
            "2024-03-06T17:00:00Z",
            1_600.0,
            600,
        ),
        with(
            ride(
                4,
                "2024-03-06T07:00:00Z",
                "2024-03-06T06:00:00Z",
                1_600.0,
                600,
            ),
            json!({"device_watts": false, "average_watts": 150.0}),
        ),
        // 00:30 local on the 5th is still the 4th in UTC: it belongs to the 5th.
        with(
            ride(
                3,
                "2024-03-05T00:30:00Z",
                "2024-03-04T23:30:00Z",
                10_000.0,
                3600,
            ),
            json!({"sport_type": "Run", "type": "Run", "has_heartrate": true, "average_heartrate": 150.0, "max_heartrate": 181.0}),
        ),
        // 2024-03-04, FTP 250: IF 0.8, 1 h -> TSS 64.
        with(
            ride(
                1,
                "2024-03-04T08:00:00Z",
                "2024-03-04T07:00:00Z",
                5_500.0,
                3600,
            ),
            power(200, 190.0),
        ),
        // Before the first settings entry, which therefore applies: IF 1.0 -> TSS 100.
        with(
            ride(
                8,
                "2023-12-31T10:00:00Z",
                "2023-12-31T09:00:00Z",
                500.0,
                3600,
            ),
            power(250, 240.0),
        ),
    ];
    load(activities)
}

fn close(actual: f64, expected: f64) {
    let tolerance = 1e-9 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} != {expected}"
    );
}

/// Banister TRIMP for one hour at heart-rate reserve `hrr`, male constants.
fn trimp(minutes: f64, hrr: f64) -> f64 {
    minutes * hrr * 0.64 * (1.92 * hrr).exp()
}

#[test]
fn tss_uses_the_ftp_in_force_on_the_local_date() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let tss = |id: i64| {
        db.one::<Option<f64>>(&format!("SELECT tss FROM activity_metrics WHERE id = {id}"))
    };
    close(tss(1).unwrap(), 64.0);
    close(tss(2).unwrap(), 200.0);
    close(tss(8).unwrap(), 100.0);
    assert_eq!(tss(4), None, "estimated power gives no TSS");
    assert_eq!(
        db.one::<String>("SELECT load_source FROM activity_metrics WHERE id = 4"),
        "none"
    );
}

#[test]
fn heart_rate_load_follows_banister_and_the_threshold_hour() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let hrr = (150.0 - 50.0) / (190.0 - 50.0);
    let expected_trimp = trimp(60.0, hrr);
    let expected_hr_tss = 100.0 * expected_trimp / trimp(60.0, (170.0 - 50.0) / (190.0 - 50.0));
    close(
        db.one::<f64>("SELECT trimp FROM activity_metrics WHERE id = 3"),
        expected_trimp,
    );
    close(
        db.one::<f64>("SELECT hr_tss FROM activity_metrics WHERE id = 3"),
        expected_hr_tss,
    );
    close(
        db.one::<f64>("SELECT training_load FROM activity_metrics WHERE id = 3"),
        expected_hr_tss,
    );
    assert_eq!(
        db.one::<String>("SELECT load_source FROM activity_metrics WHERE id = 3"),
        "heart_rate"
    );
}

#[test]
fn a_run_at_half_past_midnight_local_counts_on_the_local_day() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    assert_eq!(
        db.one::<String>("SELECT CAST(local_date AS VARCHAR) FROM activity_metrics WHERE id = 3"),
        "2024-03-05"
    );
    assert_eq!(
        db.one::<i64>("SELECT activities FROM daily_training_load WHERE date = DATE '2024-03-05'"),
        1
    );
    assert_eq!(
        db.one::<i64>("SELECT activities FROM daily_training_load WHERE date = DATE '2024-03-04'"),
        1
    );
}

#[test]
fn ctl_atl_and_tsb_follow_the_daily_recurrence_through_rest_days() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let mut stmt = db
        .0
        .prepare("SELECT load, ctl, atl, tsb, ramp_7d FROM daily_training_load WHERE date <= DATE '2024-04-30' ORDER BY date")
        .unwrap();
    let rows: Vec<(f64, f64, f64, f64, f64)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        rows.len(),
        122,
        "every day from 2023-12-31 to 2024-04-30, rest days included"
    );
    let (kc, ka) = (1.0 - (-1.0f64 / 42.0).exp(), 1.0 - (-1.0f64 / 7.0).exp());
    let (mut ctl, mut atl) = (0.0, 0.0);
    let mut ctls = Vec::new();
    for (day, (load, v_ctl, v_atl, v_tsb, v_ramp)) in rows.iter().enumerate() {
        let tsb = ctl - atl;
        ctl += (load - ctl) * kc;
        atl += (load - atl) * ka;
        ctls.push(ctl);
        close(*v_ctl, ctl);
        close(*v_atl, atl);
        close(*v_tsb, tsb);
        close(*v_ramp, ctl - if day >= 7 { ctls[day - 7] } else { 0.0 });
    }
    close(rows[0].0, 100.0);
}

#[test]
fn eddington_counts_days_not_activities_in_km_and_miles() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let row = |group: &str, unit: &str| {
        let q = format!(
            "SELECT eddington_number, days_at_or_above_next, days_needed_for_next FROM eddington \
             WHERE sport_group = '{group}' AND unit = '{unit}'"
        );
        db.0.query_row(&q, [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    };
    // Ride days in km: 5.5, 1.6 + 1.6, 2.9, 10, 0.5 -> floors 10, 5, 3, 2, 0 -> E = 3.
    assert_eq!(row("ride", "km"), (3, 2, 2));
    // In miles: 6, 3, 1, 1, 0 -> E = 2; days of 3 mi or more: 2.
    assert_eq!(row("ride", "mi"), (2, 2, 1));
    // Runs: 10 km on two days -> E = 2, with 2 days of 3 km or more.
    assert_eq!(row("run", "km"), (2, 2, 1));
}

#[test]
fn days_without_a_distance_never_count_toward_the_eddington_number() {
    // Three days of 1.5 km (E = 1) and five manual rides with no distance.
    let mut activities: Vec<Value> = (1..=3)
        .map(|d| {
            let day = format!("2024-05-0{d}T09:00:00Z");
            ride(d, &day, &day, 1_500.0, 600)
        })
        .collect();
    for d in 4..=8 {
        let day = format!("2024-05-0{d}T09:00:00Z");
        let mut manual = ride(d, &day, &day, 0.0, 600);
        manual["distance"] = Value::Null;
        manual["manual"] = json!(true);
        activities.push(manual);
    }
    let ws = load(activities);
    let e: i64 = Db::open(&ws.db())
        .one("SELECT eddington_number FROM eddington WHERE sport_group = 'ride' AND unit = 'km'");
    assert_eq!(e, 1);
}

#[test]
fn weekly_totals_fill_empty_weeks_and_average_speed_is_total_over_time() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let week = |col: &str, start: &str| {
        db.one::<Option<f64>>(&format!(
            "SELECT CAST({col} AS DOUBLE) FROM weekly_summary WHERE sport_group = 'ride' AND period_start = DATE '{start}'"
        ))
    };
    close(week("distance_km", "2024-03-04").unwrap(), 11.6);
    close(week("activities", "2024-03-04").unwrap(), 4.0);
    close(
        week("avg_speed_kmh", "2024-03-04").unwrap(),
        11.6 / (5700.0 / 3600.0),
    );
    close(
        week("avg_watts", "2024-03-04").unwrap(),
        (190.0 * 1.0 + 150.0 / 6.0) / (1.0 + 1.0 / 6.0),
    );
    close(week("training_load", "2024-03-04").unwrap(), 64.0);
    close(week("distance_km", "2024-03-11").unwrap(), 0.0);
    close(
        week("distance_km_4wk_avg", "2024-03-18").unwrap(),
        (11.6 + 0.0 + 10.0) / 4.0,
    );
    close(week("ytd_distance_km", "2024-03-18").unwrap(), 21.6);
}

#[test]
fn yearly_summary_compares_with_the_previous_year() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let q = "SELECT distance_km_prev_year, yoy_change_pct FROM yearly_summary \
             WHERE sport_group = 'ride' AND period_start = DATE '2024-01-01'";
    let (prev, pct): (f64, f64) =
        db.0.query_row(q, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
    close(prev, 0.5);
    close(pct, 100.0 * (21.6 - 0.5) / 0.5);
}

#[test]
fn records_go_to_the_earliest_activity_on_a_tie() {
    let ws = load_fixture();
    let db = Db::open(&ws.db());
    let q = "SELECT activity_id FROM personal_records WHERE sport_group = 'run' AND record = 'longest_distance_km'";
    assert_eq!(db.one::<i64>(q), 3);
    let q = "SELECT activity_id FROM personal_records WHERE sport_group = 'ride' AND record = 'best_normalized_watts_60min_plus'";
    assert_eq!(db.one::<i64>(q), 8);
}

#[test]
fn without_a_settings_file_thresholds_default_from_the_profile_and_say_so() {
    let ws = Workspace::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");
    let run = ws.run(&["sync".into(), "--from-raw".into(), sample.into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(db.one::<i64>("SELECT count(*) FROM athlete_settings"), 1);
    assert_eq!(db.one::<i64>("SELECT ftp_w FROM athlete_settings"), 235);
    close(
        db.one::<f64>("SELECT max_hr FROM athlete_settings"),
        db.one::<f64>("SELECT max(max_heartrate) FROM activities"),
    );
    assert!(
        db.one::<String>("SELECT defaults_used FROM athlete_settings")
            .contains("resting_hr")
    );
}

#[test]
fn a_bad_settings_file_is_a_configuration_error_that_touches_nothing() {
    let ws = Workspace::new();
    std::fs::write(
        ws.path("athlete.toml"),
        "[[settings]]\nfrom = \"2024-01-01\"\nsex = \"X\"\n",
    )
    .unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");
    let run = ws.run(
        &[
            "sync".into(),
            "--from-raw".into(),
            sample.into(),
            "--athlete-settings".into(),
            ws.path("athlete.toml").display().to_string(),
        ],
        &[],
    );
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("athlete.toml"), "{}", run.stderr());
}

#[test]
fn gear_summary_totals_each_gear_per_year_and_all_time_with_the_profile_name() {
    let ws = Workspace::new();
    let athlete = json!({"id": 1, "sex": "M", "ftp": 300,
        "bikes": [{"id": "b1", "name": "Road", "primary": true, "distance": 50000.0}],
        "shoes": []});
    let activities = vec![
        with(
            ride(
                1,
                "2023-12-31T10:00:00Z",
                "2023-12-31T09:00:00Z",
                10000.0,
                3600,
            ),
            json!({"gear_id": "b1"}),
        ),
        with(
            ride(
                2,
                "2024-01-02T10:00:00Z",
                "2024-01-02T09:00:00Z",
                20000.0,
                1800,
            ),
            json!({"gear_id": "b1"}),
        ),
        with(
            ride(
                3,
                "2024-01-05T10:00:00Z",
                "2024-01-05T09:00:00Z",
                5000.0,
                900,
            ),
            json!({"gear_id": "b9"}),
        ),
        ride(
            4,
            "2024-01-06T10:00:00Z",
            "2024-01-06T09:00:00Z",
            7000.0,
            900,
        ),
    ];
    let raw = ws.write_raw_pages(&athlete, &activities);
    let run = ws.sync_raw(&raw);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    let row = |gear: &str, period: &str, year: &str| {
        let q = format!(
            "SELECT activities, distance_km, moving_time_h, CAST(first_used AS VARCHAR), \
             CAST(last_used AS VARCHAR), coalesce(name, '-'), coalesce(strava_total_km, -1) \
             FROM gear_summary WHERE gear_id = '{gear}' AND period = '{period}' AND year IS NOT DISTINCT FROM {year}"
        );
        db.0.query_row(&q, [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, f64>(6)?,
            ))
        })
        .unwrap_or_else(|e| panic!("{gear} {period} {year}: {e}"))
    };
    let all = row("b1", "all_time", "NULL");
    assert_eq!(
        (all.0, all.3.as_str(), all.4.as_str(), all.5.as_str()),
        (2, "2023-12-31", "2024-01-02", "Road")
    );
    close(all.1, 30.0);
    close(all.2, 1.5);
    close(all.6, 50.0);
    let y2023 = row("b1", "year", "2023");
    assert_eq!(
        (y2023.0, y2023.6),
        (1, -1.0),
        "a year row has no Strava total"
    );
    close(y2023.1, 10.0);
    // Gear an activity names but the profile does not list: summarised, unnamed.
    assert_eq!(row("b9", "all_time", "NULL").5, "-");
    let gear_ids: Vec<String> = {
        let mut s =
            db.0.prepare("SELECT DISTINCT gear_id FROM gear_summary ORDER BY 1")
                .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        gear_ids,
        ["b1", "b9"],
        "activities without gear are not a gear"
    );
}

#[test]
fn a_view_the_warehouse_refuses_is_named_as_a_view_failure_and_the_load_rolls_back() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample-athlete");
    let ws = Workspace::new();
    assert_eq!(ws.sync_raw(&sample).code(), 0);
    {
        // An analyst's table where the product's view stands.
        let db = Db::open(&ws.db());
        db.0.execute_batch("DROP VIEW gear_summary; CREATE TABLE gear_summary (x INTEGER);")
            .unwrap();
    }

    let run = ws.sync_raw(&sample);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains(&format!(
            "creating the view `gear_summary` in duckdb:{} failed, the previous data is kept",
            ws.db().display()
        )),
        "{}",
        run.stderr()
    );
    let db = Db::open(&ws.db());
    assert_eq!(
        db.one::<String>("SELECT string_agg(outcome, ',' ORDER BY started_at) FROM sync_runs"),
        "ok,failed"
    );
}
