//! From the export's activity files to the rows of `activity_streams`,
//! `power_curve`, `best_efforts` and `time_in_zones`.
//!
//! Responsible for: reading each file the CSV names (one reader, in CSV
//! order, since a zip is read sequentially), decoding and computing on every
//! core, choosing the thresholds in force on each activity's date, and
//! collecting every skipped file with its reason. Not responsible for: the
//! formulas (`physiology`), decoding (`files`), logging or loading (the
//! pipeline's job).

use std::path::Path;
use std::sync::{Mutex, mpsc};

use chrono::DateTime;

use super::{SportGroup, best_efforts, heart_rate_zones, power_curve, power_zones, summary};
use crate::export::ActivityFile;
use crate::files::{self, Archive, SkipReason};
use crate::progress::Progress;
use crate::row::{ActivityStreamsRow, BestEffortRow, PowerCurveRow, Row, TimeInZoneRow};
use crate::settings::{Entry, in_force};

/// A file named by the export that gave no rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Skipped {
    pub(crate) activity_id: i64,
    /// As the CSV wrote it.
    pub(crate) filename: String,
    pub(crate) reason: SkipReason,
}

/// Rows for the four tables, sorted by activity id.
#[derive(Debug, Default)]
pub(crate) struct FileRows {
    pub(crate) streams: Vec<Row>,
    pub(crate) power_curve: Vec<Row>,
    pub(crate) best_efforts: Vec<Row>,
    pub(crate) time_in_zones: Vec<Row>,
    pub(crate) skipped: Vec<Skipped>,
}

/// One activity's rows.
#[derive(Debug, Default)]
struct Computed {
    streams: Row,
    power_curve: Vec<Row>,
    best_efforts: Vec<Row>,
    time_in_zones: Vec<Row>,
}

/// Reads and computes every file in `files` from the export at `export`.
/// Fails only when the export itself cannot be opened; a bad file is a
/// [`Skipped`] entry.
pub(crate) fn from_export(
    export: &Path,
    files: &[ActivityFile],
    settings: &[Entry],
    cap: u64,
) -> Result<FileRows, String> {
    let mut archive = Archive::open(export)?;
    let mut seen = std::collections::HashSet::new();
    let files: Vec<&ActivityFile> = files
        .iter()
        .filter(|f| seen.insert(f.activity_id))
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Result<Vec<u8>, SkipReason>)>(workers * 2);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Computed, SkipReason>)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let (job_rx, files) = (&job_rx, &files);
            scope.spawn(move || {
                loop {
                    // The lock is held only to take the next job.
                    let next = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((i, bytes))) = next else { break };
                    let result = bytes.and_then(|b| compute(files[i], b, settings, cap));
                    if done_tx.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let progress = Progress::files(files.len() as u64);
        for (i, f) in files.iter().enumerate() {
            if job_tx.send((i, archive.read(&f.filename, cap))).is_err() {
                break;
            }
            progress.inc();
        }
        drop(job_tx);
    });
    let mut results: Vec<(usize, Result<Computed, SkipReason>)> = done_rx.into_iter().collect();
    results.sort_by_key(|(i, _)| files[*i].activity_id);
    let mut out = FileRows::default();
    for (i, result) in results {
        match result {
            Ok(c) => {
                out.streams.push(c.streams);
                out.power_curve.extend(c.power_curve);
                out.best_efforts.extend(c.best_efforts);
                out.time_in_zones.extend(c.time_in_zones);
            }
            Err(reason) => out.skipped.push(Skipped {
                activity_id: files[i].activity_id,
                filename: files[i].filename.clone(),
                reason,
            }),
        }
    }
    Ok(out)
}

fn compute(
    file: &ActivityFile,
    bytes: Vec<u8>,
    settings: &[Entry],
    cap: u64,
) -> Result<Computed, SkipReason> {
    let track = files::decode(&file.filename, bytes, cap)?;
    let tl = super::resample::resample(&track.samples);
    let s = summary(&tl, SportGroup::of(file.sport_type.as_deref()));
    let id = file.activity_id;
    let streams = ActivityStreamsRow {
        activity_id: id,
        file_format: track.format.as_str().into(),
        samples: track.samples.len() as i64,
        recorded_s: s.recorded_s as i64,
        moving_s: s.moving_s as i64,
        has_power: s.has_power,
        has_heartrate: s.has_heartrate,
        avg_power_w: s.avg_power_w,
        normalized_power_w: s.normalized_power_w,
        max_power_w: s.max_power_w,
        work_kj: s.work_kj,
        avg_heartrate: s.avg_heartrate,
        efficiency_factor: s.efficiency_factor,
        aerobic_decoupling_pct: s.aerobic_decoupling_pct,
    }
    .into_row();
    let power_curve = power_curve(&tl)
        .into_iter()
        .map(|(d, w)| {
            PowerCurveRow {
                activity_id: id,
                duration_s: d as i64,
                watts: w,
            }
            .into_row()
        })
        .collect();
    let best_efforts = best_efforts(&tl)
        .into_iter()
        .map(|(d, t)| {
            BestEffortRow {
                activity_id: id,
                distance_m: d,
                elapsed_s: t,
            }
            .into_row()
        })
        .collect();
    // The export's dates are UTC and it has no local time: the same day the
    // views give an export row (`local_date` falls back to the UTC date).
    let date = file
        .start_micros
        .and_then(DateTime::from_timestamp_micros)
        .map(|t| t.date_naive());
    let entry = date.and_then(|d| in_force(settings, d));
    let mut time_in_zones = Vec::new();
    let zones = [
        (
            "power",
            entry
                .and_then(|e| e.ftp_w)
                .and_then(|ftp| power_zones(&tl, ftp as f64)),
        ),
        (
            "heart_rate",
            entry
                .and_then(|e| e.threshold_hr)
                .and_then(|thr| heart_rate_zones(&tl, thr)),
        ),
    ];
    for (kind, seconds) in zones {
        for (zone, seconds) in seconds.into_iter().flatten().enumerate() {
            time_in_zones.push(
                TimeInZoneRow {
                    activity_id: id,
                    kind: kind.into(),
                    zone: zone as i64 + 1,
                    seconds: seconds as i64,
                }
                .into_row(),
            );
        }
    }
    Ok(Computed {
        streams,
        power_curve,
        best_efforts,
        time_in_zones,
    })
}
