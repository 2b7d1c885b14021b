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

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
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
    if (4..=10).contains(&t.month()) {
        7200
    } else {
        3600
    }
}

/// The first day of the sample and the day after its last.
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, 1).expect("a date")
}
fn end_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date")
}

/// Years since the sample's first day, for the slow trends (fitness, FTP).
fn years_in(day: NaiveDate) -> f64 {
    (day - first_day()).num_days() as f64 / 365.25
}

/// 0 in mid-January, 1 in mid-July: the season, for volume and sport mix.
fn summer(day: NaiveDate) -> f64 {
    let angle = (day.ordinal() as f64 - 15.0) / 365.25 * std::f64::consts::TAU;
    (1.0 - angle.cos()) / 2.0
}

/// The season's A race each year: training builds for 12 weeks before it,
/// tapers the week before and rests the days after.
const EVENTS: [(i32, u32, u32); 4] = [(2021, 8, 29), (2022, 6, 12), (2023, 6, 11), (2024, 6, 9)];

/// Threshold power (W): 205 W at the start, 235 W (the profile's FTP) by the
/// end, a few per cent higher in late summer than in winter.
fn ftp_on(day: NaiveDate) -> f64 {
    let trend = 205.0 + 30.0 * (years_in(day) / 4.0).clamp(0.0, 1.0).powf(0.8);
    trend * (0.975 + 0.035 * summer(day))
}

/// Threshold running speed (m/s): 4:50/km at the start, 4:30/km by the end.
fn run_threshold_speed(day: NaiveDate) -> f64 {
    1000.0 / (290.0 - 20.0 * (years_in(day) / 4.0).clamp(0.0, 1.0))
}

/// How likely a day is to hold an activity, relative to the others.
fn day_weight(day: NaiveDate) -> f64 {
    let weekday = match day.weekday() {
        Weekday::Mon => 0.45,
        Weekday::Fri => 0.8,
        Weekday::Sat => 1.45,
        Weekday::Sun => 1.3,
        _ => 1.0,
    };
    let season = 0.55 + 0.9 * summer(day);
    let mut build = 1.0;
    for (y, m, d) in EVENTS {
        let event = NaiveDate::from_ymd_opt(y, m, d).expect("an event date");
        let until = (event - day).num_days();
        if (8..=84).contains(&until) {
            build = 1.0 + 0.5 * (1.0 - until as f64 / 84.0);
        } else if (1..=7).contains(&until) {
            build = 0.75;
        } else if (-10..=-1).contains(&until) {
            build = 0.35;
        }
    }
    let holidays = if day.month() == 12 && day.day() >= 22 {
        0.6
    } else {
        1.0
    };
    let growth = 0.9 + 0.05 * years_in(day);
    weekday * season * build * holidays * growth
}

#[derive(Clone, Copy, PartialEq)]
enum Effort {
    Easy,
    Long,
    Tempo,
    Intervals,
}

fn activity(rng: &mut Rng, id: i64, start: DateTime<Utc>, outdoor_only: bool) -> Value {
    let day = start.date_naive();
    let s = summer(day);
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let manual = !outdoor_only && rng.chance(0.03);
    // Outdoor riding and swimming follow the season; winter moves the bike indoors.
    let mix = [
        0.16 + 0.26 * s,                                  // outdoor ride
        if outdoor_only { 0.0 } else { 0.22 - 0.18 * s }, // Zwift
        0.30,                                             // run
        if outdoor_only { 0.0 } else { 0.07 + 0.07 * s }, // swim
        0.05 + 0.05 * s,                                  // walk or hike
        if outdoor_only { 0.0 } else { 0.025 },           // padel, pickleball
    ];
    let mut roll = rng.unit() * mix.iter().sum::<f64>();
    let mut kind = 0;
    while kind < mix.len() - 1 && roll >= mix[kind] {
        roll -= mix[kind];
        kind += 1;
    }
    let effort = {
        let r = rng.unit();
        if weekend && r < 0.45 {
            Effort::Long
        } else if r < 0.7 {
            Effort::Easy
        } else if r < 0.86 {
            Effort::Tempo
        } else {
            Effort::Intervals
        }
    };
    let (sport, legacy, name) = if manual {
        if rng.chance(0.5) {
            ("WeightTraining", "WeightTraining", "Weight training")
        } else {
            ("Run", "Run", "Treadmill run (entered by hand)")
        }
    } else {
        match kind {
            0 => {
                let s = if weekend && rng.chance(0.3) {
                    rng.pick(&["GravelRide", "MountainBikeRide"])
                } else {
                    "Ride"
                };
                let name = match effort {
                    Effort::Long => rng.pick(&["Tour du Léman", "Zwift – no, outside!"]),
                    Effort::Easy => rng.pick(&["Morning Ride", "Evening Ride", "\"Easy\" spin"]),
                    _ => rng.pick(&["Morning Ride", "Evening Ride"]),
                };
                (s, "Ride", name)
            }
            1 => (
                "VirtualRide",
                "VirtualRide",
                match effort {
                    Effort::Intervals => "Intervals 5x5",
                    Effort::Tempo => "Sweet spot 3×15",
                    _ => "Zwift – Watopia 🌋",
                },
            ),
            2 => {
                let s = if weekend && rng.chance(0.25) {
                    "TrailRun"
                } else {
                    "Run"
                };
                let name = match effort {
                    Effort::Long => "Sam's long run",
                    Effort::Tempo | Effort::Intervals => "Tempo\nwith a newline",
                    Effort::Easy => {
                        rng.pick(&["Lunch Run", "🏳️‍🌈 Pride run", "Буква «Г»", "جري الصباح"])
                    }
                };
                (s, "Run", name)
            }
            3 => ("Swim", "Swim", "Evening Swim"),
            4 => {
                if weekend && s > 0.4 {
                    ("Hike", "Hike", "Uetliberg hike")
                } else {
                    ("Walk", "Walk", "Afternoon Walk")
                }
            }
            _ => (
                rng.pick(&["Padel", "Pickleball"]),
                "Workout",
                "Padel with friends",
            ),
        }
    };
    let trainer = sport == "VirtualRide";
    let ride = legacy == "Ride" || trainer;
    let run = legacy == "Run";
    let swim = sport == "Swim";
    let indoor = trainer || swim || manual;
    let longer = 0.8 + 0.4 * s; // summer's long days
    let hours = match (sport, effort) {
        _ if manual => rng.range(0.5, 1.2),
        ("VirtualRide", _) => rng.range(0.75, 1.5),
        ("Ride" | "GravelRide" | "MountainBikeRide", Effort::Long) => rng.range(2.5, 4.8) * longer,
        ("Ride" | "GravelRide" | "MountainBikeRide", Effort::Easy) => rng.range(0.9, 2.0),
        ("Ride" | "GravelRide" | "MountainBikeRide", _) => rng.range(1.1, 1.8),
        ("TrailRun", _) => rng.range(1.0, 2.5),
        ("Run", Effort::Long) => rng.range(1.4, 2.1),
        ("Run", Effort::Easy) => rng.range(0.5, 1.0),
        ("Run", _) => rng.range(0.7, 1.05),
        ("Swim", _) => rng.range(0.6, 1.1),
        ("Hike", _) => rng.range(2.5, 5.0),
        ("Walk", _) => rng.range(0.5, 1.4),
        _ => rng.range(0.75, 1.5),
    };
    // Gain per km: Swiss roads and trails.
    let climb = match sport {
        "VirtualRide" => rng.range(3.0, 10.0),
        "Ride" => rng.range(5.0, 16.0),
        "GravelRide" => rng.range(8.0, 18.0),
        "MountainBikeRide" => rng.range(20.0, 35.0),
        "TrailRun" => rng.range(30.0, 60.0),
        "Run" => rng.range(3.0, 12.0),
        "Hike" => rng.range(60.0, 110.0),
        "Walk" => rng.range(5.0, 15.0),
        _ => 0.0,
    };
    let ftp = ftp_on(day);
    // Normalized power as a fraction of FTP, and how uneven the power was.
    let (np, avg_watts) = if ride {
        let intensity = match effort {
            Effort::Easy => rng.range(0.58, 0.68),
            Effort::Long => rng.range(0.62, 0.72),
            Effort::Tempo => rng.range(0.78, 0.87),
            Effort::Intervals => rng.range(0.86, 0.96),
        };
        let variability = match sport {
            "VirtualRide" => rng.range(1.01, 1.04),
            "MountainBikeRide" => rng.range(1.12, 1.22),
            _ => rng.range(1.04, 1.12),
        };
        let np = ftp * intensity;
        (np, np / variability)
    } else {
        (0.0, 0.0)
    };
    let speed: f64 = match sport {
        _ if manual && run => rng.range(2.6, 3.0),
        _ if manual => 0.0,
        // Flat-road speed grows with the cube root of power; climbing slows it.
        "Ride" | "VirtualRide" => 5.5 * avg_watts.cbrt() / (1.0 + climb / 40.0) / 3.6,
        "GravelRide" => 4.8 * avg_watts.cbrt() / (1.0 + climb / 40.0) / 3.6,
        "MountainBikeRide" => 3.6 * avg_watts.cbrt() / (1.0 + climb / 40.0) / 3.6,
        "Run" | "TrailRun" => {
            let threshold = run_threshold_speed(day);
            let f = match effort {
                Effort::Easy => rng.range(0.78, 0.83),
                Effort::Long => rng.range(0.76, 0.81),
                Effort::Tempo => rng.range(0.93, 0.97),
                Effort::Intervals => rng.range(0.88, 0.93),
            };
            threshold * f * if sport == "TrailRun" { 0.72 } else { 1.0 }
        }
        "Swim" => rng.range(0.75, 0.9),
        "Hike" => rng.range(0.9, 1.2),
        "Walk" => rng.range(1.2, 1.45),
        _ => 0.0,
    };
    let moving = (hours * 3600.0) as i64;
    let elapsed = moving + rng.int(0, moving / 8 + 1);
    let distance = round(speed * moving as f64, 1);
    let gain = if swim || speed == 0.0 || manual {
        0.0
    } else {
        round(distance / 1000.0 * climb, 1)
    };
    // Average heart rate by sport and effort: running sits about 15 bpm above
    // riding at the same effort; easy heart rate drifts down as fitness grows.
    let fitter = -years_in(day);
    let heart = if run && !manual {
        Some(match effort {
            Effort::Easy => (rng.range(136.0, 146.0) + fitter, 190.0),
            Effort::Long => (rng.range(140.0, 150.0) + fitter, 190.0),
            Effort::Tempo => (rng.range(158.0, 166.0), 190.0),
            Effort::Intervals => (rng.range(162.0, 170.0), 190.0),
        })
    } else if ride && (trainer || rng.chance(0.8)) {
        Some(match effort {
            Effort::Easy => (rng.range(118.0, 130.0) + fitter, 184.0),
            Effort::Long => (rng.range(125.0, 135.0) + fitter, 184.0),
            Effort::Tempo => (rng.range(142.0, 152.0), 184.0),
            Effort::Intervals => (rng.range(146.0, 156.0), 184.0),
        })
    } else if sport == "Hike" {
        Some((rng.range(105.0, 125.0), 175.0))
    } else {
        None
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
    let workout_type = if run {
        json!(match effort {
            Effort::Long => 2,
            Effort::Tempo | Effort::Intervals => 3,
            Effort::Easy => 0,
        })
    } else if ride && !trainer {
        json!(if matches!(effort, Effort::Tempo | Effort::Intervals) {
            12
        } else {
            10
        })
    } else {
        Value::Null
    };
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
        "workout_type": workout_type,
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
        "commute": ride && !trainer && effort == Effort::Easy && !weekend && rng.chance(0.15),
        "manual": manual,
        "private": private,
        "visibility": if private { "only_me" } else if rng.chance(0.2) { "followers_only" } else { "everyone" },
        "flagged": false,
        "gear_id": if sport == "GravelRide" || sport == "MountainBikeRide" { json!("b7654321") } else if ride { json!("b1234567") } else if run { json!("g7654321") } else { Value::Null },
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
        let watts = round(avg_watts, 1);
        o.insert("average_watts".into(), json!(watts));
        o.insert(
            "kilojoules".into(),
            json!(round(watts * moving as f64 / 1000.0, 1)),
        );
        o.insert(
            "average_cadence".into(),
            json!(round(rng.range(78.0, 92.0), 1)),
        );
        // The road bike got a power meter in March 2022; the gravel and
        // mountain bikes never did (Strava estimates their watts).
        let power_meter = trainer
            || (sport == "Ride" && day >= NaiveDate::from_ymd_opt(2022, 3, 1).expect("a date"));
        o.insert("device_watts".into(), json!(power_meter));
        if power_meter {
            o.insert("weighted_average_watts".into(), json!(np.round() as i64));
            let peak = match effort {
                Effort::Intervals => rng.range(3.5, 4.8),
                _ => rng.range(2.6, 3.8),
            };
            o.insert("max_watts".into(), json!((np * peak).round() as i64));
        }
    }
    if let Some((avg, sport_max)) = heart {
        let max: f64 = (avg + rng.range(10.0, 24.0)).min(sport_max - rng.range(0.0, 4.0));
        o.insert("has_heartrate".into(), json!(true));
        o.insert("average_heartrate".into(), json!(round(avg, 1)));
        o.insert("max_heartrate".into(), json!(max.round()));
        // Strava's relative effort grows with time and with how close to
        // maximum the heart worked (a TRIMP-like score).
        let reserve = ((avg - 52.0) / (sport_max - 52.0)).clamp(0.0, 1.0);
        let score = moving as f64 / 60.0 * reserve * 0.64 * (1.92 * reserve).exp() * 0.9;
        o.insert(
            "suffer_score".into(),
            if rng.chance(0.9) {
                json!(score.round())
            } else {
                Value::Null
            },
        );
        if run {
            o.insert(
                "average_cadence".into(),
                json!(round(rng.range(80.0, 90.0), 1)),
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
            // Strava's running totals: more than the sample's own activities
            // on the same gear, as the gear was used before 2021 too.
            "bikes": [
                {"id": "b1234567", "primary": true, "name": "Road bike (synthetic)", "resource_state": 2, "distance": 14_210_400.0},
                {"id": "b7654321", "primary": false, "name": "Gravel bike (synthetic)", "resource_state": 2, "distance": 1_102_900.0}
            ],
            "shoes": [
                {"id": "g7654321", "primary": true, "name": "Trail shoes (synthetic)", "resource_state": 2, "distance": 1_986_300.0}
            ]
        }))?,
    )?;
    // Activities spread over 2021-2024 in proportion to each day's weight
    // (season, weekday, the build to each year's race): activity i sits at
    // quantile (i + jitter) / N of the weights, so any N keeps the same shape
    // and start times grow with i. The newest comes first, as Strava pages
    // them; the i-th oldest gets a larger id.
    let days: Vec<NaiveDate> = first_day()
        .iter_days()
        .take_while(|d| *d < end_day())
        .collect();
    let mut cumulative = Vec::with_capacity(days.len());
    let mut total = 0.0;
    for d in &days {
        total += day_weight(*d);
        cumulative.push(total);
    }
    let n = o.activities.max(1) as f64;
    let mut page = Vec::with_capacity(o.per_page);
    let mut page_no = 1;
    for i in (0..o.activities).rev() {
        // Each activity draws from its own stream, so the sequence does not
        // depend on the order they are written in.
        let mut own = Rng(o.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let at = (i as f64 + own.unit()) / n * total;
        let k = cumulative.partition_point(|c| *c < at).min(days.len() - 1);
        let before = if k == 0 { 0.0 } else { cumulative[k - 1] };
        let within = ((at - before) / (cumulative[k] - before)).clamp(0.0, 1.0);
        // Between 05:00 and 19:00 UTC, in the order of the quantile.
        let seconds = 5 * 3600 + (within * 14.0 * 3600.0) as i64;
        let start =
            days[k].and_hms_opt(0, 0, 0).ok_or("bad time")?.and_utc() + Duration::seconds(seconds);
        let id = 2_000_000_000 + i as i64 * 2_750_000 + own.int(0, 1000);
        // The newest is outdoors, so the first page starts with coordinates.
        page.push(activity(&mut own, id, start, i + 1 == o.activities));
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
