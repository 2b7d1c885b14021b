//! `sync --from-export`: Strava's bulk export (activities.csv, alone, in its
//! folder, or in the .zip) loaded into the fixed schema.
#![cfg(feature = "duckdb")]

mod common;

use std::io::Write;

use common::{Db, Workspace};

/// Strava's header for an English account: Elapsed Time, Distance, Max Heart
/// Rate, Relative Effort and Commute appear twice; the second Distance is in
/// metres, the first in the athlete's display unit.
const HEADER: &str = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain,Elevation Loss,Elevation Low,Elevation High,Max Grade,Average Grade,Average Positive Grade,Average Negative Grade,Max Cadence,Average Cadence,Max Heart Rate,Average Heart Rate,Max Watts,Average Watts,Calories";

fn csv() -> String {
    [
        HEADER.to_string(),
        // A run: display distance 12.36 (km), base 12360.4 m; a quoted name with a comma.
        r#"11343979900,"May 6, 2024, 4:02:34 AM","Larkya Pass, to Bimtang",Hike,,18485,12.36,128,,false,,,activities/1.fit.gz,,,18485,15099,12360.4,1.781,0.819,718.8,,3705,5154.2,,,,,,,128,111,,,"#.to_string(),
        // A virtual ride in the afternoon, with power; a name holding a newline and quotes.
        r#"15001,"Sep 26, 2026, 10:56:05 PM","Zwift ""Watopia""
 loop",Virtual Ride,,3700,20.1,,55,true,,,,,,3700.0,3600.0,20100.0,12.5,5.583,150,,,,,,,,,88.5,171,150.5,612,201.3,"#.to_string(),
        // Gym: most cells empty.
        r#"15002,"Jan 2, 2024, 9:00:00 AM",Gym,Weight Training,,3600,,,,false,,,,,,3600.0,3600.0,,,,,,,,,,,,,,,,,,"#.to_string(),
    ]
    .join("\n")
        + "\n"
}

fn sync_export(ws: &Workspace, path: &std::path::Path) -> common::Run {
    ws.run(
        &[
            "sync".into(),
            "--from-export".into(),
            path.display().to_string(),
        ],
        &[],
    )
}

#[test]
fn the_export_csv_loads_with_base_units_from_the_repeated_columns() {
    let ws = Workspace::new();
    let dir = ws.path("export");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("activities.csv"), csv()).unwrap();

    let run = sync_export(&ws, &dir);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![15001, 15002, 11343979900]);
    let q = |col: &str, id: i64| format!("SELECT {col} FROM activities WHERE id = {id}");
    assert_eq!(db.one::<f64>(&q("distance", 11343979900)), 12360.4);
    assert_eq!(db.one::<i64>(&q("elapsed_time", 11343979900)), 18485);
    assert_eq!(db.one::<i64>(&q("moving_time", 11343979900)), 15099);
    assert_eq!(
        db.one::<String>(&q("name", 11343979900)),
        "Larkya Pass, to Bimtang"
    );
    assert_eq!(
        db.one::<String>(&q("CAST(start_date AS VARCHAR)", 11343979900)),
        "2024-05-06 04:02:34"
    );
    assert_eq!(
        db.one::<String>(&q("CAST(start_date AS VARCHAR)", 15001)),
        "2026-09-26 22:56:05"
    );
    assert_eq!(db.one::<String>(&q("sport_type", 15001)), "VirtualRide");
    assert_eq!(
        db.one::<String>(&q("name", 15001)),
        "Zwift \"Watopia\"\n loop"
    );
    assert_eq!(db.one::<f64>(&q("average_watts", 15001)), 201.3);
    assert_eq!(db.one::<i64>(&q("max_watts", 15001)), 612);
    assert!(db.one::<bool>(&q("commute", 15001)));
    assert_eq!(db.one::<Option<f64>>(&q("distance", 15002)), None);
    assert_eq!(db.one::<String>(&q("sport_type", 15002)), "WeightTraining");
    assert_eq!(db.one::<String>(&q("source", 15002)), "export");
    assert_eq!(
        db.one::<Option<String>>(&q("CAST(start_date_local AS VARCHAR)", 15002)),
        None
    );
    // The views still place export rows on a day (their UTC date).
    assert_eq!(
        db.one::<String>(
            "SELECT CAST(local_date AS VARCHAR) FROM activity_metrics WHERE id = 15001"
        ),
        "2026-09-26"
    );
    assert_eq!(db.one::<String>("SELECT source FROM sync_runs"), "export");
}

#[test]
fn the_zip_archive_is_read_directly() {
    let ws = Workspace::new();
    let zip_path = ws.path("export_12345.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("activities.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(csv().as_bytes()).unwrap();
    zip.start_file(
        "activities/1.fit.gz",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"not read").unwrap();
    zip.finish().unwrap();

    let run = sync_export(&ws, &zip_path);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids().len(), 3);
}

#[test]
fn a_non_english_export_fails_clearly_and_loads_nothing() {
    let ws = Workspace::new();
    let path = ws.path("activities.csv");
    std::fs::write(
        &path,
        "ID de actividad,Fecha de la actividad,Nombre de la actividad\n1,x,y\n",
    )
    .unwrap();
    let run = sync_export(&ws, &path);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(run.stderr().contains("English"), "{}", run.stderr());
}

#[test]
fn a_bad_cell_names_the_line_and_the_column() {
    let ws = Workspace::new();
    let path = ws.path("activities.csv");
    let bad = csv().replace("12360.4", "twelve");
    std::fs::write(&path, bad).unwrap();
    let run = sync_export(&ws, &path);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("line 2") && run.stderr().contains("`Distance`"),
        "{}",
        run.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_credentials_the_api_adds_newer_activities_and_its_rows_win() {
    let ws = Workspace::new();
    let path = ws.path("activities.csv");
    std::fs::write(&path, csv()).unwrap();
    let mut newer = common::activity(16000, "2026-10-01T07:00:00Z");
    newer["name"] = serde_json::json!("After the export");
    let mut overlap = common::activity(15001, "2026-09-26T22:56:05Z");
    overlap["name"] = serde_json::json!("API name wins");
    let strava = common::Strava::serving(&[vec![newer, overlap]]).await;

    let run = ws.sync(&strava, &["--from-export", path.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![15001, 15002, 16000, 11343979900]);
    assert_eq!(
        db.one::<String>("SELECT name FROM activities WHERE id = 15001"),
        "API name wins"
    );
    assert_eq!(
        db.one::<String>("SELECT source FROM activities WHERE id = 15001"),
        "api"
    );
    assert_eq!(
        db.one::<String>("SELECT source FROM activities WHERE id = 15002"),
        "export"
    );
    assert_eq!(
        db.one::<String>("SELECT source FROM sync_runs"),
        "export+api"
    );
    // Only pages after the export's latest activity (2026-09-26 22:56:05 UTC) were asked for.
    let afters: Vec<String> = strava
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/activities"))
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "after")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(afters, vec!["1790463365".to_string(); 2]);
}
