//! FIT files through the `fitparser` crate: the `record` messages, with the
//! file's CRCs checked (a damaged file is a skip reason, not partial data).
//! Not responsible for: what the values mean downstream (`physiology`).

use fitparser::Value;
use fitparser::profile::MesgNum;

use super::{Point, SkipReason};

/// FIT positions are semicircles: 2^31 of them make 180 degrees.
const DEGREES_PER_SEMICIRCLE: f64 = 180.0 / 2_147_483_648.0;

pub(super) fn points(bytes: &[u8]) -> Result<Vec<Point>, SkipReason> {
    let records = fitparser::from_bytes(bytes).map_err(|e| SkipReason::Fit(e.to_string()))?;
    let mut points = Vec::new();
    for record in records.iter().filter(|r| r.kind() == MesgNum::Record) {
        let mut p = Point::default();
        let (mut lat, mut lng) = (None, None);
        let (mut speed, mut enhanced_speed) = (None, None);
        let (mut altitude, mut enhanced_altitude) = (None, None);
        for field in record.fields() {
            let value = field.value();
            match field.name() {
                "timestamp" => {
                    if let Value::Timestamp(t) = value {
                        p.t = Some(
                            t.timestamp() as f64 + f64::from(t.timestamp_subsec_millis()) / 1000.0,
                        );
                    }
                }
                "power" => p.sample.power = number(value),
                "heart_rate" => p.sample.heart_rate = number(value),
                "cadence" => p.sample.cadence = number(value),
                "distance" => p.sample.distance = number(value),
                "speed" => speed = number(value),
                "enhanced_speed" => enhanced_speed = number(value),
                "altitude" => altitude = number(value),
                "enhanced_altitude" => enhanced_altitude = number(value),
                "position_lat" => lat = degrees(value, field.units()),
                "position_long" => lng = degrees(value, field.units()),
                _ => {}
            }
        }
        // The enhanced fields are the 32-bit versions of the same quantities.
        p.sample.speed = enhanced_speed.or(speed);
        p.sample.altitude = enhanced_altitude.or(altitude);
        p.position = lat.zip(lng);
        points.push(p);
    }
    Ok(points)
}

/// A numeric value; fitparser already applied the profile's scale and offset.
fn number(value: &Value) -> Option<f64> {
    let n: f64 = value.clone().try_into().ok()?;
    n.is_finite().then_some(n)
}

fn degrees(value: &Value, units: &str) -> Option<f64> {
    let n = number(value)?;
    Some(if units == "semicircles" {
        n * DEGREES_PER_SEMICIRCLE
    } else {
        n
    })
}
