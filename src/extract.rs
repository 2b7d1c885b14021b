//! Extract stage: where the pages come from. Either the Strava API (after a
//! token refresh whose rotated refresh token is saved before any other call,
//! each page optionally kept on disk as received), or a directory of pages
//! saved by an earlier run (`--from-raw`).
//!
//! Responsible for: the paging loop, which stops only at an empty page (Strava
//! says a short page is not proof of the end), refreshing the access token once
//! when Strava rejects it mid-run, and naming each page's origin for errors.
//! Not responsible for: HTTP details (see `strava`) or decoding (see `transform`).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::progress::Progress;
use crate::raw::{self, ATHLETE_FILE, RawReader, RawWriter, page_file};
use crate::secrets::{Credentials, RunLock, Secret, SecretStore, SecretsError, SecretsSettings};
use crate::strava::ratelimit::Budget;
use crate::strava::{HttpSettings, StravaClient, StravaError};
use crate::transform::Transform;

/// Settings for reading from the Strava API.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub secrets: SecretsSettings,
    pub api_url: String,
    pub oauth_url: String,
    pub http: HttpSettings,
    pub raw_dir: Option<PathBuf>,
    /// Saved runs older than this many days are deleted at the start of a run.
    pub raw_retention_days: u32,
    /// Longest wait for the 15-minute window to reset before paging.
    pub max_rate_wait: std::time::Duration,
}

pub(crate) enum Pages {
    Api(Box<ApiPages>),
    Replay(RawReader),
}

/// Pages from the Strava API, with what it takes to refresh the token again.
pub(crate) struct ApiPages {
    client: StravaClient,
    store: SecretStore,
    secrets: SecretsSettings,
    creds: Credentials,
    token: Secret,
    raw: Option<RawWriter>,
    /// Strava rotated the refresh token and the store could not keep it.
    unsaved_rotation: Option<SecretsError>,
    refreshed_mid_run: bool,
    max_rate_wait: std::time::Duration,
    /// Held until the pages are read: no other run refreshes these credentials.
    _run_lock: Option<RunLock>,
    /// Only activities started after this UTC epoch second (export + API).
    after: Option<i64>,
}

enum Call {
    Athlete,
    Page(u32),
}

impl ApiPages {
    /// Refreshes the access token. A rotated refresh token is saved before
    /// anything else, and used from then on.
    async fn refresh(&mut self) -> anyhow::Result<()> {
        // A signal must not cut between a refresh Strava may have answered
        // with a rotated token and the save of that token.
        let _whole = crate::interrupt::shield();
        let grant = self.client.refresh(&self.creds).await?;
        if let Some(new_token) = grant.rotated_refresh_token {
            match self.store.save_refresh_token(&new_token).await {
                Ok(()) => tracing::info!(
                    "Strava rotated the refresh token; saved it to {}",
                    self.secrets
                ),
                Err(SecretsError::CannotPersist) => {
                    tracing::warn!(
                        "Strava rotated the refresh token and the env store cannot save it"
                    );
                    self.unsaved_rotation = Some(SecretsError::CannotPersist);
                }
                Err(e) => return Err(e.into()),
            }
            self.creds.refresh_token = new_token;
        }
        self.token = grant.access_token;
        Ok(())
    }

    /// Before paging: stops (exit 3) or waits when the rate-limit headers of
    /// the athlete call say the pages will not fit in what is left.
    async fn check_budget(&self, pages: u64) -> Result<(), StravaError> {
        let Some(reading) = self.client.http().last_reading() else {
            return Ok(());
        };
        let max_wait =
            chrono::Duration::from_std(self.max_rate_wait).unwrap_or(chrono::Duration::MAX);
        match reading.budget(pages, Utc::now(), max_wait) {
            Budget::Go => Ok(()),
            Budget::WaitUntil(at) => {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                tracing::info!(
                    "Strava's 15-minute window has too few calls left for {pages} pages; waiting {} s for it to reset",
                    wait.as_secs()
                );
                let countdown = Progress::countdown(wait, "waiting for Strava's rate-limit window");
                let end = tokio::time::Instant::now() + wait;
                loop {
                    let left = end.saturating_duration_since(tokio::time::Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    countdown.left(left);
                    tokio::time::sleep(left.min(std::time::Duration::from_secs(1))).await;
                }
                Ok(())
            }
            Budget::Stop {
                window,
                left,
                resets_at,
            } => Err(StravaError::BudgetTooSmall {
                window,
                left,
                needed: pages,
                resets_at,
            }),
        }
    }

    async fn fetch(&mut self, call: Call) -> anyhow::Result<Bytes> {
        loop {
            let answer = match call {
                Call::Athlete => self.client.athlete(&self.token).await,
                Call::Page(n) => {
                    self.client
                        .activities_page(&self.token, n, self.after)
                        .await
                }
            };
            match answer {
                // An access token can die mid-run (it expired, or a newer one
                // replaced it): refresh once, then ask again.
                Err(StravaError::AccessTokenRejected) if !self.refreshed_mid_run => {
                    self.refreshed_mid_run = true;
                    tracing::warn!("Strava rejected the access token mid-run; refreshing it once");
                    self.refresh().await?;
                }
                other => return Ok(other?),
            }
        }
    }
}

impl Pages {
    /// Loads the credentials and refreshes the access token. On failure the
    /// error comes with the Strava calls already spent.
    pub(crate) async fn connect(
        settings: &ApiSettings,
        started: DateTime<Utc>,
    ) -> Result<Self, (anyhow::Error, u64)> {
        let store = SecretStore::open(&settings.secrets)
            .await
            .map_err(|e| (e.into(), 0))?;
        let run_lock = store.lock().map_err(|e| (e.into(), 0))?;
        let creds = store.load().await.map_err(|e| (e.into(), 0))?;
        let client = StravaClient::new(
            &settings.api_url,
            &settings.oauth_url,
            settings.http.clone(),
        )
        .map_err(|e| (e.into(), 0))?;
        let mut api = ApiPages {
            client,
            store,
            secrets: settings.secrets.clone(),
            creds,
            token: Secret::new(""),
            raw: None,
            unsaved_rotation: None,
            refreshed_mid_run: false,
            max_rate_wait: settings.max_rate_wait,
            _run_lock: run_lock,
            after: None,
        };
        let calls = |api: &ApiPages| api.client.http().calls();
        if let Err(e) = api.refresh().await {
            return Err((e, calls(&api)));
        }
        if let Some(dir) = &settings.raw_dir {
            match RawWriter::begin(dir, started) {
                Ok(w) => api.raw = Some(w),
                Err(e) => return Err((e.into(), calls(&api))),
            }
        }
        Ok(Pages::Api(Box::new(api)))
    }

    /// `--raw-dir` retention: deletes saved runs older than
    /// `RAW_RETENTION_DAYS`. At the start of every run that may save pages,
    /// whether or not it then reaches Strava (an export-only run too).
    pub(crate) fn apply_retention(
        settings: &ApiSettings,
        started: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let Some(dir) = &settings.raw_dir else {
            return Ok(());
        };
        for d in raw::delete_older_than(dir, settings.raw_retention_days, started)? {
            tracing::info!(
                "deleted raw pages older than {} days: {}",
                settings.raw_retention_days,
                d.display()
            );
        }
        Ok(())
    }

    /// Saved pages; a file larger than `max_bytes` is refused unread.
    pub(crate) fn replay(dir: &Path, max_bytes: u64) -> anyhow::Result<Self> {
        let reader = RawReader::open(dir, max_bytes)?;
        tracing::info!("replaying Strava pages saved in {}", reader.dir().display());
        Ok(Pages::Replay(reader))
    }

    /// Asks the API only for activities started after `epoch_seconds`.
    pub(crate) fn only_after(&mut self, epoch_seconds: i64) {
        if let Pages::Api(api) = self {
            api.after = Some(epoch_seconds);
        }
    }

    /// Strava's rate-limit usage as its latest response reported it.
    pub(crate) fn rate_limit_usage(&self) -> Option<String> {
        match self {
            Pages::Api(api) => api.client.http().last_reading().map(|r| r.describe()),
            Pages::Replay(_) => None,
        }
    }

    pub(crate) fn api_calls(&self) -> u64 {
        match self {
            Pages::Api(api) => api.client.http().calls(),
            Pages::Replay(_) => 0,
        }
    }

    /// A rotated refresh token the secret store could not keep, to report once
    /// the data has loaded.
    pub(crate) fn take_unsaved_rotation(&mut self) -> Option<SecretsError> {
        match self {
            Pages::Api(api) => api.unsaved_rotation.take(),
            Pages::Replay(_) => None,
        }
    }

    fn origin(&self, file: &str, api_what: String) -> String {
        match self {
            Pages::Api(_) => api_what,
            Pages::Replay(r) => r.dir().join(file).display().to_string(),
        }
    }

    async fn read(&mut self, call: Call, file: &str) -> anyhow::Result<Bytes> {
        Ok(match self {
            Pages::Api(api) => {
                let body = api.fetch(call).await?;
                if let Some(raw) = &api.raw {
                    raw.save(file, &body)?;
                }
                body
            }
            Pages::Replay(r) => Bytes::from(match call {
                Call::Athlete => r.athlete()?,
                Call::Page(n) => r.page(n)?,
            }),
        })
    }

    /// Reads the athlete and every page into `transform`, up to the empty page.
    /// `expected_pages` (pages the history should take, the empty one included)
    /// is checked against Strava's rate-limit budget before paging.
    pub(crate) async fn extract_into(
        &mut self,
        transform: &mut Transform,
        expected_pages: u64,
    ) -> anyhow::Result<()> {
        let athlete = self.read(Call::Athlete, ATHLETE_FILE).await?;
        if let Pages::Api(api) = self {
            api.check_budget(expected_pages).await?;
        }
        let origin = self.origin(ATHLETE_FILE, "the athlete profile (GET /athlete)".into());
        transform.athlete(&athlete, &origin)?;
        let progress = Progress::pages((expected_pages > 1).then_some(expected_pages));
        for n in 1.. {
            let file = page_file(n);
            let body = self.read(Call::Page(n), &file).await?;
            let origin = self.origin(&file, format!("page {n} of GET /athlete/activities"));
            let count = transform.page(&body, &origin)?;
            tracing::info!(
                page = n,
                activities = transform.activities_so_far(),
                "read page {n}: {count} activities, {} so far",
                transform.activities_so_far()
            );
            progress.inc();
            progress.set_message(&format!("{} activities", transform.activities_so_far()));
            if count == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Marks saved raw pages complete; returns where they are.
    pub(crate) fn finish(self) -> anyhow::Result<Option<PathBuf>> {
        match self {
            Pages::Api(api) => match api.raw {
                Some(raw) => Ok(Some(raw.complete()?)),
                None => Ok(None),
            },
            Pages::Replay(_) => Ok(None),
        }
    }
}
