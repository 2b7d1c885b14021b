//! The athlete's own activity files from the bulk export (FIT, GPX, TCX,
//! gzipped or not), read into time-ordered samples.
//!
//! Responsible for: finding a file the export's `Filename` column names, in
//! the `.zip` or the unpacked folder (`archive`), refusing names that are not
//! plain relative paths and files that decompress past [`MAX_FILE_BYTES`],
//! telling the format from the name, and decoding time, power, heart rate,
//! cadence, distance, speed and altitude (`fit`, `xml`). GPS positions are read
//! only to derive distance where a file has none, and are dropped here: no
//! [`Sample`] carries one. Every way a file can fail is a [`SkipReason`], never
//! a failed run. Not responsible for: resampling or metrics (`physiology`), or
//! the CSV itself (`export`).

mod archive;
mod fit;
mod xml;

pub(crate) use archive::Archive;

use std::io::Read;

/// The largest an activity file may be once decompressed (gzip or zip
/// deflate): 256 MiB. A five-hour 1-Hz ride is about 2 MB as FIT and 10 MB as
/// GPX, so this refuses only archive bombs, before they fill the memory.
pub(crate) const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The format of an activity file, told by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Fit,
    Gpx,
    Tcx,
}

impl Format {
    /// `activity_streams.file_format`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Fit => "fit",
            Format::Gpx => "gpx",
            Format::Tcx => "tcx",
        }
    }

    /// The format and whether the file is gzipped, from a name such as
    /// `activities/123.fit.gz` (case ignored).
    pub(crate) fn of_name(name: &str) -> Option<(Format, bool)> {
        let lower = name.to_ascii_lowercase();
        let (stem, gzipped) = match lower.strip_suffix(".gz") {
            Some(stem) => (stem, true),
            None => (lower.as_str(), false),
        };
        let format = match stem.rsplit_once('.')?.1 {
            "fit" => Format::Fit,
            "gpx" => Format::Gpx,
            "tcx" => Format::Tcx,
            _ => return None,
        };
        Some((format, gzipped))
    }
}

/// One record of a file, after positions were turned into distance.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Sample {
    /// Seconds since the Unix epoch, UTC.
    pub(crate) t: f64,
    /// Watts.
    pub(crate) power: Option<f64>,
    /// Beats per minute.
    pub(crate) heart_rate: Option<f64>,
    /// Revolutions (or steps of one foot) per minute.
    pub(crate) cadence: Option<f64>,
    /// Metres from the start.
    pub(crate) distance: Option<f64>,
    /// Metres per second.
    pub(crate) speed: Option<f64>,
    /// Metres.
    pub(crate) altitude: Option<f64>,
}

/// A decoded file: its samples in time order.
#[derive(Debug, Clone)]
pub(crate) struct Track {
    pub(crate) format: Format,
    pub(crate) samples: Vec<Sample>,
}

/// Why a file named by the export was not used. The activity keeps its
/// summary row; the run logs the file and this reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum SkipReason {
    #[error("not a .fit, .gpx or .tcx file (optionally .gz)")]
    UnknownExtension,
    #[error("the name is not a plain relative path inside the export")]
    UnsafeName,
    #[error("the export has no such file")]
    Missing,
    #[error("it decompresses to more than {cap} bytes (the cap against archive bombs)")]
    TooLarge { cap: u64 },
    #[error("cannot read it: {0}")]
    Unreadable(String),
    #[error("broken gzip: {0}")]
    Gzip(String),
    #[error("broken FIT file: {0}")]
    Fit(String),
    #[error("broken XML: {0}")]
    Xml(String),
    #[error("its track points have no timestamps")]
    NoTimestamps,
    #[error("it holds no records")]
    NoRecords,
}

/// Decodes one file's bytes (as stored: gzipped or not) by its name.
pub(crate) fn decode(name: &str, bytes: Vec<u8>, cap: u64) -> Result<Track, SkipReason> {
    let (format, gzipped) = Format::of_name(name).ok_or(SkipReason::UnknownExtension)?;
    let bytes = if gzipped { gunzip(&bytes, cap)? } else { bytes };
    let points = match format {
        Format::Fit => fit::points(&bytes)?,
        Format::Gpx => xml::points(&bytes, xml::Dialect::Gpx)?,
        Format::Tcx => xml::points(&bytes, xml::Dialect::Tcx)?,
    };
    Ok(Track {
        format,
        samples: finish(points)?,
    })
}

/// Reads at most `cap` bytes from `reader`; more is [`SkipReason::TooLarge`].
pub(crate) fn read_capped(reader: impl Read, cap: u64) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(std::io::Error::other(TooLarge));
    }
    Ok(out)
}

/// The marker inside an `io::Error` that a read passed the cap.
#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("past the size cap")
    }
}

impl std::error::Error for TooLarge {}

pub(crate) fn is_too_large(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<TooLarge>())
}

fn gunzip(bytes: &[u8], cap: u64) -> Result<Vec<u8>, SkipReason> {
    // MultiGzDecoder: some tools write one gzip member per chunk.
    read_capped(flate2::read::MultiGzDecoder::new(bytes), cap).map_err(|e| {
        if is_too_large(&e) {
            SkipReason::TooLarge { cap }
        } else {
            SkipReason::Gzip(e.to_string())
        }
    })
}

/// A record as a format reader sees it, position included.
#[derive(Debug, Clone, Copy, Default)]
struct Point {
    /// `None` for a track point without a timestamp (GPX allows them).
    t: Option<f64>,
    sample: Sample,
    /// Degrees (latitude, longitude).
    position: Option<(f64, f64)>,
}

/// Time-ordered samples; distance from positions when no record has one; the
/// positions dropped.
fn finish(mut points: Vec<Point>) -> Result<Vec<Sample>, SkipReason> {
    if points.is_empty() {
        return Err(SkipReason::NoRecords);
    }
    points.retain(|p| p.t.is_some_and(f64::is_finite));
    if points.is_empty() {
        return Err(SkipReason::NoTimestamps);
    }
    points.sort_by(|a, b| a.t.unwrap_or(0.0).total_cmp(&b.t.unwrap_or(0.0)));
    let has_distance = points.iter().any(|p| p.sample.distance.is_some());
    let mut samples = Vec::with_capacity(points.len());
    let mut travelled = 0.0;
    let mut last: Option<(f64, f64)> = None;
    for p in points {
        let mut s = p.sample;
        s.t = p.t.unwrap_or(0.0);
        if !has_distance && let Some(here) = p.position {
            if let Some(before) = last {
                travelled += haversine_m(before, here);
            }
            last = Some(here);
            s.distance = Some(travelled);
        }
        samples.push(s);
    }
    Ok(samples)
}

/// Great-circle distance in metres (mean Earth radius 6,371,008.8 m).
fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlng = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_comes_from_the_name_with_or_without_gzip() {
        assert_eq!(
            Format::of_name("activities/1.fit.gz"),
            Some((Format::Fit, true))
        );
        assert_eq!(
            Format::of_name("activities/2.GPX"),
            Some((Format::Gpx, false))
        );
        assert_eq!(Format::of_name("a/3.tcx.gz"), Some((Format::Tcx, true)));
        assert_eq!(Format::of_name("a/4.kml"), None);
        assert_eq!(Format::of_name("a/gz"), None);
    }

    #[test]
    fn an_unknown_extension_is_a_skip_reason() {
        assert_eq!(
            decode("activities/9.kml", b"<kml/>".to_vec(), MAX_FILE_BYTES).unwrap_err(),
            SkipReason::UnknownExtension
        );
    }

    #[test]
    fn a_gzip_past_the_cap_is_refused_without_inflating_all_of_it() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        assert_eq!(
            decode("activities/1.fit.gz", bomb, 1000).unwrap_err(),
            SkipReason::TooLarge { cap: 1000 }
        );
    }

    #[test]
    fn a_truncated_gzip_is_a_gzip_error() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(b"<gpx></gpx>").unwrap();
        let mut bytes = gz.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        assert!(matches!(
            decode("activities/1.gpx.gz", bytes, MAX_FILE_BYTES),
            Err(SkipReason::Gzip(_))
        ));
    }

    #[test]
    fn distance_is_derived_from_positions_only_when_no_record_has_one() {
        let at = |t: f64, lat: f64| Point {
            t: Some(t),
            sample: Sample::default(),
            position: Some((lat, 0.0)),
        };
        // 0.01 degree of latitude on the mean sphere: 1,111.95 m.
        let samples = finish(vec![at(0.0, 0.0), at(1.0, 0.01)]).unwrap();
        assert!((samples[1].distance.unwrap() - 1_111.950_8).abs() < 0.01);
        let mut with = at(1.0, 0.01);
        with.sample.distance = Some(5.0);
        let samples = finish(vec![at(0.0, 0.0), with]).unwrap();
        assert_eq!(samples[0].distance, None);
        assert_eq!(samples[1].distance, Some(5.0));
    }

    #[test]
    fn points_without_time_are_dropped_and_none_left_is_no_timestamps() {
        let untimed = Point {
            t: None,
            ..Point::default()
        };
        assert_eq!(finish(vec![untimed]).unwrap_err(), SkipReason::NoTimestamps);
        assert_eq!(finish(Vec::new()).unwrap_err(), SkipReason::NoRecords);
    }
}
