//! Where `--from-export` points, and fetching an export kept in Cloud Storage.
//!
//! Responsible for: telling a local path from a `gs://BUCKET/OBJECT`
//! address (a typed [`ExportLocation`], checked when the setting is read),
//! and, in the `gcp` build, streaming that object into the run's work
//! directory with the official `google-cloud-storage` client and the same
//! Application Default Credentials as BigQuery and Secret Manager. Not
//! responsible for: reading the export (`export`, `files`), or where the
//! work directory lives (`workdir`).
//!
//! The object is downloaded whole before it is read: a zip is read from its
//! end (the central directory) and then file by file in the CSV's order, which
//! from Cloud Storage would be one ranged request per activity file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Cloud Storage's own address; `--storage-api-url` replaces it (tests).
pub const DEFAULT_API_URL: &str = "https://storage.googleapis.com";

/// What `--from-export` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportLocation {
    /// A `.zip`, an unpacked folder or `activities.csv` on this machine.
    Local(PathBuf),
    /// An object in a Cloud Storage bucket (`gs://BUCKET/OBJECT`).
    CloudStorage(CloudObject),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudObject {
    pub bucket: String,
    pub object: String,
}

impl fmt::Display for CloudObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gs://{}/{}", self.bucket, self.object)
    }
}

impl fmt::Display for ExportLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportLocation::Local(path) => write!(f, "{}", path.display()),
            ExportLocation::CloudStorage(object) => object.fmt(f),
        }
    }
}

impl FromStr for ExportLocation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let Some(rest) = s.strip_prefix("gs://") else {
            return Ok(ExportLocation::Local(PathBuf::from(s)));
        };
        match rest.split_once('/') {
            Some((bucket, object)) if !bucket.is_empty() && !object.is_empty() => {
                Ok(ExportLocation::CloudStorage(CloudObject {
                    bucket: bucket.into(),
                    object: object.into(),
                }))
            }
            _ => Err(format!(
                "{s:?} names no object: a Cloud Storage export is gs://BUCKET/PATH.zip"
            )),
        }
    }
}

/// How an export in Cloud Storage is reached (read by the `gcp` build only).
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "gcp"), allow(dead_code))]
pub struct StorageSettings {
    pub api_url: String,
    /// Retries after the first attempt (`--http-retries`).
    pub retries: u32,
    pub backoff: std::time::Duration,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[cfg(not(feature = "gcp"))]
    #[error(
        "reading the export from Cloud Storage ({0}) needs a build with the `gcp` feature \
         (the Cloud Run image has it); or copy it here (`gcloud storage cp {0} .`) and pass the \
         local file"
    )]
    NotBuilt(CloudObject),
    #[cfg(feature = "gcp")]
    #[error("cannot read the export {object} from Cloud Storage: {detail}")]
    Read { object: CloudObject, detail: String },
    #[cfg(feature = "gcp")]
    #[error("cannot write the export {object} downloaded from Cloud Storage to {path}: {source}")]
    Write {
        object: CloudObject,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The local path of the export: `Local` as given, a Cloud Storage object
/// downloaded into `work_dir` (named like the object, so `.zip` stays `.zip`).
pub(crate) async fn fetch(
    location: &ExportLocation,
    settings: &StorageSettings,
    work_dir: &Path,
) -> Result<PathBuf, FetchError> {
    match location {
        ExportLocation::Local(path) => Ok(path.clone()),
        ExportLocation::CloudStorage(object) => {
            let name = Path::new(&object.object)
                .file_name()
                .map_or_else(|| "export.zip".into(), PathBuf::from);
            let path = work_dir.join(name);
            download(object, settings, &path).await?;
            Ok(path)
        }
    }
}

#[cfg(not(feature = "gcp"))]
async fn download(
    object: &CloudObject,
    _settings: &StorageSettings,
    _path: &Path,
) -> Result<(), FetchError> {
    Err(FetchError::NotBuilt(object.clone()))
}

#[cfg(feature = "gcp")]
async fn download(
    object: &CloudObject,
    settings: &StorageSettings,
    path: &Path,
) -> Result<(), FetchError> {
    use google_cloud_storage::client::Storage;
    use tokio::io::AsyncWriteExt;

    let read = |detail: String| FetchError::Read {
        object: object.clone(),
        detail,
    };
    let write = |source: std::io::Error| FetchError::Write {
        object: object.clone(),
        path: path.to_path_buf(),
        source,
    };
    let credentials = crate::gcp::credentials().map_err(|e| read(e.to_string()))?;
    crate::gcp::register_token(&credentials).await;
    let client = Storage::builder()
        .with_endpoint(settings.api_url.trim_end_matches('/'))
        .with_credentials(credentials)
        .with_retry_policy(crate::gcp::retry_policy(settings.retries))
        .with_backoff_policy(crate::gcp::backoff_policy(settings.backoff).map_err(&read)?)
        .build()
        .await
        .map_err(|e| read(e.to_string()))?;
    let mut response = client
        .read_object(
            format!("projects/_/buckets/{}", object.bucket),
            &object.object,
        )
        .send()
        .await
        .map_err(|e| read(describe(&e)))?;
    let size = response.object().size;
    tracing::info!("downloading the export {object} ({size} bytes) from Cloud Storage");
    let mut file = tokio::fs::File::create(path).await.map_err(write)?;
    // Chunk by chunk: the export can be gigabytes; the client checks each
    // chunk's place in the object's checksum as it goes.
    while let Some(chunk) = response.next().await {
        let chunk = chunk.map_err(|e| read(describe(&e)))?;
        file.write_all(&chunk).await.map_err(write)?;
    }
    file.flush().await.map_err(write)?;
    file.sync_all().await.map_err(write)?;
    Ok(())
}

/// Google's error with what to do for the two a user can fix.
#[cfg(feature = "gcp")]
fn describe(e: &google_cloud_storage::Error) -> String {
    let what = crate::gcp::describe(e);
    match e.http_status_code() {
        Some(404) => format!(
            "{what}. No such bucket or object: check the address, or upload the export with \
             `gcloud storage cp export.zip gs://BUCKET/PATH.zip`"
        ),
        Some(403) => format!(
            "{what}. The job's service account may not read it: grant it \
             roles/storage.objectViewer on the bucket (terraform/ does)"
        ),
        _ => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gs_address_names_its_bucket_and_object() {
        let location: ExportLocation = "gs://my-bucket/exports/export_1.zip".parse().unwrap();
        assert_eq!(
            location,
            ExportLocation::CloudStorage(CloudObject {
                bucket: "my-bucket".into(),
                object: "exports/export_1.zip".into(),
            })
        );
        assert_eq!(location.to_string(), "gs://my-bucket/exports/export_1.zip");
    }

    #[test]
    fn any_other_value_is_a_local_path() {
        let location: ExportLocation = "exports/gs:/x.zip".parse().unwrap();
        assert_eq!(
            location,
            ExportLocation::Local(PathBuf::from("exports/gs:/x.zip"))
        );
    }

    #[test]
    fn a_gs_address_without_an_object_is_refused_with_the_shape_it_needs() {
        for bad in ["gs://", "gs://bucket", "gs://bucket/", "gs:///x.zip"] {
            let err = bad.parse::<ExportLocation>().unwrap_err();
            assert!(
                err.contains("a Cloud Storage export is gs://BUCKET/PATH.zip"),
                "{bad}: {err}"
            );
        }
    }
}
