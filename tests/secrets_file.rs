//! The `file:` secret store from the outside: a symlinked secrets file, a save
//! a killed run left unfinished, and a directory where a rotated token could
//! not be saved.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

fn sync_with_store(ws: &Workspace, strava: &Strava, store: &Path) -> Run {
    ws.run(
        &[
            "sync".into(),
            "--secrets".into(),
            format!("file:{}", store.display()),
        ],
        &[
            ("STRAVA_API_URL", strava.api_url()),
            ("STRAVA_OAUTH_URL", strava.oauth_url()),
        ],
    )
}

fn refresh_token_in(file: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("secrets file")).expect("json");
    v["refresh_token"].as_str().unwrap_or_default().to_string()
}

/// `real/secrets.json`, with `link.json` in the workspace pointing at it.
fn linked_store(ws: &Workspace) -> (PathBuf, PathBuf) {
    let real = ws.path("real").join("secrets.json");
    std::fs::create_dir(ws.path("real")).unwrap();
    std::fs::rename(ws.secrets_file(), &real).unwrap();
    let link = ws.path("link-secrets.json");
    std::os::unix::fs::symlink("real/secrets.json", &link).unwrap();
    (link, real)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_through_a_symlinked_secrets_file_rewrites_the_target_and_keeps_the_link() {
    let ws = Workspace::new();
    let (link, real) = linked_store(&ws);
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = sync_with_store(&ws, &strava, &link);

    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    assert_eq!(refresh_token_in(&real), ROTATED_TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_through_the_link_waits_for_a_run_through_the_target_it_shares_one_lock() {
    let ws = Workspace::new();
    let (link, real) = linked_store(&ws);
    let mut lock_path = real.into_os_string();
    lock_path.push(".lock");
    let held = std::fs::File::create(&lock_path).unwrap();
    held.lock().unwrap();
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = sync_with_store(&ws, &strava, &link);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains("another strava-warehouse run"),
        "{}",
        run.stderr()
    );
    assert!(strava.requests().await.is_empty(), "no token call");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_left_by_a_save_stopped_before_its_rename_is_used_and_the_leftovers_removed() {
    let ws = Workspace::new();
    // The file still holds the token Strava already replaced; a run killed
    // after writing its temp file (and before renaming it) left the new one.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(ws.secrets_file())
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let whole =
        json!({"client_id": 4242, "client_secret": CLIENT_SECRET, "refresh_token": ROTATED_TOKEN});
    std::fs::write(ws.path(".secrets.json.saving-Ab12Cd"), whole.to_string()).unwrap();
    // and one killed halfway through writing, which holds nothing usable.
    std::fs::write(
        ws.path(".secrets.json.saving-Zz99Yy"),
        "{\"client_id\": 4242, \"ref",
    )
    .unwrap();
    let strava = Strava::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains(format!(
            "refresh_token={ROTATED_TOKEN}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN, "expires_at": 4_102_444_800_i64,
            "refresh_token": ROTATED_TOKEN
        })))
        .mount(&strava.server)
        .await;
    strava
        .token_fails(
            400,
            json!({"message": "Bad Request", "errors": [
                {"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}]}),
        )
        .await;
    strava.athlete().await;
    strava.pages(&[page_of(&[1])]).await;

    let run = ws.sync(&strava, &[]);

    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stderr().contains("finished that save"),
        "{}",
        run.stderr()
    );
    assert_eq!(ws.refresh_token_on_disk(), ROTATED_TOKEN);
    let left: Vec<String> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".saving-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A directory nobody may create files in, root included: `chattr +i` when
/// running as root (root ignores permission bits, not the immutable flag),
/// mode 0555 otherwise. Undone when dropped so the workspace can be deleted.
struct Unwritable {
    dir: PathBuf,
    immutable: bool,
}

impl Unwritable {
    fn make(dir: &Path) -> Unwritable {
        use std::os::unix::fs::PermissionsExt;
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if root {
            let set = std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                set,
                "as root this test needs `chattr +i` on the temporary directory's file system \
                 (ext4, xfs, btrfs or tmpfs on Linux 6.0+); set TMPDIR to one"
            );
            return Unwritable {
                dir: dir.to_path_buf(),
                immutable: true,
            };
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555))
            .expect("make the directory read-only");
        Unwritable {
            dir: dir.to_path_buf(),
            immutable: false,
        }
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.dir)
                .status();
        } else {
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secrets_directory_that_cannot_be_written_stops_before_the_token_call_naming_it() {
    let ws = Workspace::new();
    let dir = ws.path("sealed");
    std::fs::create_dir(&dir).unwrap();
    let store = dir.join("secrets.json");
    std::fs::rename(ws.secrets_file(), &store).unwrap();
    // The lock file an earlier run left: opening it needs no new entry.
    std::fs::write(dir.join("secrets.json.lock"), "").unwrap();
    let _sealed = Unwritable::make(&dir);
    let strava = Strava::rotating(&[page_of(&[1])]).await;

    let run = sync_with_store(&ws, &strava, &store);

    assert_eq!(run.code(), 2, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains(&dir.display().to_string()), "{err}");
    assert!(err.contains("no token call was made"), "{err}");
    assert!(strava.requests().await.is_empty(), "no token call");
    assert_eq!(refresh_token_in(&store), REFRESH_TOKEN);
}
