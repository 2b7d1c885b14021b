//! The `strava-warehouse` command: parses the command line (`cli`), sets up
//! logging, opens the warehouse the command names (`AnyWarehouse`) and runs
//! the command. Wiring only; the work is in the library's stages.

use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{
    Cli, Command, DoctorArgs, PurgeArgs, ReportArgs, SchemaArgs, SchemaFormat, StatusArgs,
    SummaryFormat, SyncArgs, ViewsArgs, WarehouseArgs,
};
use strava_warehouse::exit;
use strava_warehouse::logging;
use strava_warehouse::pipeline::SyncReport;
use strava_warehouse::schema::TABLES;
use strava_warehouse::views::{Dialect, Rendering};
use strava_warehouse::warehouse::AnyWarehouse;
use strava_warehouse::warehouse::WarehouseSpec;

fn main() -> ExitCode {
    let cli = Cli::try_parse().unwrap_or_else(|e| logging::usage_error(e));
    logging::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILED);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::from(exit::code(&e))
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Schema(args) => {
            print_schema(&args)?;
            Ok(())
        }
        Command::Sync(args) => sync(&args).await,
        Command::Views(args) => views(&args).await,
        Command::Login(args) => {
            let report = strava_warehouse::login::login(&args.settings()).await?;
            println!(
                "Saved the Strava credentials to {}. Granted scopes: {}.",
                report.store, report.granted_scopes
            );
            if !report.all_activities {
                println!("Without activity:read_all, private activities will be missing.");
            }
            Ok(())
        }
        Command::Purge(args) => purge(&args).await,
        Command::Report(args) => report(&args).await,
        Command::Status(args) => status(&args),
        Command::Doctor(args) => doctor(&args).await,
        Command::LookerUrl(args) => match &args.warehouse {
            Some(WarehouseSpec::BigQuery { project, dataset }) => emit(&format!(
                "{}\n",
                strava_warehouse::looker::url(project, dataset, args.template.as_deref())
            )),
            Some(WarehouseSpec::DuckDb(_)) | None => Err(exit::ConfigError(
                "Looker Studio reads BigQuery, not a DuckDB file: pass --warehouse \
                 bigquery:PROJECT.DATASET (or set WAREHOUSE)"
                    .into(),
            )
            .into()),
        },
    }
}

#[cfg(feature = "report")]
async fn report(args: &ReportArgs) -> anyhow::Result<()> {
    use strava_warehouse::report::{self, ReportOptions, Source};
    let started = std::time::Instant::now();
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        return Err(exit::ConfigError(format!(
            "--from {from} is after --to {to}: the window would be empty"
        ))
        .into());
    }
    let spec = &args.warehouse.warehouse;
    let opened = AnyWarehouse::open_existing(spec, &args.warehouse.bigquery()).await?;
    let Some(source) = opened.map(Source::of).transpose()?.flatten() else {
        return Err(exit::ConfigError(format!(
            "{spec} does not exist: run `strava-warehouse sync` first (or pass --warehouse)"
        ))
        .into());
    };
    let options = ReportOptions {
        from: args.from,
        to: args.to,
        sport_group: args.sport_group.map(|g| g.as_str().to_string()),
    };
    let built = report::build(&source, &options).await?;
    let written = report::write(&report::render(&built), args.out.as_deref())?;
    println!(
        "Wrote {} ({} kB) from {} in {:.1} s: open it in a browser.",
        written.path.display(),
        written.bytes.div_ceil(1024),
        args.warehouse.warehouse,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(not(feature = "report"))]
async fn report(_: &ReportArgs) -> anyhow::Result<()> {
    Err(exit::ConfigError(
        "this build has no `report` command (built without the `report` feature); build with \
         default features"
            .into(),
    )
    .into())
}

async fn sync(args: &SyncArgs) -> anyhow::Result<()> {
    if let Err(e) = strava_warehouse::interrupt::listen() {
        tracing::warn!("cannot catch SIGTERM and SIGINT, so a signal ends the run at once: {e}");
    }
    let settings = args.settings();
    let spec = &args.warehouse.warehouse;
    let mut warehouse = AnyWarehouse::open(spec, &args.warehouse.bigquery()).await?;
    let report = strava_warehouse::pipeline::sync(&mut warehouse, &settings).await?;
    match args.format {
        SummaryFormat::Text => print_summary(&report, &spec.to_string()),
        SummaryFormat::Json => emit(&format!("{}\n", report.to_json(&spec.to_string())))?,
    }
    Ok(())
}

async fn views(args: &ViewsArgs) -> anyhow::Result<()> {
    if !args.apply {
        // GoogleSQL names tables fully qualified: the configured BigQuery
        // dataset if there is one, else a placeholder to fill in.
        let (project, dataset) = match &args.warehouse.warehouse {
            WarehouseSpec::BigQuery { project, dataset } => (project.as_str(), dataset.as_str()),
            WarehouseSpec::DuckDb(_) => ("PROJECT", "DATASET"),
        };
        let rendering = match args.dialect {
            Dialect::Bigquery => Rendering::bigquery(project, dataset),
            Dialect::Duckdb => Rendering::duckdb(),
        };
        return emit(&strava_warehouse::views::script(&rendering));
    }
    let spec = &args.warehouse.warehouse;
    let warehouse = AnyWarehouse::open(spec, &args.warehouse.bigquery()).await?;
    let created = warehouse.apply_views().await?;
    println!("Created or replaced {created} views in {spec}.");
    Ok(())
}

async fn purge(args: &PurgeArgs) -> anyhow::Result<()> {
    let spec = &args.warehouse.warehouse;
    if !args.yes {
        let mut what = format!("the tables and views in {spec}");
        if let Some(dir) = &args.raw_dir {
            what.push_str(&format!(", the raw pages under {}", dir.display()));
        }
        if args.credentials {
            what.push_str(&format!(", the credentials in {}", args.secrets.secrets));
        }
        eprint!("This deletes {what}. Type `yes` to go on: ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            anyhow::bail!(
                "purge cancelled; nothing was deleted (pass --yes to skip this question)"
            );
        }
    }
    let secrets = args.secrets.settings(std::time::Duration::from_secs(1));
    let credentials = args.credentials.then_some(&secrets);
    let mut warehouse = AnyWarehouse::open_existing(spec, &args.warehouse.bigquery()).await?;
    let removed = strava_warehouse::purge::purge(
        warehouse.as_mut(),
        &spec.to_string(),
        args.raw_dir.as_deref(),
        credentials,
    )
    .await?;
    if removed.is_empty() {
        println!("Nothing to delete.");
    }
    for line in removed {
        println!("deleted {line}");
    }
    Ok(())
}

fn print_summary(r: &SyncReport, target: &str) {
    let span = match (r.first_start, r.last_start) {
        (Some(a), Some(b)) => format!(" ({} to {})", a.format("%Y-%m-%d"), b.format("%Y-%m-%d")),
        _ => String::new(),
    };
    println!(
        "Synced {} activities of athlete {}{span} into {target} in {:.1} s.",
        r.activities,
        r.athlete_id
            .map_or("(no profile)".to_string(), |id| id.to_string()),
        r.seconds
    );
    let previous = r.previous.map_or("none".to_string(), |p| p.to_string());
    println!(
        "Strava API calls: {}. Activities loaded before this run: {previous}.",
        r.api_calls
    );
    if let Some(read) = r.files_read {
        println!(
            "Activity files from the export: {read} read, {} skipped{}.",
            r.files_skipped,
            if r.files_skipped > 0 {
                " (each named in a warning above)"
            } else {
                ""
            }
        );
    }
    if r.duplicates_skipped > 0 {
        println!(
            "Activities seen on two pages and kept once: {}.",
            r.duplicates_skipped
        );
    }
    if let Some(dir) = &r.raw_saved {
        println!("Raw pages kept in {}.", dir.display());
    }
    if let Some(p) = &r.parquet {
        println!("Parquet file: {}.", p.display());
    }
}

fn print_schema(args: &SchemaArgs) -> anyhow::Result<()> {
    if let (Some(table), SchemaFormat::Bigquery) = (args.table, args.format) {
        return emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&table.bigquery_json())?
        ));
    }
    let mut text = String::new();
    for table in TABLES
        .iter()
        .filter(|t| args.table.is_none_or(|only| only.name == t.name))
    {
        let one = match args.format {
            SchemaFormat::Markdown => format!("{}\n", table.markdown()),
            SchemaFormat::Bigquery => format!(
                "{}\n",
                serde_json::to_string_pretty(&serde_json::json!({
                    "table": table.name,
                    "fields": table.bigquery_json(),
                }))?
            ),
            SchemaFormat::Duckdb => format!("{};\n\n", table.duckdb_ddl()),
            SchemaFormat::Arrow => format!("{}: {:#?}\n\n", table.name, table.arrow_schema()),
        };
        text.push_str(&one);
    }
    emit(&text)
}

/// Writes a command's output; a reader that stopped early (`| head`) is not
/// an error, where `println!` would panic.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn status(args: &StatusArgs) -> anyhow::Result<()> {
    use strava_warehouse::status;
    let rows = match &args.warehouse {
        // Read-only, and no file is created: before the first sync there are no runs.
        WarehouseSpec::DuckDb(path) => match AnyWarehouse::existing_duckdb(path)? {
            Some(w) => w.recent_runs(args.limit)?,
            None => Vec::new(),
        },
        WarehouseSpec::BigQuery { project, dataset } => {
            return Err(exit::ConfigError(format!(
                "status reads DuckDB files; for BigQuery run: bq query --use_legacy_sql=false \
                 \"{}\"",
                status::bigquery_query(project, dataset, args.limit)
            ))
            .into());
        }
    };
    match args.format {
        SummaryFormat::Text => emit(&status::table(&rows)),
        SummaryFormat::Json => emit(&status::json(&rows)),
    }
}

async fn doctor(args: &DoctorArgs) -> anyhow::Result<()> {
    use strava_warehouse::doctor::{Check, Outcome, strava};
    let mut checks = strava(&args.api()).await;
    let spec = &args.warehouse.warehouse;
    // Read-only: counting `activities` proves the warehouse answers and this
    // identity may read it; nothing is created.
    let counted = count_activities(spec, &args.warehouse).await;
    checks.push(Check::new(
        "warehouse",
        match counted {
            Ok(Some(n)) => Outcome::Ok(format!("{spec} holds {n} activities")),
            Ok(None) => Outcome::Ok(format!("{spec} is reachable; no sync has loaded it yet")),
            Err(e) => Outcome::Fail(format!("{e:#}")),
        },
    ));
    let text: String = checks.iter().map(|c| format!("{c}\n")).collect();
    emit(&text)?;
    let failed = checks.iter().filter(|c| c.failed()).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} checks failed", checks.len());
    }
    Ok(())
}

/// Rows in `activities`, without creating anything: a DuckDB file that is
/// not there yet is fine when a sync could create it.
async fn count_activities(
    spec: &WarehouseSpec,
    args: &WarehouseArgs,
) -> anyhow::Result<Option<u64>> {
    use strava_warehouse::warehouse::Warehouse;
    match AnyWarehouse::open_existing(spec, &args.bigquery()).await? {
        Some(mut w) => Ok(w.activity_count().await?),
        None => match spec {
            // A sync would create the file; it cannot create its folder.
            WarehouseSpec::DuckDb(path) => match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => anyhow::bail!(
                    "the folder {} does not exist: create it or choose another --warehouse path",
                    dir.display()
                ),
                _ => Ok(None),
            },
            WarehouseSpec::BigQuery { .. } => Ok(None),
        },
    }
}
