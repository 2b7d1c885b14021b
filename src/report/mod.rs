//! `strava-warehouse report`: one self-contained HTML dashboard drawn from the
//! views, the same from DuckDB and from BigQuery.
//!
//! Responsible for: choosing the window (the data's last 12 months unless
//! `--from`/`--to` say otherwise), asking the views for each chart's rows
//! (`source.rs` runs the same SQL on either warehouse), turning them into
//! chart data, and writing one HTML file that embeds the charting library
//! (uPlot, fetched from npm at build time by `build.rs`), the data and the
//! page's own script, so that opening it sends no request anywhere.
//! Sections whose data is missing (no power, no heart rate, no physiology
//! views yet) say why instead of drawing an empty chart.
//! Not responsible for: computing metrics (the views do; the report only
//! sums a view's rows by day for the year-over-year chart), or the views'
//! existence (an optional view is looked up, never created).

mod html;
mod model;
pub(crate) mod source;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Datelike, Duration, NaiveDate};

pub use model::Report;
use model::{Chart, Section, Series, Style, Table, XKind};
use source::Row;
pub use source::Source;

use crate::warehouse::WarehouseError;

/// What `report` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sport_group: Option<String>,
}

/// Optional views another module adds from the athlete's activity files; the
/// report looks each one up and explains how to get it when it is missing.
const POWER_CURVE: &str = "power_duration_curve";
const BEST_EFFORTS: &str = "best_efforts_records";
const ZONES: &str = "weekly_time_in_zones";
const GEAR: &str = "gear_summary";

const HOW_TO_GET_FILES: &str = "This needs the per-second records of the athlete's own activity \
    files: load Strava's bulk export with `strava-warehouse sync --from-export export.zip` \
    (Strava: Settings > My Account > Download or Delete Your Account > Request your archive).";

fn num(cell: &Option<String>) -> Option<f64> {
    cell.as_deref()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn text(cell: &Option<String>) -> String {
    cell.clone().unwrap_or_default()
}

fn date(cell: &Option<String>) -> Option<NaiveDate> {
    cell.as_deref()
        .and_then(|s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
}

fn lit(d: NaiveDate) -> String {
    format!("DATE '{}'", d.format("%Y-%m-%d"))
}

/// Unix seconds of a day's midnight, the x unit uPlot's time axis takes.
fn epoch(d: NaiveDate) -> f64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as f64 * 86_400.0
}

fn fmt(v: f64, places: usize) -> String {
    format!("{v:.places$}")
}

/// Reads the views and builds the report; nothing is written here.
pub async fn build(source: &Source, options: &ReportOptions) -> Result<Report, WarehouseError> {
    source.prepare().await?;
    let group_filter = options
        .sport_group
        .as_ref()
        .map(|g| format!(" AND sport_group = '{g}'"))
        .unwrap_or_default();
    let span = source
        .rows(&format!(
            "SELECT CAST(MIN(local_date) AS STRING), CAST(MAX(local_date) AS STRING), \
             CAST(COUNT(*) AS STRING) FROM activity_metrics WHERE TRUE{group_filter}"
        ))
        .await?;
    let span = span.first().cloned().unwrap_or_default();
    let first = span.first().and_then(date);
    let last = span.get(1).and_then(date);
    let activities = span.get(2).and_then(num).unwrap_or(0.0) as u64;

    let mut report = Report {
        title: "Training report".into(),
        ..Default::default()
    };
    header(source, &mut report).await?;
    report.activities = activities;

    let (Some(first), Some(last)) = (first, last) else {
        report.range = "no activities".into();
        report.sections.push(Section::empty(
            "No activities",
            "The warehouse has no activities yet: run `strava-warehouse sync` (or `sync \
             --from-raw examples/sample-athlete --from-export examples/sample-athlete/export` \
             for the sample athlete), then `report` again.",
        ));
        return Ok(report);
    };
    // The window ends on the last day with data (a history that stopped in
    // the past still shows its last year, not an empty one).
    let to = options.to.unwrap_or(last);
    let from = options
        .from
        .unwrap_or_else(|| (to - Duration::days(364)).max(first));
    report.range = format!(
        "{} to {} (history {} to {})",
        from.format("%-d %b %Y"),
        to.format("%-d %b %Y"),
        first.format("%-d %b %Y"),
        last.format("%-d %b %Y")
    );
    if let Some(g) = &options.sport_group {
        report.range.push_str(&format!(", sport group {g}"));
    }
    report
        .sections
        .push(fitness(source, from, to, &options.sport_group).await?);
    report
        .sections
        .push(weekly(source, from, to, &group_filter).await?);
    report.sections.push(
        year_over_year(
            source,
            options.from.map(|_| from),
            to,
            &group_filter,
            &options.sport_group,
        )
        .await?,
    );
    report
        .sections
        .push(quarterly(source, to, &group_filter).await?);
    report.sections.push(power_curve(source).await?);
    report.sections.push(zones(source, from, to).await?);
    report
        .sections
        .push(eddington(source, &group_filter).await?);
    report.sections.push(records(source, &group_filter).await?);
    report.sections.push(gear(source).await?);
    Ok(report)
}

/// Writes the report as one HTML file.
pub fn render(report: &Report) -> String {
    html::render(report)
}

async fn header(source: &Source, report: &mut Report) -> Result<(), WarehouseError> {
    if source.exists("athlete").await? {
        let rows = source
            .rows("SELECT firstname, lastname, username, CAST(id AS STRING) FROM athlete LIMIT 1")
            .await?;
        if let Some(r) = rows.first() {
            let name = format!("{} {}", text(&r[0]), text(&r[1]));
            report.athlete = if name.trim().is_empty() {
                format!("athlete {}", text(&r[3]))
            } else {
                name.trim().to_string()
            };
        }
    }
    if source.exists("sync_runs").await? {
        let rows = source
            .rows(
                "SELECT CAST(MAX(finished_at) AS STRING) FROM sync_runs \
                 WHERE outcome = 'ok'",
            )
            .await?;
        report.loaded_at = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .map(|t| t.get(..16).unwrap_or(&t).to_string() + " UTC");
    }
    if source.exists("athlete_settings").await? {
        let rows = source
            .rows(
                "SELECT CAST(effective_from AS STRING), defaults_used, CAST(ftp_w AS STRING), \
                 CAST(max_hr AS STRING), CAST(resting_hr AS STRING), \
                 CAST(threshold_hr AS STRING) FROM athlete_settings ORDER BY effective_from",
            )
            .await?;
        for r in rows {
            let show = |c: &Option<String>, unit: &str| {
                num(c)
                    .map(|v| format!("{v:.0} {unit}"))
                    .unwrap_or_else(|| "unknown".into())
            };
            report.thresholds.push(format!(
                "from {}: FTP {}, max HR {}, resting HR {}, threshold HR {}",
                text(&r[0]),
                show(&r[2], "W"),
                show(&r[3], "bpm"),
                show(&r[4], "bpm"),
                show(&r[5], "bpm")
            ));
            let defaulted = text(&r[1]);
            if !defaulted.trim().is_empty() {
                report.defaults_used.push(defaulted.replace(',', ", "));
            }
        }
    }
    Ok(())
}

async fn fitness(
    source: &Source,
    from: NaiveDate,
    to: NaiveDate,
    group: &Option<String>,
) -> Result<Section, WarehouseError> {
    let rows = source
        .rows(&format!(
            "SELECT CAST(date AS STRING), CAST(load AS STRING), CAST(ctl AS STRING), \
             CAST(atl AS STRING), CAST(tsb AS STRING) FROM daily_training_load \
             WHERE date BETWEEN {} AND {} ORDER BY date",
            lit(from),
            lit(to)
        ))
        .await?;
    let mut section = Section::new(
        "Fitness, fatigue and form",
        "From daily_training_load: daily load is TSS from power, else heart-rate TSS; fitness (CTL) \
         and fatigue (ATL) are its 42- and 7-day exponentially weighted averages; form (TSB) is \
         yesterday's fitness minus fatigue.",
    );
    if group.is_some() {
        section.note =
            Some("Training load counts every sport, whatever --sport-group says.".into());
    }
    let with_load = rows
        .iter()
        .filter(|r| num(&r[1]).unwrap_or(0.0) > 0.0)
        .count();
    if with_load == 0 {
        section.note = Some(
            "No training load in this window: load needs power with an FTP, or heart rate \
             (the activities here have neither)."
                .into(),
        );
        return Ok(section);
    }
    let x: Vec<f64> = rows.iter().filter_map(|r| date(&r[0])).map(epoch).collect();
    let col = |i: usize| rows.iter().map(|r| num(&r[i])).collect::<Vec<_>>();
    section.charts.push(Chart {
        id: "fitness".into(),
        title: "Fitness, fatigue and form".into(),
        caption: format!(
            "Daily training load (bars, TSS) with fitness CTL, fatigue ATL and form TSB, \
             {} to {}; drag to zoom, double-click to reset.",
            from, to
        ),
        x_kind: XKind::Date,
        x,
        y_unit: "CTL, ATL, TSB (TSS/day)".into(),
        y2_unit: Some("daily load (TSS)".into()),
        series: vec![
            Series::new("load", "TSS", Style::Bars, col(1)).right(),
            Series::new("fitness (CTL)", "TSS/day", Style::Line, col(2)),
            Series::new("fatigue (ATL)", "TSS/day", Style::Line, col(3)),
            Series::new("form (TSB)", "TSS/day", Style::Line, col(4)),
        ],
    });
    Ok(section)
}

async fn weekly(
    source: &Source,
    from: NaiveDate,
    to: NaiveDate,
    group_filter: &str,
) -> Result<Section, WarehouseError> {
    let rows = source
        .rows(&format!(
            "SELECT CAST(period_start AS STRING), sport_group, CAST(distance_km AS STRING), \
             CAST(moving_time_h AS STRING), CAST(distance_km_4wk_avg AS STRING) \
             FROM weekly_summary WHERE period_start BETWEEN {} AND {}{group_filter} \
             ORDER BY sport_group, period_start",
            lit(from - Duration::days(6)),
            lit(to)
        ))
        .await?;
    let mut section = Section::new(
        "Weekly volume",
        "From weekly_summary: each Monday-to-Sunday week of the athlete's local calendar, per \
         sport group.",
    );
    let mut groups: BTreeMap<String, Vec<&Vec<Option<String>>>> = BTreeMap::new();
    for r in &rows {
        groups.entry(text(&r[1])).or_default().push(r);
    }
    // Largest volume first.
    let mut order: Vec<(String, f64)> = groups
        .iter()
        .map(|(g, rs)| (g.clone(), rs.iter().filter_map(|r| num(&r[3])).sum()))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (g, hours) in order {
        if hours <= 0.0 {
            continue;
        }
        let rs = &groups[&g];
        let has_distance = rs.iter().filter_map(|r| num(&r[2])).sum::<f64>() > 0.0;
        let x = rs.iter().filter_map(|r| date(&r[0])).map(epoch).collect();
        let col = |i: usize| rs.iter().map(|r| num(&r[i])).collect::<Vec<_>>();
        let mut series = Vec::new();
        if has_distance {
            series.push(Series::new("distance", "km", Style::Bars, col(2)));
            series.push(Series::new("4-week average", "km", Style::Dashed, col(4)));
        }
        let time = Series::new("moving time", "h", Style::Line, col(3));
        series.push(if has_distance { time.right() } else { time });
        section.charts.push(Chart {
            id: format!("weekly-{g}"),
            title: format!("Weekly {g}"),
            caption: if has_distance {
                format!(
                    "{g}: distance per week (bars, km), its 4-week average (this and the 3 \
                     weeks before, dashed) and moving time (line, hours, right axis)."
                )
            } else {
                format!("{g}: moving time per week (hours); these activities have no distance.")
            },
            x_kind: XKind::Date,
            x,
            y_unit: if has_distance { "km" } else { "h" }.into(),
            y2_unit: has_distance.then(|| "h".to_string()),
            series,
        });
    }
    if section.charts.is_empty() {
        section.note = Some("No activities in this window.".into());
    }
    Ok(section)
}

async fn year_over_year(
    source: &Source,
    from: Option<NaiveDate>,
    to: NaiveDate,
    group_filter: &str,
    group: &Option<String>,
) -> Result<Section, WarehouseError> {
    let since = from
        .map(|f| format!(" AND local_date >= {}", lit(f)))
        .unwrap_or_default();
    let days = source
        .rows(&format!(
            "SELECT CAST(local_date AS STRING), CAST(SUM(distance_km) AS STRING) \
             FROM activity_metrics WHERE local_date <= {}{since}{group_filter} \
             GROUP BY local_date ORDER BY local_date",
            lit(to)
        ))
        .await?;
    let what = group.clone().unwrap_or_else(|| "all sports".into());
    let mut section = Section::new(
        "Year over year",
        "Running distance through each year, and yearly totals with the change on the year \
         before (yearly_summary).",
    );
    // Cumulative km by day of year, one series per year (index 0 = 1 January).
    let mut years: BTreeMap<i32, Vec<Option<f64>>> = BTreeMap::new();
    for r in &days {
        let (Some(d), Some(km)) = (date(&r[0]), num(&r[1])) else {
            continue;
        };
        let line = years.entry(d.year()).or_insert_with(|| vec![None; 366]);
        let i = d.ordinal0() as usize;
        line[i] = Some(line[i].unwrap_or(0.0) + km);
    }
    for (year, line) in years.iter_mut() {
        // The current year's line stops at the window's end, not at 31 December.
        let stop = if *year == to.year() {
            to.ordinal0() as usize + 1
        } else {
            366
        };
        let mut total = 0.0;
        for (i, v) in line.iter_mut().enumerate() {
            if i >= stop {
                *v = None;
                continue;
            }
            total += v.unwrap_or(0.0);
            *v = Some((total * 10.0).round() / 10.0);
        }
    }
    if years.values().any(|l| l.iter().flatten().any(|v| *v > 0.0)) {
        section.charts.push(Chart {
            id: "year-over-year".into(),
            title: format!("Cumulative distance by day of year, {what}"),
            caption: format!(
                "Distance ({what}, km) added up from 1 January, one line per year: a line above \
                 last year's means ahead of last year on that day."
            ),
            x_kind: XKind::DayOfYear,
            x: (1..=366).map(f64::from).collect(),
            y_unit: "km".into(),
            y2_unit: None,
            series: years
                .into_iter()
                .map(|(y, l)| Series::new(&y.to_string(), "km", Style::Line, l))
                .collect(),
        });
    } else {
        section.note = Some("No distance recorded yet.".into());
    }
    let rows = source
        .rows(&format!(
            "SELECT CAST(period_start AS STRING), sport_group, CAST(activities AS STRING), \
             CAST(distance_km AS STRING), CAST(moving_time_h AS STRING), \
             CAST(yoy_change_pct AS STRING) FROM yearly_summary WHERE period_start <= {}{}{group_filter} \
             ORDER BY period_start, sport_group",
            lit(to),
            from.map(|f| format!(" AND period_start >= {}", lit(NaiveDate::from_ymd_opt(f.year(), 1, 1).unwrap_or(f))))
                .unwrap_or_default()
        ))
        .await?;
    section.tables.push(Table::new(
        "yearly-totals",
        "Yearly totals",
        "From yearly_summary; YoY is the change in distance on the year before.",
        &[
            "year",
            "sport group",
            "activities",
            "km",
            "hours",
            "YoY distance",
        ],
        rows.iter()
            .filter(|r| num(&r[2]).unwrap_or(0.0) > 0.0)
            .map(|r| {
                vec![
                    text(&r[0]).get(..4).unwrap_or_default().to_string(),
                    text(&r[1]),
                    num(&r[2]).map(|v| fmt(v, 0)).unwrap_or_default(),
                    num(&r[3]).map(|v| fmt(v, 1)).unwrap_or_default(),
                    num(&r[4]).map(|v| fmt(v, 1)).unwrap_or_default(),
                    num(&r[5])
                        .map(|v| format!("{v:+.1} %"))
                        .unwrap_or_else(|| "–".into()),
                ]
            })
            .collect(),
    ));
    Ok(section)
}

async fn quarterly(
    source: &Source,
    to: NaiveDate,
    group_filter: &str,
) -> Result<Section, WarehouseError> {
    let rows = source
        .rows(&format!(
            "SELECT CAST(period_start AS STRING), sport_group, CAST(avg_watts AS STRING), \
             CAST(avg_speed_kmh AS STRING) FROM quarterly_summary \
             WHERE period_start <= {}{group_filter} ORDER BY period_start, sport_group",
            lit(to)
        ))
        .await?;
    let mut section = Section::new(
        "Quarterly trends",
        "From quarterly_summary, the whole history: average power and average speed per \
         quarter.",
    );
    let quarters: Vec<NaiveDate> = {
        let mut q: Vec<NaiveDate> = rows.iter().filter_map(|r| date(&r[0])).collect();
        q.dedup();
        q
    };
    let x: Vec<f64> = quarters.iter().copied().map(epoch).collect();
    let by_group = |g: &str, i: usize| -> Vec<Option<f64>> {
        quarters
            .iter()
            .map(|q| {
                rows.iter()
                    .find(|r| date(&r[0]) == Some(*q) && text(&r[1]) == g)
                    .and_then(|r| num(&r[i]))
                    .filter(|v| *v > 0.0)
            })
            .collect()
    };
    let groups: Vec<String> = {
        let mut g: Vec<String> = rows.iter().map(|r| text(&r[1])).collect();
        g.sort();
        g.dedup();
        g
    };
    let watts: Vec<Series> = groups
        .iter()
        .map(|g| Series::new(g, "W", Style::Line, by_group(g, 2)))
        .filter(|s| s.values.iter().any(Option::is_some))
        .collect();
    if watts.is_empty() {
        section.note = Some(
            "No power data: average watts come from a power meter or Strava's estimate on rides."
                .into(),
        );
    } else {
        section.charts.push(Chart {
            id: "quarterly-watts".into(),
            title: "Average power per quarter".into(),
            caption: "Moving-time weighted average watts of the quarter's activities that have \
                      power (W), per sport group."
                .into(),
            x_kind: XKind::Quarter,
            x: x.clone(),
            y_unit: "W".into(),
            y2_unit: None,
            series: watts,
        });
    }
    let speed: Vec<Series> = groups
        .iter()
        .filter(|g| g.as_str() != "other")
        .map(|g| Series::new(g, "km/h", Style::Line, by_group(g, 3)))
        .filter(|s| s.values.iter().any(Option::is_some))
        .collect();
    if !speed.is_empty() {
        section.charts.push(Chart {
            id: "quarterly-speed".into(),
            title: "Average speed per quarter".into(),
            caption: "Total distance over total moving time of the quarter (km/h), per sport \
                      group."
                .into(),
            x_kind: XKind::Quarter,
            x,
            y_unit: "km/h".into(),
            y2_unit: None,
            series: speed,
        });
    }
    Ok(section)
}

/// A JSON cell as a number (BigQuery's TO_JSON_STRING writes INT64 as a string).
fn json_num(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn json_text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// An optional view shown as a table, every column it has.
fn generic_table(
    id: &str,
    title: &str,
    caption: &str,
    rows: &[serde_json::Map<String, serde_json::Value>],
    limit: usize,
) -> Table {
    let columns: Vec<String> = rows
        .first()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    Table {
        id: id.into(),
        title: title.into(),
        caption: caption.into(),
        rows: rows
            .iter()
            .take(limit)
            .map(|r| columns.iter().map(|c| json_text(r.get(c))).collect())
            .collect(),
        columns,
    }
}

async fn power_curve(source: &Source) -> Result<Section, WarehouseError> {
    let mut section = Section::new(
        "Power-duration curve and best efforts",
        "The best average power for each duration, and the fastest times over set distances, \
         from the athlete's own activity files.",
    );
    // Both views exist after any sync of this version; a warehouse last
    // loaded by an older one has neither.
    if !source.exists(POWER_CURVE).await? || !source.exists(BEST_EFFORTS).await? {
        section.note = Some(format!(
            "Not in this warehouse yet (no `{POWER_CURVE}` or `{BEST_EFFORTS}` view). \
             {HOW_TO_GET_FILES}"
        ));
        return Ok(section);
    }
    let curve = source
        .rows(&format!(
            "SELECT CASE WHEN period = 'year' THEN CAST(year AS STRING) ELSE period END, \
             CAST(duration_s AS STRING), CAST(watts AS STRING) \
             FROM {POWER_CURVE} ORDER BY duration_s"
        ))
        .await?;
    let efforts = source
        .rows(&format!(
            "SELECT sport_group, CAST(distance_m AS STRING), CAST(elapsed_s AS STRING), \
             CAST(pace_min_per_km AS STRING), CAST(local_date AS STRING), \
             CAST(activity_id AS STRING) \
             FROM {BEST_EFFORTS} WHERE period = 'all_time' ORDER BY sport_group, distance_m"
        ))
        .await?;
    if curve.is_empty() && efforts.is_empty() {
        section.note = Some(format!(
            "No activity files loaded: `{POWER_CURVE}` and `{BEST_EFFORTS}` are empty. \
             {HOW_TO_GET_FILES}"
        ));
        return Ok(section);
    }
    match curve_chart(&curve) {
        Some(chart) => section.charts.push(chart),
        None => {
            section.note = Some(format!(
                "`{POWER_CURVE}` has no rows: none of the loaded activity files has power."
            ))
        }
    }
    if !efforts.is_empty() {
        let rows = efforts
            .iter()
            .map(|r| {
                vec![
                    text(&r[0]),
                    num(&r[1]).map_or_else(String::new, distance_label),
                    num(&r[2]).map_or_else(String::new, clock),
                    num(&r[3]).map_or_else(String::new, |p| format!("{}/km", clock(p * 60.0))),
                    text(&r[4]),
                    text(&r[5]),
                ]
            })
            .collect();
        section.tables.push(Table {
            id: "best-efforts".into(),
            title: "Best efforts".into(),
            caption: format!(
                "From {BEST_EFFORTS}: the fastest time over each distance, all time, per sport \
                 group."
            ),
            columns: [
                "sport group",
                "distance",
                "time",
                "pace",
                "date",
                "activity",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
    }
    Ok(section)
}

/// `1609.344` as `1 mile`, `21097.5` as `half marathon`, others in m or km.
fn distance_label(metres: f64) -> String {
    match metres {
        m if (m - 1609.344).abs() < 0.01 => "1 mile".into(),
        m if (m - 21097.5).abs() < 0.01 => "half marathon".into(),
        m if (m - 42195.0).abs() < 0.01 => "marathon".into(),
        m if m < 1000.0 => format!("{m} m"),
        m => format!("{} km", m / 1000.0),
    }
}

/// Seconds as `h:mm:ss`, or `m:ss` under an hour.
fn clock(seconds: f64) -> String {
    let s = seconds.round() as i64;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Power against duration, one line per period (all time, the last 42, 90
/// and 365 days, each year) from `(period, duration_s, watts)` rows.
fn curve_chart(rows: &[Row]) -> Option<Chart> {
    let mut durations: Vec<f64> = rows.iter().filter_map(|r| num(&r[1])).collect();
    durations.sort_by(f64::total_cmp);
    durations.dedup();
    let mut series: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for r in rows {
        let Some(i) = num(&r[1]).and_then(|d| durations.iter().position(|x| *x == d)) else {
            continue;
        };
        let line = series
            .entry(text(&r[0]).replace('_', " "))
            .or_insert_with(|| vec![None; durations.len()]);
        line[i] = num(&r[2]);
    }
    if series.is_empty() {
        return None;
    }
    Some(Chart {
        id: "power-curve".into(),
        title: "Power-duration curve".into(),
        caption: "Best average power (W) held for each duration (seconds, log scale): all \
                  time, the last 42, 90 and 365 days, and each calendar year."
            .into(),
        x_kind: XKind::Seconds,
        x: durations,
        y_unit: "W".into(),
        y2_unit: None,
        series: series
            .into_iter()
            .map(|(k, v)| Series::new(&k, "W", Style::Line, v))
            .collect(),
    })
}

async fn zones(source: &Source, from: NaiveDate, to: NaiveDate) -> Result<Section, WarehouseError> {
    let mut section = Section::new(
        "Time in zones",
        "Hours per week in each power and heart-rate zone, from the activity files.",
    );
    if !source.exists(ZONES).await? {
        section.note = Some(format!(
            "Not in this warehouse yet (no `{ZONES}` view). {HOW_TO_GET_FILES}"
        ));
        return Ok(section);
    }
    let rows = source.json_rows(ZONES).await?;
    let key = |r: &serde_json::Map<String, serde_json::Value>, part: &str| {
        r.keys().find(|k| k.contains(part)).cloned()
    };
    let Some(first) = rows.first() else {
        section.note = Some(format!(
            "No activity files loaded: `{ZONES}` is empty. {HOW_TO_GET_FILES}"
        ));
        return Ok(section);
    };
    let (Some(week), Some(zone)) = (
        key(first, "week").or(key(first, "date")),
        key(first, "zone"),
    ) else {
        section
            .tables
            .push(generic_table("zones", "Time in zones", ZONES, &rows, 200));
        return Ok(section);
    };
    let value = key(first, "hours").or(key(first, "seconds"));
    let kind = key(first, "kind");
    let mut weeks: Vec<NaiveDate> = rows
        .iter()
        .filter_map(|r| {
            NaiveDate::parse_from_str(json_text(r.get(&week)).get(..10)?, "%Y-%m-%d").ok()
        })
        .filter(|d| *d >= from - Duration::days(6) && *d <= to)
        .collect();
    weeks.sort();
    weeks.dedup();
    let mut by_kind: BTreeMap<String, BTreeMap<String, Vec<Option<f64>>>> = BTreeMap::new();
    for r in &rows {
        let Some(d) =
            NaiveDate::parse_from_str(json_text(r.get(&week)).get(..10).unwrap_or(""), "%Y-%m-%d")
                .ok()
        else {
            continue;
        };
        let Ok(i) = weeks.binary_search(&d) else {
            continue;
        };
        let k = kind
            .as_ref()
            .map(|k| json_text(r.get(k)))
            .unwrap_or_default();
        let z = format!("zone {}", json_text(r.get(&zone)));
        let hours = value.as_ref().and_then(|v| {
            json_num(r.get(v)).map(|x| if v.contains("seconds") { x / 3600.0 } else { x })
        });
        let line = by_kind
            .entry(k)
            .or_default()
            .entry(z)
            .or_insert_with(|| vec![None; weeks.len()]);
        line[i] = Some(line[i].unwrap_or(0.0) + hours.unwrap_or(0.0));
    }
    for (k, zs) in by_kind {
        let label = if k.is_empty() {
            "zones".to_string()
        } else {
            k.replace('_', " ")
        };
        section.charts.push(Chart {
            id: format!("zones-{}", if k.is_empty() { "all" } else { k.as_str() }),
            title: format!("Weekly time in {label} zones"),
            caption: format!("Hours per week in each {label} zone (stacked)."),
            x_kind: XKind::Date,
            x: weeks.iter().copied().map(epoch).collect(),
            y_unit: "h".into(),
            y2_unit: None,
            series: zs
                .into_iter()
                .map(|(z, v)| Series::new(&z, "h", Style::Stacked, v))
                .collect(),
        });
    }
    if section.charts.is_empty() {
        section.note = Some("No time in zones in this window.".into());
    }
    Ok(section)
}

async fn eddington(source: &Source, group_filter: &str) -> Result<Section, WarehouseError> {
    let rows = source
        .rows(&format!(
            "SELECT sport_group, unit, CAST(eddington_number AS STRING), \
             CAST(days_at_or_above_next AS STRING), CAST(days_needed_for_next AS STRING) \
             FROM eddington WHERE TRUE{group_filter} ORDER BY sport_group, unit"
        ))
        .await?;
    let mut section = Section::new(
        "Eddington number",
        "From eddington: the largest E such that E days each had at least E km (or miles), and \
         how many more such days the next number needs.",
    );
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| num(&r[2]).unwrap_or(0.0) > 0.0)
        .collect();
    if rows.is_empty() {
        section.note = Some("No ride or run with distance yet.".into());
        return Ok(section);
    }
    section.tables.push(Table::new(
        "eddington",
        "Eddington",
        "",
        &[
            "sport group",
            "unit",
            "E",
            "days at E+1 or more",
            "days needed for E+1",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    text(&r[0]),
                    text(&r[1]),
                    num(&r[2]).map(|v| fmt(v, 0)).unwrap_or_default(),
                    num(&r[3]).map(|v| fmt(v, 0)).unwrap_or_default(),
                    num(&r[4]).map(|v| fmt(v, 0)).unwrap_or_default(),
                ]
            })
            .collect(),
    ));
    Ok(section)
}

async fn records(source: &Source, group_filter: &str) -> Result<Section, WarehouseError> {
    let rows = source
        .rows(&format!(
            "SELECT sport_group, record, CAST(value AS STRING), CAST(activity_id AS STRING), \
             CAST(local_date AS STRING) FROM personal_records WHERE TRUE{group_filter} \
             ORDER BY sport_group, record"
        ))
        .await?;
    let mut section = Section::new(
        "Personal records",
        "From personal_records: the longest, the longest in time, the most climbing and the best \
         normalized power over an hour or more; ties go to the earliest activity.",
    );
    let rows: Vec<_> = rows.into_iter().filter(|r| num(&r[2]).is_some()).collect();
    if rows.is_empty() {
        section.note = Some("No records yet.".into());
        return Ok(section);
    }
    section.tables.push(Table::new(
        "records",
        "Personal records",
        "",
        &["sport group", "record", "value", "date", "activity"],
        rows.iter()
            .map(|r| {
                vec![
                    text(&r[0]),
                    text(&r[1]).replace('_', " "),
                    num(&r[2]).map(|v| fmt(v, 1)).unwrap_or_default(),
                    text(&r[4]),
                    text(&r[3]),
                ]
            })
            .collect(),
    ));
    Ok(section)
}

async fn gear(source: &Source) -> Result<Section, WarehouseError> {
    let mut section = Section::new(
        "Gear",
        "From gear_summary: each bike and pair of shoes over all its activities here, and the \
         total Strava credits it (which also counts activities not in this warehouse).",
    );
    if !source.exists(GEAR).await? {
        section.note = Some(format!(
            "Not in this warehouse yet (no `{GEAR}` view): gear names and distances come with \
             the athlete's profile and bulk export. {HOW_TO_GET_FILES}"
        ));
        return Ok(section);
    }
    let rows = source
        .rows(&format!(
            "SELECT COALESCE(name, gear_id), COALESCE(kind, ''), CAST(activities AS STRING), \
             CAST(distance_km AS STRING), CAST(moving_time_h AS STRING), \
             CAST(first_used AS STRING), CAST(last_used AS STRING), \
             CAST(strava_total_km AS STRING) FROM {GEAR} WHERE period = 'all_time' \
             ORDER BY distance_km DESC, gear_id"
        ))
        .await?;
    if rows.is_empty() {
        section.note = Some(format!(
            "`{GEAR}` has no rows: no activity names a bike or shoes."
        ));
        return Ok(section);
    }
    let km = |cell: &Option<String>| num(cell).map(|v| fmt(v, 1)).unwrap_or_default();
    section.tables.push(Table::new(
        "gear",
        "Gear",
        "",
        &[
            "gear",
            "kind",
            "activities",
            "distance km",
            "moving h",
            "first used",
            "last used",
            "Strava total km",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    text(&r[0]),
                    text(&r[1]),
                    text(&r[2]),
                    km(&r[3]),
                    km(&r[4]),
                    text(&r[5]),
                    text(&r[6]),
                    km(&r[7]),
                ]
            })
            .collect(),
    ));
    Ok(section)
}

/// Marks a file as a report this command wrote, so the default `report.html`
/// is replaced only when it is one.
pub(crate) const GENERATOR: &str = "<meta name=\"generator\" content=\"strava-warehouse report\">";

/// Where the report went and how big it is.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: usize,
}

/// Writes the page atomically (a temporary file beside it, then a rename).
/// A file the user named with `--out` is theirs to replace; the default
/// `report.html` is replaced only if an earlier report wrote it.
pub fn write(html: &str, out: Option<&std::path::Path>) -> anyhow::Result<Written> {
    let (path, named) = match out {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("report.html"), false),
    };
    if !named && path.exists() {
        let head = std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(4096)]).into_owned())
            .unwrap_or_default();
        if !head.contains(GENERATOR) {
            return Err(crate::exit::ConfigError(format!(
                "{} exists and was not written by `strava-warehouse report`; it is left as it \
                 is: pass --out FILE to choose where the report goes",
                path.display()
            ))
            .into());
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io =
        |e: std::io::Error| anyhow::anyhow!("writing the report to {} failed: {e}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, html.as_bytes()).map_err(io)?;
    // A report is a document to open and share, not a secret (tempfile makes 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    tmp.persist(&path).map_err(|e| io(e.error))?;
    Ok(Written {
        path,
        bytes: html.len(),
    })
}
