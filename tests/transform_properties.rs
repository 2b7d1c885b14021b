//! Property tests of the transform: arbitrary bytes never panic it, and any
//! page it accepts round-trips exactly to Parquet.

use std::fs::File;

use arrow_array::{
    Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proptest::prelude::*;
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
    // No regression files: a failure prints its minimal input instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(64) })]

    #[test]
    fn arbitrary_bytes_never_panic_the_transform(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Transform::new(&dir.path().join("a.parquet"), 0).unwrap();
        let _ = t.page(&bytes, "page 1");
        let _ = t.athlete(&bytes, "athlete");
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
