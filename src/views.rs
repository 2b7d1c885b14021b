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

/// The views in DuckDB's dialect, in the order they must be created.
pub static DUCKDB: &[View] = views!("duckdb":
    "01_activity_metrics.sql" => "activity_metrics",
    "02_daily_training_load.sql" => "daily_training_load",
    "03_period_summary.sql" => "period_summary",
    "04_weekly_summary.sql" => "weekly_summary",
    "05_monthly_summary.sql" => "monthly_summary",
    "06_quarterly_summary.sql" => "quarterly_summary",
    "07_yearly_summary.sql" => "yearly_summary",
    "08_eddington.sql" => "eddington",
    "09_personal_records.sql" => "personal_records",
);

/// The views in GoogleSQL (BigQuery). Not written yet: the views issue's
/// BigQuery half. A BigQuery load creates none until then.
pub static BIGQUERY: &[View] = &[];

/// The views of a dialect, or why there are none yet.
pub fn views(dialect: Dialect) -> Result<&'static [View], &'static str> {
    match dialect {
        Dialect::Duckdb => Ok(DUCKDB),
        Dialect::Bigquery => Err(
            "the GoogleSQL views are not written yet (the views issue's BigQuery half); \
             `--dialect duckdb` prints the DuckDB ones",
        ),
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
    }

    #[test]
    fn every_sql_file_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/duckdb");
        let files = std::fs::read_dir(dir).unwrap().count();
        assert_eq!(
            files,
            DUCKDB.len(),
            "a file in {dir} is not in views::DUCKDB"
        );
    }
}
