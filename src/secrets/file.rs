//! The `file:PATH` secret store: a JSON file
//! `{"client_id": …, "client_secret": …, "refresh_token": …}` (client_id a
//! number or a string). A rotated refresh token is written atomically: a temp
//! file in the same directory, flushed to disk, then renamed over the old one,
//! so a crash leaves either the old file or the new one, never half.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{Credentials, RunLock, Secret, SecretsError};

pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn new(path: PathBuf) -> Self {
        FileStore { path }
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

    pub fn load(&self) -> Result<Credentials, SecretsError> {
        let map = self.read()?;
        Ok(Credentials {
            client_id: self.field(&map, "client_id")?,
            client_secret: Secret::new(self.field(&map, "client_secret")?),
            refresh_token: Secret::new(self.field(&map, "refresh_token")?),
        })
    }

    /// `PATH.lock` beside the secrets file, locked for the whole run.
    pub fn lock(&self) -> Result<RunLock, SecretsError> {
        let mut name = self.path.clone().into_os_string();
        name.push(".lock");
        let path = std::path::PathBuf::from(name);
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
        match file.try_lock() {
            Ok(()) => Ok(RunLock::new(file)),
            Err(fs::TryLockError::WouldBlock) => Err(SecretsError::Busy {
                lock: path.display().to_string(),
            }),
            Err(fs::TryLockError::Error(e)) => Err(SecretsError::Invalid(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    pub fn forget(&self) -> Result<String, SecretsError> {
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

    pub fn save_refresh_token(&self, token: &Secret) -> Result<(), SecretsError> {
        let map = self.read().map_err(|e| self.save_failed(e.to_string()))?;
        self.write(map, &[("refresh_token", token.expose())])
    }

    /// After `login`: the client id and secret and the first refresh token,
    /// creating the file when it does not exist (other fields are kept).
    pub fn save_login(&self, creds: &Credentials) -> Result<(), SecretsError> {
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
    pub fn client(&self) -> Option<(String, Secret)> {
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

    /// Sets `fields` in `map` and replaces the file atomically: a temp file in
    /// the same directory (mode 0600), flushed to disk, renamed over the old.
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
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| std::path::Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".strava-secrets")
            .tempfile_in(dir)
            .map_err(|e| {
                self.save_failed(format!(
                    "cannot create a temp file in {}: {e}",
                    dir.display()
                ))
            })?;
        tmp.write_all(&text)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.save_failed(e.to_string()))?;
        tmp.persist(&self.path)
            .map_err(|e| self.save_failed(e.error.to_string()))?;
        Ok(())
    }
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
