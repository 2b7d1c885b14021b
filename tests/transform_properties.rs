//! Property tests of the transform: arbitrary bytes never panic it, near-valid
//! Strava pages (plausible keys, wrong types, edge values) are either loaded
//! whole or refused naming the activity, and any page it accepts round-trips
//! exactly to Parquet. Failures found earlier are replayed first from
//! `transform_properties.proptest-regressions`, committed beside this file.

use std::fs::File;

use arrow_array::{
    Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};
use strava_warehouse::transform::Transform;

#[derive(Debug, Clone)]
struct Generated {
    name: Option<String>,
    distance: Option<f64>,
    moving_time: Option<i64>,
    start_micros: Option<i64>,
    latlng: Option<(f64, f64)>,
    empty_latlng: bool,
    polyline: Option<String>,
    device_watts: Option<bool>,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        proptest::option::of(any::<String>()),
        proptest::option::of(
            any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()),
        ),
        proptest::option::of(any::<i64>()),
        // Whole seconds from 1900 to 2200: what RFC 3339 with a `Z` can say.
        proptest::option::of(-2_208_988_800i64..7_258_118_400i64),
        proptest::option::of((-90.0f64..90.0, -180.0f64..180.0)),
        any::<bool>(),
        proptest::option::of("[ -~]{0,300}"),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(name, distance, moving_time, start, latlng, empty_latlng, polyline, device_watts)| {
                Generated {
                    name,
                    distance,
                    moving_time,
                    start_micros: start.map(|s| s * 1_000_000),
                    latlng,
                    empty_latlng,
                    polyline,
                    device_watts,
                }
            },
        )
}

fn to_json(id: i64, g: &Generated) -> Value {
    let mut v = json!({"id": id});
    let o = v.as_object_mut().unwrap();
    if let Some(n) = &g.name {
        o.insert("name".into(), json!(n));
    }
    if let Some(d) = g.distance {
        o.insert("distance".into(), json!(d));
    }
    if let Some(t) = g.moving_time {
        o.insert("moving_time".into(), json!(t));
    }
    if let Some(us) = g.start_micros {
        let t = chrono::DateTime::from_timestamp_micros(us).unwrap();
        o.insert(
            "start_date".into(),
            json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
    }
    match (g.latlng, g.empty_latlng) {
        (Some((a, b)), _) => {
            o.insert("start_latlng".into(), json!([a, b]));
        }
        (None, true) => {
            o.insert("start_latlng".into(), json!([]));
        }
        (None, false) => {}
    }
    if let Some(p) = &g.polyline {
        o.insert("map".into(), json!({"id": "a1", "summary_polyline": p}));
    }
    if let Some(w) = g.device_watts {
        o.insert("device_watts".into(), json!(w));
    }
    v
}

/// Keys Strava sends in an activity summary, the ones the decoder reads.
const KEYS: &[&str] = &[
    "id",
    "name",
    "distance",
    "moving_time",
    "elapsed_time",
    "start_date",
    "start_date_local",
    "timezone",
    "sport_type",
    "type",
    "start_latlng",
    "end_latlng",
    "map",
    "device_watts",
    "average_watts",
    "weighted_average_watts",
    "kilojoules",
    "average_heartrate",
    "max_heartrate",
    "gear_id",
    "workout_type",
    "total_elevation_gain",
    "trainer",
    "commute",
    "manual",
    "private",
    "athlete",
    "suffer_score",
    "has_heartrate",
    "average_speed",
    "max_speed",
];

/// A value of any JSON type, with the edges a decoder trips on.
fn near_valid_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,24}".prop_map(Value::from),
        Just(json!("2024-02-30T25:61:00Z")),
        Just(json!("2024-06-01T10:00:00+02:00")),
        Just(json!([])),
        Just(json!([1.5])),
        Just(json!([91.0, 181.0])),
        Just(json!({})),
        Just(json!({"id": "a1", "summary_polyline": null})),
        Just(json!(1e308)),
        Just(json!(-0.0)),
    ]
}

/// A page of 1 to 5 plausible activities, each with 1 to 4 keys set to
/// near-valid values.
fn near_valid_page() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(
        proptest::collection::vec((proptest::sample::select(KEYS), near_valid_value()), 1..5),
        1..6,
    )
    .prop_map(|activities| {
        activities
            .into_iter()
            .enumerate()
            .map(|(i, fields)| {
                let mut v = json!({"id": i as i64 + 1, "name": "ride",
                    "start_date": "2024-06-01T08:00:00Z", "sport_type": "Ride"});
                for (k, x) in fields {
                    v[k] = x;
                }
                v
            })
            .collect()
    })
}

fn read_back(path: &std::path::Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.len(), 1, "one batch for a small page");
    batches.remove(0)
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

fn opt<T>(present: bool, v: T) -> Option<T> {
    present.then_some(v)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::with_cases(64)
    })]

    #[test]
    fn arbitrary_bytes_never_panic_the_transform(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Transform::new(&dir.path().join("a.parquet"), 0).unwrap();
        let _ = t.page(&bytes, "page 1");
        let _ = t.athlete(&bytes, "athlete");
    }

    #[test]
    fn a_near_valid_page_is_loaded_whole_or_refused_naming_the_activity(page in near_valid_page()) {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Transform::new(&dir.path().join("a.parquet"), 0).unwrap();
        t.athlete(br#"{"id": 1}"#, "athlete").unwrap();
        let bytes = serde_json::to_vec(&page).unwrap();
        match t.page(&bytes, "page 1") {
            Ok(n) => {
                prop_assert_eq!(n, page.len());
                prop_assert_eq!(t.page(b"[]", "page 2").unwrap(), 0);
                prop_assert_eq!(t.finish().unwrap().activities, page.len() as u64);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("page 1: activity #"), "{}", message);
            }
        }
    }

    #[test]
    fn every_accepted_page_round_trips_exactly_to_parquet(rows in proptest::collection::vec(generated(), 1..20)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.parquet");
        let mut t = Transform::new(&path, 0).unwrap();
        t.athlete(br#"{"id": 1}"#, "athlete").unwrap();
        let page: Vec<Value> = rows.iter().enumerate().map(|(i, g)| to_json(i as i64 + 1, g)).collect();
        let bytes = serde_json::to_vec(&page).unwrap();
        prop_assert_eq!(t.page(&bytes, "page 1").unwrap(), rows.len());
        prop_assert_eq!(t.page(b"[]", "page 2").unwrap(), 0);
        prop_assert_eq!(t.finish().unwrap().activities, rows.len() as u64);

        let b = read_back(&path);
        let ids = col::<Int64Array>(&b, "id");
        let names = col::<StringArray>(&b, "name");
        let distance = col::<Float64Array>(&b, "distance");
        let moving = col::<Int64Array>(&b, "moving_time");
        let start = col::<TimestampMicrosecondArray>(&b, "start_date");
        let lat = col::<Float64Array>(&b, "start_lat");
        let lng = col::<Float64Array>(&b, "start_lng");
        let polyline = col::<StringArray>(&b, "map_summary_polyline");
        let watts = col::<BooleanArray>(&b, "device_watts");
        for (i, g) in rows.iter().enumerate() {
            prop_assert_eq!(ids.value(i), i as i64 + 1);
            prop_assert_eq!(opt(names.is_valid(i), names.value(i).to_string()), g.name.clone());
            prop_assert_eq!(opt(distance.is_valid(i), distance.value(i)), g.distance);
            prop_assert_eq!(opt(moving.is_valid(i), moving.value(i)), g.moving_time);
            prop_assert_eq!(opt(start.is_valid(i), start.value(i)), g.start_micros);
            prop_assert_eq!(opt(lat.is_valid(i), lat.value(i)), g.latlng.map(|p| p.0));
            prop_assert_eq!(opt(lng.is_valid(i), lng.value(i)), g.latlng.map(|p| p.1));
            prop_assert_eq!(opt(polyline.is_valid(i), polyline.value(i).to_string()), g.polyline.clone());
            prop_assert_eq!(opt(watts.is_valid(i), watts.value(i)), g.device_watts);
        }
    }
}
