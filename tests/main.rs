//! The integration tests: every file beside this one is a module of one
//! test binary, so the test build compiles and links them once instead of
//! once per file (docs/development.md, "Build times"). Each module's own
//! `//!` paragraph says what it covers; `cargo test --test integration
//! MODULE::` runs one of them.
//!
//! Modules that need Google Cloud's client code are compiled only with the
//! `gcp` feature (`bash .ci/test` turns it on); a module that needs DuckDB or
//! the report says so with its own `#![cfg]`.

mod common;

mod activity_files;
mod bad_input;
#[cfg(feature = "gcp")]
mod bigquery;
#[cfg(all(feature = "gcp", feature = "duckdb"))]
mod cloud_storage;
mod docs;
mod export;
mod faults;
#[cfg(feature = "gcp")]
mod http_retries;
mod login;
mod purge;
mod report;
mod sample;
mod schema_command;
mod secrets_file;
#[cfg(feature = "gcp")]
mod secrets_gcp;
mod sync_api;
mod transform_properties;
mod upstream;
mod views;
#[cfg(feature = "gcp")]
mod views_bigquery;
mod views_rendered;
mod views_zetasql;
