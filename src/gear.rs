//! The athlete's gear, for the `gear` table: bikes and shoes from the profile
//! (`GET /athlete` sends them, so they cost no extra call), and gear the bulk
//! export names in its `Activity Gear` column that the profile does not list
//! (retired gear, or an export loaded without the API).
//!
//! Responsible for: reading gear from the profile's JSON, the id an activity
//! of the export gets for its gear's name, and the `gear` rows. Not
//! responsible for: the API's `activities.gear_id` (Strava sends it), finding
//! the `Activity Gear` column (`export`), or loading the rows.

use serde::Deserialize;

use crate::row::{GearRow, Row};

/// Strava's SummaryGear as the profile sends it.
#[derive(Deserialize)]
struct Summary {
    id: String,
    name: Option<String>,
    primary: Option<bool>,
    /// Metres.
    distance: Option<f64>,
}

#[derive(Deserialize)]
struct Profile {
    bikes: Option<Vec<Summary>>,
    shoes: Option<Vec<Summary>>,
}

const PROFILE: &str = "profile";
const EXPORT: &str = "export";

/// Every gear item a sync has seen, profile first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gear {
    items: Vec<GearRow>,
}

/// The id of gear only the export names: its name, marked so it can never
/// be taken for a Strava id (which is `b` or `g` and digits).
fn export_id(name: &str) -> String {
    format!("export:{name}")
}

impl Gear {
    /// The profile's `bikes` and `shoes`; absent or `null` lists are no gear.
    /// A list that is there but not Strava's shape is an error naming it.
    pub(crate) fn from_profile(json: &[u8]) -> Result<Gear, String> {
        let profile: Profile = serde_json::from_slice(json)
            .map_err(|e| format!("the profile's `bikes` or `shoes`: {e}"))?;
        let items = [("bike", profile.bikes), ("shoes", profile.shoes)]
            .into_iter()
            .flat_map(|(kind, list)| {
                list.unwrap_or_default().into_iter().map(move |g| GearRow {
                    gear_id: g.id,
                    kind: Some(kind.to_string()),
                    name: g.name,
                    is_primary: g.primary,
                    distance_m: g.distance,
                    source: PROFILE.to_string(),
                })
            })
            .collect();
        Ok(Gear { items })
    }

    /// The `gear_id` of an export activity whose `Activity Gear` is `name`:
    /// the profile's id when exactly one bike or pair of shoes has that name,
    /// else `export:NAME` (listed in `gear` from then on). Two profile items
    /// of one name cannot be told apart from the export, so neither is taken.
    pub(crate) fn id_for_name(&mut self, name: &str) -> String {
        let mut named = self
            .items
            .iter()
            .filter(|g| g.source == PROFILE && g.name.as_deref() == Some(name));
        if let (Some(only), None) = (named.next(), named.next()) {
            return only.gear_id.clone();
        }
        let id = export_id(name);
        if !self.items.iter().any(|g| g.gear_id == id) {
            self.items.push(GearRow {
                gear_id: id.clone(),
                kind: None,
                name: Some(name.to_string()),
                is_primary: None,
                distance_m: None,
                source: EXPORT.to_string(),
            });
        }
        id
    }

    /// `gear` rows, laid out by the schema.
    pub(crate) fn rows(&self) -> Vec<Row> {
        self.items.iter().cloned().map(GearRow::into_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::Cell;
    use crate::schema::GEAR;

    const PROFILE_JSON: &[u8] = br#"{"id": 1,
        "bikes": [{"id": "b1", "primary": true, "name": "Road", "resource_state": 2, "distance": 12345.6},
                  {"id": "b2", "primary": false, "name": "Gravel", "resource_state": 2, "distance": 0}],
        "shoes": [{"id": "g7", "primary": true, "name": "Trail", "resource_state": 2, "distance": 800.5}]}"#;

    #[test]
    fn the_profile_gives_each_bike_and_pair_of_shoes_with_its_kind_and_distance() {
        let gear = Gear::from_profile(PROFILE_JSON).unwrap();
        let summary: Vec<_> = gear
            .items
            .iter()
            .map(|g| {
                let kind = g.kind.as_deref();
                (
                    g.gear_id.as_str(),
                    kind,
                    g.is_primary,
                    g.distance_m,
                    g.source.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("b1", Some("bike"), Some(true), Some(12345.6), "profile"),
                ("b2", Some("bike"), Some(false), Some(0.0), "profile"),
                ("g7", Some("shoes"), Some(true), Some(800.5), "profile"),
            ]
        );
    }

    #[test]
    fn a_profile_without_or_with_null_gear_lists_has_no_gear() {
        for json in [
            &br#"{"id": 1}"#[..],
            br#"{"id": 1, "bikes": null, "shoes": []}"#,
        ] {
            assert!(Gear::from_profile(json).unwrap().items.is_empty());
        }
    }

    #[test]
    fn a_gear_entry_without_an_id_is_an_error_naming_the_lists() {
        let err = Gear::from_profile(br#"{"bikes": [{"name": "Road"}]}"#).unwrap_err();
        assert!(err.contains("`bikes` or `shoes`"), "{err}");
        assert!(err.contains("missing field `id`"), "{err}");
    }

    #[test]
    fn an_export_name_of_one_profile_item_links_to_its_strava_id() {
        let mut gear = Gear::from_profile(PROFILE_JSON).unwrap();
        assert_eq!(gear.id_for_name("Gravel"), "b2");
        assert_eq!(gear.items.len(), 3, "no row added for known gear");
    }

    #[test]
    fn an_export_name_the_profile_lacks_gets_one_export_row_however_often_it_is_named() {
        let mut gear = Gear::from_profile(PROFILE_JSON).unwrap();
        assert_eq!(gear.id_for_name("Old Steel"), "export:Old Steel");
        assert_eq!(gear.id_for_name("Old Steel"), "export:Old Steel");
        let added: Vec<_> = gear.items.iter().filter(|g| g.source == "export").collect();
        assert_eq!(added.len(), 1);
        assert_eq!(
            (
                added[0].kind.as_deref(),
                added[0].name.as_deref(),
                added[0].distance_m
            ),
            (None, Some("Old Steel"), None)
        );
    }

    #[test]
    fn a_name_two_profile_items_share_is_not_guessed() {
        let json = br#"{"bikes": [{"id": "b1", "name": "Bike"}, {"id": "b2", "name": "Bike"}]}"#;
        let mut gear = Gear::from_profile(json).unwrap();
        assert_eq!(gear.id_for_name("Bike"), "export:Bike");
    }

    #[test]
    fn rows_follow_the_gear_table_with_nulls_where_the_export_does_not_say() {
        let mut gear = Gear::from_profile(PROFILE_JSON).unwrap();
        gear.id_for_name("Old Steel");
        let rows = gear.rows();
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.len() == GEAR.columns.len()));
        assert_eq!(
            rows[0],
            vec![
                Cell::Str("b1".into()),
                Cell::Str("bike".into()),
                Cell::Str("Road".into()),
                Cell::Bool(true),
                Cell::Float(12345.6),
                Cell::Str("profile".into()),
            ]
        );
        assert_eq!(
            rows[3],
            vec![
                Cell::Str("export:Old Steel".into()),
                Cell::Null,
                Cell::Str("Old Steel".into()),
                Cell::Null,
                Cell::Null,
                Cell::Str("export".into()),
            ]
        );
    }
}
