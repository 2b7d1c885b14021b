//! `--parquet-out PATH`: keeping the run's Parquet files where the user asked,
//! without ever replacing a file that is not this product's own output.
//!
//! Responsible for: the two files the flag writes (`PATH`, and the athlete
//! at `<stem>.athlete.parquet` beside it), refusing before anything happens
//! when either exists and is not a Parquet file strava-warehouse wrote, writing
//! both under temporary names in the same directory, and renaming them into
//! place only after the run has loaded. A failed or interrupted run leaves the
//! targets as they were. Not responsible for: the files' content (see
//! `transform`).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};
use tempfile::NamedTempFile;

use crate::exit::ConfigError;
use crate::transform::athlete_path_for;
use crate::transform::parquet::{CREATED_BY_PREFIX, MARKER_KEY};
use crate::workdir;

/// How the files being written are named until the run has loaded.
const TEMP_PREFIX: &str = ".strava-warehouse-";

/// Both files of one run, written under temporary names.
pub(crate) struct ParquetOut {
    activities: Pending,
    athlete: Pending,
}

struct Pending {
    target: PathBuf,
    /// Open and locked (flock), so another run's clean-up leaves it alone.
    temp: NamedTempFile,
}

impl ParquetOut {
    /// Checks both targets and opens their temporary files. Exit 2 naming
    /// the path when a target is not a file this product wrote.
    pub(crate) fn prepare(activities: &Path) -> Result<ParquetOut, ConfigError> {
        Ok(ParquetOut {
            activities: Pending::new(activities)?,
            athlete: Pending::new(&athlete_path_for(activities))?,
        })
    }

    /// Where the transform writes the activities until `commit`.
    pub(crate) fn activities_temp(&self) -> &Path {
        self.activities.temp.path()
    }

    pub(crate) fn athlete_temp(&self) -> &Path {
        self.athlete.temp.path()
    }

    /// Renames both files into place; the run has loaded.
    pub(crate) fn commit(self) -> anyhow::Result<()> {
        for p in [self.activities, self.athlete] {
            let target = p.target;
            p.temp.persist(&target).map_err(|e| {
                anyhow::anyhow!(
                    "the data is loaded, but the Parquet file could not be moved to {}: {}",
                    target.display(),
                    e.error
                )
            })?;
        }
        Ok(())
    }
}

impl Pending {
    fn new(asked: &Path) -> Result<Pending, ConfigError> {
        let refuse = |why: String| {
            ConfigError(format!(
                "--parquet-out: {} {why}; this run would replace it, so it stopped before \
                 doing anything. Name a new file, or one an earlier run of strava-warehouse wrote",
                asked.display()
            ))
        };
        // An existing target is checked, and a link is followed to the file it
        // names, so the rename replaces that file and keeps the link.
        let target = match fs::symlink_metadata(asked) {
            Ok(_) => {
                let real = fs::canonicalize(asked)
                    .map_err(|e| refuse(format!("cannot be resolved ({e})")))?;
                check_ours(&real).map_err(refuse)?;
                real
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => asked.to_path_buf(),
            Err(e) => return Err(refuse(format!("cannot be read ({e})"))),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        workdir::remove_stale(&dir, TEMP_PREFIX, Path::to_path_buf);
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(".parquet.partial")
            .tempfile_in(&dir)
            .map_err(|e| {
                ConfigError(format!(
                    "--parquet-out: cannot create a file in {} for {}: {e}",
                    dir.display(),
                    asked.display()
                ))
            })?;
        // Advisory only: the writer's own handle writes regardless.
        let _ = temp.as_file().lock();
        Ok(Pending { target, temp })
    }
}

/// `Ok` for a regular file that is a Parquet file this product wrote;
/// otherwise what it is instead.
fn check_ours(path: &Path) -> Result<(), String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot be read ({e})"))?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    let file = File::open(path).map_err(|e| format!("cannot be read ({e})"))?;
    let reader = SerializedFileReader::new(file)
        .map_err(|_| "exists and is not a Parquet file".to_string())?;
    let meta = reader.metadata().file_metadata();
    let marked = meta
        .key_value_metadata()
        .is_some_and(|kv| kv.iter().any(|e| e.key == MARKER_KEY));
    let by_us = meta
        .created_by()
        .is_some_and(|c| c.starts_with(CREATED_BY_PREFIX));
    if marked || by_us {
        Ok(())
    } else {
        Err("is a Parquet file another program wrote".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(path: &Path) -> String {
        match ParquetOut::prepare(path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_file_that_is_not_parquet_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strava.duckdb");
        fs::write(&path, b"DUCK database").unwrap();
        let err = refusal(&path);
        assert!(
            err.contains("strava.duckdb") && err.contains("not a Parquet file"),
            "{err}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"DUCK database");
    }

    #[test]
    fn an_athlete_file_beside_the_target_is_checked_too() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("out.athlete.parquet"), b"notes").unwrap();
        let err = refusal(&dir.path().join("out.parquet"));
        assert!(err.contains("out.athlete.parquet"), "{err}");
    }

    #[test]
    fn a_device_is_refused() {
        let err = refusal(Path::new("/dev/null"));
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn nothing_is_written_to_the_target_before_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.parquet");
        let out = ParquetOut::prepare(&path).unwrap();
        fs::write(out.activities_temp(), b"x").unwrap();
        fs::write(out.athlete_temp(), b"y").unwrap();
        assert!(!path.exists());
        out.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
        assert_eq!(
            fs::read(dir.path().join("out.athlete.parquet")).unwrap(),
            b"y"
        );
    }
}
