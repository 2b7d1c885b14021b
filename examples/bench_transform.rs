//! Benchmark driver for the transform stage (see `benches/README.md`).
//!
//!     bench_transform transform PAGES_DIR OUT.parquet   # our JSON -> Arrow -> Parquet
//!     bench_transform decode PAGES_DIR                   # our decoder alone, no Arrow/Parquet
//!     bench_transform floor PAGES_DIR                    # plain serde_json into Vec<Activity>
//!
//! Prints one JSON line: mode, activities, seconds, activities_per_second.
//! Run it under `/usr/bin/time -v` for peak memory. The floor is what any Rust
//! reader of these pages must pay at least: parsing into a typed struct, with
//! no Arrow, no Parquet and no checks.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;
use strava_warehouse::raw::{ATHLETE_FILE, page_file};
use strava_warehouse::schema::ACTIVITIES;
use strava_warehouse::transform::Transform;
use strava_warehouse::transform::decode::Decoder;

#[allow(dead_code)] // fields are parsed, never read: that is the point
#[derive(Deserialize)]
struct Activity {
    id: i64,
    athlete: Option<serde_json::Value>,
    name: Option<String>,
    sport_type: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    workout_type: Option<i64>,
    start_date: Option<String>,
    start_date_local: Option<String>,
    timezone: Option<String>,
    utc_offset: Option<f64>,
    distance: Option<f64>,
    moving_time: Option<i64>,
    elapsed_time: Option<i64>,
    total_elevation_gain: Option<f64>,
    elev_high: Option<f64>,
    elev_low: Option<f64>,
    average_speed: Option<f64>,
    max_speed: Option<f64>,
    average_cadence: Option<f64>,
    average_watts: Option<f64>,
    weighted_average_watts: Option<i64>,
    max_watts: Option<i64>,
    kilojoules: Option<f64>,
    device_watts: Option<bool>,
    has_heartrate: Option<bool>,
    average_heartrate: Option<f64>,
    max_heartrate: Option<f64>,
    suffer_score: Option<f64>,
    achievement_count: Option<i64>,
    kudos_count: Option<i64>,
    comment_count: Option<i64>,
    athlete_count: Option<i64>,
    photo_count: Option<i64>,
    total_photo_count: Option<i64>,
    pr_count: Option<i64>,
    trainer: Option<bool>,
    commute: Option<bool>,
    manual: Option<bool>,
    private: Option<bool>,
    visibility: Option<String>,
    flagged: Option<bool>,
    gear_id: Option<String>,
    start_latlng: Option<Vec<f64>>,
    end_latlng: Option<Vec<f64>>,
    map: Option<serde_json::Value>,
    upload_id: Option<i64>,
    external_id: Option<String>,
    device_name: Option<String>,
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, dir) = match args.as_slice() {
        [mode, dir, ..] => (mode.as_str(), PathBuf::from(dir)),
        _ => anyhow::bail!("usage: bench_transform transform|floor PAGES_DIR [OUT.parquet]"),
    };
    let clock = Instant::now();
    let activities = match mode {
        "transform" => {
            let out = PathBuf::from(args.get(2).map(String::as_str).unwrap_or("bench.parquet"));
            let mut t = Transform::new(&out, 0)?;
            t.athlete(&read(&dir.join(ATHLETE_FILE)), "athlete")?;
            for n in 1.. {
                if t.page(&read(&dir.join(page_file(n))), "page")? == 0 {
                    break;
                }
            }
            t.finish()?.activities
        }
        "decode" => {
            // The decoder alone: JSON -> typed cells, no Arrow, no Parquet.
            let mut d = Decoder::new(&ACTIVITIES, 0);
            let mut count = 0u64;
            for n in 1.. {
                // The rows borrow their strings from the page.
                let page = read(&dir.join(page_file(n)));
                let rows = d.array(&page).map_err(|e| anyhow::anyhow!("{}", e.error))?;
                if rows.is_empty() {
                    break;
                }
                count += rows.len() as u64;
            }
            count
        }
        "floor" => {
            let mut count = 0u64;
            for n in 1.. {
                let page: Vec<Activity> = serde_json::from_slice(&read(&dir.join(page_file(n))))?;
                if page.is_empty() {
                    break;
                }
                count += page.len() as u64;
            }
            count
        }
        other => anyhow::bail!("unknown mode {other}"),
    };
    let seconds = clock.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "mode": mode,
            "activities": activities,
            "seconds": seconds,
            "activities_per_second": activities as f64 / seconds,
        })
    );
    Ok(())
}
