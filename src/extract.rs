//! Extract stage: where the pages come from. Either the Strava API (after a
//! token refresh whose rotated refresh token is saved before any other call,
//! each page optionally kept on disk as received), or a directory of pages
//! saved by an earlier run (`--from-raw`).
//!
//! Responsible for: the paging loop, which stops only at an empty page (Strava
//! says a short page is not proof of the end), and naming each page's origin
//! for errors. Not responsible for: HTTP details (see `strava`) or decoding
//! (see `transform`).

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::raw::{ATHLETE_FILE, RawReader, RawWriter, page_file};
use crate::secrets::{Secret, SecretStore, SecretsError, SecretsSpec};
use crate::strava::{HttpSettings, StravaClient};
use crate::transform::Transform;

/// Settings for reading from the Strava API.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub secrets: SecretsSpec,
    pub api_url: String,
    pub oauth_url: String,
    pub http: HttpSettings,
    pub raw_dir: Option<PathBuf>,
}

pub enum Pages {
    Api {
        client: Box<StravaClient>,
        token: Secret,
        raw: Option<RawWriter>,
    },
    Replay(RawReader),
}

/// What the credential step left to report once the data is loaded.
pub struct Connected {
    pub pages: Pages,
    /// Strava rotated the refresh token and the store could not keep it.
    pub unsaved_rotation: Option<SecretsError>,
}

impl Pages {
    /// Loads the credentials, refreshes the access token and, when Strava
    /// rotates the refresh token, saves the new one before anything else.
    /// Returns the client even on failure so its calls are still counted.
    pub async fn connect(
        settings: &ApiSettings,
        started: DateTime<Utc>,
    ) -> Result<Connected, (anyhow::Error, u64)> {
        let store = SecretStore::open(&settings.secrets).map_err(|e| (e.into(), 0))?;
        let creds = store.load().map_err(|e| (e.into(), 0))?;
        let client = StravaClient::new(
            &settings.api_url,
            &settings.oauth_url,
            settings.http.clone(),
        )
        .map_err(|e| (e.into(), 0))?;
        let grant = match client.refresh(&creds).await {
            Ok(g) => g,
            Err(e) => return Err((e.into(), client.http().calls())),
        };
        let mut unsaved_rotation = None;
        if let Some(new_token) = &grant.rotated_refresh_token {
            match store.save_refresh_token(new_token) {
                Ok(()) => tracing::info!(
                    "Strava rotated the refresh token; saved it to {}",
                    settings.secrets
                ),
                Err(SecretsError::CannotPersist) => {
                    tracing::warn!(
                        "Strava rotated the refresh token and the env store cannot save it"
                    );
                    unsaved_rotation = Some(SecretsError::CannotPersist);
                }
                Err(e) => return Err((e.into(), client.http().calls())),
            }
        }
        let raw = match &settings.raw_dir {
            Some(dir) => Some(
                RawWriter::begin(dir, started).map_err(|e| (e.into(), client.http().calls()))?,
            ),
            None => None,
        };
        Ok(Connected {
            pages: Pages::Api {
                client: Box::new(client),
                token: grant.access_token,
                raw,
            },
            unsaved_rotation,
        })
    }

    pub fn replay(dir: &std::path::Path) -> anyhow::Result<Self> {
        let reader = RawReader::open(dir)?;
        tracing::info!("replaying Strava pages saved in {}", reader.dir().display());
        Ok(Pages::Replay(reader))
    }

    pub fn source_name(&self) -> &'static str {
        match self {
            Pages::Api { .. } => "api",
            Pages::Replay(_) => "raw",
        }
    }

    pub fn api_calls(&self) -> u64 {
        match self {
            Pages::Api { client, .. } => client.http().calls(),
            Pages::Replay(_) => 0,
        }
    }

    fn origin(&self, file: &str, api_what: String) -> String {
        match self {
            Pages::Api { .. } => api_what,
            Pages::Replay(r) => r.dir().join(file).display().to_string(),
        }
    }

    async fn athlete(&mut self) -> anyhow::Result<Vec<u8>> {
        Ok(match self {
            Pages::Api { client, token, raw } => {
                let body = client.athlete(token).await?;
                if let Some(raw) = raw {
                    raw.save(ATHLETE_FILE, &body)?;
                }
                body.to_vec()
            }
            Pages::Replay(r) => r.athlete()?,
        })
    }

    async fn page(&mut self, n: u32) -> anyhow::Result<Vec<u8>> {
        Ok(match self {
            Pages::Api { client, token, raw } => {
                let body = client.activities_page(token, n).await?;
                if let Some(raw) = raw {
                    raw.save(&page_file(n), &body)?;
                }
                body.to_vec()
            }
            Pages::Replay(r) => r.page(n)?,
        })
    }

    /// Reads the athlete and every page into `transform`, up to the empty page.
    pub async fn extract_into(&mut self, transform: &mut Transform) -> anyhow::Result<()> {
        let athlete = self.athlete().await?;
        let origin = self.origin(ATHLETE_FILE, "the athlete profile (GET /athlete)".into());
        transform.athlete(&athlete, &origin)?;
        for n in 1.. {
            let body = self.page(n).await?;
            let origin = self.origin(
                &page_file(n),
                format!("page {n} of GET /athlete/activities"),
            );
            let count = transform.page(&body, &origin)?;
            tracing::info!(
                page = n,
                activities = transform.activities_so_far(),
                "read page {n}: {count} activities, {} so far",
                transform.activities_so_far()
            );
            if count == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Marks saved raw pages complete; returns where they are.
    pub fn finish(self) -> anyhow::Result<Option<PathBuf>> {
        match self {
            Pages::Api { raw: Some(raw), .. } => Ok(Some(raw.complete()?)),
            _ => Ok(None),
        }
    }
}
