//! Where the Strava credentials live: the client id, the client secret and the
//! refresh token, read before a sync and, when Strava rotates the refresh
//! token, written back before any other call.
//!
//! Responsible for: the `--secrets` stores (`env`, `file:PATH`, `gcp:PROJECT`),
//! keeping secret values out of every `Debug` and `Display`, and registering
//! each with `redact` as it is created. Not responsible for: talking to Strava
//! (see `strava::oauth`).

pub(crate) mod env;
pub(crate) mod file;
pub mod gcp;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A secret value. `Debug` and `Display` never show it; `expose` is the one way out.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Also registers the value with `redact`, so that no text leaving the
    /// process can carry it, even when an upstream echoes it back.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        crate::redact::register(&value);
        Secret(value)
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) refresh_token: Secret,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SecretsError {
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "Strava issued a new refresh token and the old one no longer works, but the `env` secret \
         store cannot save it. Run `strava-warehouse login` with `--secrets file:PATH` (or \
         `gcp:PROJECT`) and use that store from now on."
    )]
    CannotPersist,
    #[error(
        "another strava-warehouse run is using these credentials (it holds {lock}); two runs \
         must never refresh the same token at once, so this one did nothing. Run again when it \
         has finished; the lock is released when that process ends, so a leftover file is harmless."
    )]
    Busy { lock: String },
    #[error(
        "Strava issued a new refresh token but saving it to {store} failed ({detail}); the old \
         token no longer works. Run `strava-warehouse login` to authorize again."
    )]
    SaveFailed { store: String, detail: String },
}

impl SecretsError {
    /// True when the store's settings are wrong (exit code 2), not the run.
    pub(crate) fn is_config(&self) -> bool {
        matches!(self, SecretsError::Missing(_) | SecretsError::Invalid(_))
    }
}

/// The `--secrets` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretsSpec {
    Env,
    File(PathBuf),
    Gcp(String),
}

impl FromStr for SecretsSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            None if s == "env" => Ok(SecretsSpec::Env),
            Some(("file", path)) if !path.is_empty() => Ok(SecretsSpec::File(path.into())),
            Some(("gcp", project)) if !project.is_empty() => Ok(SecretsSpec::Gcp(project.into())),
            Some(("gcp", _)) => Err(format!(
                "`{s}` names no project: write gcp:PROJECT, the Google Cloud project that holds \
                 the secrets"
            )),
            Some(("file", _)) => Err(format!(
                "`{s}` names no file: write file:PATH, e.g. file:strava-secrets.json"
            )),
            _ => Err(format!(
                "unknown secret store `{s}`: use `env`, `file:PATH` or `gcp:PROJECT`"
            )),
        }
    }
}

impl fmt::Display for SecretsSpec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            SecretsSpec::Env => f.write_str("env"),
            SecretsSpec::File(p) => write!(f, "file:{}", p.display()),
            SecretsSpec::Gcp(p) => write!(f, "gcp:{p}"),
        }
    }
}

/// The `--secrets` store, and how the `gcp:` store reaches Secret Manager
/// (each a flag with an environment twin, like every other setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretsSettings {
    pub spec: SecretsSpec,
    pub secret_manager: gcp::SecretManagerSettings,
}

impl fmt::Display for SecretsSettings {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.spec.fmt(f)
    }
}

/// Holds the run lock until dropped (the OS releases it if the process dies).
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    fn new(file: std::fs::File) -> Self {
        RunLock { _file: file }
    }
}

/// A place credentials are read from and the rotated refresh token written to.
pub(crate) enum SecretStore {
    Env(env::EnvStore),
    File(file::FileStore),
    Gcp(Box<gcp::GcpStore>),
}

impl SecretStore {
    pub(crate) async fn open(settings: &SecretsSettings) -> Result<Self, SecretsError> {
        match &settings.spec {
            SecretsSpec::Env => Ok(SecretStore::Env(env::EnvStore)),
            SecretsSpec::File(path) => Ok(SecretStore::File(file::FileStore::new(path.clone()))),
            SecretsSpec::Gcp(project) => Ok(SecretStore::Gcp(Box::new(
                gcp::GcpStore::open(project, &settings.secret_manager).await?,
            ))),
        }
    }

    pub(crate) async fn load(&self) -> Result<Credentials, SecretsError> {
        match self {
            SecretStore::Env(s) => s.load(),
            SecretStore::File(s) => s.load(),
            SecretStore::Gcp(s) => s.load().await,
        }
    }

    /// Takes the run lock for these credentials, held until the returned
    /// guard is dropped: two runs refreshing one token would kill each other's
    /// (Strava invalidates the old refresh token when it issues a new one).
    /// For `file:` it also finishes a save a killed run left behind and checks
    /// that a rotated token can be saved, so call it before the token call.
    /// The `env` store has no file to lock; Cloud Run runs one task at a time.
    pub(crate) fn lock(&self) -> Result<Option<RunLock>, SecretsError> {
        match self {
            // Cloud Run runs the job with parallelism 1 (terraform/run_job.tf).
            SecretStore::Env(_) | SecretStore::Gcp(_) => Ok(None),
            SecretStore::File(s) => s.lock().map(Some),
        }
    }

    /// Stores what `login` obtained. The `env` store cannot keep anything.
    pub(crate) async fn save_login(&self, creds: &Credentials) -> Result<(), SecretsError> {
        match self {
            SecretStore::Env(_) => Err(SecretsError::Invalid(
                "`login` needs a store that can keep the refresh token: pass --secrets file:PATH"
                    .into(),
            )),
            SecretStore::File(s) => s.save_login(creds),
            SecretStore::Gcp(s) => s.save_login(creds).await,
        }
    }

    /// The client id and secret the store already holds, if any.
    pub(crate) async fn client(&self) -> Option<(String, Secret)> {
        match self {
            SecretStore::Env(_) => None,
            SecretStore::File(s) => s.client(),
            SecretStore::Gcp(s) => s.client().await,
        }
    }

    /// Deletes the stored credentials (`purge --credentials`); returns what
    /// was deleted, or says what the user has to do where the store cannot.
    pub(crate) fn forget(&self) -> Result<String, SecretsError> {
        match self {
            SecretStore::Env(_) => Err(SecretsError::Invalid(
                "the `env` secret store is the environment of whoever runs the job: unset \
                 STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET and STRAVA_REFRESH_TOKEN there"
                    .into(),
            )),
            SecretStore::File(s) => s.forget(),
            SecretStore::Gcp(s) => Err(SecretsError::Invalid(s.forget_instructions())),
        }
    }

    /// Saves a rotated refresh token. Called before any other Strava call.
    pub(crate) async fn save_refresh_token(&self, token: &Secret) -> Result<(), SecretsError> {
        match self {
            SecretStore::Env(_) => Err(SecretsError::CannotPersist),
            SecretStore::File(s) => s.save_refresh_token(token),
            SecretStore::Gcp(s) => s.save_refresh_token(token).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_or_display() {
        let c = Credentials {
            client_id: "1".into(),
            client_secret: Secret::new("hunter2"),
            refresh_token: Secret::new("rt-abc"),
        };
        let shown = format!("{c:?} {}", c.refresh_token);
        assert!(
            !shown.contains("hunter2") && !shown.contains("rt-abc"),
            "{shown}"
        );
    }

    #[test]
    fn secrets_settings_parse_and_reject_unknown_schemes() {
        assert_eq!("env".parse::<SecretsSpec>(), Ok(SecretsSpec::Env));
        assert_eq!(
            "file:/x/c.json".parse::<SecretsSpec>(),
            Ok(SecretsSpec::File("/x/c.json".into()))
        );
        assert!("vault:x".parse::<SecretsSpec>().is_err());
    }

    #[test]
    fn a_store_without_its_project_or_path_says_what_is_missing() {
        let gcp = "gcp:".parse::<SecretsSpec>().unwrap_err();
        assert!(gcp.contains("names no project"), "{gcp}");
        let file = "file:".parse::<SecretsSpec>().unwrap_err();
        assert!(file.contains("names no file"), "{file}");
    }
}
