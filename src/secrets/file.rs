//! The `file:PATH` secret store: a JSON file
//! `{"client_id": …, "client_secret": …, "refresh_token": …}` (client_id a
//! number or a string).
//!
//! Responsible for: reading it; rewriting it atomically when Strava rotates
//! the refresh token (a temp file beside the real file, flushed to disk, then
//! renamed over it, so a crash leaves the old file or the new one, never
//! half); following a symlinked PATH once, so the link stays a link and a run
//! through the link and one through its target share one lock and one file;
//! finishing a save a killed run left between writing and renaming; and
//! proving the directory can be written before the token call. Not
//! responsible for: when to save (see `extract`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::{Credentials, RunLock, Secret, SecretsError};

/// Symlinks followed before giving up (the kernel's own limit for a path).
const MAX_LINKS: usize = 40;

pub(crate) struct FileStore {
    /// The real file: `PATH` with its symlinks resolved and its directory
    /// made absolute. Every read, write and lock goes here.
    path: PathBuf,
}

/// `path` with every symlink on its last component followed and its
/// directory canonical. The file itself may not exist yet (`login` creates
/// it), so `fs::canonicalize` alone cannot be used on it.
fn resolve(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&p) {
                // A relative target is relative to the link's directory.
                Ok(target) => p = p.parent().unwrap_or(Path::new("")).join(target),
                Err(_) => break,
            },
            _ => break,
        }
    }
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (fs::canonicalize(dir), p.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => p,
    }
}

impl FileStore {
    pub(crate) fn new(path: PathBuf) -> Self {
        FileStore {
            path: resolve(&path),
        }
    }

    fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| Path::new("."))
    }

    /// Temp files of this store start with this: `.NAME.saving-`, so that a
    /// leftover is known to belong to this file and no other in the directory.
    fn temp_prefix(&self) -> String {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(".{name}.saving-")
    }

    fn temp_file(&self) -> std::io::Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix(&self.temp_prefix())
            .tempfile_in(self.dir())
    }

    fn read(&self) -> Result<Map<String, Value>, SecretsError> {
        let text = fs::read_to_string(&self.path).map_err(|e| {
            SecretsError::Missing(format!(
                "cannot read the secrets file {}: {e}; create it with client_id, client_secret \
                 and refresh_token, or run `strava-warehouse login`",
                self.path.display()
            ))
        })?;
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => Ok(map),
            // The parser's message can quote the file's text; never echo it.
            _ => Err(SecretsError::Invalid(format!(
                "the secrets file {} is not a JSON object like \
                 {{\"client_id\": 123, \"client_secret\": \"...\", \"refresh_token\": \"...\"}}",
                self.path.display()
            ))),
        }
    }

    fn field(&self, map: &Map<String, Value>, name: &str) -> Result<String, SecretsError> {
        match map.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(Value::Number(n)) if name == "client_id" => Ok(n.to_string()),
            _ => Err(SecretsError::Invalid(format!(
                "the secrets file {} has no usable `{name}`",
                self.path.display()
            ))),
        }
    }

    pub(crate) fn load(&self) -> Result<Credentials, SecretsError> {
        let map = self.read()?;
        Ok(Credentials {
            client_id: self.field(&map, "client_id")?,
            client_secret: Secret::new(self.field(&map, "client_secret")?),
            refresh_token: Secret::new(self.field(&map, "refresh_token")?),
        })
    }

    /// `PATH.lock` beside the real secrets file, locked for the whole run;
    /// then, under the lock, a save a killed run left unfinished is finished
    /// and the directory is proven writable, both before any token call.
    pub(crate) fn lock(&self) -> Result<RunLock, SecretsError> {
        let mut name = self.path.clone().into_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                SecretsError::Invalid(format!(
                    "cannot create the lock file {}: {e}",
                    path.display()
                ))
            })?;
        let lock = match file.try_lock() {
            Ok(()) => RunLock::new(file),
            Err(fs::TryLockError::WouldBlock) => {
                return Err(SecretsError::Busy {
                    lock: path.display().to_string(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(SecretsError::Invalid(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        };
        self.finish_interrupted_save()?;
        self.check_writable()?;
        Ok(lock)
    }

    /// A token Strava rotates must be saved before anything else, and it is
    /// saved through a new file in this directory: if none can be created,
    /// say so now, while the stored token still works.
    fn check_writable(&self) -> Result<(), SecretsError> {
        self.temp_file().map(drop).map_err(|e| self.unwritable(&e))
    }

    fn unwritable(&self, e: &std::io::Error) -> SecretsError {
        SecretsError::Invalid(format!(
            "cannot create files in {}, the directory of the secrets file {} ({e}); a refresh \
             token Strava rotates is saved through a new file there, so no token call was made \
             and the stored token still works. Make the directory writable for this user, or \
             move the secrets file to one that is",
            self.dir().display(),
            self.path.display()
        ))
    }

    /// A run killed between writing its temp file and renaming it leaves the
    /// only copy of a newly rotated token in `.NAME.saving-*`. A complete one
    /// written after the secrets file last changed is that save: it is
    /// renamed into place. Any other (cut short, older, a probe) is removed.
    fn finish_interrupted_save(&self) -> Result<(), SecretsError> {
        let prefix = self.temp_prefix();
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return Ok(());
        };
        let current = fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        let mut complete: Vec<(SystemTime, PathBuf)> = Vec::new();
        let mut stale = Vec::new();
        for entry in entries.flatten() {
            if !entry.file_name().to_string_lossy().starts_with(&prefix) {
                continue;
            }
            let path = entry.path();
            // Never follow or remove anything this store did not create.
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if !meta.file_type().is_file() {
                continue;
            }
            // A secrets file is a few hundred bytes; anything far bigger is not one.
            if meta.len() > 64 * 1024 {
                stale.push(path);
                continue;
            }
            match (meta.modified(), current) {
                (Ok(written), Some(changed)) if written >= changed && holds_a_token(&path) => {
                    complete.push((written, path))
                }
                (Ok(written), None) if holds_a_token(&path) => complete.push((written, path)),
                _ => stale.push(path),
            }
        }
        complete.sort();
        let newest = complete.pop();
        stale.extend(complete.into_iter().map(|(_, path)| path));
        if let Some((_, saved)) = newest {
            fs::rename(&saved, &self.path).map_err(|e| self.unwritable(&e))?;
            self.sync_dir();
            tracing::warn!(
                "an earlier run was stopped while saving a rotated refresh token; finished that \
                 save: {} now holds the newest token",
                self.path.display()
            );
        }
        for path in stale {
            if fs::remove_file(&path).is_ok() {
                tracing::info!(
                    "removed {}, an unfinished save left by an earlier run",
                    path.display()
                );
            }
        }
        Ok(())
    }

    /// Makes a rename in the directory durable; some filesystems cannot, and
    /// the rename itself has happened either way.
    fn sync_dir(&self) {
        if let Ok(dir) = fs::File::open(self.dir()) {
            let _ = dir.sync_all();
        }
    }

    pub(crate) fn forget(&self) -> Result<String, SecretsError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(format!("secrets file {}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(format!(
                "secrets file {} (already gone)",
                self.path.display()
            )),
            Err(e) => Err(SecretsError::SaveFailed {
                store: format!("file:{}", self.path.display()),
                detail: format!("cannot delete it: {e}"),
            }),
        }
    }

    pub(crate) fn save_refresh_token(&self, token: &Secret) -> Result<(), SecretsError> {
        let map = self.read().map_err(|e| self.save_failed(e.to_string()))?;
        self.write(map, &[("refresh_token", token.expose())])
    }

    /// After `login`: the client id and secret and the first refresh token,
    /// creating the file when it does not exist (other fields are kept).
    pub(crate) fn save_login(&self, creds: &Credentials) -> Result<(), SecretsError> {
        let map = if self.path.exists() {
            self.read().map_err(|e| self.save_failed(e.to_string()))?
        } else {
            Map::new()
        };
        self.write(
            map,
            &[
                ("client_id", creds.client_id.as_str()),
                ("client_secret", creds.client_secret.expose()),
                ("refresh_token", creds.refresh_token.expose()),
            ],
        )
    }

    /// The client id and secret already in the file, if any (for `login`).
    pub(crate) fn client(&self) -> Option<(String, Secret)> {
        let map = self.read().ok()?;
        let id = self.field(&map, "client_id").ok()?;
        let secret = self.field(&map, "client_secret").ok()?;
        Some((id, Secret::new(secret)))
    }

    fn save_failed(&self, detail: String) -> SecretsError {
        SecretsError::SaveFailed {
            store: format!("file:{}", self.path.display()),
            detail,
        }
    }

    /// Sets `fields` in `map` and replaces the real file atomically: a temp
    /// file in its directory (mode 0600), flushed to disk, renamed over it.
    fn write(
        &self,
        mut map: Map<String, Value>,
        fields: &[(&str, &str)],
    ) -> Result<(), SecretsError> {
        for (k, v) in fields {
            map.insert((*k).into(), Value::String((*v).to_string()));
        }
        let text = serde_json::to_vec_pretty(&Value::Object(map))
            .map_err(|e| self.save_failed(e.to_string()))?;
        let mut tmp = self.temp_file().map_err(|e| {
            self.save_failed(format!(
                "cannot create a temp file in {}: {e}",
                self.dir().display()
            ))
        })?;
        tmp.write_all(&text)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.save_failed(e.to_string()))?;
        tmp.persist(&self.path)
            .map_err(|e| self.save_failed(e.error.to_string()))?;
        self.sync_dir();
        Ok(())
    }
}

/// A complete secrets file with a refresh token: what a save wrote in full
/// before it was stopped (one cut short does not parse).
fn holds_a_token(path: &Path) -> bool {
    let Ok(bytes) = fs::read(path) else {
        return false;
    };
    serde_json::from_slice::<Value>(&bytes).is_ok_and(|v| {
        v.get("refresh_token")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_token_replaces_only_the_refresh_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        fs::write(
            &path,
            r#"{"client_id": 42, "client_secret": "s", "refresh_token": "old", "note": "kept"}"#,
        )
        .unwrap();
        let store = FileStore::new(path.clone());
        store.save_refresh_token(&Secret::new("new")).unwrap();
        let creds = store.load().unwrap();
        assert_eq!(creds.client_id, "42");
        assert_eq!(creds.refresh_token.expose(), "new");
        assert!(fs::read_to_string(&path).unwrap().contains("kept"));
    }

    #[test]
    fn a_rotation_that_cannot_be_saved_says_to_log_in_again_without_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("gone.json"));
        let err = store
            .save_refresh_token(&Secret::new("rt-new-secret"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("strava-warehouse login") && err.contains("gone.json"),
            "{err}"
        );
        assert!(!err.contains("rt-new-secret"), "{err}");
    }

    #[test]
    fn a_malformed_file_is_named_without_echoing_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        fs::write(&path, "refresh_token=topsecret").unwrap();
        let err = FileStore::new(path).load().unwrap_err().to_string();
        assert!(
            err.contains("c.json") && !err.contains("topsecret"),
            "{err}"
        );
    }
}
