//! Extract stage, bulk-export side: `activities.csv` from Strava's "Download
//! your data" archive (a `.zip`, the unpacked folder, or the CSV itself) into
//! rows of the fixed schema.
//!
//! Responsible for: finding the CSV, mapping its columns by header, and the
//! export's quirks: repeated headers (`Elapsed Time`, `Distance`, `Max Heart
//! Rate`, ...) whose LAST occurrence is in base units (seconds, metres) while
//! the first is for display (km or miles), dates like `Mar 1, 2021, 6:12:03 AM`
//! in UTC, empty cells, and activity types written for people (`Virtual
//! Ride`). What the export lacks stays NULL. Not responsible for: Parquet
//! (see `transform`) or merging with API data (the pipeline's job).
//!
//! Only English headers are read: the localized forms could not be confirmed,
//! so another language fails clearly instead of loading wrong columns.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use crate::schema::{ACTIVITIES, Kind};
use crate::transform::decode::{Cell, Row};
use crate::transform::{Origin, Transform, TransformError};

/// Which of several same-named columns to read.
#[derive(Debug, Clone, Copy)]
enum Occurrence {
    First,
    /// The base-unit copy (seconds, metres) of a repeated column.
    Last,
}

/// export header -> (activities column, which occurrence). README's export
/// table documents this list; tests/docs.rs fails when one is missing there.
pub const MAPPING: &[(&str, &str, &str)] = &[
    ("Activity ID", "id", "first"),
    ("Activity Date", "start_date", "first"),
    ("Activity Name", "name", "first"),
    ("Activity Type", "sport_type", "first"),
    ("Activity Type", "type", "first"),
    ("Elapsed Time", "elapsed_time", "last"),
    ("Moving Time", "moving_time", "last"),
    ("Distance", "distance", "last"),
    ("Max Speed", "max_speed", "last"),
    ("Average Speed", "average_speed", "last"),
    ("Elevation Gain", "total_elevation_gain", "last"),
    ("Elevation Low", "elev_low", "last"),
    ("Elevation High", "elev_high", "last"),
    ("Average Cadence", "average_cadence", "last"),
    ("Max Heart Rate", "max_heartrate", "last"),
    ("Average Heart Rate", "average_heartrate", "last"),
    ("Average Watts", "average_watts", "last"),
    ("Weighted Average Power", "weighted_average_watts", "last"),
    ("Max Watts", "max_watts", "last"),
    ("Relative Effort", "suffer_score", "first"),
    ("Commute", "commute", "first"),
];

/// The date format of `Activity Date` (UTC).
const DATE_FORMAT: &str = "%b %d, %Y, %I:%M:%S %p";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the Strava export {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error(
        "{path} has no `{missing}` column, so it is not an English Strava activities.csv \
         (its first columns: {found}). Switch Strava's language to English and request the \
         export again; other languages are not supported yet"
    )]
    NotEnglish {
        path: PathBuf,
        missing: &'static str,
        found: String,
    },
    #[error("{path} line {line}, column `{column}`: `{value}` is not {expected}")]
    BadValue {
        path: PathBuf,
        line: u64,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{path} line {line}: {detail}")]
    Csv {
        path: PathBuf,
        line: u64,
        detail: String,
    },
    #[error(transparent)]
    Transform(#[from] TransformError),
}

/// What loading an export did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportSummary {
    /// Activities in the export.
    pub read: u64,
    /// Of those, the ones loaded: the others were already there from the API.
    pub kept: u64,
}

/// Reads the export at `path` into `transform`. An activity the API already
/// delivered in this run keeps the API's row.
pub fn read_into(path: &Path, transform: &mut Transform) -> Result<ExportSummary, ExportError> {
    let mut summary = ExportSummary::default();
    for_each_row(path, |row| {
        summary.read += 1;
        if transform.push_row(row, Origin::Export)? {
            summary.kept += 1;
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The latest `start_date` in the export, as epoch seconds: with API
/// credentials, only activities after it are fetched.
pub fn latest_start(path: &Path) -> Result<Option<i64>, ExportError> {
    let start = ACTIVITIES.index_of("start_date");
    let mut latest: Option<i64> = None;
    for_each_row(path, |row| {
        if let Some(Cell::Micros(t)) = start.map(|i| &row[i]) {
            latest = Some(latest.map_or(*t, |l| l.max(*t)));
        }
        Ok(())
    })?;
    Ok(latest.map(|micros| micros.div_euclid(1_000_000)))
}

fn for_each_row(
    path: &Path,
    mut each: impl FnMut(Row) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let (csv_name, bytes) = open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| ExportError::Csv {
            path: csv_name.clone(),
            line: 1,
            detail: e.to_string(),
        })?
        .clone();
    let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        positions.entry(h.trim()).or_default().push(i);
    }
    for required in ["Activity ID", "Activity Date"] {
        if !positions.contains_key(required) {
            let found: Vec<&str> = headers.iter().take(4).collect();
            return Err(ExportError::NotEnglish {
                path: csv_name,
                missing: required,
                found: found.join(", "),
            });
        }
    }
    // (csv index, activities index, export header) for every mapped column present.
    let mut plan = Vec::new();
    for (header, column, which) in MAPPING {
        let Some(at) = positions.get(header) else {
            continue;
        };
        let occurrence = if *which == "last" {
            Occurrence::Last
        } else {
            Occurrence::First
        };
        // A column written once is the display copy when the mapping wants
        // the base-unit one (e.g. a lone `Distance` in km or miles): skip it.
        let index = match (occurrence, at.as_slice()) {
            (Occurrence::First, [first, ..]) => *first,
            (Occurrence::Last, [_, .., last]) => *last,
            (Occurrence::Last, [only]) if !REPEATED.contains(header) => *only,
            _ => continue,
        };
        if let Some(target) = ACTIVITIES.index_of(column) {
            plan.push((index, target, *header));
        }
    }
    for record in reader.records() {
        let record = record.map_err(|e| ExportError::Csv {
            path: csv_name.clone(),
            line: e.position().map_or(0, |p| p.line()),
            detail: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row: Row = vec![Cell::Null; ACTIVITIES.columns.len()];
        for (index, target, header) in &plan {
            let raw = record.get(*index).unwrap_or("").trim();
            let column = &ACTIVITIES.columns[*target];
            row[*target] =
                cell(raw, column.kind, column.name).map_err(|expected| ExportError::BadValue {
                    path: csv_name.clone(),
                    line,
                    column: header,
                    value: raw.chars().take(60).collect(),
                    expected,
                })?;
        }
        if row[0] == Cell::Null {
            return Err(ExportError::BadValue {
                path: csv_name.clone(),
                line,
                column: "Activity ID",
                value: String::new(),
                expected: "an activity id",
            });
        }
        each(row)?;
    }
    Ok(())
}

/// Headers Strava writes twice, display copy first: a lone one is the display copy.
const REPEATED: &[&str] = &[
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
];

fn cell(raw: &str, kind: Kind, column: &str) -> Result<Cell, &'static str> {
    if raw.is_empty() {
        return Ok(Cell::Null);
    }
    match (kind, column) {
        // People's names for types ("Virtual Ride", "E-Bike Ride") become
        // the API's ("VirtualRide", "EBikeRide").
        (Kind::String, "sport_type" | "type") => Ok(Cell::Str(
            raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect(),
        )),
        (Kind::String, _) => Ok(Cell::Str(raw.to_string())),
        (Kind::Int64, "id") => raw.parse().map(Cell::Int).map_err(|_| "an activity id"),
        (Kind::Int64, _) => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() < 9.0e15 => Ok(Cell::Int(v.round() as i64)),
            _ => Err("a number"),
        },
        (Kind::Float64, _) => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Cell::Float(v)),
            _ => Err("a number"),
        },
        (Kind::Bool, _) => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Cell::Bool(true)),
            "false" | "0" => Ok(Cell::Bool(false)),
            _ => Err("true or false"),
        },
        (Kind::Timestamp, _) => NaiveDateTime::parse_from_str(raw, DATE_FORMAT)
            .map(|t| Cell::Micros(t.and_utc().timestamp_micros()))
            .map_err(|_| "a date like `Mar 1, 2021, 6:12:03 AM`"),
        _ => Err("a value this column takes"),
    }
}

/// The CSV's bytes, from a folder, a `.zip` or the file itself, and a name for errors.
fn open(path: &Path) -> Result<(PathBuf, Vec<u8>), ExportError> {
    let failed = |detail: String| ExportError::Open {
        path: path.to_path_buf(),
        detail,
    };
    if path.is_dir() {
        let csv = path.join("activities.csv");
        let bytes = std::fs::read(&csv).map_err(|e| failed(format!("{}: {e}", csv.display())))?;
        return Ok((csv, bytes));
    }
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if !is_zip {
        let bytes = std::fs::read(path).map_err(|e| failed(e.to_string()))?;
        return Ok((path.to_path_buf(), bytes));
    }
    let file = File::open(path).map_err(|e| failed(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| failed(e.to_string()))?;
    // The archive has it at its root; accept one folder level too.
    let name = archive
        .file_names()
        .filter(|n| *n == "activities.csv" || n.ends_with("/activities.csv"))
        .min_by_key(|n| n.len())
        .map(str::to_string)
        .ok_or_else(|| failed("the archive has no activities.csv".into()))?;
    let mut entry = archive.by_name(&name).map_err(|e| failed(e.to_string()))?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| failed(e.to_string()))?;
    Ok((path.join(&name), bytes))
}
