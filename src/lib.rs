//! strava-warehouse: keeps an athlete's whole Strava history in a SQL warehouse.
//!
//! The pipeline reads as its stages: `extract` (pages from `strava` or from
//! `raw` files) -> `transform` (fixed `schema` -> Arrow -> Parquet) ->
//! `warehouse` (truncate-and-load), run in order by `pipeline`. From a bulk
//! export, `files` reads the athlete's activity files and `physiology` turns
//! them into the per-second metric tables.
//!
//! The library takes plain settings structs (`pipeline::SyncSettings` and the
//! ones it holds); the command line that fills them is the binary's
//! (`src/cli.rs`), and every command opens its warehouse through
//! `warehouse::AnyWarehouse`.

pub mod cloud_storage;
pub mod doctor;
pub(crate) mod excerpt;
pub mod exit;
pub mod export;
pub mod extract;
pub(crate) mod files;
#[cfg(feature = "gcp")]
pub(crate) mod gcp;
pub(crate) mod gear;
pub mod interrupt;
pub mod logging;
pub mod login;
pub mod looker;
pub(crate) mod parquet_out;
pub(crate) mod physiology;
pub mod pipeline;
pub(crate) mod progress;
pub mod purge;
pub mod raw;
pub(crate) mod redact;
#[cfg(feature = "report")]
pub mod report;
pub(crate) mod retry;
pub mod row;
pub mod schema;
pub mod secrets;
pub(crate) mod settings;
pub mod status;
pub mod strava;
pub mod tls;
pub mod transform;
pub mod views;
pub mod warehouse;
pub(crate) mod workdir;

/// What a build without the `gcp` feature says when asked for Google Cloud
/// (`bigquery:`, `gcp:`): exit 2, and how to get a build that has it.
#[cfg(not(feature = "gcp"))]
pub(crate) const NO_GCP: &str = "this build has no Google Cloud support (built without the `gcp` \
    feature); install one with `cargo install --path . --features gcp`, run `cargo run \
    --features gcp -- ...`, or use the container image, which has it";
