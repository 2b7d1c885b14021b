//! Views stage: the SQL views of derived effort metrics that reports and
//! analysts query, kept in `sql/<dialect>/NN_name.sql` and applied in file
//! order (later views build on earlier ones).
//!
//! Responsible for: knowing which views exist, in which order, in which
//! dialect, and embedding their SQL in the binary (the Cloud Run image has no
//! `sql/` directory). Not responsible for: running SQL (each warehouse applies
//! the list inside its own load) or the metrics themselves (the SQL files).

/// One view: its name and its `CREATE OR REPLACE VIEW` statement.
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub name: &'static str,
    pub sql: &'static str,
}

/// What the GoogleSQL files write where a table or view name needs its
/// project and dataset: BigQuery views must name what they read fully
/// qualified (the default dataset of the creating job does not carry over to
/// the view's readers), so each file writes `` `${dataset}.activities` ``.
pub const DATASET_PLACEHOLDER: &str = "${dataset}";

impl View {
    /// The statement for `project.dataset`: the one place the placeholder is
    /// filled in (DuckDB's files have none and come back unchanged).
    pub fn render(&self, project: &str, dataset: &str) -> String {
        self.sql
            .replace(DATASET_PLACEHOLDER, &format!("{project}.{dataset}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Bigquery,
    Duckdb,
}

macro_rules! views {
    ($dir:literal: $($file:literal => $name:literal),* $(,)?) => {
        &[$(View { name: $name, sql: include_str!(concat!("../sql/", $dir, "/", $file)) }),*]
    };
}

/// Every view, once: (file under sql/DIALECT/, view name), in the order they
/// must be created. Both dialects have the same files.
macro_rules! every_view {
    ($dir:literal) => {
        views!($dir:
            "01_activity_metrics.sql" => "activity_metrics",
            "02_daily_training_load.sql" => "daily_training_load",
            "03_period_summary.sql" => "period_summary",
            "04_weekly_summary.sql" => "weekly_summary",
            "05_monthly_summary.sql" => "monthly_summary",
            "06_quarterly_summary.sql" => "quarterly_summary",
            "07_yearly_summary.sql" => "yearly_summary",
            "08_eddington.sql" => "eddington",
            "09_personal_records.sql" => "personal_records",
        )
    };
}

/// The views in DuckDB's dialect, in the order they must be created.
pub static DUCKDB: &[View] = every_view!("duckdb");

/// The same views in GoogleSQL (BigQuery), same names, columns and order;
/// table names carry [`DATASET_PLACEHOLDER`], filled in by [`View::render`].
pub static BIGQUERY: &[View] = every_view!("bigquery");

/// The views of a dialect.
pub fn views(dialect: Dialect) -> &'static [View] {
    match dialect {
        Dialect::Duckdb => DUCKDB,
        Dialect::Bigquery => BIGQUERY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_file_creates_the_view_it_is_named_for() {
        for v in DUCKDB {
            let head = format!("CREATE OR REPLACE VIEW {} AS", v.name);
            assert!(
                v.sql.contains(&head),
                "{} does not start with `{head}`",
                v.name
            );
        }
        for v in BIGQUERY {
            let head = format!(
                "CREATE OR REPLACE VIEW `{DATASET_PLACEHOLDER}.{}` AS",
                v.name
            );
            assert!(
                v.sql.contains(&head),
                "bigquery {} does not start with `{head}`",
                v.name
            );
        }
    }

    #[test]
    fn every_sql_file_is_listed() {
        for (dialect, list) in [("duckdb", DUCKDB), ("bigquery", BIGQUERY)] {
            let dir = format!("{}/sql/{dialect}", env!("CARGO_MANIFEST_DIR"));
            let files = std::fs::read_dir(&dir).unwrap().count();
            assert_eq!(
                files,
                list.len(),
                "a file in {dir} is not listed in views.rs"
            );
        }
    }

    #[test]
    fn both_dialects_have_the_same_views_in_the_same_order() {
        let names = |l: &[View]| l.iter().map(|v| v.name).collect::<Vec<_>>();
        assert_eq!(names(DUCKDB), names(BIGQUERY));
    }

    #[test]
    fn render_names_every_table_with_its_project_and_dataset() {
        for v in BIGQUERY {
            let sql = v.render("my-proj", "strava");
            assert!(!sql.contains(DATASET_PLACEHOLDER), "{}", v.name);
            assert!(
                sql.contains(&format!("`my-proj.strava.{}`", v.name)),
                "{}",
                v.name
            );
            // Every FROM/JOIN target is fully qualified: no bare table names.
            for word in ["FROM", "JOIN"] {
                for (i, _) in sql.match_indices(&format!("{word} ")) {
                    let next = sql[i + word.len() + 1..].trim_start();
                    let known_cte_or_qualified = next.starts_with("`my-proj.strava.")
                        || ![
                            "activities",
                            "athlete_settings",
                            "activity_metrics",
                            "period_summary",
                        ]
                        .iter()
                        .any(|t| next.starts_with(t));
                    assert!(
                        known_cte_or_qualified,
                        "{}: unqualified `{word} {}`",
                        v.name,
                        &next[..next.len().min(30)]
                    );
                }
            }
        }
        assert_eq!(DUCKDB[0].render("p", "d"), DUCKDB[0].sql);
    }
}
