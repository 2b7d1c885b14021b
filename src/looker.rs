//! `strava-warehouse looker-url`: a Looker Studio Linking API URL that opens a
//! new report with the BigQuery views as its data sources.
//!
//! Responsible for: which views a report starts from and the URL's
//! parameters (developers.google.com/looker-studio/integrate/linking-api).
//! With a template (`--template REPORT_ID`), the link copies that report
//! (`c.reportId`) and points its data sources, by alias, at this dataset; the
//! template's data sources must use the aliases `ds0`, `ds1`, `ds2` below
//! (docs/report.md, "Looker Studio").
//! Not responsible for: the report's charts (Looker Studio's blank report or
//! the template's) or access to the data (the person opening the link needs
//! BigQuery read access to the dataset and may run query jobs).

use reqwest::Url;

/// The views a report starts with, as (data-source alias, view, shown name).
const SOURCES: [(&str, &str, &str); 3] = [
    (
        "ds0",
        "activity_metrics",
        "Strava activities with effort metrics",
    ),
    (
        "ds1",
        "daily_training_load",
        "Strava daily training load (CTL/ATL/TSB)",
    ),
    ("ds2", "weekly_summary", "Strava weekly summary"),
];

const CREATE: &str = "https://lookerstudio.google.com/reporting/create";

pub fn url(project: &str, dataset: &str, template: Option<&str>) -> String {
    let mut url = match Url::parse(CREATE) {
        Ok(u) => u,
        // A constant that parses; kept total rather than unwrapped.
        Err(_) => return CREATE.to_string(),
    };
    {
        let mut q = url.query_pairs_mut();
        if let Some(id) = template {
            q.append_pair("c.reportId", id);
        }
        q.append_pair("r.reportName", "Strava training");
        for (alias, view, name) in SOURCES {
            let p = |key: &str| format!("ds.{alias}.{key}");
            q.append_pair(&p("connector"), "bigQuery");
            q.append_pair(&p("type"), "TABLE");
            q.append_pair(&p("projectId"), project);
            q.append_pair(&p("datasetId"), dataset);
            q.append_pair(&p("tableId"), view);
            q.append_pair(&p("datasourceName"), name);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_each_view_of_the_dataset_as_a_bigquery_table_source() {
        let u = Url::parse(&url("my-proj", "strava", None)).unwrap();
        assert!(
            !u.query_pairs().any(|(k, _)| k == "c.reportId"),
            "no template: a blank report"
        );
        assert_eq!(u.host_str(), Some("lookerstudio.google.com"));
        assert_eq!(u.path(), "/reporting/create");
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        for (alias, view) in [
            ("ds0", "activity_metrics"),
            ("ds1", "daily_training_load"),
            ("ds2", "weekly_summary"),
        ] {
            assert_eq!(
                get(&format!("ds.{alias}.connector")).as_deref(),
                Some("bigQuery")
            );
            assert_eq!(get(&format!("ds.{alias}.type")).as_deref(), Some("TABLE"));
            assert_eq!(
                get(&format!("ds.{alias}.projectId")).as_deref(),
                Some("my-proj")
            );
            assert_eq!(
                get(&format!("ds.{alias}.datasetId")).as_deref(),
                Some("strava")
            );
            assert_eq!(get(&format!("ds.{alias}.tableId")).as_deref(), Some(view));
        }
    }

    #[test]
    fn a_template_is_copied_with_its_sources_pointed_at_the_dataset() {
        let u = Url::parse(&url("my-proj", "strava", Some("0b5c-template"))).unwrap();
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("c.reportId"), Some("0b5c-template"));
        assert_eq!(get("ds.ds1.tableId"), Some("daily_training_load"));
        assert_eq!(get("ds.ds1.datasetId"), Some("strava"));
    }

    #[test]
    fn every_source_is_a_view_the_product_creates() {
        for (_, view, _) in SOURCES {
            assert!(
                crate::views::VIEWS.iter().any(|v| v.name == view),
                "{view} is not a view the product creates"
            );
        }
    }
}
