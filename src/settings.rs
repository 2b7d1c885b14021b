//! The athlete's thresholds over time (`--athlete-settings FILE`), which the
//! effort views need: FTP, heart-rate maximum, resting and threshold, weight, sex.
//!
//! Responsible for: reading and checking the TOML file, filling what it leaves
//! out from the Strava profile and the data (and saying so in `defaults_used`),
//! and laying the entries out as `athlete_settings` rows. Not responsible for:
//! using them (the views in `sql/` join on `effective_from`).
//!
//! File format, a list of dated entries:
//!
//! ```toml
//! [[settings]]
//! from = "2021-03-01"
//! ftp_w = 250
//! max_hr = 188
//! resting_hr = 52
//! threshold_hr = 170
//! weight_kg = 71.5
//! sex = "M"
//! ```

use std::path::Path;

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;

use crate::exit::ConfigError;
use crate::row::{AthleteSettingsRow, Cell, Row};
use crate::schema::{ACTIVITIES, ATHLETE, col_of};

/// Resting heart rate when nothing says otherwise (a common default, e.g. Atlo's).
pub(crate) const DEFAULT_RESTING_HR: f64 = 60.0;
/// Threshold HR as a fraction of heart-rate reserve (Karvonen 85 %, Elevate's default).
pub(crate) const THRESHOLD_HRR_FRACTION: f64 = 0.85;

/// One dated entry, after defaults.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) from: NaiveDate,
    pub(crate) ftp_w: Option<i64>,
    pub(crate) max_hr: Option<f64>,
    pub(crate) resting_hr: Option<f64>,
    pub(crate) threshold_hr: Option<f64>,
    pub(crate) weight_kg: Option<f64>,
    pub(crate) sex: Option<String>,
    pub(crate) defaults_used: Vec<&'static str>,
}

/// What the Strava profile and the activities say, for defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observed {
    pub(crate) ftp_w: Option<i64>,
    pub(crate) weight_kg: Option<f64>,
    pub(crate) sex: Option<String>,
    /// The highest `max_heartrate` of any activity.
    pub(crate) max_hr: Option<f64>,
    /// The local date of the first activity.
    pub(crate) first_day: Option<NaiveDate>,
}

impl Observed {
    /// What one `activities` row adds: its `max_heartrate`, its local day.
    pub(crate) fn activity<S>(&mut self, row: &Row<S>) {
        if let Cell::Float(hr) = row[col_of!(ACTIVITIES, "max_heartrate")]
            && hr.is_finite()
        {
            self.max_hr = Some(self.max_hr.map_or(hr, |m| m.max(hr)));
        }
        if let Cell::Micros(t) = row[col_of!(ACTIVITIES, "start_date_local")]
            && let Some(day) = DateTime::from_timestamp_micros(t).map(|t| t.date_naive())
        {
            self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
        }
    }

    /// What the `athlete` row (the Strava profile) says: FTP, weight and sex
    /// where it gives them.
    pub(crate) fn profile(&mut self, row: &Row) {
        if let Cell::Int(v) = row[col_of!(ATHLETE, "ftp")]
            && v > 0
        {
            self.ftp_w = Some(v);
        }
        if let Cell::Float(v) = row[col_of!(ATHLETE, "weight")]
            && v > 0.0
        {
            self.weight_kg = Some(v);
        }
        if let Cell::Str(s) = &row[col_of!(ATHLETE, "sex")]
            && !s.is_empty()
        {
            self.sex = Some(s.clone());
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    settings: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    from: toml::Value,
    ftp_w: Option<i64>,
    max_hr: Option<f64>,
    resting_hr: Option<f64>,
    threshold_hr: Option<f64>,
    weight_kg: Option<f64>,
    sex: Option<String>,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!(
        "--athlete-settings {}: {what}. Expected [[settings]] entries with from = \"YYYY-MM-DD\" \
         and any of ftp_w, max_hr, resting_hr, threshold_hr, weight_kg, sex (\"M\" or \"F\")",
        path.display()
    ))
}

/// Reads and checks a settings file; entries come back sorted by date, with
/// nothing defaulted yet.
pub(crate) fn read_file(path: &Path) -> Result<Vec<Entry>, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| bad(path, format!("cannot read it ({e})")))?;
    let shape: FileShape = toml::from_str(&text).map_err(|e| bad(path, e.message()))?;
    if shape.settings.is_empty() {
        return Err(bad(path, "it has no [[settings]] entry"));
    }
    let mut entries = Vec::with_capacity(shape.settings.len());
    for (i, raw) in shape.settings.into_iter().enumerate() {
        let n = i + 1;
        let from_text = match &raw.from {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => format!("{other:?}"),
        };
        let from = NaiveDate::parse_from_str(&from_text, "%Y-%m-%d").map_err(|_| {
            bad(
                path,
                format!("entry {n}: from = {from_text} is not a YYYY-MM-DD date"),
            )
        })?;
        let entry = Entry {
            from,
            ftp_w: raw.ftp_w,
            max_hr: raw.max_hr,
            resting_hr: raw.resting_hr,
            threshold_hr: raw.threshold_hr,
            weight_kg: raw.weight_kg,
            sex: raw.sex,
            defaults_used: Vec::new(),
        };
        check(&entry).map_err(|why| bad(path, format!("entry {n} (from {from}): {why}")))?;
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.from);
    if let Some(w) = entries.windows(2).find(|w| w[0].from == w[1].from) {
        return Err(bad(path, format!("two entries start on {}", w[0].from)));
    }
    Ok(entries)
}

fn check(e: &Entry) -> Result<(), String> {
    let positive = |name: &str, v: Option<f64>| match v {
        Some(x) if !(x.is_finite() && x > 0.0) => Err(format!("{name} must be a positive number")),
        _ => Ok(()),
    };
    positive("max_hr", e.max_hr)?;
    positive("resting_hr", e.resting_hr)?;
    positive("threshold_hr", e.threshold_hr)?;
    positive("weight_kg", e.weight_kg)?;
    positive("ftp_w", e.ftp_w.map(|f| f as f64))?;
    if let (Some(rest), Some(max)) = (e.resting_hr, e.max_hr)
        && rest >= max
    {
        return Err(format!("resting_hr {rest} must be below max_hr {max}"));
    }
    match e.sex.as_deref() {
        None | Some("M") | Some("F") => Ok(()),
        Some(other) => Err(format!("sex = \"{other}\" must be \"M\" or \"F\"")),
    }
}

/// Fills what an entry leaves out, and names each filled value in `defaults_used`.
/// Without a file, `entries` is empty and one entry is made from `observed`.
pub(crate) fn with_defaults(mut entries: Vec<Entry>, observed: &Observed) -> Vec<Entry> {
    if entries.is_empty() {
        entries.push(Entry {
            from: observed.first_day.unwrap_or_default(),
            ftp_w: None,
            max_hr: None,
            resting_hr: None,
            threshold_hr: None,
            weight_kg: None,
            sex: None,
            defaults_used: Vec::new(),
        });
    }
    for e in &mut entries {
        let used = &mut e.defaults_used;
        if e.ftp_w.is_none() && observed.ftp_w.is_some() {
            e.ftp_w = observed.ftp_w;
            used.push("ftp_w");
        }
        if e.weight_kg.is_none() && observed.weight_kg.is_some() {
            e.weight_kg = observed.weight_kg;
            used.push("weight_kg");
        }
        if e.sex.is_none() {
            // Male constants are the common default for Banister TRIMP.
            e.sex = Some(
                observed
                    .sex
                    .clone()
                    .filter(|s| s == "F")
                    .unwrap_or_else(|| "M".into()),
            );
            used.push("sex");
        }
        if e.max_hr.is_none() && observed.max_hr.is_some() {
            e.max_hr = observed.max_hr;
            used.push("max_hr");
        }
        if e.resting_hr.is_none() {
            e.resting_hr = Some(DEFAULT_RESTING_HR);
            used.push("resting_hr");
        }
        if e.threshold_hr.is_none()
            && let (Some(rest), Some(max)) = (e.resting_hr, e.max_hr)
        {
            e.threshold_hr = Some(rest + THRESHOLD_HRR_FRACTION * (max - rest));
            used.push("threshold_hr");
        }
    }
    entries
}

/// The entry in force on a local `date`: the latest one starting on or before
/// it; dates before the first entry use the first (as the views do).
/// `entries` are sorted by `from`, as `read_file` and `with_defaults` leave them.
pub(crate) fn in_force(entries: &[Entry], date: NaiveDate) -> Option<&Entry> {
    entries
        .iter()
        .rev()
        .find(|e| e.from <= date)
        .or_else(|| entries.first())
}

/// `athlete_settings` rows, one per entry.
pub(crate) fn rows(entries: &[Entry]) -> Vec<Row> {
    entries
        .iter()
        .map(|e| {
            AthleteSettingsRow {
                effective_from: e.from,
                ftp_w: e.ftp_w,
                max_hr: e.max_hr,
                resting_hr: e.resting_hr,
                threshold_hr: e.threshold_hr,
                weight_kg: e.weight_kg,
                sex: e.sex.clone(),
                defaults_used: e.defaults_used.join(","),
            }
            .into_row()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("athlete.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn without_a_file_one_entry_comes_from_the_profile_and_the_data() {
        let observed = Observed {
            ftp_w: Some(250),
            weight_kg: Some(70.0),
            sex: Some("F".into()),
            max_hr: Some(190.0),
            first_day: NaiveDate::from_ymd_opt(2020, 1, 5),
        };
        let e = &with_defaults(Vec::new(), &observed)[0];
        assert_eq!(e.ftp_w, Some(250));
        assert_eq!(e.sex.as_deref(), Some("F"));
        assert_eq!(e.resting_hr, Some(60.0));
        assert_eq!(e.threshold_hr, Some(60.0 + 0.85 * 130.0));
        assert_eq!(
            e.defaults_used,
            [
                "ftp_w",
                "weight_kg",
                "sex",
                "max_hr",
                "resting_hr",
                "threshold_hr"
            ]
        );
    }

    #[test]
    fn the_entry_in_force_is_the_latest_started_and_the_first_before_any() {
        let (_d, path) = write(
            "[[settings]]\nfrom = \"2021-01-01\"\nftp_w = 240\n[[settings]]\nfrom = \"2022-01-01\"\nftp_w = 260\n",
        );
        let e = read_file(&path).unwrap();
        let on =
            |y, m, d| in_force(&e, NaiveDate::from_ymd_opt(y, m, d).unwrap()).and_then(|e| e.ftp_w);
        assert_eq!(on(2021, 12, 31), Some(240));
        assert_eq!(on(2022, 1, 1), Some(260));
        assert_eq!(on(2019, 5, 5), Some(240));
    }

    #[test]
    fn values_set_in_the_file_are_not_flagged() {
        let (_d, path) = write(
            "[[settings]]\nfrom = \"2021-03-01\"\nftp_w = 250\nmax_hr = 188\nresting_hr = 52\nthreshold_hr = 170\nweight_kg = 71.5\nsex = \"M\"\n",
        );
        let entries = with_defaults(read_file(&path).unwrap(), &Observed::default());
        assert!(
            entries[0].defaults_used.is_empty(),
            "{:?}",
            entries[0].defaults_used
        );
    }

    #[test]
    fn entries_are_sorted_and_a_bare_toml_date_is_accepted() {
        let (_d, path) = write(
            "[[settings]]\nfrom = 2022-01-01\nftp_w = 260\n[[settings]]\nfrom = \"2021-01-01\"\nftp_w = 240\n",
        );
        let e = read_file(&path).unwrap();
        assert_eq!(e[0].ftp_w, Some(240));
        assert_eq!(e[1].from, NaiveDate::from_ymd_opt(2022, 1, 1).unwrap());
    }

    #[test]
    fn a_bad_file_names_the_file_the_entry_and_the_fix() {
        let (_d, path) = write("[[settings]]\nfrom = \"2021-03-01\"\nsex = \"X\"\n");
        let err = read_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("athlete.toml")
                && err.contains("entry 1")
                && err.contains("\"M\" or \"F\""),
            "{err}"
        );
        let (_d, path) = write("[[settings]]\nfrom = \"yesterday\"\n");
        assert!(
            read_file(&path)
                .unwrap_err()
                .to_string()
                .contains("YYYY-MM-DD")
        );
        let (_d, path) = write("[[settings]]\nfrom = \"2021-03-01\"\nftp = 250\n");
        assert!(read_file(&path).unwrap_err().to_string().contains("ftp"));
    }
}
