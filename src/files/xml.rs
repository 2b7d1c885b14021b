//! GPX and TCX through `quick-xml`'s pull reader: one pass, one track point
//! at a time. One reader for both because the values the physiology needs sit
//! in each format's extensions (GPX: Garmin's `TrackPointExtension` `hr` and
//! `cad`, and the `power` Strava writes; TCX: `TPX` `Watts` and `Speed`),
//! which the `gpx` crate drops. Elements are matched by local name, so any
//! namespace prefix works. Not responsible for: positions beyond handing them
//! to `finish` for distance.

use chrono::{DateTime, NaiveDateTime};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Point, SkipReason};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Gpx,
    Tcx,
}

impl Dialect {
    fn point_element(self) -> &'static str {
        match self {
            Dialect::Gpx => "trkpt",
            Dialect::Tcx => "Trackpoint",
        }
    }
}

pub(super) fn points(bytes: &[u8], dialect: Dialect) -> Result<Vec<Point>, SkipReason> {
    let text = String::from_utf8_lossy(bytes);
    // Strava's TCX files are known to start with spaces before `<?xml`.
    let mut reader = Reader::from_str(text.trim_start());
    let mut points = Vec::new();
    let mut current: Option<Point> = None;
    // Local names of the open elements inside the current point.
    let mut path: Vec<String> = Vec::new();
    let mut lat_lng: (Option<f64>, Option<f64>) = (None, None);
    loop {
        let event = reader
            .read_event()
            .map_err(|e| SkipReason::Xml(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(e) => {
                let name = local(&e);
                if name == dialect.point_element() {
                    current = Some(Point::default());
                    path.clear();
                    if dialect == Dialect::Gpx {
                        current = current.map(|mut p| {
                            p.position = attr(&e, "lat").zip(attr(&e, "lon"));
                            p
                        });
                    }
                    lat_lng = (None, None);
                } else if current.is_some() {
                    path.push(name);
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                if name.as_ref() == dialect.point_element() {
                    if let Some(mut p) = current.take() {
                        if dialect == Dialect::Tcx {
                            p.position = lat_lng.0.zip(lat_lng.1);
                        }
                        points.push(p);
                    }
                } else if current.is_some() {
                    path.pop();
                }
            }
            // `<trkpt lat=".." lon=".."/>`: no time, so no sample.
            Event::Empty(e) if local(&e) == dialect.point_element() => {
                points.push(Point {
                    position: attr(&e, "lat").zip(attr(&e, "lon")),
                    ..Point::default()
                });
            }
            Event::Text(t) => {
                if let Some(p) = current.as_mut() {
                    let value = t.trim();
                    if !value.is_empty() {
                        assign(p, &path, value, dialect, &mut lat_lng);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if current.is_some() {
        return Err(SkipReason::Xml("the file ends inside a track point".into()));
    }
    Ok(points)
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<f64> {
    let a = e.try_get_attribute(name).ok()??;
    a.value.trim().parse().ok().filter(|v: &f64| v.is_finite())
}

fn assign(
    p: &mut Point,
    path: &[String],
    value: &str,
    dialect: Dialect,
    lat_lng: &mut (Option<f64>, Option<f64>),
) {
    let Some(leaf) = path.last() else {
        return;
    };
    let parent = path.len().checked_sub(2).map(|i| path[i].as_str());
    let number = || value.parse::<f64>().ok().filter(|v| v.is_finite());
    match (dialect, leaf.as_str(), parent) {
        (_, "time", _) | (_, "Time", _) => p.t = timestamp(value),
        (Dialect::Gpx, "ele", _) | (Dialect::Tcx, "AltitudeMeters", _) => {
            p.sample.altitude = number()
        }
        (Dialect::Gpx, "hr", _) | (Dialect::Tcx, "Value", Some("HeartRateBpm")) => {
            p.sample.heart_rate = number()
        }
        (Dialect::Gpx, "cad", _)
        | (Dialect::Tcx, "Cadence", _)
        | (Dialect::Tcx, "RunCadence", _) => p.sample.cadence = number(),
        (_, "power", _) | (_, "Watts", _) => p.sample.power = number(),
        (Dialect::Gpx, "speed", _) | (Dialect::Tcx, "Speed", _) => p.sample.speed = number(),
        (Dialect::Gpx, "distance", _) | (Dialect::Tcx, "DistanceMeters", _) => {
            p.sample.distance = number()
        }
        (Dialect::Tcx, "LatitudeDegrees", _) => lat_lng.0 = number(),
        (Dialect::Tcx, "LongitudeDegrees", _) => lat_lng.1 = number(),
        _ => {}
    }
}

/// RFC 3339 (`2024-05-06T04:02:34Z`, fractions and offsets too); a time
/// without a zone is taken as UTC, as GPX prescribes.
fn timestamp(value: &str) -> Option<f64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.timestamp_millis() as f64 / 1000.0);
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp_millis() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpx_extensions_give_heart_rate_cadence_and_power() {
        let gpx = br#"  <?xml version="1.0"?>
<gpx xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
 <trk><trkseg>
  <trkpt lat="46.5" lon="6.6"><ele>372.4</ele><time>2024-05-06T04:02:34Z</time>
   <extensions><power>251</power><gpxtpx:TrackPointExtension><gpxtpx:hr>141</gpxtpx:hr><gpxtpx:cad>88</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>
  </trkpt>
 </trkseg></trk></gpx>"#;
        let p = &points(gpx, Dialect::Gpx).unwrap()[0];
        assert_eq!(p.t, Some(1_714_968_154.0));
        assert_eq!(p.position, Some((46.5, 6.6)));
        assert_eq!(p.sample.altitude, Some(372.4));
        assert_eq!(p.sample.heart_rate, Some(141.0));
        assert_eq!(p.sample.cadence, Some(88.0));
        assert_eq!(p.sample.power, Some(251.0));
    }

    #[test]
    fn tcx_lap_totals_are_not_mistaken_for_track_point_values() {
        let tcx = br#"<TrainingCenterDatabase><Activities><Activity><Lap>
  <DistanceMeters>9999</DistanceMeters><Cadence>99</Cadence>
  <Track><Trackpoint><Time>2024-05-06T04:02:34.500Z</Time>
   <Position><LatitudeDegrees>46.5</LatitudeDegrees><LongitudeDegrees>6.6</LongitudeDegrees></Position>
   <DistanceMeters>12.5</DistanceMeters><HeartRateBpm><Value>150</Value></HeartRateBpm>
   <Extensions><ns3:TPX><ns3:Speed>4.2</ns3:Speed><ns3:Watts>300</ns3:Watts></ns3:TPX></Extensions>
  </Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"#;
        let all = points(tcx, Dialect::Tcx).unwrap();
        assert_eq!(all.len(), 1);
        let p = &all[0];
        assert_eq!(p.t, Some(1_714_968_154.5));
        assert_eq!(p.sample.distance, Some(12.5));
        assert_eq!(p.sample.heart_rate, Some(150.0));
        assert_eq!(p.sample.cadence, None);
        assert_eq!(p.sample.speed, Some(4.2));
        assert_eq!(p.sample.power, Some(300.0));
        assert_eq!(p.position, Some((46.5, 6.6)));
    }

    #[test]
    fn a_file_cut_inside_a_point_is_broken_xml() {
        let cut = b"<gpx><trk><trkseg><trkpt lat=\"1\" lon=\"2\"><time>2024-05-06T04:02:34Z";
        assert!(matches!(points(cut, Dialect::Gpx), Err(SkipReason::Xml(_))));
    }
}
