//! The `sync` job, stage by stage: extract -> transform -> guard -> load.
//!
//! Responsible for: running the stages in order, the shrink guard (never
//! replace a table with far fewer rows by accident), stopping at a SIGTERM or
//! SIGINT, and recording every run, failed and interrupted ones too, in
//! `sync_runs`. Not responsible for: any stage's details,
//! which live in `extract`, `transform` and `warehouse`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::cloud_storage::{self, ExportLocation, StorageSettings};
use crate::export::{self, ActivityFile, Export};
use crate::extract::{ApiSettings, Pages};
use crate::files::MAX_FILE_BYTES;
use crate::interrupt;
use crate::parquet_out::ParquetOut;
use crate::physiology::rows::{FileRows, from_export};
use crate::progress::Progress;
use crate::row::{Row, SyncRun};
use crate::schema::{
    ACTIVITY_STREAMS, ATHLETE_SETTINGS, BEST_EFFORTS, GEAR, POWER_CURVE, SYNC_RUNS, TIME_IN_ZONES,
    Table,
};
use crate::settings as athlete_settings;
use crate::strava::api::PER_PAGE;
use crate::transform::parquet::ParquetTableWriter;
use crate::transform::{Transform, Transformed};
use crate::warehouse::{Load, Warehouse};
use crate::workdir::WorkDir;

#[derive(Debug, Clone)]
pub enum SourceSettings {
    Api(ApiSettings),
    Replay(PathBuf),
    /// Strava's bulk export (a `.zip`, its folder, or `activities.csv`),
    /// merged with the API's newer activities when credentials are there, or
    /// with pages saved by an earlier run (`replay`) instead of the API.
    Export {
        location: ExportLocation,
        storage: StorageSettings,
        api: ApiSettings,
        replay: Option<PathBuf>,
    },
}

#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub source: SourceSettings,
    /// Keep the activities Parquet file here instead of a temp file.
    pub parquet_out: Option<PathBuf>,
    /// `--athlete-settings`: a TOML file of dated thresholds.
    pub athlete_settings: Option<PathBuf>,
    pub allow_shrink: bool,
    /// Largest replayed page file read (`MAX_PAGE_BYTES`; the API's cap is in
    /// its `HttpSettings`).
    pub max_page_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct SyncReport {
    pub activities: u64,
    pub duplicates_skipped: u64,
    pub previous: Option<u64>,
    pub api_calls: u64,
    pub athlete_id: Option<i64>,
    pub first_start: Option<DateTime<Utc>>,
    pub last_start: Option<DateTime<Utc>>,
    pub raw_saved: Option<PathBuf>,
    pub parquet: Option<PathBuf>,
    pub seconds: f64,
    /// Activity files of the export read into `activity_streams`; `None`
    /// when the run had no export.
    pub files_read: Option<u64>,
    /// Activity files the export names that were skipped (each logged).
    pub files_skipped: u64,
}

/// Why the guard refused to replace the table.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GuardError {
    #[error(
        "Strava returned no activities but the warehouse holds {previous}; refusing to empty \
         the table (a token without activity:read_all, or an account problem, looks like this). \
         Pass --allow-shrink if the history really is empty."
    )]
    Empty { previous: u64 },
    #[error(
        "Strava returned {fetched} activities, fewer than half of the {previous} already loaded; \
         refusing to replace the table. Pass --allow-shrink if activities really were deleted."
    )]
    Shrink { fetched: u64, previous: u64 },
}

/// The shrink guard. A first load (nothing there yet) is never refused.
pub(crate) fn check_shrink(
    fetched: u64,
    previous: Option<u64>,
    allow: bool,
) -> Result<(), GuardError> {
    let previous = previous.unwrap_or(0);
    if allow || previous == 0 {
        return Ok(());
    }
    if fetched == 0 {
        return Err(GuardError::Empty { previous });
    }
    if fetched * 2 < previous {
        return Err(GuardError::Shrink { fetched, previous });
    }
    Ok(())
}

/// No credentials at all (as opposed to wrong ones): an export then loads alone.
fn is_missing_credentials(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<crate::secrets::SecretsError>(),
        Some(crate::secrets::SecretsError::Missing(_))
    )
}

/// Outcome values of `sync_runs.outcome`.
fn outcome_of(err: &anyhow::Error) -> &'static str {
    if interrupt::signal_of(err).is_some() {
        return "interrupted";
    }
    for cause in err.chain() {
        if cause.downcast_ref::<GuardError>().is_some() {
            return "refused_shrink";
        }
        if let Some(e) = cause.downcast_ref::<crate::strava::StravaError>()
            && e.is_rate_limit()
        {
            return "rate_limited";
        }
    }
    "failed"
}

pub async fn sync<W: Warehouse>(
    warehouse: &mut W,
    settings: &SyncSettings,
) -> anyhow::Result<SyncReport> {
    let started = Utc::now();
    let clock = Instant::now();
    let work = WorkDir::create()?;
    // A --parquet-out that would replace someone else's file, or a bad
    // settings file, is a configuration error: say so before spending calls.
    let parquet_out = settings
        .parquet_out
        .as_deref()
        .map(ParquetOut::prepare)
        .transpose()?;
    let settings_entries = match &settings.athlete_settings {
        Some(path) => athlete_settings::read_file(path)?,
        None => Vec::new(),
    };
    // Asking the warehouse first means an unreachable one costs no Strava calls.
    let previous = warehouse.activity_count().await?;

    let mut calls = 0;
    let mut usage: Option<String> = None;
    let mut source = "api";
    let result = async {
        let (activities_path, athlete_path) = match &parquet_out {
            Some(out) => (
                out.activities_temp().to_path_buf(),
                out.athlete_temp().to_path_buf(),
            ),
            None => (
                work.path().join("activities.parquet"),
                work.path().join("athlete.parquet"),
            ),
        };
        let mut transform =
            Transform::with_paths(&activities_path, &athlete_path, started.timestamp_micros())?;
        if let SourceSettings::Api(api)
        | SourceSettings::Export {
            api, replay: None, ..
        } = &settings.source
        {
            Pages::apply_retention(api, started)?;
        }
        let (mut pages, mut export) = match &settings.source {
            SourceSettings::Api(api) => match Pages::connect(api, started).await {
                Ok(pages) => (Some(pages), None),
                Err((e, n)) => {
                    calls = n;
                    return Err(e);
                }
            },
            SourceSettings::Replay(dir) => {
                source = "raw";
                transform.without_quoting_bad_input();
                (Some(Pages::replay(dir, settings.max_page_bytes)?), None)
            }
            SourceSettings::Export {
                location,
                storage,
                replay: Some(dir),
                ..
            } => {
                let (path, parsed) = read_export(location, storage, work.path()).await?;
                source = "export+raw";
                transform.without_quoting_bad_input();
                let pages = Pages::replay(dir, settings.max_page_bytes)?;
                (Some(pages), Some((path, parsed, location)))
            }
            SourceSettings::Export {
                location,
                storage,
                api,
                replay: None,
            } => {
                // Read the export once, up front: a broken file fails before any call.
                let (path, parsed) = read_export(location, storage, work.path()).await?;
                match Pages::connect(api, started).await {
                    Ok(mut pages) => {
                        source = "export+api";
                        if let Some(t) = parsed.latest_start() {
                            pages.only_after(t);
                        }
                        (Some(pages), Some((path, parsed, location)))
                    }
                    Err((e, _)) if is_missing_credentials(&e) => {
                        tracing::warn!(
                            "loading the export alone, without the API's newer activities: {e:#}"
                        );
                        source = "export";
                        (None, Some((path, parsed, location)))
                    }
                    Err((e, n)) => {
                        calls = n;
                        return Err(e);
                    }
                }
            }
        };
        let (raw_saved, unsaved_rotation) = match pages.take() {
            Some(mut pages) => {
                // The pages a history of the size already loaded takes, the
                // empty one included; with an export, only the newest page.
                let expected_pages = match export {
                    Some(_) => 2,
                    None => previous.map_or(1, |n| n.div_ceil(PER_PAGE as u64) + 1),
                };
                let extracted = pages.extract_into(&mut transform, expected_pages).await;
                calls = pages.api_calls();
                usage = pages.rate_limit_usage();
                extracted?;
                let unsaved_rotation = pages.take_unsaved_rotation();
                (pages.finish()?, unsaved_rotation)
            }
            None => (None, None),
        };
        // After the API's pages, so the API's row wins for an id in both.
        if let Some((_, parsed, location)) = &mut export {
            let summary = parsed.load_into(&mut transform)?;
            tracing::info!(
                "read {} activities from the Strava export {location} ({} of them also came from the API, whose rows win)",
                summary.read,
                summary.read - summary.kept
            );
        }
        let done = transform.finish()?;
        for (key, n) in &done.unknown_keys {
            tracing::info!(
                "Strava sent a field the schema does not know: `{key}` ({n} times); it is not stored"
            );
        }
        if done.duplicates_skipped > 0 {
            tracing::info!(
                "{} activities appeared on two pages and were kept once",
                done.duplicates_skipped
            );
        }
        check_shrink(done.activities, previous, settings.allow_shrink)?;
        let entries = athlete_settings::with_defaults(settings_entries, &done.observed);
        let file_rows = match export {
            Some((path, parsed, _)) => Some(activity_file_rows(
                &path,
                parsed.activity_files(),
                &entries,
            )?),
            None => None,
        };
        // A signal during a replay or an export (no await to stop at) is seen here.
        interrupt::check()?;
        Ok((done, raw_saved, unsaved_rotation, entries, file_rows))
    };
    // A signal drops the extraction at its next await (an HTTP request, the
    // wait for the rate-limit window), except inside a token refresh.
    let result = tokio::select! {
        biased;
        r = result => r,
        stop = interrupt::requested() => Err(stop.into()),
    };

    let (done, raw_saved, unsaved_rotation, entries, file_rows) = match result {
        Ok(r) => r,
        Err(err) => {
            let row = run_row(
                started,
                outcome_of(&err),
                source,
                0,
                calls,
                0,
                Some(&format!("{err:#}")),
            );
            record_failed_run(warehouse, work.path(), row).await;
            return Err(err);
        }
    };
    let files_read = file_rows.as_ref().map(|f| f.streams.len() as u64);
    let file_rows = file_rows.unwrap_or_default();
    let files_skipped = file_rows.skipped.len() as u64;

    let note = unsaved_rotation.as_ref().map(|e| e.to_string());
    let row = run_row(
        started,
        "ok",
        source,
        done.activities,
        calls,
        files_skipped,
        note.as_deref(),
    );
    let run_path = work.path().join("sync_run.parquet");
    write_rows(&SYNC_RUNS, &run_path, vec![row])?;
    let settings_path = work.path().join("athlete_settings.parquet");
    write_rows(
        &ATHLETE_SETTINGS,
        &settings_path,
        athlete_settings::rows(&entries),
    )?;
    let FileRows {
        streams,
        power_curve,
        best_efforts,
        time_in_zones,
        ..
    } = file_rows;
    let mut file_tables = Vec::new();
    for (table, rows) in [
        (&ACTIVITY_STREAMS, streams),
        (&POWER_CURVE, power_curve),
        (&BEST_EFFORTS, best_efforts),
        (&TIME_IN_ZONES, time_in_zones),
        (&GEAR, done.gear.rows()),
    ] {
        let path = work.path().join(format!("{}.parquet", table.name));
        write_rows(table, &path, rows)?;
        file_tables.push((table, path));
    }
    let file_tables: Vec<(&'static Table, &Path)> =
        file_tables.iter().map(|(t, p)| (*t, p.as_path())).collect();
    let loading = Progress::spinner("loading the tables");
    let loaded = warehouse
        .replace(Load {
            activities: &done.activities_parquet,
            athlete: &done.athlete_parquet,
            athlete_settings: &settings_path,
            files: &file_tables,
            run: &run_path,
        })
        .await;
    drop(loading);
    if let Err(err) = loaded {
        let err = anyhow::Error::from(err);
        let row = run_row(
            started,
            outcome_of(&err),
            source,
            done.activities,
            calls,
            files_skipped,
            Some(&format!("{err:#}")),
        );
        record_failed_run(warehouse, work.path(), row).await;
        return Err(err);
    }
    if let Some(out) = parquet_out {
        out.commit()?;
    }
    if let Some(e) = unsaved_rotation {
        return Err(e.into());
    }
    // One structured line per run for dashboards and log-based metrics.
    tracing::info!(
        activities = done.activities,
        api_calls = calls,
        rate_limit_usage = usage.as_deref().unwrap_or("not reported"),
        "sync finished: {} activities loaded, {calls} Strava calls",
        done.activities
    );
    let mut report = report(&done, previous, calls, raw_saved, settings, clock);
    report.files_read = files_read;
    report.files_skipped = files_skipped;
    Ok(report)
}

/// The export's local path (a Cloud Storage object is downloaded into
/// `work` first) and its parsed CSV.
async fn read_export(
    location: &ExportLocation,
    storage: &StorageSettings,
    work: &Path,
) -> anyhow::Result<(PathBuf, Export)> {
    let path = cloud_storage::fetch(location, storage, work).await?;
    let parsed = export::read(&path);
    let parsed = match location {
        ExportLocation::Local(_) => parsed?,
        ExportLocation::CloudStorage(object) => {
            parsed.with_context(|| format!("the export {object}, downloaded from Cloud Storage"))?
        }
    };
    Ok((path, parsed))
}

/// The export's activity files as rows; each skipped file is one WARN line
/// naming it and why. Only an export that cannot be opened at all fails.
fn activity_file_rows(
    export: &Path,
    files: &[ActivityFile],
    entries: &[athlete_settings::Entry],
) -> anyhow::Result<FileRows> {
    let rows = from_export(export, files, entries, MAX_FILE_BYTES).map_err(|detail| {
        anyhow::anyhow!(
            "cannot open the Strava export {} for its activity files: {detail}",
            export.display()
        )
    })?;
    for s in &rows.skipped {
        tracing::warn!(
            activity_id = s.activity_id,
            file = %s.filename.escape_debug(),
            "skipped the activity file {:?} of activity {}: {}; the activity keeps its summary row",
            s.filename,
            s.activity_id,
            s.reason
        );
    }
    tracing::info!(
        "read {} activity files of the export into activity_streams; {} skipped",
        rows.streams.len(),
        rows.skipped.len()
    );
    Ok(rows)
}

fn report(
    done: &Transformed,
    previous: Option<u64>,
    api_calls: u64,
    raw_saved: Option<PathBuf>,
    settings: &SyncSettings,
    clock: Instant,
) -> SyncReport {
    SyncReport {
        files_read: None,
        files_skipped: 0,
        activities: done.activities,
        duplicates_skipped: done.duplicates_skipped,
        previous,
        api_calls,
        athlete_id: done.athlete_id,
        first_start: done.first_start,
        last_start: done.last_start,
        raw_saved,
        parquet: settings.parquet_out.clone(),
        seconds: clock.elapsed().as_secs_f64(),
    }
}

/// One `sync_runs` row; the run finishes now. The message is redacted.
fn run_row(
    started: DateTime<Utc>,
    outcome: &str,
    source: &str,
    activities: u64,
    api_calls: u64,
    files_skipped: u64,
    message: Option<&str>,
) -> Row {
    SyncRun {
        started_at: started,
        finished_at: Utc::now(),
        outcome: outcome.into(),
        source: source.into(),
        activities: activities as i64,
        api_calls: api_calls as i64,
        message: message.map(crate::redact::redact),
        files_skipped: files_skipped as i64,
    }
    .into_row()
}

fn write_rows(table: &'static Table, path: &Path, rows: Vec<Row>) -> anyhow::Result<()> {
    let mut w = ParquetTableWriter::create(table, path)?;
    for row in rows {
        w.push(row)?;
    }
    w.close()?;
    Ok(())
}

/// Best effort: a warehouse that cannot take the row is why the run failed
/// more often than not, and the run's own error matters more. After a
/// signal it has a few seconds: Cloud Run's SIGKILL follows SIGTERM in 10.
async fn record_failed_run<W: Warehouse>(warehouse: &mut W, work: &Path, row: Row) {
    let path = work.join("sync_run_failed.parquet");
    let recorded = match write_rows(&SYNC_RUNS, &path, vec![row]) {
        Ok(()) => {
            let append = warehouse.append_run(&path);
            match interrupt::received() {
                None => append.await.map_err(anyhow::Error::from),
                Some(_) => match tokio::time::timeout(RECORD_AFTER_SIGNAL, append).await {
                    Ok(r) => r.map_err(anyhow::Error::from),
                    Err(_) => Err(anyhow::anyhow!(
                        "the warehouse did not take the row within {} s",
                        RECORD_AFTER_SIGNAL.as_secs()
                    )),
                },
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = recorded {
        tracing::warn!("could not record the failed run in sync_runs: {e:#}");
    }
}

/// How long an interrupted run tries to record itself before it exits.
const RECORD_AFTER_SIGNAL: Duration = Duration::from_secs(6);

impl SyncReport {
    /// `sync --format json`: the closing summary as one object, for scripts.
    /// `change` is the net difference to what was loaded before (the run
    /// replaces the whole table, so it knows counts, not which ids came or went).
    pub fn to_json(&self, warehouse: &str) -> serde_json::Value {
        let day = |t: Option<DateTime<Utc>>| t.map(|t| t.format("%Y-%m-%d").to_string());
        serde_json::json!({
            "warehouse": warehouse,
            "athlete_id": self.athlete_id,
            "activities": self.activities,
            "previous": self.previous,
            "change": self.activities as i64 - self.previous.unwrap_or(0) as i64,
            "duplicates_skipped": self.duplicates_skipped,
            "api_calls": self.api_calls,
            "first_start": day(self.first_start),
            "last_start": day(self.last_start),
            "raw_saved": self.raw_saved,
            "parquet": self.parquet,
            "seconds": self.seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_refuses_an_empty_fetch_over_loaded_rows() {
        assert!(matches!(
            check_shrink(0, Some(10), false),
            Err(GuardError::Empty { previous: 10 })
        ));
    }

    #[test]
    fn the_guard_refuses_losing_more_than_half() {
        assert!(check_shrink(4, Some(10), false).is_err());
        assert!(check_shrink(5, Some(10), false).is_ok());
    }

    #[test]
    fn the_guard_allows_a_first_load_and_an_explicit_override() {
        assert!(check_shrink(0, None, false).is_ok());
        assert!(check_shrink(0, Some(10), true).is_ok());
    }
}
