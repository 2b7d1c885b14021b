//! `strava-warehouse status`: the last runs recorded in `sync_runs`, as a
//! table for people or JSON for scripts.
//!
//! Responsible for: the row type and both renderings. Not responsible for:
//! reading the rows (each warehouse does; see `warehouse::duckdb`), or what a
//! run records (see `pipeline`).

use serde::Serialize;

/// One `sync_runs` row, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRow {
    /// When the run started, UTC, to the second ("2026-12-01 14:00:00").
    pub(crate) started_at: String,
    pub(crate) outcome: String,
    pub(crate) source: String,
    pub(crate) activities: i64,
    pub(crate) api_calls: i64,
    pub(crate) message: Option<String>,
}

/// DuckDB's SQL for the rows, newest first.
#[cfg(feature = "duckdb")]
pub(crate) fn duckdb_query(limit: u32) -> String {
    format!(
        "SELECT strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started_at, outcome, source, \
         activities, api_calls, message FROM sync_runs ORDER BY started_at DESC LIMIT {limit}"
    )
}

/// The same in GoogleSQL, for `bq query` (`status` reads DuckDB only).
pub fn bigquery_query(project: &str, dataset: &str, limit: u32) -> String {
    format!(
        "SELECT FORMAT_TIMESTAMP('%F %T', started_at) AS started_at, outcome, source, \
         activities, api_calls, message FROM `{project}.{dataset}.sync_runs` \
         ORDER BY started_at DESC LIMIT {limit}"
    )
}

/// Aligned columns, newest run first; a long message is cut to keep one
/// line per run.
pub fn table(rows: &[RunRow]) -> String {
    if rows.is_empty() {
        return "No runs recorded yet.\n".into();
    }
    let header = [
        "started (UTC)",
        "outcome",
        "source",
        "activities",
        "API calls",
        "message",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let message = r.message.clone().unwrap_or_default();
            let message = match message.char_indices().nth(80) {
                Some((cut, _)) => format!("{}…", &message[..cut]),
                None => message,
            };
            [
                r.started_at.clone(),
                r.outcome.clone(),
                r.source.clone(),
                r.activities.to_string(),
                r.api_calls.to_string(),
                message,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[&str]| -> String {
        let padded: Vec<String> = c
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&header);
    for c in &cells {
        out.push_str(&line(&c.each_ref().map(String::as_str)));
    }
    out
}

/// One JSON array of the rows, newest first.
pub fn json(rows: &[RunRow]) -> String {
    format!("{}\n", serde_json::to_value(rows).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(outcome: &str, message: Option<&str>) -> RunRow {
        RunRow {
            started_at: "2026-12-01 14:00:00".into(),
            outcome: outcome.into(),
            source: "api".into(),
            activities: 1234,
            api_calls: 9,
            message: message.map(str::to_string),
        }
    }

    #[test]
    fn the_table_has_a_header_and_one_aligned_line_per_run() {
        let text = table(&[row("ok", None), row("failed", Some("Strava is down"))]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("started (UTC)"), "{text}");
        assert!(lines[2].ends_with("Strava is down"), "{text}");
        let column = |l: &str| l.find("api").unwrap();
        assert_eq!(column(lines[1]), column(lines[2]), "{text}");
    }

    #[test]
    fn no_runs_is_said_in_words() {
        assert_eq!(table(&[]), "No runs recorded yet.\n");
    }

    #[test]
    fn json_is_one_array_with_a_null_message_for_a_good_run() {
        let v: serde_json::Value = serde_json::from_str(&json(&[row("ok", None)])).unwrap();
        assert_eq!(v[0]["outcome"], "ok");
        assert_eq!(v[0]["message"], serde_json::Value::Null);
        assert_eq!(v[0]["activities"], 1234);
    }
}
