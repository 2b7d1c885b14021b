//! Raw API pages on disk: kept as received with `--raw-dir`, replayed with
//! `sync --from-raw`.
//!
//! Layout: each run writes `RAW_DIR/<UTC start time>/` holding `athlete.json`
//! and `activities-page-0001.json`, `-0002`, … up to and including the empty
//! page that ended the history. A run writes into `<time>.partial/` and renames
//! it when the last page is in, so a directory without `.partial` is complete.
//! Replay refuses a directory with no empty final page: loading a history that
//! stops midway would silently drop activities. Not responsible for: what the
//! pages mean (see `transform`).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub(crate) enum RawError {
    // The OS error is part of the sentence and deliberately not a `source`:
    // a chain printer (`{:#}`) would say it twice.
    #[error("cannot {action} {path}: {error}")]
    Io {
        action: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{dir} does not exist: --from-raw takes a run directory or a --raw-dir root")]
    Missing { dir: PathBuf },
    #[error(
        "{dir} holds no saved Strava pages: expected athlete.json and activities-page-0001.json \
         there, or in a run directory below it"
    )]
    Empty { dir: PathBuf },
    #[error(
        "{path} is not a regular file (a device, a FIFO, a directory, or a link to one), so it \
         is not a saved page and was not read; replay a run directory that --raw-dir wrote"
    )]
    NotAFile { path: PathBuf },
    #[error(
        "{path} is larger than {} (MAX_PAGE_BYTES), so it was not read; a saved page of 200 \
         activities is about 0.3 MB. Replay a run directory that --raw-dir wrote, or raise \
         MAX_PAGE_BYTES if this file really is a page",
        crate::strava::http::human_bytes(*limit)
    )]
    TooLarge { path: PathBuf, limit: u64 },
    #[error(
        "{dir} has no {file} and no empty page before it, so the run that saved it did not \
         finish; replay a complete run directory instead"
    )]
    Incomplete { dir: PathBuf, file: String },
}

impl RawError {
    /// The replay source named by --from-raw is wrong (exit 2), as opposed to
    /// a disk that failed while reading or writing (exit 1).
    pub(crate) fn is_config(&self) -> bool {
        matches!(
            self,
            RawError::Missing { .. } | RawError::Empty { .. } | RawError::Incomplete { .. }
        )
    }
}

pub const ATHLETE_FILE: &str = "athlete.json";
/// How a run directory is named: its UTC start time.
const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

pub fn page_file(page: u32) -> String {
    format!("activities-page-{page:04}.json")
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> RawError + 'a {
    move |error| RawError::Io {
        action,
        path: path.to_path_buf(),
        error,
    }
}

/// Saves the pages of one run.
pub(crate) struct RawWriter {
    partial: PathBuf,
    complete: PathBuf,
}

impl RawWriter {
    pub(crate) fn begin(root: &Path, started: DateTime<Utc>) -> Result<Self, RawError> {
        let stamp = started.format(STAMP).to_string();
        let partial = root.join(format!("{stamp}.partial"));
        let complete = root.join(&stamp);
        fs::create_dir_all(&partial).map_err(io("create", &partial))?;
        Ok(RawWriter { partial, complete })
    }

    pub(crate) fn save(&self, file: &str, body: &[u8]) -> Result<(), RawError> {
        let path = self.partial.join(file);
        fs::write(&path, body).map_err(io("write", &path))
    }

    /// Marks the run's pages complete; returns the directory they are in.
    pub(crate) fn complete(self) -> Result<PathBuf, RawError> {
        fs::rename(&self.partial, &self.complete).map_err(io("rename", &self.partial))?;
        Ok(self.complete)
    }
}

/// The run directories under a `--raw-dir` root (finished or not), with the
/// UTC time each run started. Anything else in the root is not ours and is
/// never touched.
pub(crate) fn runs(root: &Path) -> Result<Vec<(PathBuf, DateTime<Utc>)>, RawError> {
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read", root)(e)),
    };
    let mut runs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let stamp = name.strip_suffix(".partial").unwrap_or(name);
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(stamp, STAMP)
            && path.is_dir()
        {
            runs.push((path, t.and_utc()));
        }
    }
    runs.sort();
    Ok(runs)
}

/// Deletes run directories that started more than `days` days before `now`
/// (Strava's API policy allows a cache of 7 days). Returns what it deleted.
pub(crate) fn delete_older_than(
    root: &Path,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<PathBuf>, RawError> {
    // Saturates: a cutoff before the earliest date chrono holds keeps everything.
    let Some(cutoff) = now.checked_sub_signed(chrono::Duration::days(i64::from(days))) else {
        return Ok(Vec::new());
    };
    let mut deleted = Vec::new();
    for (dir, started) in runs(root)? {
        if started < cutoff {
            fs::remove_dir_all(&dir).map_err(io("delete", &dir))?;
            deleted.push(dir);
        }
    }
    Ok(deleted)
}

/// Reads the pages of one saved run.
pub(crate) struct RawReader {
    dir: PathBuf,
    /// Largest file read as a page (`MAX_PAGE_BYTES`).
    max_bytes: u64,
}

impl RawReader {
    /// `dir` is either a run directory or a `--raw-dir` root, in which case the
    /// newest complete run below it is used.
    pub(crate) fn open(dir: &Path, max_bytes: u64) -> Result<Self, RawError> {
        if dir.join(ATHLETE_FILE).is_file() {
            return Ok(RawReader {
                max_bytes,
                dir: dir.to_path_buf(),
            });
        }
        if !dir.exists() {
            return Err(RawError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        let entries = fs::read_dir(dir).map_err(io("read", dir))?;
        let mut runs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.join(ATHLETE_FILE).is_file() && p.extension().is_none_or(|x| x != "partial")
            })
            .collect();
        runs.sort();
        match runs.pop() {
            Some(newest) => Ok(RawReader {
                dir: newest,
                max_bytes,
            }),
            None => Err(RawError::Empty {
                dir: dir.to_path_buf(),
            }),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn athlete(&self) -> Result<Vec<u8>, RawError> {
        let path = self.dir.join(ATHLETE_FILE);
        read_page_file(&path, self.max_bytes)
    }

    pub(crate) fn page(&self, page: u32) -> Result<Vec<u8>, RawError> {
        let file = page_file(page);
        let path = self.dir.join(&file);
        match fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(RawError::Incomplete {
                dir: self.dir.clone(),
                file,
            }),
            _ => read_page_file(&path, self.max_bytes),
        }
    }
}

/// A saved page: a regular file (a link is followed only to one) of at most
/// `max` bytes. Anything else is refused before it is opened, so a link to
/// `/dev/zero` or a FIFO neither fills memory nor blocks the run.
fn read_page_file(path: &Path, max: u64) -> Result<Vec<u8>, RawError> {
    use std::io::Read;
    let not_a_file = || RawError::NotAFile {
        path: path.to_path_buf(),
    };
    let too_large = || RawError::TooLarge {
        path: path.to_path_buf(),
        limit: max,
    };
    let meta = fs::metadata(path).map_err(io("read", path))?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    if meta.len() > max {
        return Err(too_large());
    }
    let file = fs::File::open(path).map_err(io("read", path))?;
    // Checked again on the open file: the path may have changed meanwhile.
    if !file.metadata().map_err(io("read", path))?.is_file() {
        return Err(not_a_file());
    }
    let mut body = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(io("read", path))?;
    if body.len() as u64 > max {
        return Err(too_large());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_replays_its_newest_complete_run() {
        let root = tempfile::tempdir().unwrap();
        for (stamp, n) in [("2024", 1), ("2025", 2)] {
            let w = RawWriter::begin(
                root.path(),
                format!("{stamp}-01-01T00:00:00Z").parse().unwrap(),
            )
            .unwrap();
            w.save(ATHLETE_FILE, format!("{n}").as_bytes()).unwrap();
            w.complete().unwrap();
        }
        let unfinished =
            RawWriter::begin(root.path(), "2026-01-01T00:00:00Z".parse().unwrap()).unwrap();
        unfinished.save(ATHLETE_FILE, b"3").unwrap();
        let r = RawReader::open(root.path(), 1 << 20).unwrap();
        assert_eq!(r.athlete().unwrap(), b"2");
    }

    #[test]
    fn retention_deletes_only_old_run_directories() {
        let root = tempfile::tempdir().unwrap();
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        for days_ago in [1, 8, 30] {
            let w = RawWriter::begin(root.path(), now - chrono::Duration::days(days_ago)).unwrap();
            if days_ago != 30 {
                w.complete().unwrap();
            }
        }
        fs::create_dir(root.path().join("notes")).unwrap();
        let deleted = delete_older_than(root.path(), 7, now).unwrap();
        assert_eq!(deleted.len(), 2, "{deleted:?}");
        let left: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left.len(),
            2,
            "the 1-day-old run and the foreign folder stay: {left:?}"
        );
    }

    #[test]
    fn a_page_that_links_to_a_device_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ATHLETE_FILE), b"{}").unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(page_file(1))).unwrap();
        let err = RawReader::open(dir.path(), 1 << 20)
            .unwrap()
            .page(1)
            .unwrap_err();
        assert!(matches!(err, RawError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn a_page_larger_than_the_cap_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ATHLETE_FILE), b"{}").unwrap();
        fs::write(dir.path().join(page_file(1)), vec![b' '; 2048]).unwrap();
        let err = RawReader::open(dir.path(), 1024)
            .unwrap()
            .page(1)
            .unwrap_err();
        assert!(err.to_string().contains("larger than 1024 bytes"), "{err}");
    }

    #[test]
    fn a_missing_page_says_the_run_did_not_finish() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ATHLETE_FILE), b"{}").unwrap();
        let err = RawReader::open(dir.path(), 1 << 20)
            .unwrap()
            .page(1)
            .unwrap_err();
        assert!(err.to_string().contains("did not finish"), "{err}");
    }
}
