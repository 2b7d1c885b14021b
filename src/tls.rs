//! The TLS crypto provider every HTTPS client in the process uses: rustls
//! with `ring`, installed once as the process default before the first client
//! is built.
//!
//! Responsible for: choosing the provider (reqwest is built with
//! `rustls-no-provider`, so without this every client build would fail) and
//! handing out client builders that are sure to find it. Not responsible for:
//! timeouts, user agents or retries (each caller sets its own).
//!
//! Why `ring` and not reqwest's default `aws-lc-rs`: the same TLS for a client
//! that only talks to Strava and Google, at a fraction of the cold compile time
//! (see README, "Build time"). reqwest and Google's crates are built without
//! their default provider and take the process default; google-cloud-auth
//! signs service-account keys with its key provider, so it must be installed
//! before the first Google call (`gcp::credentials` does).

/// Makes `ring` the process-wide rustls provider. Idempotent and cheap;
/// losing the race to another installer (the same provider) is fine.
pub(crate) fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `reqwest::Client::builder()`, after the provider is installed.
pub fn client_builder() -> reqwest::ClientBuilder {
    install();
    reqwest::Client::builder()
}
