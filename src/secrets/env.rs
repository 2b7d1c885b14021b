//! The `env` secret store: `STRAVA_CLIENT_ID`, `STRAVA_CLIENT_SECRET` and
//! `STRAVA_REFRESH_TOKEN`. It can read but never save, so a rotated refresh
//! token is reported as an error once the data has loaded.

use super::{Credentials, Secret, SecretsError};

pub(crate) struct EnvStore;

const NAMES: [&str; 3] = [
    "STRAVA_CLIENT_ID",
    "STRAVA_CLIENT_SECRET",
    "STRAVA_REFRESH_TOKEN",
];

fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
        _ => None,
    }
}

impl EnvStore {
    /// All three, or one error naming every one that is missing (not one per
    /// run, fixing them one at a time).
    pub(crate) fn load(&self) -> Result<Credentials, SecretsError> {
        match NAMES.map(var) {
            [Some(id), Some(secret), Some(token)] => Ok(Credentials {
                client_id: id,
                client_secret: Secret::new(secret),
                refresh_token: Secret::new(token),
            }),
            values => {
                let missing: Vec<&str> = NAMES
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(n, _)| *n)
                    .collect();
                let verb = if missing.len() == 1 { "is" } else { "are" };
                Err(SecretsError::Missing(format!(
                    "{} {verb} not set: the `env` secret store needs STRAVA_CLIENT_ID, \
                     STRAVA_CLIENT_SECRET and STRAVA_REFRESH_TOKEN (or choose another store \
                     with --secrets, e.g. file:PATH after `strava-warehouse login`)",
                    missing.join(", ")
                )))
            }
        }
    }
}
