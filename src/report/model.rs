//! The report as data: sections of charts and tables, serialised into the
//! page for its script to draw.
//!
//! Responsible for: the shapes the page's script reads (`report.js`).
//! Not responsible for: SQL (`mod.rs`) or markup (`html.rs`).

use serde::Serialize;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub(crate) title: String,
    pub(crate) athlete: String,
    pub(crate) range: String,
    pub(crate) activities: u64,
    pub(crate) loaded_at: Option<String>,
    pub(crate) thresholds: Vec<String>,
    pub(crate) defaults_used: Vec<String>,
    pub(crate) sections: Vec<Section>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Section {
    pub(crate) title: String,
    pub(crate) caption: String,
    /// Why a chart is missing (no power, no physiology views...), shown instead of it.
    pub(crate) note: Option<String>,
    pub(crate) charts: Vec<Chart>,
    pub(crate) tables: Vec<Table>,
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
pub(crate) enum XKind {
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
pub(crate) enum Style {
    Line,
    Dashed,
    Bars,
    Stacked,
}

#[derive(Debug, Serialize)]
pub(crate) struct Chart {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) caption: String,
    pub(crate) x_kind: XKind,
    pub(crate) x: Vec<f64>,
    pub(crate) y_unit: String,
    pub(crate) y2_unit: Option<String>,
    pub(crate) series: Vec<Series>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Series {
    pub(crate) label: String,
    pub(crate) unit: String,
    pub(crate) style: Style,
    /// On the right-hand axis.
    pub(crate) right: bool,
    pub(crate) values: Vec<Option<f64>>,
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
pub(crate) struct Table {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) caption: String,
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
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
