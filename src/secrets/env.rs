//! The `env` secret store: `STRAVA_CLIENT_ID`, `STRAVA_CLIENT_SECRET` and
//! `STRAVA_REFRESH_TOKEN`. It can read but never save, so a rotated refresh
//! token is reported as an error once the data has loaded.

use super::{Credentials, Secret, SecretsError};

pub struct EnvStore;

fn var(name: &str) -> Result<String, SecretsError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(SecretsError::Missing(format!(
            "{name} is not set: the `env` secret store needs STRAVA_CLIENT_ID, \
             STRAVA_CLIENT_SECRET and STRAVA_REFRESH_TOKEN (or choose another store with --secrets)"
        ))),
    }
}

impl EnvStore {
    pub fn load(&self) -> Result<Credentials, SecretsError> {
        Ok(Credentials {
            client_id: var("STRAVA_CLIENT_ID")?,
            client_secret: Secret::new(var("STRAVA_CLIENT_SECRET")?),
            refresh_token: Secret::new(var("STRAVA_REFRESH_TOKEN")?),
        })
    }
}
