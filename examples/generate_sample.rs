//! Generates a SYNTHETIC Strava athlete as raw API pages, in the layout
//! `sync --from-raw` replays: `athlete.json`, `activities-page-0001.json`, …,
//! newest first, ending with an empty page, exactly as Strava pages them.
//!
//!     cargo run --example generate_sample -- --activities 600 --out examples/sample-athlete
//!
//! Options: `--activities N` (600), `--out DIR`, `--seed S` (42), `--per-page P` (200).
//! The output is byte-for-byte the same for the same options, so the checked-in
//! sample can be regenerated and diffed. Pages are written one at a time, so
//! hundreds of thousands of activities need little memory (benchmarks use it).

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

const ATHLETE_ID: i64 = 12_345_678;

/// splitmix64: a few lines, and unlike `rand`'s generators its sequence can
/// never change under a dependency upgrade, which would change the sample.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

struct Options {
    activities: usize,
    out: PathBuf,
    seed: u64,
    per_page: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        activities: 600,
        out: PathBuf::from("examples/sample-athlete"),
        seed: 42,
        per_page: 200,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: std::num::ParseIntError| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--activities" => o.activities = value.parse().map_err(bad)?,
            "--out" => o.out = PathBuf::from(value),
            "--seed" => o.seed = value.parse().map_err(bad)?,
            "--per-page" => o.per_page = value.parse().map_err(bad)?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if o.per_page == 0 {
        return Err("--per-page must be at least 1".into());
    }
    Ok(o)
}

/// Zurich time: UTC+1 in winter, UTC+2 from the last Sunday of March to the last of October
/// (approximated by month, which is all a synthetic sample needs).
fn zurich_offset(t: DateTime<Utc>) -> i64 {
    use chrono::Datelike;
    if (4..=10).contains(&t.month()) {
        7200
    } else {
        3600
    }
}

fn activity(rng: &mut Rng, id: i64, start: DateTime<Utc>) -> Value {
    let roll = rng.unit();
    let manual = rng.chance(0.03);
    let (sport, legacy, name) = if manual {
        if rng.chance(0.5) {
            ("WeightTraining", "WeightTraining", "Weight training")
        } else {
            ("Run", "Run", "Treadmill run (entered by hand)")
        }
    } else if roll < 0.30 {
        let s = rng.pick(&["Ride", "Ride", "GravelRide", "MountainBikeRide"]);
        (
            s,
            "Ride",
            rng.pick(&[
                "Morning Ride",
                "Evening Ride",
                "Tour du Léman",
                "Zwift – no, outside!",
                "\"Easy\" spin",
            ]),
        )
    } else if roll < 0.42 {
        (
            "VirtualRide",
            "VirtualRide",
            rng.pick(&["Zwift – Watopia 🌋", "Intervals 5x5", "Sweet spot 3×15"]),
        )
    } else if roll < 0.75 {
        let s = rng.pick(&["Run", "Run", "TrailRun"]);
        (
            s,
            "Run",
            rng.pick(&[
                "Lunch Run",
                "Sam's long run",
                "🏳️‍🌈 Pride run",
                "Буква «Г»",
                "Tempo\nwith a newline",
                "جري الصباح",
            ]),
        )
    } else if roll < 0.87 {
        ("Swim", "Swim", "Evening Swim")
    } else if roll < 0.97 {
        let s = rng.pick(&["Walk", "Hike"]);
        (s, s, rng.pick(&["Afternoon Walk", "Uetliberg hike"]))
    } else {
        let s = rng.pick(&["Padel", "Pickleball"]);
        (s, "Workout", "Padel with friends")
    };
    let trainer = sport == "VirtualRide";
    let ride = legacy == "Ride" || trainer;
    let run = legacy == "Run";
    let swim = sport == "Swim";
    let indoor = trainer || swim || manual;
    let (speed, hours): (f64, f64) = if ride {
        (rng.range(6.0, 9.5), rng.range(0.75, 4.5))
    } else if run {
        (rng.range(2.6, 3.9), rng.range(0.4, 2.2))
    } else if swim {
        (rng.range(0.6, 0.9), rng.range(0.5, 1.1))
    } else if sport == "WeightTraining" || legacy == "Workout" {
        (0.0, rng.range(0.75, 1.5))
    } else {
        (rng.range(1.1, 1.5), rng.range(0.7, 4.0))
    };
    let moving = (hours * 3600.0) as i64;
    let elapsed = moving + rng.int(0, moving / 8 + 1);
    let distance = round(speed * moving as f64, 1);
    let gain = if swim || speed == 0.0 {
        0.0
    } else {
        round(distance / 1000.0 * rng.range(2.0, 18.0), 1)
    };
    let offset = if rng.chance(0.05) {
        -14400
    } else {
        zurich_offset(start)
    };
    let timezone = if offset < 0 {
        "(GMT-05:00) America/New_York"
    } else {
        "(GMT+01:00) Europe/Zurich"
    };
    let local = start + Duration::seconds(offset);
    let private = rng.chance(0.05);
    let mut a = json!({
        "resource_state": 2,
        "athlete": {"id": ATHLETE_ID, "resource_state": 1},
        "name": name,
        "distance": distance,
        "moving_time": moving,
        "elapsed_time": elapsed,
        "total_elevation_gain": gain,
        "type": legacy,
        "sport_type": sport,
        "workout_type": if run { json!(rng.int(0, 3)) } else if ride && !trainer { json!(10 + rng.int(0, 2)) } else { Value::Null },
        "id": id,
        "start_date": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "start_date_local": local.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "timezone": timezone,
        "utc_offset": offset as f64,
        "location_city": null,
        "location_state": null,
        "location_country": "Switzerland",
        "achievement_count": rng.int(0, 6),
        "kudos_count": rng.int(0, 25),
        "comment_count": rng.int(0, 3),
        "athlete_count": if rng.chance(0.2) { rng.int(2, 12) } else { 1 },
        "photo_count": 0,
        "trainer": trainer,
        "commute": ride && !trainer && rng.chance(0.1),
        "manual": manual,
        "private": private,
        "visibility": if private { "only_me" } else if rng.chance(0.2) { "followers_only" } else { "everyone" },
        "flagged": false,
        "gear_id": if ride { json!("b1234567") } else if run { json!("g7654321") } else { Value::Null },
        "average_speed": if moving > 0 { round(distance / moving as f64, 3) } else { 0.0 },
        "max_speed": round(speed * rng.range(1.3, 2.2), 3),
        "has_heartrate": false,
        "heartrate_opt_out": false,
        "display_hide_heartrate_option": false,
        "from_accepted_tag": false,
        "pr_count": rng.int(0, 3),
        "total_photo_count": rng.int(0, 2),
        "has_kudoed": false,
    });
    let o = a.as_object_mut().expect("an object");
    if manual {
        o.insert(
            "map".into(),
            json!({"id": format!("a{id}"), "summary_polyline": "", "resource_state": 2}),
        );
        o.insert("start_latlng".into(), Value::Null);
        o.insert("end_latlng".into(), Value::Null);
        o.insert("upload_id".into(), Value::Null);
        o.insert("external_id".into(), Value::Null);
        return a;
    }
    let upload_id = id + 1_000_000_000;
    o.insert("upload_id".into(), json!(upload_id));
    o.insert("upload_id_str".into(), json!(upload_id.to_string()));
    o.insert(
        "external_id".into(),
        json!(format!("garmin_ping_{upload_id}")),
    );
    if indoor {
        o.insert("start_latlng".into(), json!([]));
        o.insert("end_latlng".into(), json!([]));
        o.insert(
            "map".into(),
            json!({"id": format!("a{id}"), "summary_polyline": "", "resource_state": 2}),
        );
    } else {
        let (lat, lng) = (47.37 + rng.range(-0.2, 0.2), 8.54 + rng.range(-0.3, 0.3));
        o.insert("start_latlng".into(), json!([round(lat, 6), round(lng, 6)]));
        o.insert(
            "end_latlng".into(),
            json!([
                round(lat + rng.range(-0.01, 0.01), 6),
                round(lng + rng.range(-0.01, 0.01), 6)
            ]),
        );
        let len = rng.int(40, 400) as usize;
        let polyline: String = (0..len)
            .map(|_| (b'?' + (rng.next() % 63) as u8) as char)
            .collect();
        o.insert(
            "map".into(),
            json!({"id": format!("a{id}"), "summary_polyline": polyline, "resource_state": 2}),
        );
    }
    o.insert(
        "device_name".into(),
        json!(if trainer {
            "Zwift"
        } else if ride {
            "Garmin Edge 530"
        } else {
            "Garmin Forerunner 255"
        }),
    );
    if ride {
        let watts = round(rng.range(140.0, 240.0), 1);
        o.insert("average_watts".into(), json!(watts));
        o.insert(
            "kilojoules".into(),
            json!(round(watts * moving as f64 / 1000.0, 1)),
        );
        o.insert(
            "average_cadence".into(),
            json!(round(rng.range(78.0, 92.0), 1)),
        );
        let power_meter = trainer || rng.chance(0.6);
        o.insert("device_watts".into(), json!(power_meter));
        if power_meter {
            o.insert(
                "weighted_average_watts".into(),
                json!((watts * rng.range(1.03, 1.15)) as i64),
            );
            o.insert("max_watts".into(), json!(rng.int(500, 1100)));
        }
    }
    if run || (ride && rng.chance(0.7)) || sport == "Hike" {
        o.insert("has_heartrate".into(), json!(true));
        o.insert(
            "average_heartrate".into(),
            json!(round(rng.range(125.0, 165.0), 1)),
        );
        o.insert(
            "max_heartrate".into(),
            json!(round(rng.range(170.0, 192.0), 0)),
        );
        o.insert(
            "suffer_score".into(),
            if rng.chance(0.9) {
                json!(round(rng.range(10.0, 250.0), 0))
            } else {
                Value::Null
            },
        );
        if run {
            o.insert(
                "average_cadence".into(),
                json!(round(rng.range(78.0, 90.0), 1)),
            );
        }
    }
    a
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    std::fs::create_dir_all(&o.out)?;
    for entry in std::fs::read_dir(&o.out)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("activities-page-") && name.ends_with(".json") {
            std::fs::remove_file(&path)?;
        }
    }
    std::fs::write(
        o.out.join("athlete.json"),
        serde_json::to_vec_pretty(&json!({
            "id": ATHLETE_ID, "resource_state": 3, "username": "sample_athlete",
            "firstname": "Sam", "lastname": "Ple", "city": "Zürich", "state": "ZH",
            "country": "Switzerland", "sex": "F", "premium": true, "summit": true,
            "created_at": "2018-06-01T08:00:00Z", "updated_at": "2024-12-31T20:00:00Z",
            "weight": 61.5, "ftp": 235, "measurement_preference": "meters",
            "bikes": [], "shoes": []
        }))?,
    )?;
    // Activities evenly spread over 2019-2024 with jitter; the newest comes
    // first, as Strava pages them. The i-th oldest gets a larger id.
    let first = Utc
        .with_ymd_and_hms(2019, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad start")?;
    let span = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad end")?
        - first;
    let step = span.num_seconds() / o.activities.max(1) as i64;
    let mut page = Vec::with_capacity(o.per_page);
    let mut page_no = 1;
    for i in (0..o.activities).rev() {
        // Each activity draws from its own stream, so the sequence does not
        // depend on the order they are written in.
        let mut own = Rng(o.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let hour = own.int(5, 19);
        let start = first + Duration::seconds(step * i as i64 + own.int(0, step.max(1) / 2));
        let start = start
            .date_naive()
            .and_hms_opt(hour as u32, own.int(0, 59) as u32, own.int(0, 59) as u32)
            .ok_or("bad time")?
            .and_utc();
        let id = 2_000_000_000 + i as i64 * 2_750_000 + own.int(0, 1000);
        page.push(activity(&mut own, id, start));
        if page.len() == o.per_page {
            std::fs::write(
                o.out.join(format!("activities-page-{page_no:04}.json")),
                serde_json::to_vec(&page)?,
            )?;
            page.clear();
            page_no += 1;
        }
    }
    if !page.is_empty() {
        std::fs::write(
            o.out.join(format!("activities-page-{page_no:04}.json")),
            serde_json::to_vec(&page)?,
        )?;
        page_no += 1;
    }
    std::fs::write(
        o.out.join(format!("activities-page-{page_no:04}.json")),
        b"[]",
    )?;
    eprintln!(
        "wrote {} activities in {} pages (plus the empty page) to {}",
        o.activities,
        page_no - 1,
        o.out.display()
    );
    Ok(())
}
