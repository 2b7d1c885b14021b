//! Logs: human-readable on a terminal, one JSON object per line with a
//! `severity` field otherwise (what Cloud Logging reads). Logs go to stderr;
//! stdout carries only command output such as the sync summary.
//!
//! Secrets are kept out of logs at the source (the `Secret` type has no way
//! to print its value), and every line, the final error included, still
//! passes `redact` on its way to stderr: an error can quote what an upstream
//! echoed. So does a panic message.

use std::fmt;
use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// How log lines are written: text for people, JSON lines for Cloud Logging;
/// `Auto` picks text on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Auto,
    Text,
    Json,
}

pub fn init(format: LogFormat) {
    redact_panics();
    let filter = EnvFilter::try_from_env("LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("info"));
    let json = is_json(format);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactedStderr);
    let _ = if json {
        builder.event_format(JsonLines).try_init()
    } else {
        if std::io::stderr().is_terminal() {
            crate::progress::enable();
        }
        builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

/// Panics print through `redact` too (the default hook prints the message as is).
fn redact_panics() {
    std::panic::set_hook(Box::new(|info| {
        let line = crate::redact::redact(&info.to_string());
        let _ = writeln!(std::io::stderr(), "{line}");
    }));
}

/// Hands the formatter one buffer per log line and writes the line to stderr
/// redacted, whole, when the formatter is done with it.
struct RedactedStderr;

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = RedactedLine;
    fn make_writer(&'a self) -> RedactedLine {
        RedactedLine(Vec::new())
    }
}

struct RedactedLine(Vec<u8>);

impl Write for RedactedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let line = crate::redact::redact(&String::from_utf8_lossy(&self.0));
            crate::progress::suspend(|| {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            });
        }
    }
}

fn is_json(format: LogFormat) -> bool {
    match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    }
}

/// A command line clap refused. With JSON logs (Cloud Run) it is one ERROR
/// line like any other failure, so the alert on `severity>=ERROR` sees a bad
/// setting; otherwise clap prints it as usual. `--help` and `--version` go
/// to stdout either way. Exits 2 (0 for help).
pub fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || !is_json(requested_format())
    {
        e.exit()
    }
    init(LogFormat::Json);
    let text = e.render().to_string();
    // "error: <what>\n\n<usage>\n\nFor more information, try '--help'.": the
    // first paragraph is the message; the usage line is for terminals.
    let message = text.split("\n\n").next().unwrap_or(&text);
    tracing::error!("{}", message.trim().trim_start_matches("error: "));
    std::process::exit(crate::exit::CONFIG.into())
}

/// The log format asked for on a command line clap could not parse: the flag
/// if it is there, else LOG_FORMAT, else auto.
fn requested_format() -> LogFormat {
    let args: Vec<String> = std::env::args().collect();
    let flag = args.iter().enumerate().find_map(|(i, a)| match a.as_str() {
        "--log-format" => args.get(i + 1).cloned(),
        _ => a.strip_prefix("--log-format=").map(str::to_string),
    });
    match flag.or_else(|| std::env::var("LOG_FORMAT").ok()).as_deref() {
        Some("json") => LogFormat::Json,
        Some("text") => LogFormat::Text,
        _ => LogFormat::Auto,
    }
}

/// A random id for this process's run, on every JSON line.
pub(crate) fn run_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| format!("{:012x}", rand::random::<u64>() >> 16))
}

/// Cloud Logging's structured format: `severity`, `message`, `time`, and the
/// event's fields.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = JsonFields(Map::new());
        event.record(&mut fields);
        let mut map = fields.0;
        let severity = match *event.metadata().level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            Level::DEBUG | Level::TRACE => "DEBUG",
        };
        map.insert("severity".into(), severity.into());
        map.insert("time".into(), chrono::Utc::now().to_rfc3339().into());
        map.insert("target".into(), event.metadata().target().into());
        // Ties every line of one run together in Cloud Logging.
        map.insert("run_id".into(), run_id().into());
        writeln!(w, "{}", Value::Object(map))
    }
}

struct JsonFields(Map<String, Value>);

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
}
