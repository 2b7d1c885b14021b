//! `strava-warehouse login`: the OAuth authorization-code flow for a person's
//! first run, ending with the refresh token in the chosen secret store.
//!
//! Responsible for: the authorize URL (scopes, `approval_prompt=force`, a
//! random `state`), receiving the redirect (a listener on 127.0.0.1, or a
//! pasted URL with `--no-browser`), checking `state` and the granted scopes,
//! and storing the result. The listener takes only `GET /callback` carrying
//! this login's `state`: any local process can connect to it, so anything
//! else (a forged or stale redirect, another path) is answered and ignored,
//! connections are served side by side with a short deadline each (a client
//! that sends nothing holds up no one), and the whole wait has a limit. Not
//! responsible for: the token call itself (`strava::oauth`) or how a store
//! writes (`secrets`).

use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::exit::ConfigError;
use crate::secrets::{Credentials, Secret, SecretStore, SecretsSettings};
use crate::strava::{HttpSettings, StravaClient};

/// What the job needs: every activity, private ones included, and the profile.
pub(crate) const SCOPES: &str = "read,activity:read_all,profile:read_all";
const NEEDED_SCOPE: &str = "activity:read_all";

#[derive(Debug, Clone)]
pub struct LoginSettings {
    pub secrets: SecretsSettings,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Asks for the client secret without echoing it (the binary sets it
    /// when its standard input is a terminal); `None`: never ask.
    pub ask_client_secret: Option<fn(&str) -> std::io::Result<String>>,
    pub oauth_url: String,
    pub port: u16,
    pub no_browser: bool,
    /// The longest wait for Strava's redirect on the listener.
    pub timeout: Duration,
    pub http: HttpSettings,
}

/// The application's client id and secret: as given; for a given id without
/// a secret, the store's secret of that id, else asked for on the terminal;
/// with neither, the store's pair.
async fn client(settings: &LoginSettings, store: &SecretStore) -> anyhow::Result<(String, Secret)> {
    match (&settings.client_id, &settings.client_secret) {
        (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
        (Some(id), None) => match (store.client().await, settings.ask_client_secret) {
            (Some((stored_id, secret)), _) if &stored_id == id => Ok((stored_id, secret)),
            (_, Some(ask)) => {
                let typed = ask("Strava client secret (typing is not shown): ")
                    .map_err(|e| ConfigError(format!("cannot read the client secret: {e}")))?;
                let typed = typed.trim();
                if typed.is_empty() {
                    return Err(
                        ConfigError("no client secret was typed; login stopped".into()).into(),
                    );
                }
                Ok((id.clone(), Secret::new(typed)))
            }
            (_, None) => Err(ConfigError(format!(
                "`login` needs the client secret of application {id}: set STRAVA_CLIENT_SECRET \
                 (`read -rs STRAVA_CLIENT_SECRET && export STRAVA_CLIENT_SECRET`), or run login on \
                 a terminal, where it asks for it"
            ))
            .into()),
        },
        (None, _) => store.client().await.ok_or_else(|| {
            ConfigError(format!(
                "`login` needs the Strava application's client id and secret: pass --client-id \
                 (STRAVA_CLIENT_ID) with STRAVA_CLIENT_SECRET, or put them in {}",
                settings.secrets
            ))
            .into()
        }),
    }
}

/// How long one connection to the listener may take to send its request.
const CONNECTION_DEADLINE: Duration = Duration::from_secs(5);
/// A request head is small; a bigger one is not a browser's redirect.
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug)]
pub struct LoginReport {
    pub store: String,
    pub granted_scopes: String,
    /// False when `activity:read_all` was unticked: private activities will be missing.
    pub all_activities: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum LoginError {
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
    #[error(
        "no redirect from Strava arrived within {secs} s; nothing was stored. Run login again and \
         authorize within that time (or give more with --timeout-secs), or use --no-browser to \
         paste the address"
    )]
    TimedOut { secs: u64 },
}

pub(crate) fn authorize_url(
    oauth_url: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
) -> String {
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
    let (client_id, client_secret) = client(settings, &store).await?;
    let state = format!(
        "{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    // Bind before printing, so a fast browser never finds the port closed;
    // with --port 0 the system picks a free port, which the redirect names.
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
    let port = match &listener {
        Some(l) => l.local_addr().map(|a| a.port()).unwrap_or(settings.port),
        None => settings.port,
    };
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let url = authorize_url(&settings.oauth_url, &client_id, &redirect_uri, &state);
    println!("Open this address in a browser and authorize the application:\n\n{url}\n");
    let redirect = match listener {
        Some(listener) => {
            // The browser must run on this machine to reach the listener; on
            // a server or in a container none opens, and the address above
            // is there to copy (or use --no-browser from another machine).
            if let Err(e) = webbrowser::open(&url) {
                println!("(No browser could be opened here: {e}. Open the address above by hand.)");
            }
            println!("Waiting for Strava to redirect to {redirect_uri} ...");
            receive_redirect(listener, &state, settings.timeout).await?
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
    // State first: an `error` without this login's state is not Strava's.
    if param("state").as_deref() != Some(state.as_str()) {
        return Err(LoginError::StateMismatch.into());
    }
    if let Some(error) = param("error") {
        return Err(LoginError::Denied(error).into());
    }
    let code = param("code").ok_or(LoginError::NoCode)?;
    // Single-use, but a credential until it is exchanged.
    crate::redact::register(&code);
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

/// Serves the listener until a `GET /callback` with this login's `state`
/// arrives, and returns its URL; each connection in its own task.
async fn receive_redirect(
    listener: TcpListener,
    state: &str,
    timeout: Duration,
) -> Result<Url, LoginError> {
    let (found, mut redirect) = mpsc::channel::<Url>(1);
    let give_up = tokio::time::sleep(timeout);
    tokio::pin!(give_up);
    loop {
        tokio::select! {
            Some(url) = redirect.recv() => return Ok(url),
            () = &mut give_up => return Err(LoginError::TimedOut { secs: timeout.as_secs() }),
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: let connections close first.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let (state, found) = (state.to_string(), found.clone());
                tokio::spawn(async move {
                    // A client that is too slow is dropped; the next one is not held up.
                    let _ = tokio::time::timeout(CONNECTION_DEADLINE, serve(stream, &state, found)).await;
                });
            }
        }
    }
}

/// What one request to the listener was.
#[derive(Debug, PartialEq, Eq)]
enum Callback {
    /// The redirect of this login (the athlete's answer, whatever it was).
    Ours(Url),
    /// `/callback` without this login's state: forged, or a stale tab.
    Foreign,
    /// Any other path (browsers ask for `/favicon.ico`) or not a request.
    Elsewhere,
}

/// Reads one request head and sorts it; `httparse` reads the request line.
fn classify(head: &[u8], state: &str) -> Callback {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let target = match request.parse(head) {
        Ok(_) if request.method == Some("GET") => request.path.unwrap_or("/"),
        _ => return Callback::Elsewhere,
    };
    let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
        return Callback::Elsewhere;
    };
    if url.path() != "/callback" {
        return Callback::Elsewhere;
    }
    let sent_state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    if sent_state.as_deref() == Some(state) {
        Callback::Ours(url)
    } else {
        Callback::Foreign
    }
}

async fn serve(mut stream: TcpStream, state: &str, found: mpsc::Sender<Url>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        match stream.read(&mut buf).await {
            Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    let callback = classify(&head, state);
    let (status, body) = match &callback {
        Callback::Ours(_) => (
            "200 OK",
            "Done: strava-warehouse received Strava's answer. You can close this tab.",
        ),
        Callback::Foreign => {
            tracing::warn!(
                "ignored a request to /callback without this login's state (a stale tab, or \
                 another program); still waiting for Strava's redirect"
            );
            (
                "400 Bad Request",
                "This is not the redirect of the login that is waiting; it was ignored.",
            )
        }
        Callback::Elsewhere => ("404 Not Found", "Not found."),
    };
    let page = format!("<!doctype html><title>strava-warehouse</title><p>{body}</p>");
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    // Answered first, so the browser shows the page before login moves on.
    if let Callback::Ours(url) = callback {
        let _ = found.send(url).await;
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

    #[test]
    fn only_get_callback_with_this_logins_state_is_taken() {
        let ours = classify(b"GET /callback?state=s1&code=c HTTP/1.1\r\n\r\n", "s1");
        assert!(matches!(ours, Callback::Ours(_)), "{ours:?}");
        for (head, want) in [
            (
                &b"GET /callback?state=s2&code=c HTTP/1.1\r\n\r\n"[..],
                Callback::Foreign,
            ),
            (
                b"GET /callback?error=access_denied HTTP/1.1\r\n\r\n",
                Callback::Foreign,
            ),
            (
                b"GET /callbackX?state=s1&code=c HTTP/1.1\r\n\r\n",
                Callback::Elsewhere,
            ),
            (b"GET /favicon.ico HTTP/1.1\r\n\r\n", Callback::Elsewhere),
            (
                b"POST /callback?state=s1 HTTP/1.1\r\n\r\n",
                Callback::Elsewhere,
            ),
            (b"\x00\x01garbage", Callback::Elsewhere),
        ] {
            assert_eq!(
                classify(head, "s1"),
                want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
