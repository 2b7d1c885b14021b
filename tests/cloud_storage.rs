//! `--from-export gs://BUCKET/PATH.zip`: the export uploaded once to Cloud
//! Storage and read from there by the official client, against the Cloud
//! Storage emulator `.ci/gcs-emulator` starts (`GCS_EMULATOR_URL`) and a fake
//! metadata server for the sign-in.

use crate::common;

use std::io::Write;
use std::path::Path;

use common::bigquery::{GCP_TOKEN, Metadata};
use common::{Db, Workspace};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");

fn emulator_url() -> String {
    match std::env::var("GCS_EMULATOR_URL") {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_string(),
        _ => panic!(
            "this test needs the Cloud Storage emulator: run it with `bash .ci/test`, or set \
             GCS_EMULATOR_URL to one started by .ci/gcs-emulator"
        ),
    }
}

/// A bucket no other test uses.
async fn fresh_bucket(emulator: &str) -> String {
    let name = format!("strava-export-{:016x}", rand::random::<u64>());
    let response = strava_warehouse::tls::client_builder()
        .build()
        .expect("client")
        .post(format!("{emulator}/storage/v1/b?project=strava-test"))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .expect("the emulator answers");
    assert!(response.status().is_success(), "{response:?}");
    name
}

async fn upload(emulator: &str, bucket: &str, object: &str, bytes: Vec<u8>) {
    let response = strava_warehouse::tls::client_builder()
        .build()
        .expect("client")
        .post(format!("{emulator}/upload/storage/v1/b/{bucket}/o"))
        .query(&[("uploadType", "media"), ("name", object)])
        .header("content-type", "application/zip")
        .body(bytes)
        .send()
        .await
        .expect("the emulator answers");
    assert!(response.status().is_success(), "{response:?}");
}

/// The sample athlete's export folder as the zip Strava hands out.
fn sample_export_zip() -> Vec<u8> {
    let root = Path::new(SAMPLE).join("export");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut add = |name: String, path: &Path| {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(&std::fs::read(path).expect("sample file"))
            .expect("zip write");
    };
    add("activities.csv".into(), &root.join("activities.csv"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("activities"))
        .expect("the sample's activities/")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for path in &files {
        let name = path.file_name().expect("name").to_string_lossy();
        add(format!("activities/{name}"), path);
    }
    zip.finish().expect("zip").into_inner()
}

fn sync_from(ws: &Workspace, export: &str, meta: &Metadata) -> common::Run {
    ws.run(
        &["sync".into(), "--from-export".into(), export.into()],
        &[
            ("STORAGE_API_URL", emulator_url()),
            ("GCE_METADATA_HOST", meta.host()),
        ],
    )
}

#[tokio::test]
#[ignore = "needs the Cloud Storage emulator: bash .ci/test"]
async fn an_export_in_cloud_storage_loads_its_activities_and_activity_files() {
    let emulator = emulator_url();
    let bucket = fresh_bucket(&emulator).await;
    upload(
        &emulator,
        &bucket,
        "exports/export_1.zip",
        sample_export_zip(),
    )
    .await;
    let meta = Metadata::start().await;
    let ws = Workspace::new();

    let run = sync_from(&ws, &format!("gs://{bucket}/exports/export_1.zip"), &meta);

    assert_eq!(run.code(), 0, "{}", run.all());
    let files = std::fs::read_dir(Path::new(SAMPLE).join("export/activities"))
        .expect("the sample's activities/")
        .count();
    assert!(
        run.stdout().starts_with("Synced 600 activities"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout().contains(&format!(
            "Activity files from the export: {files} read, 0 skipped."
        )),
        "{}",
        run.stdout()
    );
    assert!(
        run.stderr().contains(&format!(
            "from the Strava export gs://{bucket}/exports/export_1.zip"
        )),
        "{}",
        run.stderr()
    );
    assert!(!run.all().contains(GCP_TOKEN), "{}", run.all());
    let db = Db::open(&ws.db());
    assert!(db.one::<i64>("SELECT count(*) FROM power_curve WHERE duration_s = 1200") > 0);
    assert_eq!(db.one::<String>("SELECT source FROM sync_runs"), "export");
}

#[tokio::test]
#[ignore = "needs the Cloud Storage emulator: bash .ci/test"]
async fn a_missing_export_object_fails_the_run_naming_it_and_keeps_the_loaded_data() {
    let emulator = emulator_url();
    let bucket = fresh_bucket(&emulator).await;
    let meta = Metadata::start().await;
    let ws = Workspace::new();
    let first = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
    assert_eq!(first.code(), 0, "{}", first.all());

    let missing = format!("gs://{bucket}/exports/missing.zip");
    let run = sync_from(&ws, &missing, &meta);

    assert_eq!(run.code(), 1, "{}", run.all());
    assert!(
        run.stderr().contains(&format!(
            "cannot read the export {missing} from Cloud Storage"
        )),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("No such bucket or object"),
        "{}",
        run.stderr()
    );
    let db = Db::open(&ws.db());
    assert_eq!(db.one::<i64>("SELECT count(*) FROM activities"), 600);
    assert_eq!(
        db.one::<String>("SELECT outcome FROM sync_runs ORDER BY started_at DESC LIMIT 1"),
        "failed"
    );
}
