//! `strava-warehouse views --dialect …` against the checked-in golden copies
//! of both renderings (`tests/golden/views-*.golden`), so that a change to a
//! view file or to a cross-dialect function shows up in review as the SQL each
//! warehouse will run. After a deliberate change, regenerate them with
//! `UPDATE_GOLDEN=1 cargo test --test integration views_rendered::` and commit the diff.

use std::path::PathBuf;
use std::process::Command;

/// What `views --dialect DIALECT` prints with no warehouse configured
/// (GoogleSQL then names tables `PROJECT.DATASET.…`).
fn printed(dialect: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_strava-warehouse"))
        .args(["views", "--dialect", dialect])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run views");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn golden(dialect: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/views-{dialect}.golden"))
}

fn assert_matches_golden(dialect: &str) {
    let printed = printed(dialect);
    let path = golden(dialect);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &printed).expect("write the golden copy");
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == printed,
        "the {dialect} rendering differs from {}: if the change is meant, run \
         `UPDATE_GOLDEN=1 cargo test --test integration views_rendered::` and commit the golden copy\n\
         --- first differing line: {:?}",
        path.display(),
        kept.lines()
            .zip(printed.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("golden `{a}`, printed `{b}`"))
            .unwrap_or_else(|| "(one is a prefix of the other)".into())
    );
}

#[test]
fn the_bigquery_rendering_is_the_golden_copy() {
    assert_matches_golden("bigquery");
}

#[test]
fn the_duckdb_rendering_is_the_golden_copy() {
    assert_matches_golden("duckdb");
}

#[test]
fn both_renderings_create_every_view_in_order() {
    for dialect in ["bigquery", "duckdb"] {
        let text = printed(dialect);
        let mut at = 0;
        for view in strava_warehouse::views::VIEWS {
            let head = match dialect {
                "bigquery" => format!("CREATE OR REPLACE VIEW `PROJECT.DATASET.{}` AS", view.name),
                _ => format!("CREATE OR REPLACE VIEW {} AS", view.name),
            };
            let found = text[at..].find(&head);
            assert!(
                found.is_some(),
                "{dialect}: `{head}` missing or out of order"
            );
            at += found.unwrap_or_default() + head.len();
        }
    }
}
