//! `sync --from-export` with the athlete's own activity files: the
//! `activity_streams`, `power_curve`, `best_efforts` and `time_in_zones`
//! tables against values worked out by hand on the fixtures of
//! `tests/fixtures/activity-files/` (see its `generate.py` for what each file
//! holds), and every way a file can be bad.
#![cfg(feature = "duckdb")]

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{Db, Workspace};

const HEADER: &str = "Activity ID,Activity Date,Activity Name,Activity Type,Filename,Moving Time";

/// The three good fixtures, as activities 101 (ride), 102 (run) and 103 (run).
const GOOD: [(i64, &str, &str, &str); 3] = [
    (101, "Ride", "activities/101.fit", "ride_250_150.fit"),
    (102, "Run", "activities/102.gpx.gz", "run_4min_km.gpx.gz"),
    (103, "Run", "activities/103.tcx", "hr_ramp.tcx"),
];

/// FTP 300 W and threshold HR 180 before 2024, then 250 W and 200 bpm: the
/// fixtures (6 May 2024) must use the second entry.
const SETTINGS: &str = "[[settings]]\nfrom = \"2020-01-01\"\nftp_w = 300\nthreshold_hr = 180\nmax_hr = 210\n\n[[settings]]\nfrom = \"2024-01-01\"\nftp_w = 250\nthreshold_hr = 200\nmax_hr = 210\n";

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/activity-files")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An export folder: activities.csv naming `rows` (id, type, Filename) and
/// the files in `files` (path under the export, bytes).
fn export(ws: &Workspace, rows: &[(i64, &str, &str)], files: &[(&str, Vec<u8>)]) -> PathBuf {
    let dir = ws.path("export");
    std::fs::create_dir_all(dir.join("activities")).unwrap();
    let mut csv = format!("{HEADER}\n");
    for (id, kind, filename) in rows {
        csv.push_str(&format!(
            "{id},\"May 6, 2024, 6:00:00 AM\",Activity {id},{kind},{filename},2400\n"
        ));
    }
    std::fs::write(dir.join("activities.csv"), csv).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

fn good_export(ws: &Workspace) -> PathBuf {
    let rows: Vec<_> = GOOD.iter().map(|(id, k, f, _)| (*id, *k, *f)).collect();
    let files: Vec<_> = GOOD
        .iter()
        .map(|(_, _, f, src)| (*f, fixture(src)))
        .collect();
    export(ws, &rows, &files)
}

fn sync(ws: &Workspace, path: &Path) -> common::Run {
    let settings = ws.path("athlete.toml");
    std::fs::write(&settings, SETTINGS).unwrap();
    let run = ws.run(
        &[
            "sync".into(),
            "--from-export".into(),
            path.display().to_string(),
            "--athlete-settings".into(),
            settings.display().to_string(),
        ],
        &[],
    );
    assert_eq!(run.code(), 0, "{}", run.all());
    run
}

use duckdb::types::FromSql;

fn row2<A: FromSql, B: FromSql>(db: &Db, sql: &str) -> (A, B) {
    db.0.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect(sql)
}

fn row3<A: FromSql, B: FromSql, C: FromSql>(db: &Db, sql: &str) -> (A, B, C) {
    db.0.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect(sql)
}

fn row4<A: FromSql, B: FromSql, C: FromSql, D: FromSql>(db: &Db, sql: &str) -> (A, B, C, D) {
    db.0.query_row(sql, [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .expect(sql)
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn the_1200_s_best_of_20_minutes_at_250_w_then_150_w_is_250_w() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let watts = |d: i64| {
        db.one::<Option<f64>>(&format!(
            "SELECT max(watts) FROM power_curve WHERE activity_id = 101 AND duration_s = {d}"
        ))
    };
    assert_eq!(watts(1200), Some(250.0));
    assert_eq!(watts(1), Some(250.0));
    // 1,800 s: all 1,200 s at 250 W and 600 s at 150 W.
    let w1800 = watts(1800).unwrap();
    assert!(
        close(w1800, (1200.0 * 250.0 + 600.0 * 150.0) / 1800.0, 1e-9),
        "{w1800}"
    );
    assert_eq!(watts(2700), None, "2,700 s is longer than the 2,400-s ride");
    assert_eq!(
        db.one::<i64>("SELECT count(*) FROM power_curve WHERE activity_id = 101"),
        15,
        "1 s to 1,800 s of the ladder"
    );
    assert_eq!(
        db.one::<i64>("SELECT count(*) FROM power_curve WHERE activity_id <> 101"),
        0,
        "the runs have no power"
    );
}

#[test]
fn the_ride_summary_has_hand_computed_power_heart_rate_and_decoupling() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let col = |c: &str| {
        db.one::<f64>(&format!(
            "SELECT CAST({c} AS DOUBLE) FROM activity_streams WHERE activity_id = 101"
        ))
    };
    assert_eq!(
        db.one::<String>("SELECT file_format FROM activity_streams WHERE activity_id = 101"),
        "fit"
    );
    assert_eq!(col("samples"), 2400.0);
    assert_eq!(col("recorded_s"), 2400.0);
    assert_eq!(col("moving_s"), 2400.0);
    assert_eq!(col("avg_power_w"), 200.0);
    assert_eq!(col("max_power_w"), 250.0);
    assert_eq!(col("work_kj"), 480.0);
    assert_eq!(col("avg_heartrate"), 150.0);
    // NP: the 30-s means are 250 for the 1,171 windows ending in the first
    // 1,200 s (from second 30 on), (250 (30 - k) + 150 k) / 30 for the 29
    // windows holding k seconds of 150 W, then 150 for the last 1,171.
    let mixed: f64 = (1..30)
        .map(|k| ((250.0 * (30 - k) as f64 + 150.0 * k as f64) / 30.0).powi(4))
        .sum();
    let np = ((1171.0 * 250f64.powi(4) + mixed + 1171.0 * 150f64.powi(4)) / 2371.0).powf(0.25);
    assert!(close(col("normalized_power_w"), np, 1e-9));
    assert!(close(col("efficiency_factor"), np / 150.0, 1e-12));
    // Halves of 1,200 moving seconds: NP 250, then the 29 mixed windows and 1,171 at 150.
    let np2 = ((mixed + 1171.0 * 150f64.powi(4)) / 1200.0).powf(0.25);
    let decoupling = (250.0 / 150.0 - np2 / 150.0) / (250.0 / 150.0) * 100.0;
    assert!(close(col("aerobic_decoupling_pct"), decoupling, 1e-9));
}

#[test]
fn a_run_at_4_min_per_km_covers_5_km_in_1200_s_from_gpx_positions_alone() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let effort = |m: &str| {
        db.one::<Option<f64>>(&format!(
            "SELECT max(elapsed_s) FROM best_efforts WHERE activity_id = 102 AND distance_m = {m}"
        ))
    };
    for (m, s) in [
        ("400", 96.0),
        ("1000", 240.0),
        ("1609.344", 386.24256),
        ("5000", 1200.0),
    ] {
        let got = effort(m).unwrap_or_else(|| panic!("no {m} m effort"));
        assert!(close(got, s, 1e-3), "{m} m: {got} s, expected {s}");
    }
    assert_eq!(effort("10000"), None, "the run is 6.2 km");
    let ef =
        db.one::<f64>("SELECT efficiency_factor FROM activity_streams WHERE activity_id = 102");
    assert!(close(ef, 250.0 / 160.0, 1e-6), "250 m/min at 160 bpm: {ef}");
    let decoupling = db
        .one::<f64>("SELECT aerobic_decoupling_pct FROM activity_streams WHERE activity_id = 102");
    assert!(
        close(decoupling, 0.0, 1e-6),
        "steady pace and heart rate: {decoupling}"
    );
    assert_eq!(
        db.one::<String>("SELECT file_format FROM activity_streams WHERE activity_id = 102"),
        "gpx"
    );
}

#[test]
fn the_ride_covers_the_distances_of_its_fit_distance_records() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let efforts = db
        .0
        .prepare("SELECT distance_m, elapsed_s FROM best_efforts WHERE activity_id = 101 ORDER BY distance_m")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    // 10 m/s over 23,990 m: every distance up to the half marathon.
    let expected = [400.0, 1000.0, 1609.344, 5000.0, 10000.0, 21097.5];
    assert_eq!(efforts.len(), expected.len(), "{efforts:?}");
    for ((d, s), want) in efforts.iter().zip(expected) {
        assert_eq!(*d, want);
        assert!(close(*s, want / 10.0, 1e-6), "{d} m in {s} s");
    }
}

#[test]
fn zones_use_the_thresholds_in_force_on_the_activity_date() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let zones = |id: i64, kind: &str| {
        db.column_i64(&format!(
            "SELECT seconds FROM time_in_zones WHERE activity_id = {id} AND kind = '{kind}' ORDER BY zone"
        ))
    };
    // Threshold 200 bpm: 150..161 zone 1, 162..179 zone 2, 180..187 zone 3,
    // 188..199 zone 4, 200..209 zone 5, ten seconds per beat.
    assert_eq!(zones(103, "heart_rate"), vec![120, 180, 80, 120, 100]);
    // FTP 250 W (not 300): 250 W is 100 % (zone 4), 150 W 60 % (zone 2).
    assert_eq!(zones(101, "power"), vec![0, 1200, 0, 1200, 0, 0, 0]);
    // 160 bpm of 200 is 80 %: zone 1 all the way.
    assert_eq!(zones(102, "heart_rate"), vec![1500, 0, 0, 0, 0]);
    assert!(zones(102, "power").is_empty(), "no power in the run");
}

/// One good file and one bad one: the run succeeds, keeps both summary rows,
/// reads the good file only, counts and names the bad one with `reason`.
fn assert_skipped(filename: &str, bytes: Option<Vec<u8>>, reason: &str) {
    let ws = Workspace::new();
    let mut files = vec![("activities/101.fit", fixture("ride_250_150.fit"))];
    if let Some(b) = bytes {
        files.push((filename, b));
    }
    let dir = export(
        &ws,
        &[(101, "Ride", "activities/101.fit"), (202, "Run", filename)],
        &files,
    );
    let run = sync(&ws, &dir);
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![101, 202], "both summary rows are kept");
    assert_eq!(
        db.column_i64("SELECT activity_id FROM activity_streams"),
        vec![101]
    );
    assert_eq!(db.one::<i64>("SELECT files_skipped FROM sync_runs"), 1);
    let warning = run
        .stderr()
        .lines()
        .find(|l| l.contains("\"WARNING\"") && l.contains("skipped the activity file"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no warning for {filename}:\n{}", run.stderr()));
    assert!(
        warning.contains(&filename.escape_debug().to_string()) && warning.contains(reason),
        "the warning should name {filename} and say `{reason}`: {warning}"
    );
    assert!(
        run.stdout().contains("1 read, 1 skipped"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_fit_file_with_a_bad_crc_is_skipped() {
    let mut bytes = fixture("ride_250_150.fit");
    // The file's CRC is its last two bytes: every record still parses.
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    assert_skipped("activities/202.fit", Some(bytes), "CRC");
}

#[test]
fn a_truncated_gzip_is_skipped() {
    let mut bytes = fixture("run_4min_km.gpx.gz");
    bytes.truncate(bytes.len() / 2);
    assert_skipped("activities/202.gpx.gz", Some(bytes), "broken gzip");
}

#[test]
fn a_file_of_unknown_extension_is_skipped() {
    assert_skipped(
        "activities/202.kml",
        Some(b"<kml/>".to_vec()),
        "not a .fit, .gpx or .tcx file",
    );
}

#[test]
fn a_file_named_in_the_csv_but_missing_is_skipped() {
    assert_skipped("activities/202.fit.gz", None, "the export has no such file");
}

#[test]
fn a_gpx_without_timestamps_is_skipped() {
    let gpx = b"<gpx><trk><trkseg><trkpt lat=\"46\" lon=\"6\"><ele>1</ele></trkpt><trkpt lat=\"46.1\" lon=\"6\"/></trkseg></trk></gpx>";
    assert_skipped("activities/202.gpx", Some(gpx.to_vec()), "no timestamps");
}

#[test]
fn a_fit_file_without_records_is_skipped() {
    assert_skipped(
        "activities/202.fit",
        Some(fixture("no_records.fit")),
        "holds no records",
    );
}

#[test]
fn a_file_name_leading_out_of_the_export_is_never_opened() {
    let ws = Workspace::new();
    // A real FIT file sits right outside the export folder.
    std::fs::write(ws.path("outside.fit"), fixture("ride_250_150.fit")).unwrap();
    let dir = export(&ws, &[(202, "Ride", "../outside.fit")], &[]);
    let run = sync(&ws, &dir);
    let db = Db::open(&ws.db());
    assert_eq!(db.one::<i64>("SELECT count(*) FROM activity_streams"), 0);
    assert_eq!(db.one::<i64>("SELECT files_skipped FROM sync_runs"), 1);
    assert!(
        run.stderr().contains("not a plain relative path"),
        "{}",
        run.stderr()
    );
}

fn zip_of(ws: &Workspace, dir: &Path, extra: Option<(&str, u64)>) -> PathBuf {
    let path = ws.path("export_1.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut add = |name: &str, bytes: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    };
    add(
        "activities.csv",
        &std::fs::read(dir.join("activities.csv")).unwrap(),
    );
    for (_, _, f, _) in GOOD {
        add(f, &std::fs::read(dir.join(f)).unwrap());
    }
    if let Some((name, size)) = extra {
        zip.start_file(name, options).unwrap();
        let chunk = vec![0u8; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            zip.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
    }
    zip.finish().unwrap();
    path
}

#[test]
fn the_files_are_read_from_the_zip_archive_too() {
    let ws = Workspace::new();
    let dir = good_export(&ws);
    let zip = zip_of(&ws, &dir, None);
    std::fs::remove_dir_all(&dir).unwrap();
    sync(&ws, &zip);
    let db = Db::open(&ws.db());
    assert_eq!(
        db.column_i64("SELECT activity_id FROM activity_streams ORDER BY 1"),
        vec![101, 102, 103]
    );
    assert_eq!(
        db.one::<f64>(
            "SELECT watts FROM power_curve WHERE activity_id = 101 AND duration_s = 1200"
        ),
        250.0
    );
}

#[test]
fn an_archive_entry_decompressing_past_256_mib_is_refused() {
    let ws = Workspace::new();
    let rows: Vec<_> = GOOD
        .iter()
        .map(|(id, k, f, _)| (*id, *k, *f))
        .chain([(104, "Ride", "activities/104.fit")])
        .collect();
    let files: Vec<_> = GOOD
        .iter()
        .map(|(_, _, f, src)| (*f, fixture(src)))
        .collect();
    let dir = export(&ws, &rows, &files);
    // 256 MiB + 1 byte of zeros: about 260 kB deflated.
    let zip = zip_of(
        &ws,
        &dir,
        Some(("activities/104.fit", 256 * 1024 * 1024 + 1)),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let run = sync(&ws, &zip);
    let db = Db::open(&ws.db());
    assert_eq!(db.one::<i64>("SELECT count(*) FROM activity_streams"), 3);
    assert_eq!(db.one::<i64>("SELECT files_skipped FROM sync_runs"), 1);
    assert!(
        run.stderr()
            .contains("decompresses to more than 268435456 bytes"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_sync_runs_table_from_before_files_skipped_gains_the_column_and_keeps_its_rows() {
    let ws = Workspace::new();
    {
        let db = Db::open(&ws.db());
        db.0.execute_batch(
            "CREATE TABLE sync_runs (started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, \
             outcome VARCHAR NOT NULL, source VARCHAR NOT NULL, activities BIGINT NOT NULL, \
             api_calls BIGINT NOT NULL, message VARCHAR); \
             INSERT INTO sync_runs VALUES ('2024-01-01', '2024-01-01', 'ok', 'api', 5, 7, NULL);",
        )
        .unwrap();
    }
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    assert_eq!(
        db.column_i64("SELECT coalesce(files_skipped, -1) FROM sync_runs ORDER BY started_at"),
        vec![-1, 0]
    );
}

#[test]
fn a_sync_without_an_export_leaves_the_file_tables_empty() {
    let ws = Workspace::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample-athlete");
    let run = ws.sync_raw(&sample);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    for table in [
        "activity_streams",
        "power_curve",
        "best_efforts",
        "time_in_zones",
    ] {
        assert_eq!(
            db.one::<i64>(&format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    assert_eq!(db.one::<i64>("SELECT files_skipped FROM sync_runs"), 0);
}

/// The normalized power of the ride fixture (see the summary test).
fn ride_np() -> f64 {
    let mixed: f64 = (1..30)
        .map(|k| ((250.0 * (30 - k) as f64 + 150.0 * k as f64) / 30.0).powi(4))
        .sum();
    ((1171.0 * 250f64.powi(4) + mixed + 1171.0 * 150f64.powi(4)) / 2371.0).powf(0.25)
}

#[test]
fn activity_metrics_takes_normalized_power_from_the_file_for_tss_when_the_summary_has_none() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let q = |c: &str| {
        db.one::<Option<f64>>(&format!("SELECT {c} FROM activity_metrics WHERE id = 101"))
    };
    assert_eq!(
        q("normalized_watts"),
        None,
        "no power meter summary in an export"
    );
    assert!(close(
        q("stream_normalized_watts").unwrap(),
        ride_np(),
        1e-9
    ));
    // 2,400 moving seconds at IF = NP / 250.
    let tss = 2400.0 / 3600.0 * (ride_np() / 250.0).powi(2) * 100.0;
    assert!(
        close(q("tss").unwrap(), tss, 1e-9),
        "{:?} vs {tss}",
        q("tss")
    );
    assert_eq!(
        db.one::<String>("SELECT load_source FROM activity_metrics WHERE id = 101"),
        "power"
    );
}

#[test]
fn power_duration_curve_keeps_the_best_watts_per_period_with_its_activity() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    // A ride ten days ago whose 1,200-s best is 240 W: below the fixture's
    // 250 W all-time, but the best of the last 42 days.
    db.0.execute_batch(
        "INSERT INTO activities (id, sport_type, start_date, moving_time) \
         VALUES (900, 'Ride', CAST(CURRENT_DATE - 10 AS TIMESTAMP), 3600); \
         INSERT INTO power_curve VALUES (900, 1200, 240.0);",
    )
    .unwrap();
    let best = |period: &str, year: &str| {
        row2::<f64, i64>(
            &db,
            &format!(
                "SELECT watts, activity_id FROM power_duration_curve \
             WHERE period = '{period}' AND year IS NOT DISTINCT FROM {year} AND duration_s = 1200"
            ),
        )
    };
    assert_eq!(best("all_time", "NULL"), (250.0, 101));
    assert_eq!(best("last_42_days", "NULL"), (240.0, 900));
    assert_eq!(best("year", "2024"), (250.0, 101));
    assert_eq!(
        db.one::<i64>(
            "SELECT count(*) FROM power_duration_curve WHERE period = 'last_42_days' AND duration_s = 1"
        ),
        0,
        "activity 900 has no 1-s value and 101 is older than 42 days"
    );
}

#[test]
fn critical_power_fits_the_two_parameter_model_to_the_3_5_12_and_20_minute_bests() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    // Ten days ago: bests exactly on P = 20000 / t + 250. In 2023: two durations only.
    let mut sql = String::from(
        "INSERT INTO activities (id, sport_type, start_date) VALUES \
         (900, 'Ride', CAST(CURRENT_DATE - 10 AS TIMESTAMP)), (800, 'Ride', TIMESTAMP '2023-06-01 08:00:00');",
    );
    for t in [180, 300, 720, 1200] {
        sql.push_str(&format!(
            "INSERT INTO power_curve VALUES (900, {t}, {});",
            20000.0 / t as f64 + 250.0
        ));
    }
    sql.push_str("INSERT INTO power_curve VALUES (800, 180, 300.0), (800, 300, 280.0);");
    db.0.execute_batch(&sql).unwrap();
    let fit = |period: &str, year: &str| {
        row4::<i64, Option<f64>, Option<f64>, Option<f64>>(
            &db,
            &format!(
                "SELECT durations, cp_w, w_prime_j, eftp_w FROM critical_power \
             WHERE period = '{period}' AND year IS NOT DISTINCT FROM {year}"
            ),
        )
    };
    let (n, cp, w_prime, eftp) = fit("last_90_days", "NULL");
    assert_eq!(n, 4);
    assert!(close(cp.unwrap(), 250.0, 1e-6), "{cp:?}");
    assert!(close(w_prime.unwrap(), 20000.0, 1e-3), "{w_prime:?}");
    assert_eq!(eftp, cp);
    // 2024: the fixture ride's bests are all 250 W: CP 250, no W'.
    let (n, cp, w_prime, _) = fit("year", "2024");
    assert_eq!(n, 4);
    assert!(close(cp.unwrap(), 250.0, 1e-9) && close(w_prime.unwrap(), 0.0, 1e-6));
    assert_eq!(fit("year", "2023"), (2, None, None, None));
}

#[test]
fn best_efforts_records_keep_the_fastest_per_sport_group_with_pace() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let record = |group: &str, m: &str| {
        row4::<f64, f64, f64, i64>(
            &db,
            &format!(
                "SELECT elapsed_s, pace_min_per_km, speed_kmh, activity_id FROM best_efforts_records \
             WHERE sport_group = '{group}' AND period = 'all_time' AND distance_m = {m}"
            ),
        )
    };
    // Both runs do 400 m in 96 s; the tie goes to the lower id at the same start.
    let (s, pace, speed, id) = record("run", "400");
    assert!(close(s, 96.0, 1e-3) && close(pace, 4.0, 1e-4) && close(speed, 15.0, 1e-3));
    assert_eq!(id, 102);
    let (s, pace, speed, id) = record("ride", "5000");
    assert!(close(s, 500.0, 1e-6) && close(pace, 100.0 / 60.0, 1e-9) && close(speed, 36.0, 1e-9));
    assert_eq!(id, 101);
    assert_eq!(
        db.one::<i64>("SELECT count(*) FROM best_efforts_records WHERE period = 'year' AND year = 2024 AND sport_group = 'run'"),
        4,
        "400 m, 1 km, 1 mile and 5 km"
    );
}

#[test]
fn weekly_time_in_zones_sums_the_hours_of_the_local_week() {
    let ws = Workspace::new();
    sync(&ws, &good_export(&ws));
    let db = Db::open(&ws.db());
    let week = |kind: &str, zone: i64| {
        row3::<String, f64, i64>(
            &db,
            &format!(
                "SELECT CAST(week_start AS VARCHAR), hours, activities FROM weekly_time_in_zones \
             WHERE kind = '{kind}' AND zone = {zone}"
            ),
        )
    };
    // 6 May 2024 is a Monday. Heart-rate zone 1: the ride's 2,400 s at 75 %,
    // the GPX run's 1,500 s at 80 %, the ramp's first 120 s.
    let (start, hours, n) = week("heart_rate", 1);
    assert_eq!(start, "2024-05-06");
    assert!(close(hours, 4020.0 / 3600.0, 1e-12), "{hours}");
    assert_eq!(n, 3);
    let (_, hours, n) = week("power", 4);
    assert!(close(hours, 1200.0 / 3600.0, 1e-12));
    assert_eq!(n, 1);
}
