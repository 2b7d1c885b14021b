//! Exit codes, the contract with schedulers and scripts: 0 done; 1 failed,
//! nothing replaced; 2 bad usage or configuration; 3 Strava's rate limit was
//! reached, safe to run again later; 130 / 143 stopped by SIGINT / SIGTERM. Decided from the typed error anywhere in
//! the error's chain.

use crate::raw::RawError;
use crate::secrets::SecretsError;
use crate::strava::StravaError;

pub const FAILED: u8 = 1;
pub(crate) const CONFIG: u8 = 2;
pub(crate) const RATE_LIMITED: u8 = 3;

/// A setting that is wrong or missing; the message names it and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

pub fn code(err: &anyhow::Error) -> u8 {
    if let Some(signal) = crate::interrupt::signal_of(err) {
        return signal.exit_code();
    }
    for cause in err.chain() {
        if cause.downcast_ref::<ConfigError>().is_some() {
            return CONFIG;
        }
        if let Some(e) = cause.downcast_ref::<SecretsError>()
            && e.is_config()
        {
            return CONFIG;
        }
        if let Some(e) = cause.downcast_ref::<RawError>()
            && e.is_config()
        {
            return CONFIG;
        }
        if let Some(e) = cause.downcast_ref::<StravaError>()
            && e.is_rate_limit()
        {
            return RATE_LIMITED;
        }
    }
    FAILED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_wrapped_in_context_still_exits_3() {
        let e = anyhow::Error::from(StravaError::RateLimited {
            window: crate::strava::ratelimit::Window::Daily,
            usage: String::new(),
            resets_at: chrono::Utc::now(),
        })
        .context("sync failed");
        assert_eq!(code(&e), RATE_LIMITED);
    }

    #[test]
    fn a_missing_secret_is_a_configuration_error() {
        let e = anyhow::Error::from(SecretsError::Missing("x".into()));
        assert_eq!(code(&e), CONFIG);
    }

    #[test]
    fn anything_else_is_a_failure() {
        assert_eq!(code(&anyhow::anyhow!("boom")), FAILED);
    }
}
