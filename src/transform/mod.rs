//! Transform stage: Strava JSON pages in, Parquet files with the fixed schema out.
//!
//! Responsible for: feeding each page through the decoder as it arrives (no page
//! is kept once decoded), keeping each activity once when paging shifted it onto
//! two pages, and naming the page, the activity and the field when the input is
//! bad. Not responsible for: fetching pages (see `strava`, `raw`) or loading the
//! files (see `warehouse`).

pub(crate) mod batch;
pub mod decode;
pub(crate) mod parquet;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::row::{Cell, Row};
use chrono::{DateTime, Utc};
use decode::Decoder;
use parquet::{ParquetTableWriter, WriteError};

use crate::excerpt::excerpt;
use crate::gear::Gear;
use crate::schema::{ACTIVITIES, ATHLETE, col_of};
use crate::settings::Observed;

#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    #[error("{origin}: {problem}")]
    BadInput { origin: String, problem: String },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The files a transform produced and what went into them.
#[derive(Debug, Clone)]
pub struct Transformed {
    pub(crate) activities_parquet: PathBuf,
    pub(crate) athlete_parquet: PathBuf,
    pub activities: u64,
    pub(crate) duplicates_skipped: u64,
    /// `None` when no athlete profile was read (a bulk export alone).
    pub(crate) athlete_id: Option<i64>,
    pub(crate) unknown_keys: BTreeMap<String, u64>,
    /// Earliest and latest `start_date` among the activities.
    pub(crate) first_start: Option<DateTime<Utc>>,
    pub(crate) last_start: Option<DateTime<Utc>>,
    /// What the profile and the activities say about the athlete's thresholds.
    pub(crate) observed: Observed,
    /// The profile's bikes and shoes, and gear only the export named.
    pub(crate) gear: Gear,
}

pub struct Transform {
    /// Bad input is shown in errors (an API page); off for replayed files,
    /// which may be anything a path pointed at.
    quote_bad_input: bool,
    activities: Decoder,
    athlete: Decoder,
    writer: ParquetTableWriter,
    athlete_row: Option<Row>,
    activities_path: PathBuf,
    athlete_path: PathBuf,
    seen: HashSet<i64>,
    duplicates: u64,
    start_range: Option<(i64, i64)>,
    /// What the activities say about the athlete's thresholds so far.
    observed: Observed,
    gear: Gear,
}

/// Where an activity row came from: `activities.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The Strava API (live, or pages saved from it and replayed).
    Api,
    /// The athlete's own bulk export.
    Export,
}

impl Origin {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Origin::Api => "api",
            Origin::Export => "export",
        }
    }
}

impl Transform {
    /// Writes `activities.parquet` to `activities_path` and the athlete beside
    /// it (`athlete_path_for`).
    pub fn new(activities_path: &Path, loaded_at_micros: i64) -> Result<Self, TransformError> {
        Transform::with_paths(
            activities_path,
            &athlete_path_for(activities_path),
            loaded_at_micros,
        )
    }

    /// Writes the activities to `activities_path`, the athlete to `athlete_path`.
    pub(crate) fn with_paths(
        activities_path: &Path,
        athlete_path: &Path,
        loaded_at_micros: i64,
    ) -> Result<Self, TransformError> {
        let athlete_path = athlete_path.to_path_buf();
        Ok(Transform {
            quote_bad_input: true,
            activities: Decoder::new(&ACTIVITIES, loaded_at_micros),
            athlete: Decoder::new(&ATHLETE, loaded_at_micros),
            writer: ParquetTableWriter::create(&ACTIVITIES, activities_path)?,
            athlete_row: None,
            activities_path: activities_path.to_path_buf(),
            athlete_path,
            seen: HashSet::new(),
            duplicates: 0,
            start_range: None,
            observed: Observed::default(),
            gear: Gear::default(),
        })
    }

    /// Errors about input that is not JSON name it without quoting it: for
    /// files replayed from disk, which are not known to be Strava's pages.
    pub(crate) fn without_quoting_bad_input(&mut self) {
        self.quote_bad_input = false;
    }

    /// The athlete profile (`GET /athlete`).
    pub fn athlete(&mut self, json: &[u8], origin: &str) -> Result<(), TransformError> {
        let quote = self.quote_bad_input;
        check_json_shape(json, b'{', "a JSON object (the athlete)", origin, quote)?;
        let row = self
            .athlete
            .object(json)
            .map_err(|e| TransformError::BadInput {
                origin: origin.to_string(),
                problem: e.to_string(),
            })?;
        self.gear = Gear::from_profile(json).map_err(|problem| TransformError::BadInput {
            origin: origin.to_string(),
            problem,
        })?;
        self.athlete_row = Some(row);
        Ok(())
    }

    /// The `gear_id` for an export activity's `Activity Gear` name (see
    /// [`Gear::id_for_name`]); the profile, when read, comes first.
    pub fn gear_id_for_name(&mut self, name: &str) -> String {
        self.gear.id_for_name(name)
    }

    /// One page of `GET /athlete/activities`. Returns how many activities the
    /// page held: zero is the end of the history.
    pub fn page(&mut self, json: &[u8], origin: &str) -> Result<usize, TransformError> {
        let quote = self.quote_bad_input;
        check_json_shape(json, b'[', "a JSON array of activities", origin, quote)?;
        let rows = self.activities.array(json).map_err(|e| {
            let problem = match e.index {
                Some(i) => match activity_id_at(json, i) {
                    Some(id) => format!("activity #{} (id {id}): {}", i + 1, e.error),
                    None => format!("activity #{}: {}", i + 1, e.error),
                },
                None => e.error.to_string(),
            };
            TransformError::BadInput {
                origin: origin.to_string(),
                problem,
            }
        })?;
        let n = rows.len();
        for row in rows {
            self.push(row, Origin::Api)?;
        }
        Ok(n)
    }

    /// One activity read from elsewhere (Strava's bulk export), already laid
    /// out by the schema. Returns false when the id was already loaded, which
    /// for the export means the API's row for it wins.
    pub(crate) fn push_row(&mut self, row: Row, origin: Origin) -> Result<bool, TransformError> {
        self.push(row, origin)
    }

    /// Generic over the string type: a page's rows borrow their strings from
    /// the page (`decode::PageRow`), the export's rows own them.
    fn push<S: AsRef<str> + FromStatic>(
        &mut self,
        mut row: Row<S>,
        origin: Origin,
    ) -> Result<bool, TransformError> {
        // `id` is column 0 (a schema test holds it there) and required.
        let Cell::Int(id) = row[0] else {
            unreachable!("rows are checked for an id before they get here");
        };
        if !self.seen.insert(id) {
            if origin == Origin::Api {
                // Strava pages by offset: an activity uploaded during the sync
                // pushes the one at a page edge onto the next page too.
                self.duplicates += 1;
            }
            return Ok(false);
        }
        row[col_of!(ACTIVITIES, "source")] = Cell::Str(S::from_static(origin.as_str()));
        if let Cell::Micros(t) = &row[col_of!(ACTIVITIES, "start_date")] {
            let (lo, hi) = self.start_range.get_or_insert((*t, *t));
            *lo = (*lo).min(*t);
            *hi = (*hi).max(*t);
        }
        self.observed.activity(&row);
        self.writer.push(row)?;
        Ok(true)
    }

    pub(crate) fn activities_so_far(&self) -> u64 {
        self.seen.len() as u64
    }

    pub fn finish(self) -> Result<Transformed, TransformError> {
        let activities = self.writer.close()?;
        // The bulk export has no athlete profile: the athlete table is then empty.
        let athlete_row = self.athlete_row;
        let athlete_id = match athlete_row.as_ref().map(|r| &r[0]) {
            Some(Cell::Int(id)) => Some(*id),
            _ => None,
        };
        let mut observed = self.observed;
        if let Some(row) = &athlete_row {
            observed.profile(row);
        }
        let mut w = ParquetTableWriter::create(&ATHLETE, &self.athlete_path)?;
        if let Some(row) = athlete_row {
            w.push(row)?;
        }
        w.close()?;
        let mut unknown_keys = self.activities.unknown_keys().clone();
        for (k, n) in self.athlete.unknown_keys() {
            unknown_keys.insert(format!("athlete:{k}"), *n);
        }
        Ok(Transformed {
            activities_parquet: self.activities_path,
            athlete_parquet: self.athlete_path,
            activities,
            duplicates_skipped: self.duplicates,
            athlete_id,
            unknown_keys,
            first_start: self
                .start_range
                .and_then(|(lo, _)| DateTime::from_timestamp_micros(lo)),
            last_start: self
                .start_range
                .and_then(|(_, hi)| DateTime::from_timestamp_micros(hi)),
            observed,
            gear: self.gear,
        })
    }
}

/// Where the athlete's Parquet file goes beside the activities' one:
/// `<stem>.athlete.parquet` (`out.parquet` -> `out.athlete.parquet`).
pub(crate) fn athlete_path_for(activities_path: &Path) -> PathBuf {
    activities_path.with_file_name(format!(
        "{}.athlete.parquet",
        activities_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "activities".into())
    ))
}

/// A row's string type made from a `&'static str` (`From` cannot do it for a
/// `Cow<'a, str>` of any `'a`).
trait FromStatic {
    fn from_static(s: &'static str) -> Self;
}

impl FromStatic for String {
    fn from_static(s: &'static str) -> Self {
        s.to_string()
    }
}

impl FromStatic for std::borrow::Cow<'_, str> {
    fn from_static(s: &'static str) -> Self {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Catches the inputs a JSON decoder would describe badly: HTML error pages,
/// an object where a list belongs, an empty body.
fn check_json_shape(
    json: &[u8],
    open: u8,
    expected: &str,
    origin: &str,
    quote: bool,
) -> Result<(), TransformError> {
    let first = json.iter().copied().find(|b| !b.is_ascii_whitespace());
    if first == Some(open) {
        return Ok(());
    }
    let shown = |body: &[u8]| {
        if quote {
            quoted(body)
        } else {
            "(a replayed file's content is not shown)".to_string()
        }
    };
    let found = match first {
        None => "an empty body".to_string(),
        Some(b'<') => format!("HTML or XML, not JSON: {}", shown(json)),
        Some(b'{') => format!("a JSON object: {}", shown(json)),
        Some(b'[') => "a JSON array".to_string(),
        Some(_) => format!("something else: {}", shown(json)),
    };
    Err(TransformError::BadInput {
        origin: origin.to_string(),
        problem: format!("expected {expected}, found {found}"),
    })
}

fn quoted(body: &[u8]) -> String {
    format!("`{}`", excerpt(body, 160))
}

/// Best effort: the id of element `index`, to name it in an error.
fn activity_id_at(json: &[u8], index: usize) -> Option<i64> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(json).ok()?;
    items.get(index)?.get("id")?.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform() -> (tempfile::TempDir, Transform) {
        let dir = tempfile::tempdir().unwrap();
        let t = Transform::new(&dir.path().join("a.parquet"), 0).unwrap();
        (dir, t)
    }

    #[test]
    fn an_activity_on_two_pages_is_kept_once() {
        let (_d, mut t) = transform();
        t.athlete(br#"{"id": 9}"#, "athlete").unwrap();
        t.page(br#"[{"id": 1}, {"id": 2}]"#, "page 1").unwrap();
        t.page(br#"[{"id": 2}, {"id": 3}]"#, "page 2").unwrap();
        let done = t.finish().unwrap();
        assert_eq!(done.activities, 3);
        assert_eq!(done.duplicates_skipped, 1);
    }

    #[test]
    fn a_wrong_type_names_page_activity_id_and_field() {
        let (_d, mut t) = transform();
        let err = t
            .page(br#"[{"id": 1}, {"distance": "abc", "id": 42}]"#, "page 3")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("page 3: activity #2 (id 42): field `distance`"),
            "{err}"
        );
    }

    #[test]
    fn an_html_page_is_named_as_html() {
        let (_d, mut t) = transform();
        let err = t
            .page(b"<html>Bad gateway</html>", "page 1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("HTML"), "{err}");
    }

    #[test]
    fn an_object_instead_of_a_page_is_rejected() {
        let (_d, mut t) = transform();
        let err = t.page(br#"{"id": 1}"#, "page 1").unwrap_err().to_string();
        assert!(err.contains("found a JSON object"), "{err}");
    }

    #[test]
    fn a_page_that_is_not_utf8_is_rejected_naming_the_page() {
        let (_d, mut t) = transform();
        let err = t
            .page(b"[{\"id\": 1, \"name\": \"caf\xe9\"}]", "page 4")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("page 4: activity #1: field `name`: invalid unicode"),
            "{err}"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_in_an_ignored_value_are_still_skipped() {
        // The whole-page UTF-8 check must not reject what the decoder never reads.
        let (_d, mut t) = transform();
        let n = t
            .page(b"[{\"id\": 1, \"location_city\": \"Z\xfcrich\"}]", "page 1")
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_truncated_page_is_rejected() {
        let (_d, mut t) = transform();
        assert!(t.page(br#"[{"id": 1}, {"id": 2"#, "page 1").is_err());
    }
}
