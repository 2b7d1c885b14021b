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
//! Exports of English, German and French accounts are read: Strava translates
//! the headers word for word (same order, same repeats), the dates (`Mar 1,
//! 2021, 6:12:03 AM`, `01.03.2021, 06:12:03`, `1 mars 2021, 06:12:03`) and the
//! activity types (`Radfahrt`, `Vélo`). Those three were confirmed from real
//! exports (docs/export.md lists the sources); another language fails clearly
//! instead of loading wrong columns.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use crate::row::{Cell, Row};
use crate::schema::{ACTIVITIES, Kind, col_of};
use crate::transform::{Origin, Transform, TransformError};

/// export header -> (index of the activities column, which occurrence). docs/export.md's
/// table documents this list; tests/docs.rs fails when one is missing there.
pub const MAPPING: &[(&str, usize, &str)] = &[
    ("Activity ID", col_of!(ACTIVITIES, "id"), "first"),
    ("Activity Date", col_of!(ACTIVITIES, "start_date"), "first"),
    ("Activity Name", col_of!(ACTIVITIES, "name"), "first"),
    ("Activity Type", col_of!(ACTIVITIES, "sport_type"), "first"),
    ("Activity Type", col_of!(ACTIVITIES, "type"), "first"),
    ("Elapsed Time", col_of!(ACTIVITIES, "elapsed_time"), "last"),
    ("Moving Time", col_of!(ACTIVITIES, "moving_time"), "last"),
    ("Distance", col_of!(ACTIVITIES, "distance"), "last"),
    ("Max Speed", col_of!(ACTIVITIES, "max_speed"), "last"),
    (
        "Average Speed",
        col_of!(ACTIVITIES, "average_speed"),
        "last",
    ),
    (
        "Elevation Gain",
        col_of!(ACTIVITIES, "total_elevation_gain"),
        "last",
    ),
    ("Elevation Low", col_of!(ACTIVITIES, "elev_low"), "last"),
    ("Elevation High", col_of!(ACTIVITIES, "elev_high"), "last"),
    (
        "Average Cadence",
        col_of!(ACTIVITIES, "average_cadence"),
        "last",
    ),
    (
        "Max Heart Rate",
        col_of!(ACTIVITIES, "max_heartrate"),
        "last",
    ),
    (
        "Average Heart Rate",
        col_of!(ACTIVITIES, "average_heartrate"),
        "last",
    ),
    (
        "Average Watts",
        col_of!(ACTIVITIES, "average_watts"),
        "last",
    ),
    (
        "Weighted Average Power",
        col_of!(ACTIVITIES, "weighted_average_watts"),
        "last",
    ),
    ("Max Watts", col_of!(ACTIVITIES, "max_watts"), "last"),
    (
        "Relative Effort",
        col_of!(ACTIVITIES, "suffer_score"),
        "first",
    ),
    ("Commute", col_of!(ACTIVITIES, "commute"), "first"),
];

/// Every header MAPPING reads, as English, German and French accounts'
/// exports write it (copied from real exports' header rows; docs/export.md's
/// table shows them and tests/docs.rs keeps the two in step).
pub const TRANSLATIONS: &[[&str; 3]] = &[
    ["Activity ID", "Aktivitäts-ID", "ID de l'activité"],
    ["Activity Date", "Aktivitätsdatum", "Date de l'activité"],
    ["Activity Name", "Name der Aktivität", "Nom de l'activité"],
    ["Activity Type", "Aktivitätsart", "Type d'activité"],
    ["Elapsed Time", "Verstrichene Zeit", "Temps écoulé"],
    ["Moving Time", "Bewegungszeit", "Durée de déplacement"],
    ["Distance", "Distanz", "Distance"],
    ["Max Speed", "Höchstgeschw.", "Vitesse max."],
    [
        "Average Speed",
        "Durchschnittliche Geschwindigkeit",
        "Vitesse moyenne",
    ],
    ["Elevation Gain", "Höhenzunahme", "Dénivelé positif"],
    ["Elevation Low", "Min. Höhe", "Altitude min."],
    ["Elevation High", "Max. Höhe", "Altitude max."],
    [
        "Average Cadence",
        "Durchschnittliche Trittfrequenz",
        "Cadence moyenne",
    ],
    [
        "Max Heart Rate",
        "Max. Herzfrequenz",
        "Fréquence cardiaque max.",
    ],
    [
        "Average Heart Rate",
        "Durchschnittliche Herzfrequenz",
        "Fréquence cardiaque moyenne",
    ],
    [
        "Average Watts",
        "Durchschnittliche Watt",
        "Puissance moyenne",
    ],
    [
        "Weighted Average Power",
        "Gewichtete durchschnittliche Leistung",
        "Puissance moyenne pondérée",
    ],
    ["Max Watts", "Max. Watt", "Puissance max."],
    ["Relative Effort", "Relative Leistung", "Effort relatif"],
    ["Commute", "Pendeln", "Déplacement-transport"],
    ["Filename", "Dateiname", "Nom du fichier"],
];

/// Activity types German and French exports write, and the API's name for
/// each. Only names seen in real exports or in parsers run on them; any
/// other is stored as written (and counted in a warning).
const TYPES: &[(&str, &str)] = &[
    ("Radfahrt", "Ride"),
    ("Lauf", "Run"),
    ("Schwimmen", "Swim"),
    ("Training", "Workout"),
    ("Vélo", "Ride"),
    ("Course à pied", "Run"),
    ("Natation", "Swim"),
    ("Randonnée", "Hike"),
    ("Marche", "Walk"),
];

/// The account language an export was written in, told by its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    German,
    French,
}

impl Language {
    const ALL: [Language; 3] = [Language::English, Language::German, Language::French];

    fn index(self) -> usize {
        self as usize
    }

    /// This language's spelling of an English header.
    fn header(self, english: &str) -> Option<&'static str> {
        TRANSLATIONS
            .iter()
            .find(|t| t[0] == english)
            .map(|t| t[self.index()])
    }

    /// The language most of `headers` are written in, wherever they stand;
    /// `None` when not one of them is a header this job reads.
    fn of(headers: &[String]) -> Option<Language> {
        let known = |l: Language| {
            TRANSLATIONS
                .iter()
                .filter(|t| headers.iter().any(|h| h == t[l.index()]))
                .count()
        };
        // `max_by_key` keeps the last of equals; English first wins a tie
        // (`Distance` is spelled the same in French).
        Language::ALL
            .into_iter()
            .rev()
            .map(|l| (known(l), l))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)
            .map(|(_, l)| l)
    }

    /// `Activity Date` in UTC, in this language's form.
    fn date(self, raw: &str) -> Option<NaiveDateTime> {
        match self {
            // Newer exports may put a (narrow) no-break space before AM/PM.
            Language::English => NaiveDateTime::parse_from_str(
                &raw.replace(['\u{202f}', '\u{a0}'], " "),
                "%b %d, %Y, %I:%M:%S %p",
            )
            .ok(),
            Language::German => NaiveDateTime::parse_from_str(raw, "%d.%m.%Y, %H:%M:%S").ok(),
            Language::French => french_date(raw),
        }
    }

    fn date_example(self) -> &'static str {
        match self {
            Language::English => "a date like `Mar 1, 2021, 6:12:03 AM`",
            Language::German => "a date like `01.03.2021, 06:12:03`",
            Language::French => "a date like `1 mars 2021, 06:12:03`",
        }
    }
}

/// `27 juil. 2026, 11:13:16`; older exports wrote `24 mai 2012 à 16:27:40`.
fn french_date(raw: &str) -> Option<NaiveDateTime> {
    const MONTHS: [&[&str]; 12] = [
        &["janv", "janvier"],
        &["févr", "février"],
        &["mars"],
        &["avr", "avril"],
        &["mai"],
        &["juin"],
        &["juil", "juillet"],
        &["août"],
        &["sept", "septembre"],
        &["oct", "octobre"],
        &["nov", "novembre"],
        &["déc", "décembre"],
    ];
    let normalized = raw
        .replace(['\u{202f}', '\u{a0}'], " ")
        .replace(" à ", ", ");
    let (date, time) = normalized.split_once(", ")?;
    let mut parts = date.split_whitespace();
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = month.trim_end_matches('.').to_lowercase();
    let number = MONTHS
        .iter()
        .position(|names| names.contains(&month.as_str()))?
        + 1;
    let day =
        chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, number as u32, day.parse().ok()?)?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S").ok()?;
    Some(day.and_time(time))
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    #[error("cannot read the Strava export {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error(
        "{path} is not an activities.csv this job can read: none of its columns is one it \
         reads (the first are {found}). \
         Exports of English, German and French accounts are read; switch Strava's language \
         to one of them and request the export again"
    )]
    UnknownLanguage { path: PathBuf, found: String },
    #[error("{path} has no `{missing}` column; is it a Strava activities.csv?")]
    MissingColumn {
        path: PathBuf,
        missing: &'static str,
    },
    #[error("{path} line {line}, column `{column}`: `{value}` is not {expected}")]
    BadValue {
        path: PathBuf,
        line: u64,
        column: String,
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
pub(crate) struct ExportSummary {
    /// Activities in the export.
    pub(crate) read: u64,
    /// Of those, the ones loaded: the others were already there from the API.
    pub(crate) kept: u64,
}

/// An export's `activities.csv`, read once: its rows, the activity files it
/// names, and the activity types it wrote that have no API name.
#[derive(Debug)]
pub(crate) struct Export {
    rows: Vec<Row>,
    /// Each row's `Activity Gear` name, where it has one.
    gear: Vec<Option<String>>,
    files: Vec<ActivityFile>,
    unknown_types: HashMap<String, u64>,
}

/// Reads and checks the export at `path`: a broken file fails here, before
/// any Strava call.
pub(crate) fn read(path: &Path) -> Result<Export, ExportError> {
    let (id, sport, start) = (
        col_of!(ACTIVITIES, "id"),
        col_of!(ACTIVITIES, "sport_type"),
        col_of!(ACTIVITIES, "start_date"),
    );
    let mut rows = Vec::new();
    let mut gear = Vec::new();
    let mut files = Vec::new();
    let unknown_types = for_each_row(path, |row, extras| {
        let filename = extras.filename.map(str::trim).filter(|f| !f.is_empty());
        if let (Some(filename), Cell::Int(activity_id)) = (filename, &row[id]) {
            files.push(ActivityFile {
                activity_id: *activity_id,
                filename: filename.to_string(),
                sport_type: match &row[sport] {
                    Cell::Str(s) => Some(s.clone()),
                    _ => None,
                },
                start_micros: match &row[start] {
                    Cell::Micros(t) => Some(*t),
                    _ => None,
                },
            });
        }
        // A name of spaces only names no gear; any other is kept as written.
        gear.push(
            extras
                .gear
                .filter(|g| !g.trim().is_empty())
                .map(str::to_string),
        );
        rows.push(row);
        Ok(())
    })?;
    Ok(Export {
        rows,
        gear,
        files,
        unknown_types,
    })
}

impl Export {
    /// The latest `start_date` in the export, as epoch seconds: with API
    /// credentials, only activities after it are fetched.
    pub(crate) fn latest_start(&self) -> Option<i64> {
        let start = col_of!(ACTIVITIES, "start_date");
        self.rows
            .iter()
            .filter_map(|row| match row[start] {
                Cell::Micros(t) => Some(t),
                _ => None,
            })
            .max()
            .map(|micros| micros.div_euclid(1_000_000))
    }

    /// Every activity of the export that names a file, in CSV order.
    pub(crate) fn activity_files(&self) -> &[ActivityFile] {
        &self.files
    }

    /// Moves the export's rows into `transform` (the files it names stay). An
    /// activity the API already delivered in this run keeps the API's row.
    pub(crate) fn load_into(
        &mut self,
        transform: &mut Transform,
    ) -> Result<ExportSummary, ExportError> {
        let mut summary = ExportSummary::default();
        let gear = std::mem::take(&mut self.gear);
        for (mut row, gear) in std::mem::take(&mut self.rows).into_iter().zip(gear) {
            summary.read += 1;
            if let Some(name) = gear {
                row[col_of!(ACTIVITIES, "gear_id")] = Cell::Str(transform.gear_id_for_name(&name));
            }
            if transform.push_row(row, Origin::Export)? {
                summary.kept += 1;
            }
        }
        for (name, count) in std::mem::take(&mut self.unknown_types) {
            tracing::warn!(
                activity_type = %name,
                activities = count,
                "the export names an activity type this job has no API name for; stored as written"
            );
        }
        Ok(summary)
    }
}

/// An activity file the export names in its `Filename` column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActivityFile {
    pub(crate) activity_id: i64,
    /// As written in the CSV, e.g. `activities/123.fit.gz`; data, not a path.
    pub(crate) filename: String,
    /// The API's name of the activity type (`Ride`, `Run`, ...).
    pub(crate) sport_type: Option<String>,
    /// `Activity Date`, UTC, in microseconds since the epoch.
    pub(crate) start_micros: Option<i64>,
}

/// The cells of a row that are not `activities` columns.
struct Extras<'r> {
    /// `Filename`: data, not a path.
    filename: Option<&'r str>,
    /// `Activity Gear`: the gear's name, as the athlete wrote it.
    gear: Option<&'r str>,
}

/// `Activity Gear`, read from English exports only: its German and French
/// names have not been seen in a real export (those load without gear).
const GEAR_HEADER: &str = "Activity Gear";

/// Calls `each` with every row and its other cells; returns the activity
/// types that have no API name, with how many activities have each.
fn for_each_row(
    path: &Path,
    mut each: impl FnMut(Row, Extras<'_>) -> Result<(), ExportError>,
) -> Result<HashMap<String, u64>, ExportError> {
    let (csv_name, bytes) = open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ExportError::Csv {
            path: csv_name.clone(),
            line: 1,
            detail: e.to_string(),
        })?
        .iter()
        // A byte-order mark, if an editor added one, is not part of the name.
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let language = Language::of(&headers).ok_or_else(|| ExportError::UnknownLanguage {
        path: csv_name.clone(),
        found: headers
            .iter()
            .take(4)
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        positions.entry(h.as_str()).or_default().push(i);
    }
    let present = |english: &str| {
        language
            .header(english)
            .filter(|h| positions.contains_key(h))
    };
    for required in ["Activity ID", "Activity Date"] {
        if present(required).is_none() {
            return Err(ExportError::MissingColumn {
                path: csv_name,
                missing: language.header(required).unwrap_or(required),
            });
        }
    }
    // (csv index, activities index, the export's header) for every mapped column present.
    let mut plan = Vec::new();
    for (english, column, which) in MAPPING {
        let Some(header) = present(english) else {
            continue;
        };
        let at = &positions[header];
        // A column written once is the display copy when the mapping wants
        // the base-unit one (e.g. a lone `Distance` in km or miles): skip it.
        let index = match (*which, at.as_slice()) {
            ("first", [first, ..]) => *first,
            (_, [_, _, ..]) => at[at.len() - 1],
            (_, [only]) if !REPEATED.contains(english) => *only,
            _ => continue,
        };
        plan.push((index, *column, header));
    }
    let filename_index = present("Filename").map(|h| positions[h][0]);
    let gear_index = positions.get(GEAR_HEADER).map(|at| at[0]);
    let mut unknown_types: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| ExportError::Csv {
            path: csv_name.clone(),
            line: e.position().map_or(0, |p| p.line()),
            detail: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row: Row = vec![Cell::Null; ACTIVITIES.columns.len()];
        for (index, target, header) in &plan {
            let column = &ACTIVITIES.columns[*target];
            let field = record.get(*index).unwrap_or("");
            // RFC 4180: spaces are part of a field, so a name keeps them as
            // the API sends them; numbers, dates and types are read trimmed.
            let raw = match column.kind {
                Kind::String if !is_type(*target) => field,
                _ => field.trim(),
            };
            row[*target] = cell(raw, column.kind, *target, language, &mut unknown_types).map_err(
                |expected| ExportError::BadValue {
                    path: csv_name.clone(),
                    line,
                    column: header.to_string(),
                    value: raw.chars().take(60).collect(),
                    expected,
                },
            )?;
        }
        if row[0] == Cell::Null {
            return Err(ExportError::BadValue {
                path: csv_name.clone(),
                line,
                column: language
                    .header("Activity ID")
                    .unwrap_or("Activity ID")
                    .into(),
                value: String::new(),
                expected: "an activity id",
            });
        }
        each(
            row,
            Extras {
                filename: filename_index.and_then(|i| record.get(i)),
                gear: gear_index.and_then(|i| record.get(i)),
            },
        )?;
    }
    Ok(unknown_types)
}

/// Headers Strava writes twice, display copy first: a lone one is the display copy.
const REPEATED: &[&str] = &[
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
];

/// `sport_type` and `type`: written for people in the export, read as the API names them.
fn is_type(column: usize) -> bool {
    column == col_of!(ACTIVITIES, "sport_type") || column == col_of!(ACTIVITIES, "type")
}

/// One cell of `column` (an index into `ACTIVITIES`).
fn cell(
    raw: &str,
    kind: Kind,
    column: usize,
    language: Language,
    unknown_types: &mut HashMap<String, u64>,
) -> Result<Cell, &'static str> {
    if raw.is_empty() {
        return Ok(Cell::Null);
    }
    match kind {
        Kind::String if is_type(column) => {
            let (name, known) = sport_type(raw, language);
            // Counted once per activity: `type` repeats `sport_type`.
            if !known && column == col_of!(ACTIVITIES, "sport_type") {
                *unknown_types.entry(name.clone()).or_default() += 1;
            }
            Ok(Cell::Str(name))
        }
        Kind::String => Ok(Cell::Str(raw.to_string())),
        Kind::Int64 if column == col_of!(ACTIVITIES, "id") => {
            raw.parse().map(Cell::Int).map_err(|_| "an activity id")
        }
        Kind::Int64 => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() < 9.0e15 => Ok(Cell::Int(v.round() as i64)),
            _ => Err("a number"),
        },
        Kind::Float64 => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Cell::Float(v)),
            _ => Err("a number"),
        },
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Cell::Bool(true)),
            "false" | "0" => Ok(Cell::Bool(false)),
            _ => Err("true or false"),
        },
        Kind::Timestamp => language
            .date(raw)
            .map(|t| Cell::Micros(t.and_utc().timestamp_micros()))
            .ok_or(language.date_example()),
        _ => Err("a value this column takes"),
    }
}

/// The API's name for an export's activity type, and whether it is known.
fn sport_type(raw: &str, language: Language) -> (String, bool) {
    if let Some((_, api)) = TYPES.iter().find(|(written, _)| *written == raw) {
        return ((*api).to_string(), true);
    }
    if language == Language::English {
        // People's names for types ("Virtual Ride", "E-Bike Ride") become
        // the API's ("VirtualRide", "EBikeRide").
        return (
            raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect(),
            true,
        );
    }
    (raw.to_string(), false)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Option<NaiveDateTime> {
        chrono::NaiveDate::from_ymd_opt(y, m, d).and_then(|day| day.and_hms_opt(h, min, s))
    }

    #[test]
    fn an_english_date_reads_with_a_plain_or_a_narrow_no_break_space_before_pm() {
        assert_eq!(
            Language::English.date("Mar 1, 2021, 6:12:03 PM"),
            at(2021, 3, 1, 18, 12, 3)
        );
        assert_eq!(
            Language::English.date("Mar 1, 2021, 6:12:03\u{202f}AM"),
            at(2021, 3, 1, 6, 12, 3)
        );
    }

    #[test]
    fn a_german_date_reads_day_first_on_a_24_hour_clock() {
        assert_eq!(
            Language::German.date("01.03.2021, 18:12:03"),
            at(2021, 3, 1, 18, 12, 3)
        );
    }

    #[test]
    fn a_french_date_reads_abbreviated_and_full_months_old_and_new_forms() {
        assert_eq!(
            Language::French.date("27 juil. 2026, 11:13:16"),
            at(2026, 7, 27, 11, 13, 16)
        );
        assert_eq!(
            Language::French.date("24 mai 2012 à 16:27:40"),
            at(2012, 5, 24, 16, 27, 40)
        );
        assert_eq!(
            Language::French.date("3 févr. 2020, 07:00:00"),
            at(2020, 2, 3, 7, 0, 0)
        );
        assert_eq!(
            Language::French.date("3 décembre 2020, 07:00:00"),
            at(2020, 12, 3, 7, 0, 0)
        );
    }

    #[test]
    fn a_date_in_another_languages_form_or_impossible_is_not_read() {
        assert_eq!(Language::German.date("Mar 1, 2021, 6:12:03 PM"), None);
        assert_eq!(Language::English.date("01.03.2021, 18:12:03"), None);
        assert_eq!(Language::French.date("30 févr. 2020, 07:00:00"), None);
        assert_eq!(Language::French.date("3 brumaire 2020, 07:00:00"), None);
        assert_eq!(Language::French.date("3 mars 2020 extra, 07:00:00"), None);
    }
}
