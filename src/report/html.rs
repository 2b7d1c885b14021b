//! The report's one HTML file: markup for the header, sections and tables,
//! with the charting library, the styles, the chart data and the page's
//! script all inside it.
//!
//! Responsible for: escaping everything that came from the warehouse, and a
//! Content-Security-Policy that forbids the page any request (no CDN, no
//! font, no image from anywhere), so it works from `file://` offline.
//! Not responsible for: drawing (`report.js` with uPlot, in the browser).

use super::model::{Report, Section, Table};

/// uPlot, fetched from npm by build.rs (see docs/development.md, Dependencies).
const UPLOT_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/uPlot.iife.min.js"));
const UPLOT_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/uPlot.min.css"));
const PAGE_JS: &str = include_str!("report.js");
const PAGE_CSS: &str = include_str!("report.css");

/// No fetch, image, font, frame or connection to any host: inline code only.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   img-src data:; base-uri 'none'; form-action 'none'";

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON inside a `<script>` element: `</script>` and `<!--` must not appear.
fn script_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

pub(crate) fn render(r: &Report) -> String {
    let mut charts = Vec::new();
    let mut body = String::new();
    for s in &r.sections {
        section(&mut body, s, &mut charts);
    }
    let mut meta = String::new();
    if !r.athlete.is_empty() {
        meta.push_str(&format!("<div><b>{}</b></div>", escape(&r.athlete)));
    }
    meta.push_str(&format!(
        "<div>{} · {} activities</div>",
        escape(&r.range),
        r.activities
    ));
    meta.push_str(&format!(
        "<div>Data loaded {}</div>",
        escape(
            r.loaded_at
                .as_deref()
                .unwrap_or("at an unknown time (no successful run in sync_runs)")
        )
    ));
    for t in &r.thresholds {
        meta.push_str(&format!("<div>Thresholds {}</div>", escape(t)));
    }
    if !r.defaults_used.is_empty() {
        meta.push_str(&format!(
            "<div class=\"defaults\">Defaulted, not set by you: {} (set them with \
             <code>--athlete-settings</code>)</div>",
            escape(&r.defaults_used.join("; "))
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{generator}\
         <title>{title}{who}</title>\
         <style>{UPLOT_CSS}\n{PAGE_CSS}</style></head>\
         <body><header><h1>{title}</h1>{meta}\
         <div class=\"made\">Made by strava-warehouse report from the warehouse's views; \
         hover a chart for its values, open \"data\" under it for the numbers.</div></header>\
         <main>{body}</main>\
         <script id=\"report-data\" type=\"application/json\">{data}</script>\
         <script>{UPLOT_JS}</script><script>{PAGE_JS}</script></body></html>\n",
        title = escape(&r.title),
        who = if r.athlete.is_empty() {
            String::new()
        } else {
            format!(" – {}", escape(&r.athlete))
        },
        data = script_json(&charts),
        generator = super::GENERATOR,
    )
}

fn section<'a>(out: &mut String, s: &'a Section, charts: &mut Vec<&'a super::model::Chart>) {
    out.push_str(&format!("<section><h2>{}</h2>", escape(&s.title)));
    if !s.caption.is_empty() {
        out.push_str(&format!("<p class=\"caption\">{}</p>", escape(&s.caption)));
    }
    if let Some(note) = &s.note {
        out.push_str(&format!(
            "<p class=\"note\">{}</p>",
            code_spans(&escape(note))
        ));
    }
    for c in &s.charts {
        out.push_str(&format!(
            "<figure class=\"chart\" id=\"chart-{id}\" data-chart=\"{i}\">\
             <figcaption><b>{title}</b> {caption}</figcaption><div class=\"plot\"></div>\
             <details><summary>data</summary><div class=\"data\"></div></details></figure>",
            id = escape(&c.id),
            i = charts.len(),
            title = escape(&c.title),
            caption = escape(&c.caption),
        ));
        charts.push(c);
    }
    for t in &s.tables {
        table(out, t);
    }
    out.push_str("</section>");
}

/// `a` in backticks becomes `<code>a</code>` (notes name commands and views).
fn code_spans(escaped: &str) -> String {
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{part}</code>"));
        } else {
            out.push_str(part);
        }
    }
    out
}

fn table(out: &mut String, t: &Table) {
    out.push_str(&format!(
        "<figure class=\"table\" id=\"table-{}\"><figcaption><b>{}</b> {}</figcaption><table><thead><tr>",
        escape(&t.id),
        escape(&t.title),
        escape(&t.caption)
    ));
    for c in &t.columns {
        out.push_str(&format!("<th>{}</th>", escape(c)));
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        out.push_str("<tr>");
        for c in r {
            // Words read from the left, numbers line up on the right.
            let words = c.parse::<f64>().is_err() && !c.ends_with('%');
            let class = if words { " class=\"t\"" } else { "" };
            out.push_str(&format!("<td{class}>{}</td>", escape(c)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></figure>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_text_cannot_close_the_data_script_or_open_a_tag() {
        let json = script_json(&vec!["</script><img src=x>"]);
        assert!(!json.contains("</script"), "{json}");
        assert_eq!(
            escape("<b>\"x\" & 'y'"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn the_page_forbids_every_request_to_any_host() {
        let html = render(&Report::default());
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("src=\"http"), "no remote script or image");
        assert!(!html.contains("href=\"http"), "no remote stylesheet");
    }
}
