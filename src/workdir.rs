//! Scratch space: the run's directory in `$TMPDIR` (the Parquet files that
//! hold the athlete's data until they are loaded), and the removal of the
//! scratch files that killed runs left behind.
//!
//! Responsible for: naming this product's scratch directories and files so
//! they can be told apart (`strava-warehouse-run-*`, `.strava-warehouse-*`),
//! holding a lock on each while its run lives, and removing, at the start of
//! a run, the ones whose run is gone (lock free, older than a minute). Not
//! responsible for: what goes in them (see `pipeline`, `parquet_out`).

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

/// How the run's scratch directory in `$TMPDIR` is named.
pub(crate) const RUN_DIR_PREFIX: &str = "strava-warehouse-run-";
/// Held (flock) by the live run inside its scratch directory.
const LOCK_FILE: &str = ".lock";
/// A younger one may belong to a run that has not taken its lock yet.
const MIN_AGE: Duration = Duration::from_secs(60);
/// Without a lock file to ask, only this old counts as abandoned.
const UNLOCKED_AGE: Duration = Duration::from_secs(3600);

/// The run's scratch directory; removed when dropped (a normal end, a
/// failure, or an interruption). Only SIGKILL leaves it, for the next run.
pub(crate) struct WorkDir {
    // Field order: the directory goes before its lock is let go.
    dir: TempDir,
    _lock: File,
}

impl WorkDir {
    /// Removes what killed runs left in `$TMPDIR`, then makes this run's directory.
    pub(crate) fn create() -> std::io::Result<WorkDir> {
        let root = std::env::temp_dir();
        remove_stale(&root, RUN_DIR_PREFIX, |dir| dir.join(LOCK_FILE));
        let dir = tempfile::Builder::new()
            .prefix(RUN_DIR_PREFIX)
            .tempdir_in(&root)?;
        let lock = File::create(dir.path().join(LOCK_FILE))?;
        lock.lock()?;
        Ok(WorkDir { dir, _lock: lock })
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the entries of `root` named `prefix*` whose run is gone: the lock
/// at `lock_of(entry)` can be taken (its holder died), or there is no lock
/// file and the entry is over an hour old. Best effort: what cannot be
/// removed (another user's, say) stays, and the run goes on.
pub(crate) fn remove_stale(root: &Path, prefix: &str, lock_of: impl Fn(&Path) -> PathBuf) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(prefix));
        // `file_type` does not follow links: a link is never ours.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !ours || kind.is_symlink() || !is_abandoned(&path, &lock_of(&path)) {
            continue;
        }
        let removed = if kind.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        match removed {
            Ok(()) => tracing::info!(
                "removed {}, left behind by a run that was killed",
                path.display()
            ),
            Err(e) => tracing::debug!("could not remove {}: {e}", path.display()),
        }
    }
}

fn is_abandoned(path: &Path, lock: &Path) -> bool {
    let age = fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or_default();
    if age < MIN_AGE {
        return false;
    }
    match File::open(lock) {
        // Taken and let go at once: nobody holds it, so its run is gone.
        Ok(file) => file.try_lock().is_ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => age > UNLOCKED_AGE,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, by: Duration) {
        let then = std::time::SystemTime::now() - by;
        File::open(path).unwrap().set_modified(then).unwrap();
    }

    #[test]
    fn only_unlocked_old_entries_with_the_prefix_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let mk = |name: &str| {
            let p = root.path().join(name);
            fs::create_dir(&p).unwrap();
            fs::write(p.join(LOCK_FILE), b"").unwrap();
            age(&p, Duration::from_secs(7200));
            p
        };
        let dead = mk("strava-warehouse-run-dead");
        let live = mk("strava-warehouse-run-live");
        let held = File::open(live.join(LOCK_FILE)).unwrap();
        held.lock().unwrap();
        let young = root.path().join("strava-warehouse-run-young");
        fs::create_dir(&young).unwrap();
        let foreign = mk("someone-else");

        remove_stale(root.path(), RUN_DIR_PREFIX, |d| d.join(LOCK_FILE));

        assert!(!dead.exists(), "a dead run's directory is removed");
        assert!(live.exists(), "a live run's directory stays");
        assert!(young.exists(), "a directory too young to judge stays");
        assert!(foreign.exists(), "another program's directory stays");
    }
}
