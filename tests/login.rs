//! `login`: the authorization-code flow against the Strava double, with the
//! redirect pasted (`--no-browser`) or received by the one-shot listener.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

#[cfg(feature = "gcp")]
use base64::Engine;
#[cfg(feature = "gcp")]
use common::bigquery::Metadata;
use common::*;
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

const FIRST_REFRESH: &str = "rt-SECRET-first-from-code";

async fn strava_granting_code(code: &str) -> Strava {
    strava_granting_when(&format!("code={code}")).await
}

/// A Strava double whose token endpoint grants a code exchange whose form
/// contains `field` (e.g. `code=xyz`).
async fn strava_granting_when(field: &str) -> Strava {
    let strava = Strava::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains(field))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "access_token": ACCESS_TOKEN, "expires_at": 4_102_444_800_i64,
            "refresh_token": FIRST_REFRESH, "athlete": {"id": ATHLETE_ID}
        })))
        .mount(&strava.server)
        .await;
    strava
}

fn start_login(ws: &Workspace, strava: &Strava, extra: &[&str]) -> Child {
    let store = format!("file:{}", ws.path("new-secrets.json").display());
    start_login_into(&store, strava, extra, &[])
}

/// `login` with its listener on a port the system picks (`--port 0`); the
/// port is read back from the redirect address it prints, so no port is
/// released and then reused.
fn start_listening_login(
    ws: &Workspace,
    strava: &Strava,
    extra: &[&str],
) -> (
    u16,
    Child,
    reqwest::Url,
    BufReader<std::process::ChildStdout>,
) {
    let mut args = vec!["--port", "0"];
    args.extend(extra);
    let mut child = start_login(ws, strava, &args);
    let (url, out) = authorize_url(&mut child);
    let redirect = reqwest::Url::parse(&param(&url, "redirect_uri")).expect("a redirect address");
    let port = redirect.port().expect("the redirect names its port");
    assert_ne!(port, 0, "the printed redirect names the port listened on");
    (port, child, url, out)
}

fn start_login_into(store: &str, strava: &Strava, extra: &[&str], env: &[(&str, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_strava-warehouse"))
        .args(["login", "--secrets", store])
        .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
        .args(extra)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("STRAVA_OAUTH_URL", strava.oauth_url())
        .env("LOG_FORMAT", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start login")
}

/// Reads stdout up to the authorize URL; returns it and the reader.
fn authorize_url(child: &mut Child) -> (reqwest::Url, BufReader<std::process::ChildStdout>) {
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).expect("read stdout") > 0,
            "login printed no URL"
        );
        if line.contains("/authorize?") {
            return (reqwest::Url::parse(line.trim()).expect("a URL"), out);
        }
    }
}

/// Pastes the redirect Strava would send the browser to, as a user does with
/// `--no-browser`: the callback URL with `query`.
fn paste_redirect(child: &mut Child, query: &str) {
    let line = format!("http://127.0.0.1:8642/callback?{query}\n");
    child
        .stdin
        .take()
        .expect("login's stdin")
        .write_all(line.as_bytes())
        .expect("paste the redirect");
}

fn param(url: &reqwest::Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn finish(mut child: Child, mut out: BufReader<std::process::ChildStdout>) -> (i32, String) {
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, format!("{rest}\n{err}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_redirect_is_exchanged_and_the_refresh_token_stored() {
    let strava = strava_granting_code("abc123").await;
    let ws = Workspace::new();
    let mut child = start_login(&ws, &strava, &["--no-browser"]);
    let (url, out) = authorize_url(&mut child);
    assert_eq!(
        param(&url, "scope"),
        "read,activity:read_all,profile:read_all"
    );
    paste_redirect(
        &mut child,
        &format!(
            "state={}&code=abc123&scope=read,activity:read_all,profile:read_all",
            param(&url, "state")
        ),
    );
    let (code, output) = finish(child, out);

    assert_eq!(code, 0, "{output}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("new-secrets.json")).unwrap())
            .unwrap();
    assert_eq!(saved["refresh_token"], FIRST_REFRESH);
    assert_eq!(saved["client_id"], CLIENT_ID);
    for s in [CLIENT_SECRET, FIRST_REFRESH, ACCESS_TOKEN] {
        assert!(!output.contains(s), "secret in output: {output}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_with_another_state_is_refused_and_nothing_stored() {
    let strava = strava_granting_code("abc123").await;
    let ws = Workspace::new();
    let mut child = start_login(&ws, &strava, &["--no-browser"]);
    let (_url, out) = authorize_url(&mut child);
    paste_redirect(&mut child, "state=forged&code=abc123&scope=read");
    let (code, output) = finish(child, out);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("the redirect's state does not match this login"),
        "{output}"
    );
    assert!(!ws.path("new-secrets.json").exists());
    assert!(
        strava.requests().await.is_empty(),
        "no code exchange for a forged redirect"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_listener_receives_the_redirect_and_warns_when_private_activities_were_refused() {
    let strava = strava_granting_code("xyz").await;
    let ws = Workspace::new();
    let (port, child, url, out) = start_listening_login(&ws, &strava, &[]);
    assert_eq!(
        param(&url, "redirect_uri"),
        format!("http://127.0.0.1:{port}/callback")
    );
    let callback = format!(
        "http://127.0.0.1:{port}/callback?state={}&code=xyz&scope=read,activity:read",
        param(&url, "state")
    );
    let page = reqwest::get(&callback).await.unwrap();
    assert!(page.status().is_success());
    let (code, output) = finish(child, out);

    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("private activities will be missing"),
        "{output}"
    );
    assert!(ws.path("new-secrets.json").exists());
}

#[test]
fn login_refuses_the_env_store_which_cannot_keep_a_token() {
    let ws = Workspace::new();
    let run = ws.run(&["login".into(), "--no-browser".into()], &[]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("file:PATH"), "{}", run.stderr());
}

#[cfg(feature = "gcp")]
#[tokio::test(flavor = "multi_thread")]
async fn login_into_secret_manager_adds_a_version_of_each_of_the_three_secrets() {
    let strava = strava_granting_code("gcp42").await;
    let meta = Metadata::start().await;
    let sm = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            r"^/v1/projects/p1/secrets/[a-z-]+:addVersion$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "projects/p1/secrets/s/versions/1", "state": "ENABLED"
        })))
        .mount(&sm)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/v1/projects/p1/secrets/[a-z-]+/versions$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "versions": [] })))
        .mount(&sm)
        .await;
    let env = [
        ("SECRET_MANAGER_API_URL", sm.uri()),
        ("GCE_METADATA_HOST", meta.host()),
    ];
    let mut child = start_login_into("gcp:p1", &strava, &["--no-browser"], &env);
    let (url, out) = authorize_url(&mut child);
    paste_redirect(
        &mut child,
        &format!(
            "state={}&code=gcp42&scope=read,activity:read_all",
            param(&url, "state")
        ),
    );
    let (code, output) = finish(child, out);

    assert_eq!(code, 0, "{output}");
    let mut saved: Vec<(String, String)> = sm
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with(":addVersion"))
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            let data = base64::engine::general_purpose::STANDARD
                .decode(body["payload"]["data"].as_str().unwrap())
                .unwrap();
            (r.url.path().to_string(), String::from_utf8(data).unwrap())
        })
        .collect();
    saved.sort();
    let root = "/v1/projects/p1/secrets";
    assert_eq!(
        saved,
        vec![
            (
                format!("{root}/strava-client-id:addVersion"),
                CLIENT_ID.to_string()
            ),
            (
                format!("{root}/strava-client-secret:addVersion"),
                CLIENT_SECRET.to_string()
            ),
            (
                format!("{root}/strava-refresh-token:addVersion"),
                FIRST_REFRESH.to_string()
            ),
        ]
    );
    for s in [CLIENT_SECRET, FIRST_REFRESH, ACCESS_TOKEN] {
        assert!(!output.contains(s), "secret in output: {output}");
    }
}

/// A GET to the listener with a short client timeout; the status it got.
async fn get_status(url: &str) -> Result<u16, reqwest::Error> {
    let client = strava_warehouse::tls::client_builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
        .unwrap();
    Ok(client.get(url).send().await?.status().as_u16())
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_or_misaddressed_callbacks_are_ignored_and_the_real_redirect_still_completes() {
    let strava = strava_granting_code("real").await;
    let ws = Workspace::new();
    let (port, child, url, out) = start_listening_login(&ws, &strava, &[]);
    let state = param(&url, "state");
    let base = format!("http://127.0.0.1:{port}");

    let forged = [
        (format!("{base}/callback?state=WRONG&code=forged"), 400),
        (format!("{base}/callback?error=access_denied"), 400),
        (format!("{base}/callbackX?state={state}&code=forged"), 404),
    ];
    for (url, want) in forged {
        assert_eq!(get_status(&url).await.unwrap(), want, "{url}");
    }
    let real = format!("{base}/callback?state={state}&code=real&scope=read,activity:read_all");
    assert_eq!(get_status(&real).await.unwrap(), 200);
    let (code, output) = finish(child, out);

    assert_eq!(code, 0, "{output}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("new-secrets.json")).unwrap())
            .unwrap();
    assert_eq!(saved["refresh_token"], FIRST_REFRESH);
    let exchanged: Vec<String> = strava
        .requests()
        .await
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(exchanged.len(), 1, "only the real code is exchanged");
    assert!(exchanged[0].contains("code=real"), "{exchanged:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_that_sends_nothing_does_not_hold_up_the_real_redirect() {
    let strava = strava_granting_code("xyz").await;
    let ws = Workspace::new();
    let (port, child, url, out) = start_listening_login(&ws, &strava, &[]);
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();

    let real = format!(
        "http://127.0.0.1:{port}/callback?state={}&code=xyz&scope=read,activity:read_all",
        param(&url, "state")
    );
    let answered = get_status(&real).await;
    assert!(
        matches!(answered, Ok(200)),
        "the redirect waited behind a silent connection: {answered:?}"
    );
    let (code, output) = finish(child, out);
    assert_eq!(code, 0, "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_whose_redirect_never_comes_gives_up_at_its_timeout_and_says_so() {
    let strava = strava_granting_code("xyz").await;
    let ws = Workspace::new();
    let (_port, child, _url, out) = start_listening_login(&ws, &strava, &["--timeout-secs", "1"]);

    let (code, output) = finish(child, out);

    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("no redirect from Strava arrived within 1 s"),
        "{output}"
    );
    assert!(!ws.path("new-secrets.json").exists());
}

/// What the browser does after the user authorizes: follows Strava's
/// redirect to the listener, with this login's state and every scope.
async fn redirect_back(url: &reqwest::Url) {
    let callback = format!(
        "{}?state={}&code=xyz&scope=read,activity:read_all",
        param(url, "redirect_uri"),
        param(url, "state")
    );
    let client = strava_warehouse::tls::client_builder()
        .build()
        .expect("client");
    let answer = client
        .get(&callback)
        .send()
        .await
        .expect("the listener answers");
    assert!(answer.status().is_success());
}

#[tokio::test]
async fn the_listening_login_opens_the_authorize_address_in_the_users_browser() {
    let strava = strava_granting_code("xyz").await;
    let ws = Workspace::new();
    // $BROWSER, as the user's desktop sets it: a script that records what it was asked to open.
    let opened = ws.path("opened.txt");
    let browser = ws.path("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let store = format!("file:{}", ws.path("new-secrets.json").display());
    let mut child = start_login_into(
        &store,
        &strava,
        &["--port", "0"],
        &[("BROWSER", browser.display().to_string())],
    );
    let (url, out) = authorize_url(&mut child);
    redirect_back(&url).await;
    let (code, output) = finish(child, out);

    assert_eq!(code, 0, "{output}");
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap_or_default(),
        url.as_str(),
        "the browser was given the printed authorize address"
    );
}

#[tokio::test]
async fn without_a_browser_the_listening_login_says_to_open_the_address_by_hand() {
    let strava = strava_granting_code("xyz").await;
    let ws = Workspace::new();
    // No PATH, no $BROWSER: as on a server.
    let (_, child, url, out) = start_listening_login(&ws, &strava, &[]);
    redirect_back(&url).await;
    let (code, output) = finish(child, out);

    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("No browser could be opened here") && output.contains("by hand"),
        "{output}"
    );
}

/// Reads `out` until `text` has appeared (a prompt ends without a newline).
fn read_until(out: &mut impl Read, text: &str) -> String {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains(text) {
        let n = out.read(&mut byte).expect("read the terminal");
        assert!(
            n > 0,
            "the terminal closed before {text:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), with
/// --client-id and no secret anywhere, login asks for the secret, does not
/// echo it, and exchanges the code with what was typed.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_login_asks_for_the_client_secret_without_echoing_it() {
    let typed = "typed-SECRET-4f2a9c";
    let strava = strava_granting_when(&format!("client_secret={typed}")).await;
    let ws = Workspace::new();
    let secrets = ws.path("new-secrets.json");
    let command = format!(
        "'{}' login --secrets 'file:{}' --client-id {CLIENT_ID} --port 0",
        env!("CARGO_BIN_EXE_strava-warehouse"),
        secrets.display()
    );
    let mut child = Command::new("/usr/bin/script")
        .args(["-qfec", &command, "/dev/null"])
        .env_clear()
        .env("SHELL", "/bin/sh")
        .env("STRAVA_OAUTH_URL", strava.oauth_url())
        .env("LOG_FORMAT", "text")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start login on a pseudo-terminal (util-linux `script`)");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));

    let mut shown = read_until(&mut out, "(typing is not shown): ");
    // The prompt is written just before echo is switched off; a person
    // types after reading it, and so does this test.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{typed}\n").as_bytes())
        .expect("type the secret");
    let before_url = read_until(&mut out, "/authorize?");
    let mut rest_of_line = String::new();
    out.read_line(&mut rest_of_line)
        .expect("the authorize address");
    let line = before_url.lines().last().unwrap_or_default().to_string() + rest_of_line.trim();
    let start = line.find("http").expect("an address on the line");
    let url = reqwest::Url::parse(&line[start..]).expect("the authorize address");
    redirect_back(&url).await;
    drop(stdin);
    let mut rest = String::new();
    let _ = out.read_to_string(&mut rest);
    let code = child.wait().expect("login ends").code().unwrap_or(-1);
    shown.push_str(&before_url);
    shown.push_str(&rest_of_line);
    shown.push_str(&rest);

    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains(typed), "the secret was echoed: {shown}");
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secrets).expect("secrets saved"))
            .expect("JSON");
    assert_eq!(stored["client_secret"], typed, "{stored}");
    assert_eq!(stored["refresh_token"], FIRST_REFRESH, "{stored}");
}

#[tokio::test]
async fn without_a_terminal_or_a_secret_login_says_how_to_give_the_secret() {
    let strava = Strava::start().await;
    let ws = Workspace::new();
    let store = format!("file:{}", ws.path("new-secrets.json").display());
    let output = Command::new(env!("CARGO_BIN_EXE_strava-warehouse"))
        .args(["login", "--secrets", &store, "--client-id", CLIENT_ID])
        .env_clear()
        .env("STRAVA_OAUTH_URL", strava.oauth_url())
        .stdin(Stdio::null())
        .output()
        .expect("run login");

    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(&format!(
            "`login` needs the client secret of application {CLIENT_ID}: set STRAVA_CLIENT_SECRET"
        )),
        "{err}"
    );
    assert!(
        err.contains("run login on a terminal, where it asks for it"),
        "{err}"
    );
}
