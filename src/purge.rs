//! `strava-warehouse purge`: deletes everything the product stored, for an
//! athlete who revoked access or wants out (Strava's API policy: delete all
//! API data within 30 days of a revocation).
//!
//! Responsible for: what is deleted and in which order (warehouse tables and
//! views, saved raw pages, and with `--credentials` the stored tokens), and
//! listing each thing deleted. Not responsible for: asking for confirmation
//! (`main` does, unless `--yes`).

use std::path::Path;

use crate::raw;
use crate::secrets::{SecretStore, SecretsSettings};
use crate::warehouse::Warehouse;

/// Deletes and returns a line per thing deleted.
/// `warehouse` is `None` when there is nothing to open (a DuckDB file that
/// does not exist): opening it would create the file only to find it empty.
pub async fn purge<W: Warehouse>(
    warehouse: Option<&mut W>,
    warehouse_name: &str,
    raw_dir: Option<&Path>,
    credentials: Option<&SecretsSettings>,
) -> anyhow::Result<Vec<String>> {
    let mut removed: Vec<String> = match warehouse {
        Some(w) => w
            .purge()
            .await?
            .into_iter()
            .map(|what| format!("{warehouse_name}: {what}"))
            .collect(),
        None => Vec::new(),
    };
    if let Some(root) = raw_dir {
        for (dir, _) in raw::runs(root)? {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| anyhow::anyhow!("cannot delete raw pages {}: {e}", dir.display()))?;
            removed.push(format!("raw pages {}", dir.display()));
        }
    }
    if let Some(spec) = credentials {
        removed.push(SecretStore::open(spec).await?.forget()?);
    }
    Ok(removed)
}
