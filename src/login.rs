//! `strava-warehouse login`: the OAuth authorization-code flow for a person's
//! first run, ending with the refresh token in the chosen secret store.
//!
//! Responsible for: the authorize URL (scopes, `approval_prompt=force`, a
//! random `state`), receiving the redirect (a one-shot listener on 127.0.0.1,
//! or a pasted URL with `--no-browser`), checking `state` and the granted
//! scopes, and storing the result. Not responsible for: the token call itself
//! (`strava::oauth`) or how a store writes (`secrets`).

use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::exit::ConfigError;
use crate::secrets::{Credentials, Secret, SecretStore, SecretsSettings};
use crate::strava::{HttpSettings, StravaClient};

/// What the job needs: every activity, private ones included, and the profile.
pub const SCOPES: &str = "read,activity:read_all,profile:read_all";
const NEEDED_SCOPE: &str = "activity:read_all";

#[derive(Debug, Clone)]
pub struct LoginSettings {
    pub secrets: SecretsSettings,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub oauth_url: String,
    pub port: u16,
    pub no_browser: bool,
    pub http: HttpSettings,
}

#[derive(Debug)]
pub struct LoginReport {
    pub store: String,
    pub granted_scopes: String,
    /// False when `activity:read_all` was unticked: private activities will be missing.
    pub all_activities: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the athlete declined on Strava's page (error={0}); nothing was stored")]
    Denied(String),
    #[error(
        "the redirect's state does not match this login (a stale or forged redirect); run login again"
    )]
    StateMismatch,
    #[error("the redirect URL has no `code`: paste the whole address Strava redirected to")]
    NoCode,
    #[error(
        "cannot listen on 127.0.0.1:{port} for Strava's redirect ({detail}); pick another --port, or use --no-browser"
    )]
    Listen { port: u16, detail: String },
}

pub fn authorize_url(oauth_url: &str, client_id: &str, redirect_uri: &str, state: &str) -> String {
    let base = format!("{}/authorize", oauth_url.trim_end_matches('/'));
    let params = [
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("response_type", "code"),
        ("approval_prompt", "force"),
        ("scope", SCOPES),
        ("state", state),
    ];
    match Url::parse_with_params(&base, params) {
        Ok(url) => url.to_string(),
        Err(_) => base,
    }
}

/// Runs the flow; prints the URL to open on stdout.
pub async fn login(settings: &LoginSettings) -> anyhow::Result<LoginReport> {
    let store = SecretStore::open(&settings.secrets).await?;
    if matches!(store, SecretStore::Env(_)) {
        return Err(ConfigError(
            "`login` needs a store that can keep the refresh token: pass --secrets file:PATH or gcp:PROJECT"
                .into(),
        )
        .into());
    }
    let (client_id, client_secret) = match (&settings.client_id, &settings.client_secret) {
        (Some(id), Some(secret)) => (id.clone(), secret.clone()),
        _ => store.client().await.ok_or_else(|| {
            ConfigError(format!(
                "`login` needs the Strava application's client id and secret: pass --client-id and \
                 --client-secret (or STRAVA_CLIENT_ID, STRAVA_CLIENT_SECRET), or put them in {}",
                settings.secrets
            ))
        })?,
    };
    let state = format!(
        "{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    let redirect_uri = format!("http://127.0.0.1:{}/callback", settings.port);
    let url = authorize_url(&settings.oauth_url, &client_id, &redirect_uri, &state);
    // Bind before printing, so a fast browser never finds the port closed.
    let listener = if settings.no_browser {
        None
    } else {
        Some(
            TcpListener::bind(("127.0.0.1", settings.port))
                .await
                .map_err(|e| LoginError::Listen {
                    port: settings.port,
                    detail: e.to_string(),
                })?,
        )
    };
    println!("Open this address in a browser and authorize the application:\n\n{url}\n");
    let redirect = match listener {
        Some(listener) => {
            println!("Waiting for Strava to redirect to {redirect_uri} ...");
            receive_redirect(listener).await?
        }
        None => {
            println!(
                "Then paste here the whole address the browser was sent to (it starts with {redirect_uri}):"
            );
            let line = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map(|_| line)
            })
            .await??;
            Url::parse(line.trim()).map_err(|_| LoginError::NoCode)?
        }
    };
    let param = |name: &str| {
        redirect
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        return Err(LoginError::Denied(error).into());
    }
    if param("state").as_deref() != Some(state.as_str()) {
        return Err(LoginError::StateMismatch.into());
    }
    let code = param("code").ok_or(LoginError::NoCode)?;
    let granted = param("scope").unwrap_or_default();
    let client = StravaClient::new("", &settings.oauth_url, settings.http.clone())?;
    let grant = client
        .exchange_code(&client_id, &client_secret, &code)
        .await?;
    let refresh_token = grant.rotated_refresh_token.ok_or_else(|| {
        anyhow::anyhow!("Strava's answer to the code exchange had no refresh token")
    })?;
    store
        .save_login(&Credentials {
            client_id,
            client_secret,
            refresh_token,
        })
        .await?;
    let all_activities = granted.split(',').any(|s| s.trim() == NEEDED_SCOPE);
    if !all_activities {
        tracing::warn!(
            "Strava granted `{granted}` without {NEEDED_SCOPE}: activities visible only to the \
             athlete will be missing. Run login again and keep that box ticked."
        );
    }
    Ok(LoginReport {
        store: settings.secrets.to_string(),
        granted_scopes: granted,
        all_activities,
    })
}

/// Answers requests on the listener until one is Strava's redirect to
/// `/callback` (browsers also ask for `/favicon.ico`), and returns its URL.
async fn receive_redirect(listener: TcpListener) -> anyhow::Result<Url> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        // A request head is small; a client that sends nothing is dropped.
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        let text = String::from_utf8_lossy(&head);
        let target = text
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/");
        if !target.starts_with("/callback") {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let body = "<!doctype html><title>strava-warehouse</title><p>Done: strava-warehouse received \
                    Strava's answer. You can close this tab.</p>";
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(reply.as_bytes()).await;
        return Ok(Url::parse(&format!("http://127.0.0.1{target}"))?);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_asks_for_every_activity_and_forces_the_prompt() {
        let url = authorize_url(
            "https://www.strava.com/oauth/",
            "42",
            "http://127.0.0.1:8642/callback",
            "s1",
        );
        let url = Url::parse(&url).unwrap();
        assert_eq!(url.path(), "/oauth/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["scope"], "read,activity:read_all,profile:read_all");
        assert_eq!(q["approval_prompt"], "force");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["state"], "s1");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8642/callback");
    }
}
