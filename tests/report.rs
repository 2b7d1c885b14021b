//! `strava-warehouse report`: one self-contained HTML file drawn from the
//! views. The sample athlete's report is opened in a real headless Chromium
//! (no console message, no request to any host, every chart painted, its
//! numbers equal to the views'); small histories (none, one activity, no
//! power or heart rate) render with sections that say why they are empty.
#![cfg(all(feature = "duckdb", feature = "report"))]

use crate::common;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{Db, Workspace};
use serde_json::{Value, json};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample-athlete");

fn sync_pages(ws: &Workspace, raw: &Path) {
    let run = ws.sync_raw(raw);
    assert_eq!(run.code(), 0, "{}", run.all());
}

/// Syncs `activities` (one page) into a new workspace.
fn load(activities: Vec<Value>) -> Workspace {
    let ws = Workspace::new();
    let raw = ws.write_raw_pages(
        &json!({"id": 7, "firstname": "Ann", "lastname": "Example", "sex": "F"}),
        &activities,
    );
    sync_pages(&ws, &raw);
    ws
}

fn report(ws: &Workspace, extra: &[&str]) -> String {
    let out = ws.path("report.html");
    let mut args = vec![
        "report".to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = ws.run(&args, &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(run.stdout().contains("report.html"), "{}", run.stdout());
    std::fs::read_to_string(out).expect("the report file")
}

fn walk(id: i64, day: &str) -> Value {
    json!({"id": id, "sport_type": "Walk", "type": "Walk", "name": "walk",
           "start_date": format!("{day}T08:00:00Z"), "start_date_local": format!("{day}T09:00:00Z"),
           "distance": 5000.0, "moving_time": 3600, "elapsed_time": 3700,
           "total_elevation_gain": 20.0, "has_heartrate": false, "manual": false,
           "trainer": false, "commute": false})
}

/// The `<section>` whose heading is `title`.
fn section<'a>(html: &'a str, title: &str) -> &'a str {
    let start = html
        .find(&format!("<h2>{title}</h2>"))
        .unwrap_or_else(|| panic!("no section {title}"));
    let end = html[start..].find("</section>").expect("section end") + start;
    &html[start..end]
}

#[test]
fn an_empty_history_renders_and_says_to_sync_first() {
    let ws = load(vec![]);
    let html = report(&ws, &[]);
    assert!(
        html.contains("The warehouse has no activities yet"),
        "{html}"
    );
    assert!(html.contains("0 activities"));
}

#[test]
fn a_single_run_with_heart_rate_draws_its_load_and_says_there_is_no_power() {
    let run = json!({"id": 11, "sport_type": "Run", "type": "Run", "name": "only run",
        "start_date": "2024-05-04T07:00:00Z", "start_date_local": "2024-05-04T09:00:00Z",
        "distance": 10000.0, "moving_time": 3000, "elapsed_time": 3100,
        "total_elevation_gain": 50.0, "has_heartrate": true, "average_heartrate": 150.0,
        "max_heartrate": 180.0, "manual": false, "trainer": false, "commute": false});
    let ws = load(vec![run]);
    let html = report(&ws, &[]);
    assert!(
        html.contains("id=\"chart-fitness\""),
        "heart-rate load is charted"
    );
    assert!(html.contains("id=\"chart-weekly-run\""));
    assert!(
        section(&html, "Quarterly trends").contains("No power data"),
        "{}",
        section(&html, "Quarterly trends")
    );
    assert!(html.contains("Ann Example"));
}

#[test]
fn a_history_without_power_or_heart_rate_says_why_there_is_no_load() {
    let ws = load(vec![walk(21, "2023-03-01"), walk(22, "2023-03-08")]);
    let html = report(&ws, &[]);
    let fitness = section(&html, "Fitness, fatigue and form");
    assert!(
        fitness.contains("load needs power with an FTP, or heart rate"),
        "{fitness}"
    );
    assert!(!fitness.contains("data-chart"), "no empty chart is drawn");
    assert!(section(&html, "Quarterly trends").contains("No power data"));
    assert!(html.contains("id=\"chart-weekly-walk_hike\""));
}

#[test]
fn without_activity_files_the_physiology_sections_say_to_load_the_export() {
    let ws = load(vec![walk(21, "2023-03-01")]);
    let html = report(&ws, &[]);
    for title in ["Power-duration curve and best efforts", "Time in zones"] {
        let s = section(&html, title);
        assert!(s.contains("sync --from-export"), "{title}: {s}");
    }
}

#[test]
fn without_gear_on_any_activity_the_gear_section_says_so() {
    let ws = load(vec![walk(21, "2023-03-01")]);
    let html = report(&ws, &[]);
    assert!(
        section(&html, "Gear").contains("no activity names a bike or shoes"),
        "{}",
        section(&html, "Gear")
    );
}

#[test]
fn the_gear_table_lists_the_sample_bikes_and_shoes_by_distance_with_stravas_totals() {
    let ws = Workspace::new();
    let run = ws.run(&["sync".into(), "--from-raw".into(), SAMPLE.into()], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let html = report(&ws, &[]);
    let gear = section(&html, "Gear");
    let road = gear.find("Road bike (synthetic)").expect("the road bike");
    let shoes = gear.find("Trail shoes (synthetic)").expect("the shoes");
    let gravel = gear
        .find("Gravel bike (synthetic)")
        .expect("the gravel bike");
    assert!(road < shoes && shoes < gravel, "longest distance first");
    // Strava's total for the road bike (athlete.json), in km.
    assert!(gear.contains("14210.4"), "{gear}");
}

#[test]
fn after_a_sync_of_the_sample_export_the_report_draws_the_power_curve_best_efforts_and_zones() {
    let ws = Workspace::new();
    let export = format!("{SAMPLE}/export");
    let run = ws.run(&["sync".into(), "--from-export".into(), export], &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let html = report(&ws, &[]);
    let curve = section(&html, "Power-duration curve and best efforts");
    assert!(curve.contains("id=\"chart-power-curve\""), "{curve}");
    assert!(!curve.contains("sync --from-export"), "{curve}");
    // One line per period: all time and the sample's file year.
    assert!(html.contains("all time") && html.contains("2024"));
    assert!(
        curve.contains("5 km"),
        "a best-effort row for 5 km: {curve}"
    );
    // Heart-rate zones only: the export alone has no FTP for power zones.
    let zones = section(&html, "Time in zones");
    assert!(zones.contains("id=\"chart-zones-heart_rate\""), "{zones}");
}

#[test]
fn the_default_window_is_the_last_12_months_of_data_not_of_the_calendar() {
    let ws = Workspace::new();
    sync_pages(&ws, Path::new(SAMPLE));
    let last: String =
        Db::open(&ws.db()).one("SELECT CAST(max(local_date) AS VARCHAR) FROM activity_metrics");
    let last = chrono::NaiveDate::parse_from_str(&last, "%Y-%m-%d").unwrap();
    let html = report(&ws, &[]);
    let from = last - chrono::Duration::days(364);
    let expected = format!(
        "{} to {}",
        from.format("%-d %b %Y"),
        last.format("%-d %b %Y")
    );
    assert!(html.contains(&expected), "{expected} not in the header");
}

#[test]
fn a_report_html_the_command_did_not_write_is_never_replaced_by_default() {
    let ws = load(vec![walk(21, "2023-03-01")]);
    std::fs::write(ws.path("report.html"), "my own notes").unwrap();
    let run = ws.run(&["report".into()], &[]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("--out"), "{}", run.stderr());
    assert_eq!(
        std::fs::read_to_string(ws.path("report.html")).unwrap(),
        "my own notes"
    );
    // An earlier report in the same place is simply refreshed.
    std::fs::remove_file(ws.path("report.html")).unwrap();
    assert_eq!(ws.run(&["report".into()], &[]).code(), 0);
    assert_eq!(ws.run(&["report".into()], &[]).code(), 0);
}

#[test]
fn a_window_that_ends_before_it_starts_is_a_usage_error() {
    let ws = load(vec![walk(21, "2023-03-01")]);
    let run = ws.run(
        &[
            "report".into(),
            "--from".into(),
            "2024-02-01".into(),
            "--to".into(),
            "2024-01-01".into(),
        ],
        &[],
    );
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("--from 2024-02-01 is after --to"));
}

// ---------------------------------------------------------------- browser

/// Debian's `chromium`. The test that calls this is `#[ignore]`d; `.ci/test`
/// runs it (CI installs chromium first).
fn chromium() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("chromium"))
                .find(|p| p.exists())
        })
        .expect("this test needs `chromium` on PATH (Debian: apt-get install chromium)")
}

/// A proxy that answers nothing and records every connection: the browser
/// sends any request for any host through it (loopback included).
fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = [0u8; 512];
            let n = s.read(&mut buf).unwrap_or(0);
            let line = String::from_utf8_lossy(&buf[..n]);
            log.lock()
                .unwrap()
                .push(line.lines().next().unwrap_or("(nothing sent)").to_string());
        }
    });
    (address, seen)
}

/// The host a proxied request line asks for (`CONNECT h:443 …`, `GET http://h/… …`).
fn host(request_line: &str) -> String {
    let target = request_line.split_whitespace().nth(1).unwrap_or_default();
    let target = target.split("://").last().unwrap_or_default();
    target
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// What one headless Chromium run of `page` printed and asked the network for.
struct Browsed {
    dom: String,
    log: String,
    hosts: std::collections::BTreeSet<String>,
}

fn browse(chromium: &Path, page: &Path, profile: &Path, extra: &[String]) -> Browsed {
    let (proxy, requests) = recording_proxy();
    let out = std::process::Command::new(chromium)
        .args(browser_args(&proxy, profile))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{log}");
    // A connection made just before exit may still be being read.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let hosts = requests.lock().unwrap().iter().map(|l| host(l)).collect();
    Browsed {
        dom: String::from_utf8_lossy(&out.stdout).to_string(),
        log,
        hosts,
    }
}

fn browser_args(proxy: &str, profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=15000",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        format!("--proxy-server=http://{proxy}"),
        // Loopback too goes through the proxy (Chromium bypasses it by default).
        "--proxy-bypass-list=<-loopback>".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ])
    .collect()
}

/// Attribute `name` of the element whose opening tag starts at `tag_start`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

#[test]
#[ignore = "needs chromium: bash .ci/test runs it"]
fn the_sample_report_opens_offline_in_a_real_browser_with_every_chart_drawn_from_the_views() {
    let chromium = chromium();
    let ws = Workspace::new();
    sync_pages(&ws, Path::new(SAMPLE));
    let html = report(&ws, &[]);
    assert!(html.len() < 3_000_000, "{} bytes", html.len());
    let page = ws.path("report.html");

    // Chromium itself calls a few Google hosts at start (component updates,
    // sign-in) whatever its flags: an empty page shows which. The proxy
    // does see a page's request: a page with a remote image shows it.
    std::fs::write(ws.path("empty.html"), "<!DOCTYPE html><title>empty</title>").unwrap();
    let baseline = browse(
        &chromium,
        &ws.path("empty.html"),
        &ws.path("p0"),
        &["--dump-dom".into()],
    )
    .hosts;
    std::fs::write(
        ws.path("control.html"),
        "<!DOCTYPE html><img src=\"http://report-test.invalid/pixel.png\">",
    )
    .unwrap();
    let control = browse(
        &chromium,
        &ws.path("control.html"),
        &ws.path("p1"),
        &["--dump-dom".into()],
    );
    assert!(
        control.hosts.contains("report-test.invalid"),
        "the proxy missed a page's request: {:?}",
        control.hosts
    );

    let browsed = browse(&chromium, &page, &ws.path("p2"), &["--dump-dom".into()]);
    let (dom, log) = (&browsed.dom, &browsed.log);
    // Nothing printed to the console (no script error, no blocked request).
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console: {console:#?}");
    // No request to any host beyond the browser's own.
    let extra: Vec<&String> = browsed.hosts.difference(&baseline).collect();
    assert!(extra.is_empty(), "the report asked for {extra:?}");

    // Every chart in the file was drawn: a canvas with pixels on it.
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page script did not finish"
    );
    let figures: Vec<&str> = dom
        .split("<figure class=\"chart\"")
        .skip(1)
        .map(|f| &f[..f.find('>').unwrap_or(f.len())])
        .collect();
    let expected = html.matches("<figure class=\"chart\"").count();
    assert!(
        expected >= 6,
        "the sample has at least 6 charts, got {expected}"
    );
    assert_eq!(figures.len(), expected);
    for f in &figures {
        let painted: u64 = attr(f, "data-painted")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        assert!(
            painted > 500,
            "chart {:?} is blank ({painted} pixels)",
            attr(f, "id")
        );
    }
    for id in [
        "fitness",
        "weekly-ride",
        "weekly-run",
        "year-over-year",
        "quarterly-watts",
        "quarterly-speed",
    ] {
        assert!(dom.contains(&format!("id=\"chart-{id}\"")), "no chart {id}");
    }

    // The numbers under the charts are the views' rows.
    let db = Db::open(&ws.db());
    let (week, km): (String, f64) =
        db.0.query_row(
            "SELECT CAST(period_start AS VARCHAR), round(distance_km, 2) FROM weekly_summary \
             WHERE sport_group = 'run' AND distance_km > 0 ORDER BY period_start DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let weekly = &dom[dom.find("id=\"chart-weekly-run\"").unwrap()..];
    let weekly = &weekly[..weekly.find("</figure>").unwrap()];
    let cell = format!("<tr><td>{week}</td><td>{}</td>", trim_float(km));
    assert!(
        weekly.contains(&cell),
        "{cell} not in the weekly run data table"
    );

    let (ctl_day, ctl): (String, f64) =
        db.0.query_row(
            "SELECT CAST(date AS VARCHAR), round(ctl, 2) FROM daily_training_load \
             WHERE date = (SELECT max(local_date) FROM activity_metrics)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let fitness = &dom[dom.find("id=\"chart-fitness\"").unwrap()..];
    let fitness = &fitness[..fitness.find("</figure>").unwrap()];
    let row = &fitness[fitness
        .find(&format!("<tr><td>{ctl_day}</td>"))
        .expect("the last day is in the fitness table")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("<td>{}</td>", trim_float(ctl))),
        "CTL {ctl} not in {row}"
    );

    let (year_km,): (f64,) =
        db.0.query_row(
            "SELECT round(distance_km, 1) FROM yearly_summary WHERE sport_group = 'ride' \
             AND year(period_start) = 2023",
            [],
            |r| Ok((r.get(0)?,)),
        )
        .unwrap();
    assert!(
        dom.contains("<td>2023</td><td class=\"t\">ride</td>"),
        "2023 ride row"
    );
    assert!(dom.contains(&format!("<td>{year_km:.1}</td>")), "{year_km}");

    // A screenshot to look at (kept as a CI artifact under target/).
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sample-report.png");
    let _ = std::fs::remove_file(&shot);
    let shot_run = browse(
        &chromium,
        &page,
        &ws.path("p3"),
        &[
            "--window-size=1200,1500".into(),
            format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(shot_run.hosts.is_subset(&baseline), "{:?}", shot_run.hosts);
    assert!(std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 10_000);
    eprintln!("screenshot of the sample report: {}", shot.display());
}

/// How JavaScript prints a number: no trailing zeros.
fn trim_float(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").unwrap_or(&s).to_string()
}
