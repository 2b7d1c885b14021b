//! Views stage: the SQL views of derived effort metrics that reports and
//! analysts query. Each view is written once, in `sql/views/NN_name.sql`, and
//! rendered here into GoogleSQL (BigQuery) or DuckDB; the list is applied in
//! order (later views read earlier ones).
//!
//! Responsible for: which views exist and in which order, embedding their SQL
//! in the binary (the Cloud Run image has no `sql/` directory), and rendering
//! the few cross-dialect functions below. Not responsible for: running SQL
//! (each warehouse applies the rendered list inside its own load) or the
//! metrics themselves (the SQL files; their constants are the
//! `metric_constants` view).
//!
//! A view file is plain SQL that both engines accept, except where they
//! differ; there it calls one of these functions, written `{{ name(args) }}`
//! (the pattern of dbt's cross-database macros). Arguments are SQL text, split
//! at top-level commas, and may themselves call functions.
//!
//! | function | GoogleSQL | DuckDB |
//! |---|---|---|
//! | `ref(name)` | `` `project.dataset.name` `` (views must name what they read fully) | `name` |
//! | `today()` | `CURRENT_DATE()` (UTC) | `current_date` (the session's zone) |
//! | `date_trunc(week\|month\|quarter\|year, d)` | `DATE_TRUNC(d, WEEK(MONDAY))`, … | `CAST(date_trunc('week', d) AS DATE)`, … |
//! | `date_diff_days(later, earlier)` | `DATE_DIFF(later, earlier, DAY)` | `(later - earlier)` |
//! | `date_add_days(d, n)` | `DATE_ADD(d, INTERVAL n DAY)` | `(d + CAST(n AS INTEGER))` |
//! | `date_array(start, stop, N DAY\|MONTH\|YEAR)` | `GENERATE_DATE_ARRAY(start, stop, INTERVAL N …)` | `CAST(generate_series(start, stop, INTERVAL N …) AS DATE[])` |
//! | `int_array(start, stop)` (both ends included) | `GENERATE_ARRAY(start, stop)` | `generate_series(start, stop)` |
//! | `unnest(array, alias)` (a FROM item) | `UNNEST(array) AS alias` | `UNNEST(array) AS alias(alias)` |
//! | `star_except(col, …)` | `* EXCEPT (col, …)` | `* EXCLUDE (col, …)` |
//! | `float64(x)` | `CAST(x AS FLOAT64)` | `CAST(x AS DOUBLE)` |
//! | `utc_datetime(ts)` | `DATETIME(ts, 'UTC')` | `ts` (DuckDB keeps instants as UTC TIMESTAMP) |
//!
//! Rendering is checked, not trusted: `tests/golden/views.*.golden` hold both
//! renderings (a test fails when they differ; `UPDATE_GOLDEN=1` rewrites
//! them), and `.ci/googlesql-check` executes the GoogleSQL in ZetaSQL against
//! DuckDB's results.

use chrono::NaiveDate;

/// One view: its name and its source, `sql/views/NN_name.sql`.
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub name: &'static str,
    /// The file under `sql/views/`.
    pub(crate) file: &'static str,
    source: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Bigquery,
    Duckdb,
}

/// Where a rendering is for: the dialect, and BigQuery's dataset.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Bigquery { project: &'a str, dataset: &'a str },
    Duckdb,
}

/// What `today()` renders to.
#[derive(Debug, Clone, Copy, Default)]
pub enum Today {
    /// The warehouse's clock: what is applied.
    #[default]
    Clock,
    /// A fixed date, so that two engines compared on one run agree on it
    /// (ZetaSQL reads the machine clock and cannot be pinned otherwise).
    Fixed(NaiveDate),
}

/// How to render: for which warehouse, and what today is.
#[derive(Debug, Clone, Copy)]
pub struct Rendering<'a> {
    pub target: Target<'a>,
    pub today: Today,
}

impl<'a> Rendering<'a> {
    pub fn duckdb() -> Self {
        Rendering {
            target: Target::Duckdb,
            today: Today::Clock,
        }
    }

    pub fn bigquery(project: &'a str, dataset: &'a str) -> Self {
        Rendering {
            target: Target::Bigquery { project, dataset },
            today: Today::Clock,
        }
    }
}

macro_rules! views {
    ($($file:literal => $name:literal),* $(,)?) => {
        &[$(View {
            name: $name,
            file: $file,
            source: include_str!(concat!("../sql/views/", $file)),
        }),*]
    };
}

/// Every view, in the order they must be created. A new view is one file in
/// `sql/views/` and one line here.
pub static VIEWS: &[View] = views!(
    "01_metric_constants.sql" => "metric_constants",
    "02_sport_groups.sql" => "sport_groups",
    "03_activity_metrics.sql" => "activity_metrics",
    "04_daily_training_load.sql" => "daily_training_load",
    "05_period_summary.sql" => "period_summary",
    "06_weekly_summary.sql" => "weekly_summary",
    "07_monthly_summary.sql" => "monthly_summary",
    "08_quarterly_summary.sql" => "quarterly_summary",
    "09_yearly_summary.sql" => "yearly_summary",
    "10_eddington.sql" => "eddington",
    "11_personal_records.sql" => "personal_records",
    "12_power_duration_curve.sql" => "power_duration_curve",
    "13_critical_power.sql" => "critical_power",
    "14_best_efforts_records.sql" => "best_efforts_records",
    "15_weekly_time_in_zones.sql" => "weekly_time_in_zones",
    "16_gear_summary.sql" => "gear_summary",
);

impl View {
    /// The view's `CREATE OR REPLACE VIEW` statement for `rendering`.
    ///
    /// Panics on a malformed function call: the sources are compiled in, and
    /// the unit tests render every one in both dialects, so a bad file never
    /// leaves a build that passed its tests.
    pub fn render(&self, rendering: &Rendering) -> String {
        render(self.source, rendering).unwrap_or_else(|e| panic!("sql/views/{}: {e}", self.file))
    }

    /// The columns that identify a row, from the file's `-- key:` line.
    pub fn key(&self) -> Vec<&'static str> {
        self.source
            .lines()
            .find_map(|l| l.strip_prefix("-- key:"))
            .map(|k| k.split(',').map(str::trim).collect())
            .unwrap_or_default()
    }
}

/// Every statement of `rendering`, each closed by `;`: what `strava-warehouse
/// views` prints, and what the warehouses apply one by one.
pub fn script(rendering: &Rendering) -> String {
    VIEWS
        .iter()
        .map(|v| format!("{};\n\n", v.render(rendering).trim_end()))
        .collect()
}

/// Replaces every `{{ name(args) }}` in `sql`, innermost calls first.
fn render(sql: &str, r: &Rendering) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = closing(after).ok_or("a `{{` is never closed by `}}`")?;
        let call = render(after[..end].trim(), r)?;
        out.push_str(&function(&call, r)?);
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("a `}}` has no `{{`".into());
    }
    out.push_str(rest);
    Ok(out)
}

/// The offset of the `}}` that closes an opened `{{`, skipping nested pairs.
/// Braces are ASCII, so scanning bytes never splits a character.
fn closing(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"{{" => {
                depth += 1;
                i += 2;
            }
            b"}}" if depth == 0 => return Some(i),
            b"}}" => {
                depth -= 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// Splits `a, f(b, c), [d, e], 'x, y'` at its top-level commas.
fn arguments(s: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    let mut args = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                args.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s.trim().is_empty() {
        args.push(s[start..].trim());
    }
    args
}

/// One cross-dialect function, rendered (see the table in the module docs).
fn function(call: &str, r: &Rendering) -> Result<String, String> {
    let (name, args) = call
        .strip_suffix(')')
        .and_then(|c| c.split_once('('))
        .ok_or_else(|| format!("`{{{{ {call} }}}}` is not a call like `name(args)`"))?;
    let args = arguments(args);
    let want = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "`{name}` takes {n} arguments, `{{{{ {call} }}}}` gives {}",
                args.len()
            ))
        }
    };
    let (project, dataset) = match r.target {
        Target::Bigquery { project, dataset } => (project, dataset),
        Target::Duckdb => ("", ""),
    };
    let a = |i: usize| args[i];
    // Each function's two renderings side by side: (GoogleSQL, DuckDB).
    let (google, duck) = match name.trim() {
        "ref" => {
            want(1)?;
            (format!("`{project}.{dataset}.{}`", a(0)), a(0).to_string())
        }
        "today" => {
            want(0)?;
            match r.today {
                Today::Fixed(d) => (format!("DATE '{d}'"), format!("DATE '{d}'")),
                Today::Clock => ("CURRENT_DATE()".into(), "current_date".into()),
            }
        }
        "date_trunc" => {
            want(2)?;
            let part = a(0).to_ascii_lowercase();
            let google = match part.as_str() {
                "week" => "WEEK(MONDAY)".to_string(),
                "month" | "quarter" | "year" => part.to_ascii_uppercase(),
                _ => return Err(format!("date_trunc: unknown part `{}`", a(0))),
            };
            // DuckDB's weeks are ISO weeks: they start on Monday too.
            (
                format!("DATE_TRUNC({}, {google})", a(1)),
                format!("CAST(date_trunc('{part}', {}) AS DATE)", a(1)),
            )
        }
        "date_diff_days" => {
            want(2)?;
            (
                format!("DATE_DIFF({}, {}, DAY)", a(0), a(1)),
                format!("({} - {})", a(0), a(1)),
            )
        }
        "date_add_days" => {
            want(2)?;
            (
                format!("DATE_ADD({}, INTERVAL {} DAY)", a(0), a(1)),
                format!("({} + CAST({} AS INTEGER))", a(0), a(1)),
            )
        }
        "date_array" => {
            want(3)?;
            (
                format!("GENERATE_DATE_ARRAY({}, {}, INTERVAL {})", a(0), a(1), a(2)),
                format!(
                    "CAST(generate_series({}, {}, INTERVAL {}) AS DATE[])",
                    a(0),
                    a(1),
                    a(2)
                ),
            )
        }
        "int_array" => {
            want(2)?;
            (
                format!("GENERATE_ARRAY({}, {})", a(0), a(1)),
                format!("generate_series({}, {})", a(0), a(1)),
            )
        }
        "unnest" => {
            want(2)?;
            // DuckDB names an unnested column `unnest` unless told.
            (
                format!("UNNEST({}) AS {}", a(0), a(1)),
                format!("UNNEST({}) AS {}({})", a(0), a(1), a(1)),
            )
        }
        "star_except" => {
            if args.is_empty() {
                return Err("`star_except` takes at least one column".into());
            }
            let columns = args.join(", ");
            (
                format!("* EXCEPT ({columns})"),
                format!("* EXCLUDE ({columns})"),
            )
        }
        "float64" => {
            want(1)?;
            (
                format!("CAST({} AS FLOAT64)", a(0)),
                format!("CAST({} AS DOUBLE)", a(0)),
            )
        }
        "utc_datetime" => {
            want(1)?;
            (format!("DATETIME({}, 'UTC')", a(0)), a(0).to_string())
        }
        other => return Err(format!("unknown function `{other}` in `{{{{ {call} }}}}`")),
    };
    Ok(match r.target {
        Target::Bigquery { .. } => google,
        Target::Duckdb => duck,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duckdb(sql: &str) -> String {
        render(sql, &Rendering::duckdb()).unwrap()
    }

    fn bigquery(sql: &str) -> String {
        render(sql, &Rendering::bigquery("p", "d")).unwrap()
    }

    #[test]
    fn every_view_file_creates_the_view_it_is_named_for() {
        for v in VIEWS {
            assert_eq!(v.file, format!("{}_{}.sql", &v.file[..2], v.name));
            let head = format!("CREATE OR REPLACE VIEW {} AS", v.name);
            assert!(
                v.render(&Rendering::duckdb()).contains(&head),
                "{} has no `{head}`",
                v.file
            );
            let head = format!("CREATE OR REPLACE VIEW `p.d.{}` AS", v.name);
            assert!(
                v.render(&Rendering::bigquery("p", "d")).contains(&head),
                "{} has no `{head}`",
                v.file
            );
        }
    }

    #[test]
    fn every_sql_file_is_listed_in_file_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/views");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let listed: Vec<&str> = VIEWS.iter().map(|v| v.file).collect();
        assert_eq!(files, listed, "sql/views and the list in views.rs differ");
    }

    #[test]
    fn every_view_names_the_columns_that_identify_a_row() {
        for v in VIEWS {
            assert!(!v.key().is_empty(), "{} has no `-- key:` line", v.file);
        }
    }

    #[test]
    fn a_bigquery_rendering_names_every_table_and_view_with_its_project_and_dataset() {
        let names: Vec<&str> = crate::schema::TABLES
            .iter()
            .map(|t| t.name)
            .chain(VIEWS.iter().map(|v| v.name))
            .collect();
        for v in VIEWS {
            let sql = v.render(&Rendering::bigquery("my-proj", "strava"));
            for word in ["FROM", "JOIN"] {
                for (i, _) in sql.match_indices(&format!("{word} ")) {
                    let next = sql[i + word.len() + 1..].trim_start();
                    let bare = names.iter().any(|n| {
                        next.starts_with(n)
                            && !next[n.len()..]
                                .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                    });
                    assert!(
                        !bare,
                        "{}: unqualified `{word} {}`",
                        v.file,
                        &next[..next.len().min(30)]
                    );
                }
            }
        }
    }

    #[test]
    fn no_function_call_is_left_unrendered() {
        for v in VIEWS {
            for r in [Rendering::duckdb(), Rendering::bigquery("p", "d")] {
                let sql = v.render(&r);
                assert!(!sql.contains("{{") && !sql.contains("}}"), "{}", v.file);
            }
        }
    }

    #[test]
    fn ref_is_qualified_in_bigquery_and_bare_in_duckdb() {
        assert_eq!(
            bigquery("FROM {{ ref(activities) }} AS a"),
            "FROM `p.d.activities` AS a"
        );
        assert_eq!(
            duckdb("FROM {{ ref(activities) }} AS a"),
            "FROM activities AS a"
        );
    }

    #[test]
    fn weeks_start_on_monday_in_both_dialects() {
        assert_eq!(
            bigquery("{{ date_trunc(week, local_date) }}"),
            "DATE_TRUNC(local_date, WEEK(MONDAY))"
        );
        assert_eq!(
            duckdb("{{ date_trunc(week, local_date) }}"),
            "CAST(date_trunc('week', local_date) AS DATE)"
        );
    }

    #[test]
    fn calls_nest_and_arguments_split_only_at_top_level_commas() {
        let sql = "{{ unnest({{ date_array(f(a, b), {{ today() }}, 1 DAY) }}, day) }}";
        assert_eq!(
            bigquery(sql),
            "UNNEST(GENERATE_DATE_ARRAY(f(a, b), CURRENT_DATE(), INTERVAL 1 DAY)) AS day"
        );
        assert_eq!(
            duckdb("{{ unnest(['a, b', 'c'], x) }}"),
            "UNNEST(['a, b', 'c']) AS x(x)"
        );
    }

    #[test]
    fn a_fixed_today_renders_the_same_date_literal_in_both_dialects() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for target in [
            Target::Duckdb,
            Target::Bigquery {
                project: "p",
                dataset: "d",
            },
        ] {
            let r = Rendering {
                target,
                today: Today::Fixed(day),
            };
            assert_eq!(render("{{ today() }}", &r).unwrap(), "DATE '2026-12-01'");
        }
    }

    #[test]
    fn a_malformed_call_is_an_error_naming_it() {
        let r = Rendering::duckdb();
        assert!(
            render("{{ nope(x) }}", &r)
                .unwrap_err()
                .contains("unknown function `nope`")
        );
        assert!(
            render("{{ ref(a, b) }}", &r)
                .unwrap_err()
                .contains("`ref` takes 1 arguments")
        );
        assert!(
            render("{{ ref(a) ", &r)
                .unwrap_err()
                .contains("never closed")
        );
        assert!(
            render("{{ date_trunc(day, d) }}", &r)
                .unwrap_err()
                .contains("unknown part `day`")
        );
    }
}
