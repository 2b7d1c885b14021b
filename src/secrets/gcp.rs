//! The `gcp:PROJECT` store: the Strava credentials as three Secret Manager
//! secrets (`strava-client-id`, `strava-client-secret`, `strava-refresh-token`),
//! read at their latest version through Google's official client.
//!
//! Responsible for: reading and verifying the payloads (CRC32C when Secret
//! Manager sends one; a trailing newline from `echo … | gcloud secrets
//! versions add` trimmed), saving a rotated refresh token as a new version
//! (retried: it is the one write that cannot be redone later) and then
//! disabling the older versions so at most one is live, and errors that name
//! the secret and the missing role. Not responsible for: when to save (see
//! `extract`), signing in (`crate::gcp`), or keeping two runs apart (Cloud Run
//! runs the job with parallelism 1; see docs/deploy.md).

use std::time::Duration;

use super::{Credentials, Secret, SecretsError};
#[cfg(feature = "gcp")]
use {
    crate::gcp,
    crate::retry::{Attempt, Backoff, GaveUp},
    google_cloud_secretmanager_v1::client::SecretManagerService,
    google_cloud_secretmanager_v1::model::SecretPayload,
    google_cloud_secretmanager_v1::model::secret_version::State,
};

pub const DEFAULT_API_URL: &str = "https://secretmanager.googleapis.com";

/// Pages of 100 versions read when disabling the old ones.
#[cfg(feature = "gcp")]
const MAX_VERSION_PAGES: usize = 100;

/// Where Secret Manager is and what the three secrets are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretManagerSettings {
    /// The API root (`SECRET_MANAGER_API_URL`); the client appends `/v1/…`.
    pub api_url: String,
    pub client_id_secret: String,
    pub client_secret_secret: String,
    pub refresh_token_secret: String,
    /// First delay between attempts to save a rotated token; doubles.
    pub save_backoff: Duration,
}

#[cfg(feature = "gcp")]
pub(crate) struct GcpStore {
    project: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    client: SecretManagerService,
    save_retries: Backoff,
}

#[cfg(feature = "gcp")]
impl GcpStore {
    pub(crate) async fn open(
        project: &str,
        settings: &SecretManagerSettings,
    ) -> Result<Self, SecretsError> {
        let credentials = gcp::credentials().map_err(|e| SecretsError::Invalid(e.to_string()))?;
        gcp::register_token(&credentials).await;
        let client = SecretManagerService::builder()
            .with_endpoint(settings.api_url.trim_end_matches('/'))
            .with_credentials(credentials)
            // Reads are idempotent and retried by Google's policy, within a
            // bounded budget.
            .with_retry_policy(gcp::retry_policy(3))
            .with_backoff_policy(
                gcp::backoff_policy(Duration::from_millis(500)).map_err(SecretsError::Invalid)?,
            )
            .build()
            .await
            .map_err(|e| SecretsError::Invalid(format!("Secret Manager client: {e}")))?;
        Ok(GcpStore {
            project: project.into(),
            client_id: settings.client_id_secret.clone(),
            client_secret: settings.client_secret_secret.clone(),
            refresh_token: settings.refresh_token_secret.clone(),
            client,
            save_retries: Backoff {
                retries: 4,
                first: settings.save_backoff,
            },
        })
    }

    pub(crate) async fn load(&self) -> Result<Credentials, SecretsError> {
        Ok(Credentials {
            client_id: self.read(&self.client_id).await?,
            client_secret: Secret::new(self.read(&self.client_secret).await?),
            refresh_token: Secret::new(self.read(&self.refresh_token).await?),
        })
    }

    /// The client id and secret already stored (a `login` that only renews
    /// the refresh token), or `None` when either cannot be read.
    pub(crate) async fn client(&self) -> Option<(String, Secret)> {
        let id = self.read(&self.client_id).await.ok()?;
        let secret = self.read(&self.client_secret).await.ok()?;
        Some((id, Secret::new(secret)))
    }

    /// Saves the rotated token as a new version, then disables the others.
    pub(crate) async fn save_refresh_token(&self, token: &Secret) -> Result<(), SecretsError> {
        self.replace(&self.refresh_token, token.expose()).await
    }

    /// `login`: all three, each as a new version.
    pub(crate) async fn save_login(&self, creds: &Credentials) -> Result<(), SecretsError> {
        self.replace(&self.client_id, &creds.client_id).await?;
        self.replace(&self.client_secret, creds.client_secret.expose())
            .await?;
        self.replace(&self.refresh_token, creds.refresh_token.expose())
            .await
    }

    /// `purge --credentials`: the job may add and disable versions but never
    /// delete a secret, so this says how to, with the configured names.
    pub(crate) fn forget_instructions(&self) -> String {
        format!(
            "the job may add and disable versions but never delete secrets; delete them \
             yourself: `gcloud secrets delete {} --project {}` (and {}, {})",
            self.refresh_token, self.project, self.client_id, self.client_secret
        )
    }

    fn secret_path(&self, secret: &str) -> String {
        format!("projects/{}/secrets/{secret}", self.project)
    }

    async fn read(&self, secret: &str) -> Result<String, SecretsError> {
        let answer = self
            .client
            .access_secret_version()
            .set_name(format!("{}/versions/latest", self.secret_path(secret)))
            .send()
            .await
            .map_err(|e| self.read_error(secret, &e))?;
        let payload = answer.payload.unwrap_or_default();
        if let Some(expected) = payload.data_crc32c {
            let actual = i64::from(crc32c::crc32c(&payload.data));
            if actual != expected {
                return Err(SecretsError::Invalid(format!(
                    "secret `{secret}` in project {} arrived damaged (its CRC32C does not match); \
                     run again, and if it persists add a fresh version",
                    self.project
                )));
            }
        }
        let text = String::from_utf8(payload.data.to_vec()).map_err(|_| {
            SecretsError::Invalid(format!(
                "secret `{secret}` in project {} is not UTF-8 text",
                self.project
            ))
        })?;
        // People create secrets with `echo`, which adds a newline.
        let value = text.trim_end_matches(['\n', '\r']).to_string();
        if value.trim().is_empty() {
            return Err(SecretsError::Missing(format!(
                "secret `{secret}` in project {} is empty; run `strava-warehouse login --secrets \
                 gcp:{}` to fill it",
                self.project, self.project
            )));
        }
        Ok(value)
    }

    fn read_error(&self, secret: &str, e: &google_cloud_gax::error::Error) -> SecretsError {
        let project = &self.project;
        match gcp::http_status(e) {
            Some(404) => SecretsError::Missing(format!(
                "secret `{secret}` was not found in project {project}, or it has no enabled \
                 version. Create it with `gcloud secrets create {secret} --project {project}` (the \
                 Terraform in terraform/ does) and fill it with `strava-warehouse login --secrets \
                 gcp:{project}`"
            )),
            Some(403) => SecretsError::Invalid(format!(
                "reading secret `{secret}` in project {project} was refused ({}): the job's \
                 service account needs roles/secretmanager.secretAccessor on it",
                gcp::describe(e)
            )),
            _ => SecretsError::Invalid(format!(
                "reading secret `{secret}` in project {project} failed: {}",
                gcp::describe(e)
            )),
        }
    }

    /// Adds `value` as the newest version, retried with backoff, then
    /// disables every older enabled version. A failed disable only warns: the
    /// new version is already the one `latest` reads.
    async fn replace(&self, secret: &str, value: &str) -> Result<(), SecretsError> {
        let parent = self.secret_path(secret);
        let data = bytes::Bytes::copy_from_slice(value.as_bytes());
        let crc = i64::from(crc32c::crc32c(&data));
        let what = format!("saving a new version of secret `{secret}`");
        let added = self
            .save_retries
            .run(&what, || async {
                let sent = self
                    .client
                    .add_secret_version()
                    .set_parent(&parent)
                    .set_payload(
                        SecretPayload::new()
                            .set_data(data.clone())
                            .set_data_crc32c(crc),
                    )
                    .send()
                    .await;
                match sent {
                    Ok(version) => Attempt::Done(version.name),
                    Err(e) => {
                        let line = gcp::describe(&e);
                        match gcp::http_status(&e) {
                            Some(403) => Attempt::Fatal(format!(
                                "{line}: the job's service account needs \
                                 roles/secretmanager.secretVersionAdder on `{secret}`"
                            )),
                            Some(404) => Attempt::Fatal(format!(
                                "{line}: create the secret with `gcloud secrets create {secret} \
                                 --project {}`",
                                self.project
                            )),
                            Some(400) => Attempt::Fatal(line),
                            _ => Attempt::Transient(line),
                        }
                    }
                }
            })
            .await;
        let new_version = added.map_err(|GaveUp { error, attempts }| SecretsError::SaveFailed {
            store: format!("secret `{secret}` in project {}", self.project),
            detail: format!("{error}; {attempts} attempts"),
        })?;
        self.disable_all_but(secret, &new_version).await;
        Ok(())
    }

    async fn disable_all_but(&self, secret: &str, keep: &str) {
        let versions = match self.enabled_versions(secret).await {
            Ok(names) => names,
            Err(e) => {
                tracing::warn!(
                    "saved the new version of `{secret}` but could not list the old ones to \
                     disable them: {}",
                    gcp::describe(&e)
                );
                return;
            }
        };
        for old in versions.iter().filter(|name| name.as_str() != keep) {
            if let Err(e) = self
                .client
                .disable_secret_version()
                .set_name(old)
                .send()
                .await
            {
                tracing::warn!(
                    "saved the new version of `{secret}` but could not disable {old}: {} (the \
                     job's service account needs secretmanager.versions.disable on it)",
                    gcp::describe(&e)
                );
            }
        }
    }

    /// Every enabled version of `secret`, all pages of the listing (a store
    /// whose old versions were never disabled has more than one page). The
    /// whole list is read before any is disabled, so disabling cannot shift
    /// the pages under the listing.
    async fn enabled_versions(
        &self,
        secret: &str,
    ) -> Result<Vec<String>, google_cloud_gax::error::Error> {
        use google_cloud_gax::paginator::Paginator as _;
        let mut pages = self
            .client
            .list_secret_versions()
            .set_parent(self.secret_path(secret))
            .set_filter("state:ENABLED")
            .set_page_size(100)
            .by_page();
        let mut names = Vec::new();
        // A server that kept answering with a page token would otherwise keep
        // the run here; a daily job collects 10,000 versions in 27 years.
        for _ in 0..MAX_VERSION_PAGES {
            match pages.next().await {
                Some(page) => names.extend(
                    page?
                        .versions
                        .into_iter()
                        .filter(|v| v.state == State::Enabled)
                        .map(|v| v.name),
                ),
                None => break,
            }
        }
        Ok(names)
    }
}

/// Without the `gcp` feature: no value of this type can exist, so `open` is
/// the one way in and it says how to get a build that has Secret Manager.
#[cfg(not(feature = "gcp"))]
pub(crate) enum GcpStore {}

#[cfg(not(feature = "gcp"))]
impl GcpStore {
    pub(crate) async fn open(
        project: &str,
        _: &SecretManagerSettings,
    ) -> Result<Self, SecretsError> {
        Err(SecretsError::Invalid(format!(
            "--secrets gcp:{project}: {}",
            crate::NO_GCP
        )))
    }
    pub(crate) async fn load(&self) -> Result<Credentials, SecretsError> {
        match *self {}
    }
    pub(crate) async fn client(&self) -> Option<(String, Secret)> {
        match *self {}
    }
    pub(crate) async fn save_refresh_token(&self, _: &Secret) -> Result<(), SecretsError> {
        match *self {}
    }
    pub(crate) async fn save_login(&self, _: &Credentials) -> Result<(), SecretsError> {
        match *self {}
    }
    pub(crate) fn forget_instructions(&self) -> String {
        match *self {}
    }
}
