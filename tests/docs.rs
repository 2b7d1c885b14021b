//! Docs that are generated from the code stay generated, and the docs point
//! only at files that exist: `docs/tables.md`'s column tables must be exactly
//! what `strava-warehouse schema` prints, `docs/export.md` must give every
//! export header the code reads, and every relative link in README.md and
//! `docs/` must lead to a file in the repository.

use std::path::Path;

use crate::common;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_column_tables_in_docs_match_the_schema_in_the_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_strava-warehouse"))
        .args(["schema", "--format", "markdown"])
        .output()
        .expect("run schema");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let tables = read("docs/tables.md");
    let section = tables
        .split("<!-- schema:begin -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- schema:end -->").next())
        .expect("docs/tables.md has the schema markers");
    assert_eq!(
        section.trim_end(),
        generated.trim_end(),
        "docs/tables.md is stale: paste `strava-warehouse schema` between the schema markers"
    );
}

#[test]
fn the_export_page_documents_every_export_column_mapping() {
    let section = export_section();
    for (header, column, _) in strava_warehouse::export::MAPPING {
        let column = strava_warehouse::schema::ACTIVITIES.column_name(*column);
        let row = section.lines().find(|l| {
            l.starts_with('|') && l.contains(header) && l.contains(&format!("`{column}`"))
        });
        assert!(
            row.is_some(),
            "docs/export.md's table lacks {header} -> {column}"
        );
    }
}

#[test]
fn the_export_page_gives_every_export_header_in_each_language_read() {
    let section = export_section();
    for forms in strava_warehouse::export::TRANSLATIONS {
        let row = section.lines().find(|l| {
            let cells: Vec<&str> = l
                .split('|')
                .map(|c| c.trim().trim_end_matches(" (2nd)"))
                .collect();
            forms.iter().all(|f| cells.contains(f))
        });
        assert!(
            row.is_some(),
            "docs/export.md's table lacks a row {forms:?}"
        );
    }
}

#[test]
fn every_relative_link_in_readme_and_docs_leads_to_a_file_in_the_repository() {
    let mut pages = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(Path::new(ROOT).join("docs")).expect("docs/") {
        let name = entry.expect("docs entry").file_name();
        pages.push(format!("docs/{}", name.to_string_lossy()));
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text = read(page);
        let dir = Path::new(ROOT).join(page);
        let dir = dir.parent().expect("a page's folder");
        for target in text.split("](").skip(1).filter_map(|r| r.split(')').next()) {
            let target = target.split('#').next().unwrap_or_default();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            if !dir.join(target).exists() {
                broken.push(format!("{page} -> {target}"));
            }
        }
    }
    assert!(pages.len() > 5, "docs/ has its pages: {pages:?}");
    assert!(
        broken.is_empty(),
        "links to files that do not exist: {broken:?}"
    );
}

#[test]
fn no_file_in_the_repository_points_at_files_outside_it() {
    // Spelt in two pieces so that this file does not match itself.
    let outside = [concat!("..", "/shared/"), concat!("/wo", "rk/")];
    // Every text file, `target/` and fetched libraries aside.
    let files = common::files_under_except(
        Path::new(ROOT),
        &["target", ".git", ".libduckdb", "node_modules"],
    );
    assert!(files.iter().any(|p| p.ends_with(".ci/test")), "walked .ci/");
    let pointing: Vec<_> = files
        .iter()
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|text| outside.iter().any(|o| text.contains(o)))
        })
        .collect();
    assert!(pointing.is_empty(), "files pointing outside: {pointing:?}");
}

#[test]
fn the_readme_stays_a_newcomer_page_and_names_its_two_commands() {
    let readme = read("README.md");
    assert!(readme.len() < 16_000, "README.md is {} bytes", readme.len());
    assert!(readme.contains(
        "cargo run -- sync --from-raw examples/sample-athlete --from-export examples/sample-athlete/export"
    ));
    assert!(readme.contains("bash .ci/test"));
}

/// docs/export.md, the bulk export's page.
fn export_section() -> String {
    read("docs/export.md")
}
