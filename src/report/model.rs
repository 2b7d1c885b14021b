//! The report as data: sections of charts and tables, serialised into the
//! page for its script to draw.
//!
//! Responsible for: the shapes the page's script reads (`report.js`).
//! Not responsible for: SQL (`mod.rs`) or markup (`html.rs`).

use serde::Serialize;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub title: String,
    pub athlete: String,
    pub range: String,
    pub activities: u64,
    pub loaded_at: Option<String>,
    pub thresholds: Vec<String>,
    pub defaults_used: Vec<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Serialize)]
pub struct Section {
    pub title: String,
    pub caption: String,
    /// Why a chart is missing (no power, no physiology views...), shown instead of it.
    pub note: Option<String>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
}

impl Section {
    pub(crate) fn new(title: &str, caption: &str) -> Self {
        Section {
            title: title.into(),
            caption: caption.into(),
            note: None,
            charts: Vec::new(),
            tables: Vec::new(),
        }
    }
    pub(crate) fn empty(title: &str, note: &str) -> Self {
        let mut s = Section::new(title, "");
        s.note = Some(note.into());
        s
    }
}

/// How the page labels the x axis.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum XKind {
    /// Unix seconds of a local day.
    Date,
    /// Unix seconds of a quarter's first day.
    Quarter,
    /// 1..=366.
    DayOfYear,
    /// A duration in seconds (log scale).
    Seconds,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    Line,
    Dashed,
    Bars,
    Stacked,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub caption: String,
    pub x_kind: XKind,
    pub x: Vec<f64>,
    pub y_unit: String,
    pub y2_unit: Option<String>,
    pub series: Vec<Series>,
}

#[derive(Debug, Serialize)]
pub struct Series {
    pub label: String,
    pub unit: String,
    pub style: Style,
    /// On the right-hand axis.
    pub right: bool,
    pub values: Vec<Option<f64>>,
}

impl Series {
    pub(crate) fn new(label: &str, unit: &str, style: Style, values: Vec<Option<f64>>) -> Self {
        Series {
            label: label.into(),
            unit: unit.into(),
            style,
            right: false,
            // Two decimals are all a chart shows, and they keep the file small.
            values: values
                .into_iter()
                .map(|v| v.map(|x| (x * 100.0).round() / 100.0))
                .collect(),
        }
    }
    pub(crate) fn right(mut self) -> Self {
        self.right = true;
        self
    }
}

#[derive(Debug, Serialize)]
pub struct Table {
    pub id: String,
    pub title: String,
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(
        id: &str,
        title: &str,
        caption: &str,
        columns: &[&str],
        rows: Vec<Vec<String>>,
    ) -> Self {
        Table {
            id: id.into(),
            title: title.into(),
            caption: caption.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows,
        }
    }
}
