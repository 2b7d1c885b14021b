//! `sync --from-export`: Strava's bulk export (activities.csv, alone, in its
//! folder, or in the .zip) loaded into the fixed schema.
#![cfg(feature = "duckdb")]

use crate::common;

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

/// A German account's header row (92 columns, 2024), as users pasted it
/// from real exports (geo-activity-playground issues #112 and #191).
const HEADER_DE: &str = "Aktivitäts-ID,Aktivitätsdatum,Name der Aktivität,Aktivitätsart,Aktivitätsbeschreibung,Verstrichene Zeit,Distanz,Max. Herzfrequenz,Relative Leistung,Pendeln,Hinweis zur Privatsphäre für Aktivitäten,Aktivitätsausrüstung,Dateiname,Sportlergewicht,Fahrradgewicht,Verstrichene Zeit,Bewegungszeit,Distanz,Höchstgeschw.,Durchschnittliche Geschwindigkeit,Höhenzunahme,Höhenunterschied,Min. Höhe,Max. Höhe,Max. Steigung,Durchschnittliche Steigung,Durchschnittliche positive Steigung,Durchschnittliche negative Steigung,Max. Tritt-/Schrittfrequenz,Durchschnittliche Trittfrequenz,Max. Herzfrequenz,Durchschnittliche Herzfrequenz,Max. Watt,Durchschnittliche Watt,Kalorien,Max. Temperatur,Durchschnittliche Temperatur,Relative Leistung,Gesamtarbeit,Anzahl Läufe,Bergaufzeit,Bergabzeit,Andere Zeit,Gefühlte Anstrengung,Art,Startzeit,Gewichtete durchschnittliche Leistung,Leistungszahl,Gefühlte Anstrengung verwenden,Gefühlte relative Leistung,Pendeln,Insgesamt gestemmtes Gewicht,Von Upload,Auf Steigung angepasste Distanz,Wetterbeobachtungszeit,Wetterlage,Wetter: Temperatur,Scheinbare Temperatur,Taupunkt,Luftfeuchtigkeit,Wetter: Druck,Windgeschwindigkeit,Windböe,Windrichtung,Niederschlagsintensität,Sonnenaufgangszeit,Sonnenuntergangszeit,Mondphase,Fahrrad,Ausrüstung,Niederschlagswahrscheinlichkeit,Niederschlagsart,Wolkendecke,Wetter: Sichtbarkeit,UV-Index,Wetter: Ozon,Sprunganzahl,Schwierigkeit insgesamt,Durchschnittlicher Flow,Markiert,Durchschnittsgeschwindigkeit im Aufzeichnungszeitraum,Auf Schotter zurückgelegte Distanz,Neu getestete Distanz,Neu getestete Schotterdistanz,Aktivitätsanzahl,Schritte insgesamt,Eingesparte CO₂-Emissionen,Pool-Länge,Trainingsbelastung,Intensität,Durchschnittliches auf Steigung angepasstes Tempo,Medien";

/// A French account's header row (103 columns, 2026), from a script run on a
/// real export (evarandrianasolo-web/cairn, ingestion spike results).
const HEADER_FR: &str = "ID de l'activité,Date de l'activité,Nom de l'activité,Type d'activité,Description de l'activité,Temps écoulé,Distance,Fréquence cardiaque max.,Effort relatif,Déplacement-transport,Note privée sur les activités,Matériel utilisé pour l'activité,Nom du fichier,Poids de l'athlète,Poids du vélo,Temps écoulé,Durée de déplacement,Distance,Vitesse max.,Vitesse moyenne,Dénivelé positif,Dénivelé négatif,Altitude min.,Altitude max.,Pente max.,Pente moyenne,Pente positive moyenne,Pente négative moyenne,Cadence max.,Cadence moyenne,Fréquence cardiaque max.,Fréquence cardiaque moyenne,Puissance max.,Puissance moyenne,Calories,Température max.,Température moyenne,Effort relatif,Effort total,Nombre de sorties course à pied,Temps de montée,Temps de descente,Autres temps,Effort ressenti,Type,Heure de début,Puissance moyenne pondérée,Nombre d'échantillons de puissance,Utiliser l'Effort ressenti,Effort relatif ressenti,Déplacement-transport,Poids total soulevé,À partir du téléchargement,Distance ajustée selon la pente,Heure d'observation de la météo,Conditions météo,Température selon les prévisions météo,Température ressentie,Point de rosée,Humidité,Pression atmosphérique,Vitesse du vent,Rafale de vent,Direction du vent,Intensité des précipitations,Heure de lever du soleil,Heure de coucher du soleil,Phase de la lune,Vélo,Matériel,Probabilité de précipitations,Type de précipitations,Couverture nuageuse,Visibilité selon les prévisions météo,Indice UV,Ozone selon les prévisions météo,Nombre de sauts,Grit total,Flow moyen,Signalé,Vitesse moyenne (temps écoulé),Distance sur chemin,Distance récemment découverte,Distance sur chemin récemment découverte,Nombre d'activités,Nombre total de pas,CO2 économisé,Longueur de piscine,Charge d’entraînement,Intensité,Vitesse moyenne ajustée selon la pente,Temps enregistré par le chronomètre,Nombre total de cycles,Récupération,Avec mon animal de compagnie,Compétition,Sortie longue,Pour la bonne cause,Avec enfant,Distance en descente,Nombre total de séries,Nombre total de répétitions,Support";

/// A CSV line as wide as `header` with `cells` at their column positions,
/// quoted the way Strava quotes.
fn line(header: &str, cells: &[(usize, &str)]) -> String {
    let mut out = vec![String::new(); header.split(',').count()];
    for (i, v) in cells {
        out[*i] = if v.contains([',', '"', '\n']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        };
    }
    out.join(",")
}

fn write_export(ws: &Workspace, lines: &[String]) -> std::path::PathBuf {
    let path = ws.path("activities.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_german_export_loads_with_its_dates_types_and_base_unit_columns() {
    let ws = Workspace::new();
    // Modelled on a real row (geo-activity-playground #86): the first
    // Distanz is km with a decimal comma, the second metres with a point.
    let path = write_export(
        &ws,
        &[
            HEADER_DE.to_string(),
            line(
                HEADER_DE,
                &[
                    (0, "8228026758"),
                    (1, "09.12.2022, 15:24:49"),
                    (2, "2022-12-09 16:24"),
                    (3, "Radfahrt"),
                    (4, "bewölkt, 0°C"),
                    (5, "3189"),
                    (6, "9,44"),
                    (9, "true"),
                    (11, "Patria"),
                    (14, "20.0"),
                    (15, "3189.0"),
                    (16, "2070.0"),
                    (17, "9440.3"),
                    (31, "131.0"),
                ],
            ),
            line(
                HEADER_DE,
                &[
                    (0, "1"),
                    (1, "01.03.2021, 06:12:03"),
                    (3, "Lauf"),
                    (15, "1800.0"),
                ],
            ),
        ],
    );

    let run = sync_export(&ws, &path);

    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    let q = |col: &str| format!("SELECT {col} FROM activities WHERE id = 8228026758");
    assert_eq!(
        db.one::<String>(&q("strftime(start_date, '%Y-%m-%d %H:%M:%S')")),
        "2022-12-09 15:24:49"
    );
    assert_eq!(db.one::<String>(&q("sport_type")), "Ride");
    assert_eq!(db.one::<f64>(&q("distance")), 9440.3);
    assert_eq!(db.one::<i64>(&q("elapsed_time")), 3189);
    assert_eq!(db.one::<i64>(&q("moving_time")), 2070);
    assert_eq!(db.one::<f64>(&q("average_heartrate")), 131.0);
    assert!(db.one::<bool>(&q("commute")));
    assert_eq!(
        db.one::<String>("SELECT sport_type || ' ' || strftime(start_date, '%d.%m.%Y %H:%M') FROM activities WHERE id = 1"),
        "Run 01.03.2021 06:12"
    );
}

#[test]
fn a_french_export_reads_month_names_in_both_date_forms_and_keeps_unknown_types_as_written() {
    let ws = Workspace::new();
    let path = write_export(
        &ws,
        &[
            HEADER_FR.to_string(),
            line(
                HEADER_FR,
                &[
                    (0, "31"),
                    (1, "27 juil. 2026, 11:13:16"),
                    (2, "Sortie du matin"),
                    (3, "Vélo"),
                    (6, "42,50"),
                    (17, "42500.0"),
                ],
            ),
            line(
                HEADER_FR,
                &[
                    (0, "32"),
                    (1, "24 mai 2012 à 16:27:40"),
                    (3, "Course à pied"),
                ],
            ),
            line(
                HEADER_FR,
                &[(0, "33"), (1, "3 févr. 2024, 08:00:00"), (3, "Ski de fond")],
            ),
        ],
    );

    let run = sync_export(&ws, &path);

    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = db.0.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(
        rows(
            "SELECT sport_type || ' ' || strftime(start_date, '%Y-%m-%d %H:%M:%S') FROM activities ORDER BY id"
        ),
        vec![
            "Ride 2026-07-27 11:13:16",
            "Run 2012-05-24 16:27:40",
            "Ski de fond 2024-02-03 08:00:00"
        ]
    );
    assert_eq!(
        db.one::<f64>("SELECT distance FROM activities WHERE id = 31"),
        42500.0
    );
    assert!(run.stderr().contains("Ski de fond"), "{}", run.stderr());
}

#[test]
fn an_export_in_another_language_fails_naming_the_ones_read_and_loads_nothing() {
    let ws = Workspace::new();
    let path = ws.path("activities.csv");
    std::fs::write(
        &path,
        "ID de actividad,Fecha de la actividad,Nombre de la actividad\n1,x,y\n",
    )
    .unwrap();
    let run = sync_export(&ws, &path);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("`ID de actividad`")
            && run.stderr().contains("English, German and French"),
        "{}",
        run.stderr()
    );
    let loaded = ws.db().exists()
        && Db::open(&ws.db()).one::<i64>(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'activities'",
        ) > 0;
    assert!(!loaded, "nothing may be loaded");
}

#[test]
fn a_german_date_in_the_english_form_names_the_expected_form() {
    let ws = Workspace::new();
    let path = write_export(
        &ws,
        &[
            HEADER_DE.to_string(),
            line(HEADER_DE, &[(0, "5"), (1, "Mar 1, 2021, 6:12:03 AM")]),
        ],
    );
    let run = sync_export(&ws, &path);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("`Aktivitätsdatum`") && run.stderr().contains("01.03.2021, 06:12:03"),
        "{}",
        run.stderr()
    );
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

/// A pipe can be read once: `--from-export /dev/stdin` loads only if the run
/// reads the export once, for both the API's cut-off date and the rows.
#[tokio::test(flavor = "multi_thread")]
async fn with_credentials_an_export_read_from_a_pipe_is_read_once_and_loads() {
    let ws = Workspace::new();
    let newer = common::activity(16000, "2026-10-01T07:00:00Z");
    let strava = common::Strava::serving(&[vec![newer]]).await;
    let (args, env) = ws.sync_command(&strava, &["--from-export", "/dev/stdin"], &[]);

    let run = ws.run_with_stdin(&args, &env, csv().as_bytes());

    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(
        Db::open(&ws.db()).ids(),
        vec![15001, 15002, 16000, 11343979900]
    );
}

#[test]
fn without_credentials_an_export_read_from_a_pipe_is_read_once_and_loads() {
    let ws = Workspace::new();
    let args = ["sync", "--from-export", "/dev/stdin"].map(String::from);

    let run = ws.run_with_stdin(&args, &[], csv().as_bytes());

    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(Db::open(&ws.db()).ids(), vec![15001, 15002, 11343979900]);
}

#[test]
fn spaces_around_a_name_are_kept_as_the_api_sends_them() {
    let ws = Workspace::new();
    let path = write_export(
        &ws,
        &[
            HEADER.to_string(),
            line(
                HEADER,
                &[
                    (0, "7"),
                    (1, "Mar 1, 2021, 6:12:03 AM"),
                    (2, "  Morning Ride  "),
                ],
            ),
        ],
    );

    let run = sync_export(&ws, &path);

    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(
        Db::open(&ws.db()).one::<String>("SELECT name FROM activities WHERE id = 7"),
        "  Morning Ride  "
    );
}

#[test]
fn a_new_column_before_activity_id_is_read_by_name() {
    let ws = Workspace::new();
    let text: String = csv()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            // The second record's name spans two lines; its second line is not a record.
            let first = if i == 0 {
                "Athlete ID,"
            } else if l.starts_with(' ') {
                ""
            } else {
                "777,"
            };
            format!("{first}{l}\n")
        })
        .collect();
    let path = ws.path("activities.csv");
    std::fs::write(&path, text).unwrap();

    let run = sync_export(&ws, &path);

    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(db.ids(), vec![15001, 15002, 11343979900]);
    assert_eq!(
        db.one::<f64>("SELECT distance FROM activities WHERE id = 11343979900"),
        12360.4
    );
}

#[test]
fn an_export_without_an_activity_id_column_names_that_column() {
    let ws = Workspace::new();
    let header = HEADER.strip_prefix("Activity ID,").unwrap();
    let path = write_export(
        &ws,
        &[
            header.to_string(),
            line(header, &[(0, "Mar 1, 2021, 6:12:03 AM"), (1, "Ride")]),
        ],
    );

    let run = sync_export(&ws, &path);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("has no `Activity ID` column"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_export_only_run_with_raw_dir_deletes_saved_runs_past_the_retention_at_its_start() {
    let ws = Workspace::new();
    let raw = ws.path("raw");
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let now = chrono::Utc::now();
    let old = raw.join(stamp(now - chrono::Duration::days(30)));
    let recent = raw.join(stamp(now - chrono::Duration::days(1)));
    for dir in [&old, &recent] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("athlete.json"), "{}").unwrap();
    }
    let path = ws.path("activities.csv");
    std::fs::write(&path, csv()).unwrap();

    let run = ws.run(
        &[
            "sync".into(),
            "--from-export".into(),
            path.display().to_string(),
            "--raw-dir".into(),
            raw.display().to_string(),
        ],
        &[],
    );

    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        !old.exists(),
        "a 30-day-old saved run outlived RAW_RETENTION_DAYS (7)"
    );
    assert!(recent.exists(), "a 1-day-old saved run was deleted");
}

/// Two activities on "Old Steel", one with a gear of spaces, one without.
fn export_with_gear(ws: &Workspace, names: [&str; 4]) -> std::path::PathBuf {
    let mut lines = vec![HEADER.to_string()];
    for (i, gear) in names.iter().enumerate() {
        let id = (21 + i).to_string();
        let date = format!("Mar {}, 2021, 6:12:03 AM", i + 1);
        lines.push(line(HEADER, &[(0, &id), (1, &date), (11, gear)]));
    }
    write_export(ws, &lines)
}

#[test]
fn export_only_gear_is_linked_by_name_and_listed_once_as_export_gear() {
    let ws = Workspace::new();
    let path = export_with_gear(&ws, ["Old Steel", "Old Steel", "   ", ""]);

    let run = sync_export(&ws, &path);

    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    let gear_of = |id: i64| {
        db.one::<String>(&format!(
            "SELECT coalesce(gear_id, 'NULL') FROM activities WHERE id = {id}"
        ))
    };
    assert_eq!(
        [gear_of(21), gear_of(22), gear_of(23), gear_of(24)],
        ["export:Old Steel", "export:Old Steel", "NULL", "NULL"]
    );
    assert_eq!(
        db.one::<String>(
            "SELECT gear_id || '|' || name || '|' || source || '|' || coalesce(kind, 'NULL') FROM gear"
        ),
        "export:Old Steel|Old Steel|export|NULL"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_credentials_an_export_gear_name_the_profile_lists_links_to_its_strava_id() {
    let ws = Workspace::new();
    // The doubles' profile lists one bike, "Steel" (b100).
    let path = export_with_gear(&ws, ["Steel", "Old Steel", "", ""]);
    let strava = common::Strava::serving(&[vec![]]).await;

    let run = ws.sync(&strava, &["--from-export", path.to_str().unwrap()]);

    assert_eq!(run.code(), 0, "{}", run.all());
    let db = Db::open(&ws.db());
    assert_eq!(
        db.one::<String>("SELECT gear_id FROM activities WHERE id = 21"),
        "b100"
    );
    assert_eq!(
        db.one::<String>("SELECT gear_id FROM activities WHERE id = 22"),
        "export:Old Steel"
    );
    assert_eq!(
        db.one::<String>(
            "SELECT string_agg(gear_id || ':' || source || ':' || coalesce(CAST(distance_m AS VARCHAR), 'NULL'), ' ' ORDER BY gear_id) FROM gear"
        ),
        "b100:profile:1234.5 export:Old Steel:export:NULL"
    );
}

#[test]
fn a_cloud_storage_address_without_an_object_is_exit_2_showing_the_shape() {
    let ws = Workspace::new();
    let run = ws.run(
        &[
            "sync".into(),
            "--from-export".into(),
            "gs://my-bucket".into(),
        ],
        &[],
    );
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr()
            .contains("a Cloud Storage export is gs://BUCKET/PATH.zip"),
        "{}",
        run.stderr()
    );
    assert!(
        !ws.db().exists(),
        "a usage error created {}",
        ws.db().display()
    );
}
