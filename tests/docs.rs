//! Docs that are generated from the code stay generated: README's column
//! tables must be exactly what `strava-warehouse schema` prints.

use std::process::Command;

#[test]
fn readme_column_tables_match_the_schema_in_the_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_strava-warehouse"))
        .args(["schema", "--format", "markdown"])
        .output()
        .expect("run schema");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("<!-- schema:begin -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- schema:end -->").next())
        .expect("README has the schema markers");
    assert_eq!(
        section.trim_end(),
        generated.trim_end(),
        "README's tables are stale: paste `strava-warehouse schema` between the schema markers"
    );
}

#[test]
fn readme_documents_every_export_column_mapping() {
    let section = export_section();
    for (header, column, _) in strava_warehouse::export::MAPPING {
        let row = section.lines().find(|l| {
            l.starts_with('|') && l.contains(header) && l.contains(&format!("`{column}`"))
        });
        assert!(
            row.is_some(),
            "README's export table lacks {header} -> {column}"
        );
    }
}

#[test]
fn readme_gives_every_export_header_in_each_language_read() {
    let section = export_section();
    for forms in strava_warehouse::export::TRANSLATIONS {
        let row = section.lines().find(|l| {
            let cells: Vec<&str> = l
                .split('|')
                .map(|c| c.trim().trim_end_matches(" (2nd)"))
                .collect();
            forms.iter().all(|f| cells.contains(f))
        });
        assert!(row.is_some(), "README's export table lacks a row {forms:?}");
    }
}

/// README's "Loading Strava's bulk export" section.
fn export_section() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    readme
        .split("## Loading Strava's bulk export")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has the export section")
        .to_string()
}
