//! Typed Strava failures; callers branch on them (exit code 3 for rate limits,
//! `login` advice for dead tokens). Messages never carry a token.

use chrono::{DateTime, Utc};

use super::ratelimit::Window;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StravaError {
    #[error(
        "Strava's {window} rate limit is reached ({usage}); nothing was replaced. \
         It resets at {}; run the sync again after that.",
        when(resets_at)
    )]
    RateLimited {
        window: Window,
        usage: String,
        resets_at: DateTime<Utc>,
    },
    #[error(
        "Strava's {window} rate limit has {left} calls left and this sync needs about {needed}; \
         stopped before spending them, nothing was replaced. It resets at {}; \
         run the sync again after that.",
        when(resets_at)
    )]
    BudgetTooSmall {
        window: Window,
        left: u64,
        needed: u64,
        resets_at: DateTime<Utc>,
    },
    #[error(
        "Strava rejected the refresh token (it was revoked, or replaced by a newer one). \
         Run `strava-warehouse login` to authorize again; if the athlete revoked access, run \
         `strava-warehouse purge --credentials` instead: Strava's terms require deleting their \
         data within 30 days."
    )]
    RefreshTokenRejected,
    #[error(
        "Strava rejected the authorization code (it is single-use and expires within minutes); \
         run `strava-warehouse login` again"
    )]
    CodeRejected,
    #[error(
        "Strava rejected the application credentials ({field} invalid): check the client id \
         and client secret in the secret store."
    )]
    ClientRejected { field: String },
    #[error(
        "Strava rejected the access token even after a fresh token refresh; the athlete may \
         have revoked access. Run `strava-warehouse login` to authorize again."
    )]
    AccessTokenRejected,
    #[error(
        "the Strava token lacks the `{scope}` scope, so Strava refuses to list activities. \
         Run `strava-warehouse login` and keep `activity:read_all` ticked on Strava's page."
    )]
    ScopeMissing { scope: String },
    #[error(
        "Strava answered 403 Inactive: the application is inactive. Since June 2026 the owner of \
         a Strava API application needs an active Strava subscription; renew it, then run the sync again."
    )]
    Inactive,
    #[error("Strava refused {what} with HTTP {status}: {detail}")]
    Refused {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("could not reach Strava for {what} after {attempts} attempts: {detail}")]
    Unreachable {
        what: String,
        attempts: u32,
        detail: String,
    },
    #[error(
        "{what} reached Strava but its answer was lost ({detail}). It was not sent again: \
         Strava may already have rotated the refresh token in that lost answer, and then the \
         stored one no longer works. Run the sync again; if Strava rejects the refresh token, \
         run `strava-warehouse login` to authorize again."
    )]
    AnswerLost { what: String, detail: String },
    #[error(
        "{what}: the response is larger than {} (MAX_PAGE_BYTES), so it was not read to the end \
         and nothing was replaced. A page of 200 activities is about 0.3 MB; a body this large is \
         not one Strava sends (a proxy or a misconfigured STRAVA_API_URL may be in between)",
        crate::strava::http::human_bytes(*limit)
    )]
    TooLarge { what: String, limit: u64 },
    #[error("Strava's token response could not be read: {0}")]
    BadTokenResponse(String),
}

impl StravaError {
    pub(crate) fn is_rate_limit(&self) -> bool {
        matches!(
            self,
            StravaError::RateLimited { .. } | StravaError::BudgetTooSmall { .. }
        )
    }
}

/// A reset time to the second, in UTC, said once: "2026-12-01 15:00:00 UTC".
fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_rate_limit_message_gives_the_reset_time_to_the_second_saying_utc_once() {
        let e = StravaError::RateLimited {
            window: Window::Daily,
            usage: "1000/1000".into(),
            resets_at: Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap(),
        };
        let text = e.to_string();
        assert!(
            text.contains("resets at 2026-12-02 00:00:00 UTC;"),
            "{text}"
        );
        assert_eq!(text.matches("UTC").count(), 1, "{text}");
    }
}
