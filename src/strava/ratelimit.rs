//! Strava's rate-limit budget: the `X-RateLimit-*` and `X-ReadRateLimit-*`
//! headers ("15min,daily" pairs) and when each window resets.
//!
//! Responsible for: parsing the headers (case-insensitively), keeping the
//! latest reading, and saying which window is spent and when it resets. Not
//! responsible for: deciding to retry (see `http`).

use std::fmt;

use chrono::{DateTime, Duration, DurationRound, Utc};
use reqwest::header::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    FifteenMinutes,
    Daily,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Window::FifteenMinutes => "15-minute",
            Window::Daily => "daily",
        })
    }
}

impl Window {
    /// 15-minute windows reset at :00, :15, :30 and :45; the daily one at midnight UTC.
    pub(crate) fn resets_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let step = match self {
            Window::FifteenMinutes => Duration::minutes(15),
            Window::Daily => Duration::days(1),
        };
        now.duration_trunc(step).unwrap_or(now) + step
    }
}

/// A "15min,daily" pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) fifteen_min: u64,
    pub(crate) daily: u64,
}

/// Limits and usage from one response; `read` is the non-upload limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reading {
    pub(crate) overall_limit: Option<Pair>,
    pub(crate) overall_usage: Option<Pair>,
    pub(crate) read_limit: Option<Pair>,
    pub(crate) read_usage: Option<Pair>,
}

fn pair(headers: &HeaderMap, name: &str) -> Option<Pair> {
    // HeaderMap lookups are case-insensitive already.
    let text = headers.get(name)?.to_str().ok()?;
    let (a, b) = text.split_once(',')?;
    Some(Pair {
        fifteen_min: a.trim().parse().ok()?,
        daily: b.trim().parse().ok()?,
    })
}

impl Reading {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Reading> {
        let r = Reading {
            overall_limit: pair(headers, "x-ratelimit-limit"),
            overall_usage: pair(headers, "x-ratelimit-usage"),
            read_limit: pair(headers, "x-readratelimit-limit"),
            read_usage: pair(headers, "x-readratelimit-usage"),
        };
        (r != Reading::default()).then_some(r)
    }

    /// The window that is spent: daily if any daily usage reached its limit,
    /// else the 15-minute one (also the guess when headers are missing).
    pub(crate) fn spent_window(&self) -> Window {
        let daily_spent = |l: Option<Pair>, u: Option<Pair>| match (l, u) {
            (Some(l), Some(u)) => u.daily >= l.daily,
            _ => false,
        };
        if daily_spent(self.overall_limit, self.overall_usage)
            || daily_spent(self.read_limit, self.read_usage)
        {
            Window::Daily
        } else {
            Window::FifteenMinutes
        }
    }

    pub(crate) fn describe(&self) -> String {
        let show = |l: Option<Pair>, u: Option<Pair>| match (l, u) {
            (Some(l), Some(u)) => format!(
                "{}/{} in 15 min, {}/{} today",
                u.fifteen_min, l.fifteen_min, u.daily, l.daily
            ),
            _ => "unknown".to_string(),
        };
        format!(
            "read {}; overall {}",
            show(self.read_limit, self.read_usage),
            show(self.overall_limit, self.overall_usage)
        )
    }
}

/// What to do before paging, given the calls the sync will need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// Enough calls left (or no headers to say otherwise).
    Go,
    /// The 15-minute window is too nearly spent but resets soon: wait, then go.
    WaitUntil(DateTime<Utc>),
    /// Not enough calls left and the reset is too far off: stop, spend nothing.
    Stop {
        window: Window,
        left: u64,
        resets_at: DateTime<Utc>,
    },
}

impl Reading {
    /// Calls left in a window: the smaller of the read and the overall budgets.
    pub(crate) fn left(&self, window: Window) -> Option<u64> {
        let pick = |p: Pair| match window {
            Window::FifteenMinutes => p.fifteen_min,
            Window::Daily => p.daily,
        };
        let left = |l: Option<Pair>, u: Option<Pair>| Some(pick(l?).saturating_sub(pick(u?)));
        match (
            left(self.read_limit, self.read_usage),
            left(self.overall_limit, self.overall_usage),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether `needed` more calls fit, waiting at most `max_wait` for the
    /// 15-minute window to reset. Strava counts refused calls too, so starting
    /// a sync that cannot finish only wastes budget.
    pub(crate) fn budget(&self, needed: u64, now: DateTime<Utc>, max_wait: Duration) -> Budget {
        if let Some(left) = self.left(Window::Daily)
            && left < needed
        {
            let resets_at = Window::Daily.resets_at(now);
            return Budget::Stop {
                window: Window::Daily,
                left,
                resets_at,
            };
        }
        match self.left(Window::FifteenMinutes) {
            Some(left) if left < needed => {
                let resets_at = Window::FifteenMinutes.resets_at(now);
                if resets_at - now <= max_wait {
                    Budget::WaitUntil(resets_at)
                } else {
                    Budget::Stop {
                        window: Window::FifteenMinutes,
                        left,
                        resets_at,
                    }
                }
            }
            _ => Budget::Go,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn headers_are_read_whatever_their_case() {
        let r = Reading::from_headers(&headers(&[
            ("X-Readratelimit-Limit", "100,1000"),
            ("x-readratelimit-usage", "8, 151"),
        ]))
        .unwrap();
        assert_eq!(
            r.read_limit,
            Some(Pair {
                fifteen_min: 100,
                daily: 1000
            })
        );
        assert_eq!(
            r.read_usage,
            Some(Pair {
                fifteen_min: 8,
                daily: 151
            })
        );
    }

    #[test]
    fn a_spent_daily_budget_names_the_daily_window() {
        let r = Reading::from_headers(&headers(&[
            ("x-readratelimit-limit", "100,1000"),
            ("x-readratelimit-usage", "20,1000"),
        ]))
        .unwrap();
        assert_eq!(r.spent_window(), Window::Daily);
    }

    fn nearly_spent(usage_15: u64, usage_daily: u64) -> Reading {
        Reading::from_headers(&headers(&[
            ("x-readratelimit-limit", "100,1000"),
            (
                "x-readratelimit-usage",
                &format!("{usage_15},{usage_daily}"),
            ),
        ]))
        .unwrap()
    }

    #[test]
    fn a_budget_with_room_goes() {
        let now: DateTime<Utc> = "2026-11-23T10:07:00Z".parse().unwrap();
        assert_eq!(
            nearly_spent(10, 100).budget(5, now, Duration::minutes(5)),
            Budget::Go
        );
    }

    #[test]
    fn a_nearly_spent_window_that_resets_soon_is_waited_for() {
        let now: DateTime<Utc> = "2026-11-23T10:13:00Z".parse().unwrap();
        assert_eq!(
            nearly_spent(98, 100).budget(5, now, Duration::minutes(5)),
            Budget::WaitUntil("2026-11-23T10:15:00Z".parse().unwrap())
        );
    }

    #[test]
    fn a_nearly_spent_window_that_resets_late_stops_the_run() {
        let now: DateTime<Utc> = "2026-11-23T10:01:00Z".parse().unwrap();
        assert!(matches!(
            nearly_spent(98, 100).budget(5, now, Duration::minutes(5)),
            Budget::Stop {
                window: Window::FifteenMinutes,
                left: 2,
                ..
            }
        ));
    }

    #[test]
    fn a_spent_day_stops_the_run_whatever_the_wait_allowed() {
        let now: DateTime<Utc> = "2026-11-23T10:14:00Z".parse().unwrap();
        assert!(matches!(
            nearly_spent(0, 998).budget(5, now, Duration::hours(24)),
            Budget::Stop {
                window: Window::Daily,
                ..
            }
        ));
    }

    #[test]
    fn windows_reset_at_the_next_quarter_hour_and_at_midnight() {
        let now: DateTime<Utc> = "2026-11-23T10:07:12Z".parse().unwrap();
        assert_eq!(
            Window::FifteenMinutes.resets_at(now).to_rfc3339(),
            "2026-11-23T10:15:00+00:00"
        );
        assert_eq!(
            Window::Daily.resets_at(now).to_rfc3339(),
            "2026-11-24T00:00:00+00:00"
        );
    }
}
