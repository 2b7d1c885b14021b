//! `strava-warehouse doctor` (like `dbt debug`): checks the setup without
//! running a sync, one line per check, OK or FAIL with what to do.
//!
//! Responsible for: the Strava side (the secret store, the refresh token, the
//! rate-limit budget) and the report's shape. The token is refreshed only
//! where a rotated one can be saved (a `file:` or `gcp:` store, under the run
//! lock a sync takes): with the `env` store a refresh could kill the only copy
//! of the token, so that check is skipped and says why. Not responsible for:
//! the warehouse check (`main` opens the chosen warehouse and asks it to
//! count, read-only), or fixing anything.

use std::fmt;

use crate::extract::ApiSettings;
use crate::secrets::{SecretStore, SecretsError, SecretsSpec};
use crate::strava::StravaClient;
use crate::strava::ratelimit::Window;

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    /// Not checked, and why (not a failure).
    Skip(String),
    /// What is wrong and what to do.
    Fail(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub(crate) name: &'static str,
    pub(crate) outcome: Outcome,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let (word, text) = match &self.outcome {
            Outcome::Ok(t) => ("OK  ", t),
            Outcome::Skip(t) => ("SKIP", t),
            Outcome::Fail(t) => ("FAIL", t),
        };
        write!(f, "{word}  {:<16}{text}", self.name)
    }
}

impl Check {
    pub fn new(name: &'static str, outcome: Outcome) -> Self {
        Check { name, outcome }
    }
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Fail(_))
    }
}

/// The Strava checks, in order; a check whose prerequisite failed is skipped.
pub async fn strava(settings: &ApiSettings) -> Vec<Check> {
    let mut checks = Vec::new();
    let skip = |why: &str| Outcome::Skip(why.to_string());
    let store = match SecretStore::open(&settings.secrets).await {
        Ok(store) => store,
        Err(e) => {
            checks.push(Check::new("secret store", Outcome::Fail(e.to_string())));
            checks.push(Check::new("Strava token", skip("no secret store")));
            checks.push(Check::new("rate limit", skip("no access token")));
            return checks;
        }
    };
    let creds = match store.load().await {
        Ok(creds) => {
            checks.push(Check::new(
                "secret store",
                Outcome::Ok(format!(
                    "{} holds a client id, client secret and refresh token",
                    settings.secrets
                )),
            ));
            creds
        }
        Err(e) => {
            checks.push(Check::new("secret store", Outcome::Fail(e.to_string())));
            checks.push(Check::new("Strava token", skip("no credentials")));
            checks.push(Check::new("rate limit", skip("no access token")));
            return checks;
        }
    };
    if settings.secrets.spec == SecretsSpec::Env {
        checks.push(Check::new(
            "Strava token",
            skip(
                "the env store cannot save a rotated refresh token, so doctor does not refresh \
                 it (sync will); use --secrets file:PATH or gcp:PROJECT to check it here",
            ),
        ));
        checks.push(Check::new("rate limit", skip("no access token")));
        return checks;
    }
    // The same lock a sync takes: never two refreshes of one token at once.
    let _lock = match store.lock() {
        Ok(lock) => lock,
        Err(e) => {
            checks.push(Check::new("Strava token", Outcome::Fail(e.to_string())));
            checks.push(Check::new("rate limit", skip("no access token")));
            return checks;
        }
    };
    let client = match StravaClient::new(
        &settings.api_url,
        &settings.oauth_url,
        settings.http.clone(),
    ) {
        Ok(c) => c,
        Err(e) => {
            checks.push(Check::new("Strava token", Outcome::Fail(e.to_string())));
            return checks;
        }
    };
    let token = match client.refresh(&creds).await {
        Ok(grant) => {
            let saved = match &grant.rotated_refresh_token {
                Some(new) => match store.save_refresh_token(new).await {
                    Ok(()) => format!(
                        "; Strava rotated the refresh token, saved to {}",
                        settings.secrets
                    ),
                    Err(e) => {
                        checks.push(Check::new("Strava token", Outcome::Fail(save_failed(&e))));
                        return checks;
                    }
                },
                None => String::new(),
            };
            checks.push(Check::new(
                "Strava token",
                Outcome::Ok(format!("the refresh token works{saved}")),
            ));
            grant.access_token
        }
        Err(e) => {
            checks.push(Check::new("Strava token", Outcome::Fail(e.to_string())));
            checks.push(Check::new("rate limit", skip("no access token")));
            return checks;
        }
    };
    // One read call: its headers carry the rate-limit usage.
    let outcome = match client.athlete(&token).await {
        Err(e) => Outcome::Fail(e.to_string()),
        Ok(_) => match client.http().last_reading() {
            None => Outcome::Ok("Strava sent no rate-limit headers".into()),
            Some(r) => match (r.left(Window::FifteenMinutes), r.left(Window::Daily)) {
                (_, Some(0)) => Outcome::Fail(format!(
                    "today's calls are spent ({}); a sync now exits 3: run it after midnight UTC",
                    r.describe()
                )),
                (Some(0), _) => Outcome::Fail(format!(
                    "this 15-minute window is spent ({}); wait for the next quarter hour",
                    r.describe()
                )),
                _ => Outcome::Ok(r.describe()),
            },
        },
    };
    checks.push(Check::new("rate limit", outcome));
    checks
}

fn save_failed(e: &SecretsError) -> String {
    format!(
        "Strava rotated the refresh token and saving it failed: {e}. The old token is dead; \
         run `strava-warehouse login` again"
    )
}
