//! Strava OAuth: exchanging the refresh token for an access token.
//!
//! Responsible for: the `POST {oauth}/token` refresh call and its error bodies,
//! and noticing that Strava rotated the refresh token (the old one dies the
//! moment the new one is issued). Not responsible for: saving the new token
//! (the caller hands it to `secrets` before any other call).

use serde::Deserialize;

use super::api::{StravaClient, fault};
use super::error::StravaError;
use crate::secrets::{Credentials, Secret};

/// What a refresh returned.
#[derive(Debug)]
pub struct Grant {
    pub access_token: Secret,
    /// Set only when Strava issued a different refresh token.
    pub rotated_refresh_token: Option<Secret>,
    pub expires_at: Option<i64>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
}

impl StravaClient {
    pub async fn refresh(&self, creds: &Credentials) -> Result<Grant, StravaError> {
        let url = format!("{}/token", self.oauth_url());
        let answer = self
            .http()
            .send("the token refresh", |c| {
                c.post(&url).form(&[
                    ("client_id", creds.client_id.as_str()),
                    ("client_secret", creds.client_secret.expose()),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", creds.refresh_token.expose()),
                ])
            })
            .await?;
        if !answer.status.is_success() {
            let f = fault(&answer.body);
            return Err(match (answer.status.as_u16(), f.resource.as_str()) {
                (400 | 401, "RefreshToken") => StravaError::RefreshTokenRejected,
                (400 | 401, "Application") => StravaError::ClientRejected {
                    field: f.field_or("client"),
                },
                (403, _) if f.code == "Inactive" => StravaError::Inactive,
                (status, _) => StravaError::Refused {
                    what: "the token refresh".into(),
                    status,
                    detail: f.summary,
                },
            });
        }
        // serde's message could quote the body, which holds tokens: keep it out.
        let token: TokenResponse = serde_json::from_slice(&answer.body).map_err(|_| {
            StravaError::BadTokenResponse("expected JSON with an access_token".into())
        })?;
        let rotated = token
            .refresh_token
            .filter(|t| !t.is_empty() && t != creds.refresh_token.expose())
            .map(Secret::new);
        Ok(Grant {
            access_token: Secret::new(token.access_token),
            rotated_refresh_token: rotated,
            expires_at: token.expires_at,
        })
    }
}
