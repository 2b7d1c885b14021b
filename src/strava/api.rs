//! The Strava API v3 calls a sync makes: the athlete profile and the pages of
//! the athlete's activities, returned as the raw bytes Strava sent.
//!
//! Responsible for: URLs, the Bearer header, and what Strava's error bodies
//! mean. Not responsible for: retries (see `http`) or decoding (see `transform`).

use bytes::Bytes;
use serde::Deserialize;

use super::error::StravaError;
use super::http::{Http, HttpSettings};
use crate::excerpt::excerpt;
use crate::secrets::Secret;

/// Activities per page: the most Strava serves.
pub(crate) const PER_PAGE: u32 = 200;

pub(crate) struct StravaClient {
    http: Http,
    api_url: String,
    oauth_url: String,
}

impl StravaClient {
    /// `api_url` like `https://www.strava.com/api/v3`, `oauth_url` like
    /// `https://www.strava.com/oauth`; trailing slashes are ignored.
    pub(crate) fn new(
        api_url: &str,
        oauth_url: &str,
        settings: HttpSettings,
    ) -> Result<Self, StravaError> {
        Ok(StravaClient {
            http: Http::new(settings)?,
            api_url: api_url.trim_end_matches('/').to_string(),
            oauth_url: oauth_url.trim_end_matches('/').to_string(),
        })
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    pub(crate) fn oauth_url(&self) -> &str {
        &self.oauth_url
    }

    /// `GET /athlete`.
    pub(crate) async fn athlete(&self, token: &Secret) -> Result<Bytes, StravaError> {
        let url = format!("{}/athlete", self.api_url);
        self.get("the athlete profile", token, |c| c.get(&url))
            .await
    }

    /// `GET /athlete/activities?per_page=200&page=N[&after=EPOCH]`. An empty
    /// array is the end. `after` limits the pages to activities started later.
    pub(crate) async fn activities_page(
        &self,
        token: &Secret,
        page: u32,
        after: Option<i64>,
    ) -> Result<Bytes, StravaError> {
        let url = format!("{}/athlete/activities", self.api_url);
        let what = format!("page {page} of activities");
        self.get(&what, token, |c| {
            let req = c.get(&url).query(&[("per_page", PER_PAGE), ("page", page)]);
            match after {
                Some(t) => req.query(&[("after", t)]),
                None => req,
            }
        })
        .await
    }

    async fn get(
        &self,
        what: &str,
        token: &Secret,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Bytes, StravaError> {
        let answer = self
            .http
            .send(what, |c| build(c).bearer_auth(token.expose()))
            .await?;
        if answer.status.is_success() {
            return Ok(answer.body);
        }
        let f = fault(&answer.body);
        Err(match answer.status.as_u16() {
            401 if f.field.contains("read_permission") => StravaError::ScopeMissing {
                scope: "activity:read_all".into(),
            },
            401 if f.field == "access_token" => StravaError::AccessTokenRejected,
            403 if f.code == "Inactive" => StravaError::Inactive,
            status => StravaError::Refused {
                what: what.to_string(),
                status,
                detail: f.summary,
            },
        })
    }
}

/// Strava's error body: `{"message": …, "errors": [{"resource", "field", "code"}]}`.
#[derive(Debug, Default)]
pub(crate) struct Fault {
    pub(crate) resource: String,
    pub(crate) field: String,
    pub(crate) code: String,
    /// A one-line summary for messages.
    pub(crate) summary: String,
}

impl Fault {
    pub(crate) fn field_or(&self, default: &str) -> String {
        if self.field.is_empty() {
            default.to_string()
        } else {
            self.field.clone()
        }
    }
}

#[derive(Deserialize, Default)]
struct FaultBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<FaultItem>,
}

#[derive(Deserialize, Default)]
struct FaultItem {
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

pub(crate) fn fault(body: &[u8]) -> Fault {
    match serde_json::from_slice::<FaultBody>(body) {
        Ok(b) => {
            let first = b.errors.into_iter().next().unwrap_or_default();
            let resource = first.resource.unwrap_or_default();
            let field = first.field.unwrap_or_default();
            let code = first.code.unwrap_or_default();
            let summary = format!(
                "{} ({} {} {})",
                b.message.unwrap_or_else(|| "no message".into()),
                resource,
                field,
                code
            );
            Fault {
                resource,
                field,
                code,
                summary,
            }
        }
        Err(_) => Fault {
            summary: excerpt(body, 300),
            ..Fault::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_body_is_read_into_its_parts() {
        let f = fault(br#"{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}"#);
        assert_eq!(
            (f.resource.as_str(), f.code.as_str()),
            ("RefreshToken", "invalid")
        );
    }

    #[test]
    fn a_body_that_is_not_a_fault_is_summarised() {
        let f = fault(b"<html>oops</html>");
        assert_eq!(f.summary, "<html>oops</html>");
    }
}
