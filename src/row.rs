//! The row model: a row of any table is one typed [`Cell`] per column, in the
//! order of the table's columns in `schema`; and the rows the product writes
//! itself (`sync_runs`, `athlete_settings`, `gear`, the four tables made from
//! the export's activity files) as typed structs, each turned into a [`Row`] in
//! one place.
//!
//! Responsible for: the cell types, and keeping each typed row's fields in
//! the order, kinds and nullability of its table's columns (the struct is
//! declared with [`table_row!`], which generates the conversion from its
//! fields; a test compares them with the schema). Not responsible for: the
//! columns themselves (`schema`), reading rows from Strava's JSON
//! (`transform::decode`) or the export (`export`), or writing them to Parquet
//! (`transform::parquet`).

use chrono::{DateTime, NaiveDate, Utc};

#[cfg(test)]
use crate::schema::Kind;

/// One value. The variant always matches the column's `Kind`.
///
/// `S` holds strings: `String` by default; a decoded page's rows borrow them
/// from the page (`transform::decode::PageRow`).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<S = String> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(S),
    /// Microseconds since 1970-01-01T00:00:00 (UTC for `Timestamp`, wall clock for `DateTime`).
    Micros(i64),
    /// Days since 1970-01-01.
    Days(i32),
}

/// One row, a cell per column of its table, in the table's order.
pub type Row<S = String> = Vec<Cell<S>>;

/// Days since 1970-01-01, as a `Date` cell holds them.
pub(crate) fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// A field type of a typed row: its cell, and the column kind it fills.
pub(crate) trait IntoCell {
    /// The column kind the cell fills (for the schema test).
    #[cfg(test)]
    const KIND: Kind;
    /// Whether the field can be NULL (an `Option`).
    #[cfg(test)]
    const NULLABLE: bool = false;
    fn into_cell(self) -> Cell;
}

impl IntoCell for i64 {
    #[cfg(test)]
    const KIND: Kind = Kind::Int64;
    fn into_cell(self) -> Cell {
        Cell::Int(self)
    }
}

impl IntoCell for f64 {
    #[cfg(test)]
    const KIND: Kind = Kind::Float64;
    fn into_cell(self) -> Cell {
        Cell::Float(self)
    }
}

impl IntoCell for bool {
    #[cfg(test)]
    const KIND: Kind = Kind::Bool;
    fn into_cell(self) -> Cell {
        Cell::Bool(self)
    }
}

impl IntoCell for String {
    #[cfg(test)]
    const KIND: Kind = Kind::String;
    fn into_cell(self) -> Cell {
        Cell::Str(self)
    }
}

impl IntoCell for DateTime<Utc> {
    #[cfg(test)]
    const KIND: Kind = Kind::Timestamp;
    fn into_cell(self) -> Cell {
        Cell::Micros(self.timestamp_micros())
    }
}

impl IntoCell for NaiveDate {
    #[cfg(test)]
    const KIND: Kind = Kind::Date;
    fn into_cell(self) -> Cell {
        Cell::Days(days_since_epoch(self))
    }
}

impl<T: IntoCell> IntoCell for Option<T> {
    #[cfg(test)]
    const KIND: Kind = T::KIND;
    #[cfg(test)]
    const NULLABLE: bool = true;
    fn into_cell(self) -> Cell {
        self.map_or(Cell::Null, IntoCell::into_cell)
    }
}

/// Declares a typed row of `$table`: one field per column, in the column
/// order, and `into_row`, which lays the fields out in that order.
macro_rules! table_row {
    (
        $(#[$meta:meta])*
        $name:ident of $table:path {
            $( $(#[$field_meta:meta])* $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub(crate) struct $name {
            $( $(#[$field_meta])* pub(crate) $field: $ty, )*
        }

        impl $name {
            pub(crate) fn into_row(self) -> Row {
                vec![$( IntoCell::into_cell(self.$field), )*]
            }
        }

        #[cfg(test)]
        impl TypedRow for $name {
            fn table() -> &'static crate::schema::Table {
                &$table
            }
            const FIELDS: &'static [(&'static str, Kind, bool)] =
                &[$( (stringify!($field), <$ty as IntoCell>::KIND, <$ty as IntoCell>::NULLABLE), )*];
        }
    };
}

#[cfg(test)]
/// What the schema test needs of a typed row: its table, and its fields'
/// names, kinds and nullability in declaration order.
trait TypedRow {
    fn table() -> &'static crate::schema::Table;
    const FIELDS: &'static [(&'static str, Kind, bool)];
}

table_row! {
    /// A `sync_runs` row: one per run, failed and interrupted runs too.
    SyncRun of crate::schema::SYNC_RUNS {
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
        outcome: String,
        source: String,
        activities: i64,
        api_calls: i64,
        /// Why the run failed, already redacted.
        message: Option<String>,
        files_skipped: i64,
    }
}

table_row! {
    /// An `athlete_settings` row: one dated entry of thresholds.
    AthleteSettingsRow of crate::schema::ATHLETE_SETTINGS {
        effective_from: NaiveDate,
        ftp_w: Option<i64>,
        max_hr: Option<f64>,
        resting_hr: Option<f64>,
        threshold_hr: Option<f64>,
        weight_kg: Option<f64>,
        sex: Option<String>,
        /// Comma-separated names of the defaulted values.
        defaults_used: String,
    }
}

table_row! {
    /// An `activity_streams` row: one activity file's summary.
    ActivityStreamsRow of crate::schema::ACTIVITY_STREAMS {
        activity_id: i64,
        file_format: String,
        samples: i64,
        recorded_s: i64,
        moving_s: i64,
        has_power: bool,
        has_heartrate: bool,
        avg_power_w: Option<f64>,
        normalized_power_w: Option<f64>,
        max_power_w: Option<f64>,
        work_kj: Option<f64>,
        avg_heartrate: Option<f64>,
        efficiency_factor: Option<f64>,
        aerobic_decoupling_pct: Option<f64>,
    }
}

table_row! {
    /// A `power_curve` row: the best average power over one duration.
    PowerCurveRow of crate::schema::POWER_CURVE {
        activity_id: i64,
        duration_s: i64,
        watts: f64,
    }
}

table_row! {
    /// A `best_efforts` row: the fastest time over one distance.
    BestEffortRow of crate::schema::BEST_EFFORTS {
        activity_id: i64,
        distance_m: f64,
        elapsed_s: f64,
    }
}

table_row! {
    /// A `time_in_zones` row: the seconds spent in one zone.
    TimeInZoneRow of crate::schema::TIME_IN_ZONES {
        activity_id: i64,
        kind: String,
        zone: i64,
        seconds: i64,
    }
}

table_row! {
    /// A `gear` row: one bike or pair of shoes.
    GearRow of crate::schema::GEAR {
        gear_id: String,
        kind: Option<String>,
        name: Option<String>,
        is_primary: Option<bool>,
        distance_m: Option<f64>,
        source: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The struct's fields against the table's columns: same names in the
    /// same order, same kinds, and no `Option` where the column is required.
    fn check<R: TypedRow>() {
        let table = R::table();
        let columns: Vec<(&str, Kind, bool)> = table
            .columns
            .iter()
            .map(|c| (c.name, c.kind, c.nullable))
            .collect();
        fn names<'a>(v: &[(&'a str, Kind, bool)]) -> Vec<&'a str> {
            v.iter().map(|f| f.0).collect()
        }
        assert_eq!(
            names(R::FIELDS),
            names(&columns),
            "the fields of {}'s typed row are not its columns in order",
            table.name
        );
        for ((field, kind, nullable), (_, column_kind, column_nullable)) in
            R::FIELDS.iter().zip(&columns)
        {
            assert_eq!(kind, column_kind, "{}.{field}: kind", table.name);
            assert!(
                !nullable || *column_nullable,
                "{}.{field} may be NULL but the column is required",
                table.name
            );
        }
    }

    #[test]
    fn every_typed_row_has_its_tables_columns_in_order_with_their_kinds() {
        check::<SyncRun>();
        check::<AthleteSettingsRow>();
        check::<ActivityStreamsRow>();
        check::<PowerCurveRow>();
        check::<BestEffortRow>();
        check::<TimeInZoneRow>();
        check::<GearRow>();
    }

    #[test]
    fn a_typed_row_lays_its_fields_out_in_order_with_null_for_none() {
        let row = PowerCurveRow {
            activity_id: 7,
            duration_s: 60,
            watts: 250.5,
        }
        .into_row();
        assert_eq!(row, vec![Cell::Int(7), Cell::Int(60), Cell::Float(250.5)]);
        let row = AthleteSettingsRow {
            effective_from: NaiveDate::from_ymd_opt(1970, 1, 11).unwrap(),
            ftp_w: None,
            max_hr: Some(190.0),
            resting_hr: None,
            threshold_hr: None,
            weight_kg: None,
            sex: Some("F".into()),
            defaults_used: "sex".into(),
        }
        .into_row();
        assert_eq!(row[0], Cell::Days(10));
        assert_eq!(row[1], Cell::Null);
        assert_eq!(row[2], Cell::Float(190.0));
        assert_eq!(row[7], Cell::Str("sex".into()));
    }
}
