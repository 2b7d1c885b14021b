//! Strava OAuth: the token endpoint, for a refresh (every sync) and for the
//! authorization-code exchange (`login`).
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
pub(crate) struct Grant {
    pub(crate) access_token: Secret,
    /// Set when Strava returned a refresh token other than the one sent
    /// (always, for a code exchange).
    pub(crate) rotated_refresh_token: Option<Secret>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
}

impl StravaClient {
    /// `grant_type=refresh_token`: a fresh access token, and maybe a new refresh token.
    pub(crate) async fn refresh(&self, creds: &Credentials) -> Result<Grant, StravaError> {
        let grant = [
            ("grant_type", "refresh_token"),
            ("refresh_token", creds.refresh_token.expose()),
        ];
        let sent = Some(creds.refresh_token.expose());
        self.token(
            "the token refresh",
            &creds.client_id,
            &creds.client_secret,
            &grant,
            sent,
        )
        .await
    }

    /// `grant_type=authorization_code`: the first refresh token, from the code
    /// Strava put in the redirect after the athlete authorized the app.
    pub(crate) async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
    ) -> Result<Grant, StravaError> {
        let grant = [("grant_type", "authorization_code"), ("code", code)];
        self.token(
            "the authorization code exchange",
            client_id,
            client_secret,
            &grant,
            None,
        )
        .await
    }

    async fn token(
        &self,
        what: &str,
        client_id: &str,
        client_secret: &Secret,
        grant: &[(&str, &str)],
        sent_refresh_token: Option<&str>,
    ) -> Result<Grant, StravaError> {
        let url = format!("{}/token", self.oauth_url());
        let answer = self
            .http()
            .send_unrepeatable(what, |c| {
                let mut form = vec![
                    ("client_id", client_id),
                    ("client_secret", client_secret.expose()),
                ];
                form.extend_from_slice(grant);
                c.post(&url).form(&form)
            })
            .await?;
        if !answer.status.is_success() {
            let f = fault(&answer.body);
            return Err(match (answer.status.as_u16(), f.resource.as_str()) {
                (400 | 401, "RefreshToken") => StravaError::RefreshTokenRejected,
                (400 | 401, "AuthorizationCode") => StravaError::CodeRejected,
                (400 | 401, "Application") => StravaError::ClientRejected {
                    field: f.field_or("client"),
                },
                (403, _) if f.code == "Inactive" => StravaError::Inactive,
                (status, _) => StravaError::Refused {
                    what: what.into(),
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
            .filter(|t| !t.is_empty() && Some(t.as_str()) != sent_refresh_token)
            .map(Secret::new);
        Ok(Grant {
            access_token: Secret::new(token.access_token),
            rotated_refresh_token: rotated,
        })
    }
}
