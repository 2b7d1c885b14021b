//! THE fixed schema: every column of every table the product writes, with its
//! type, its unit and where its value comes from in Strava's JSON.
//!
//! This file is the one place a column is defined. The Arrow schema (and so the
//! Parquet file), the DuckDB DDL, the BigQuery JSON schema and the column table
//! in docs/tables.md are all generated from it (`strava-warehouse schema`). It does not
//! parse JSON (see `transform::decode`) nor talk to a warehouse.
//!
//! Column names mirror Strava's SummaryActivity, nested objects flattened with
//! `_`. `sport_type` and `workout_type` are open values, never enums: Strava adds
//! sport types every few months.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde_json::json;

/// The type of a column, named by what it holds rather than by any one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int64,
    Float64,
    Bool,
    String,
    /// An instant, stored as UTC microseconds (BigQuery TIMESTAMP).
    Timestamp,
    /// A wall-clock time with no zone (BigQuery DATETIME), e.g. `start_date_local`.
    DateTime,
    /// A calendar date (BigQuery DATE).
    Date,
}

/// Where a column's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A top-level key of the JSON object.
    Key(&'static str),
    /// A member of a nested JSON object: `map.summary_polyline` -> `("map", "summary_polyline")`.
    Nested(&'static str, &'static str),
    /// One coordinate of a `[lat, lng]` array; `[]` and `null` give NULL.
    LatLng(&'static str, Coord),
    /// Set by the run: the time this run loaded the row.
    LoadedAt,
    /// Computed by the run, not read from Strava (`sync_runs`, `athlete_settings`).
    Computed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coord {
    Lat,
    Lng,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub(crate) nullable: bool,
    pub(crate) source: Source,
    /// Shown by BigQuery and Looker Studio; always names the unit.
    pub description: &'static str,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub description: &'static str,
    pub columns: &'static [Column],
    /// JSON keys Strava sends that the table deliberately leaves out. Any other
    /// key is "new" and is counted and logged, never a failure.
    pub(crate) ignored_keys: &'static [&'static str],
    /// BigQuery: the TIMESTAMP column the table is partitioned on, by month.
    /// Queries over a date range then scan only their months.
    #[cfg_attr(not(feature = "gcp"), allow(dead_code))]
    pub(crate) partition_by_month: Option<&'static str>,
    /// BigQuery: clustering columns, for the filters reports use most.
    #[cfg_attr(not(feature = "gcp"), allow(dead_code))]
    pub(crate) cluster_by: &'static [&'static str],
}

const fn col(name: &'static str, kind: Kind, source: Source, description: &'static str) -> Column {
    Column {
        name,
        kind,
        nullable: true,
        source,
        description,
    }
}

const fn key(name: &'static str, kind: Kind, description: &'static str) -> Column {
    col(name, kind, Source::Key(name), description)
}

const fn required(mut c: Column) -> Column {
    c.nullable = false;
    c
}

use Kind::*;

pub static ACTIVITIES: Table = Table {
    partition_by_month: Some("start_date"),
    cluster_by: &["sport_type"],
    name: "activities",
    description: "One row per Strava activity (SummaryActivity), replaced on every sync.",
    columns: &[
        required(key("id", Int64, "Strava activity id.")),
        col(
            "athlete_id",
            Int64,
            Source::Nested("athlete", "id"),
            "Strava athlete id of the owner.",
        ),
        key("name", String, "Activity title as the athlete wrote it."),
        key(
            "sport_type",
            String,
            "Sport type (open list: Ride, Run, TrailRun, GravelRide, ...; new values appear as Strava adds them).",
        ),
        key(
            "type",
            String,
            "Legacy activity type; deprecated by Strava in favour of sport_type.",
        ),
        key(
            "workout_type",
            Int64,
            "Workout type code: run 0 default, 1 race, 2 long run, 3 workout; ride 10 default, 11 race, 12 workout; other codes kept as sent.",
        ),
        key("start_date", Timestamp, "Start time, UTC."),
        key(
            "start_date_local",
            DateTime,
            "Start time as wall-clock time in the activity's time zone (no zone attached).",
        ),
        key(
            "timezone",
            String,
            "Time zone as Strava writes it, e.g. '(GMT-05:00) America/New_York'.",
        ),
        key(
            "utc_offset",
            Float64,
            "Offset of start_date_local from UTC at the start, in seconds (includes daylight saving).",
        ),
        key("distance", Float64, "Distance in meters."),
        key("moving_time", Int64, "Moving time in seconds."),
        key("elapsed_time", Int64, "Elapsed time in seconds."),
        key(
            "total_elevation_gain",
            Float64,
            "Total elevation gain in meters.",
        ),
        key("elev_high", Float64, "Highest elevation in meters."),
        key("elev_low", Float64, "Lowest elevation in meters."),
        key(
            "average_speed",
            Float64,
            "Average moving speed in meters per second.",
        ),
        key("max_speed", Float64, "Maximum speed in meters per second."),
        key(
            "average_cadence",
            Float64,
            "Average cadence: revolutions per minute on rides, steps per minute of one foot on runs.",
        ),
        key(
            "average_watts",
            Float64,
            "Average power in watts (rides; estimated unless device_watts).",
        ),
        key(
            "weighted_average_watts",
            Int64,
            "Weighted average power in watts, similar to normalized power (rides with a power meter).",
        ),
        key(
            "max_watts",
            Int64,
            "Maximum power in watts (rides with a power meter).",
        ),
        key("kilojoules", Float64, "Work in kilojoules (rides)."),
        key(
            "device_watts",
            Bool,
            "True when power came from a power meter, false when Strava estimated it.",
        ),
        key(
            "has_heartrate",
            Bool,
            "True when the activity has heart-rate data.",
        ),
        key(
            "average_heartrate",
            Float64,
            "Average heart rate in beats per minute.",
        ),
        key(
            "max_heartrate",
            Float64,
            "Maximum heart rate in beats per minute.",
        ),
        key(
            "suffer_score",
            Float64,
            "Strava's relative effort score (unitless).",
        ),
        key(
            "achievement_count",
            Int64,
            "Number of achievements (count).",
        ),
        key("kudos_count", Int64, "Number of kudos (count)."),
        key("comment_count", Int64, "Number of comments (count)."),
        key(
            "athlete_count",
            Int64,
            "Number of athletes in the group activity, including this one (count).",
        ),
        key("photo_count", Int64, "Number of Instagram photos (count)."),
        key(
            "total_photo_count",
            Int64,
            "Number of photos, Instagram and Strava (count).",
        ),
        key("pr_count", Int64, "Number of personal records set (count)."),
        key("trainer", Bool, "True when recorded on a trainer."),
        key("commute", Bool, "True when marked as a commute."),
        key(
            "manual",
            Bool,
            "True when entered by hand rather than recorded.",
        ),
        key(
            "private",
            Bool,
            "True when only the athlete can see the activity.",
        ),
        key(
            "visibility",
            String,
            "Who can see the activity: everyone, followers_only or only_me.",
        ),
        key("flagged", Bool, "True when the activity is flagged."),
        key(
            "gear_id",
            String,
            "Strava gear id (b... bikes, g... shoes).",
        ),
        col(
            "start_lat",
            Float64,
            Source::LatLng("start_latlng", Coord::Lat),
            "Start latitude in degrees (WGS84); NULL without GPS.",
        ),
        col(
            "start_lng",
            Float64,
            Source::LatLng("start_latlng", Coord::Lng),
            "Start longitude in degrees (WGS84); NULL without GPS.",
        ),
        col(
            "end_lat",
            Float64,
            Source::LatLng("end_latlng", Coord::Lat),
            "End latitude in degrees (WGS84); NULL without GPS.",
        ),
        col(
            "end_lng",
            Float64,
            Source::LatLng("end_latlng", Coord::Lng),
            "End longitude in degrees (WGS84); NULL without GPS.",
        ),
        col(
            "map_id",
            String,
            Source::Nested("map", "id"),
            "Strava map id.",
        ),
        col(
            "map_summary_polyline",
            String,
            Source::Nested("map", "summary_polyline"),
            "Route as a Google encoded polyline (summary resolution); empty for manual activities.",
        ),
        key(
            "upload_id",
            Int64,
            "Strava upload id; NULL for manual activities.",
        ),
        key(
            "external_id",
            String,
            "Identifier given at upload time, e.g. a file name.",
        ),
        key("device_name", String, "Name of the recording device."),
        col(
            "source",
            String,
            Source::Computed,
            "Where the row came from: api (the Strava API) or export (the athlete's bulk export).",
        ),
        col(
            "loaded_at",
            Timestamp,
            Source::LoadedAt,
            "When the sync that wrote this row ran, UTC.",
        ),
    ],
    ignored_keys: &[
        "resource_state",
        "upload_id_str",
        "location_city",
        "location_state",
        "location_country",
        "has_kudoed",
        "hide_from_home",
        "from_accepted_tag",
        "heartrate_opt_out",
        "display_hide_heartrate_option",
        "average_temp",
        "start_latitude",
        "start_longitude",
        "athlete.resource_state",
        "map.resource_state",
        "map.polyline",
    ],
};

pub(crate) static ATHLETE: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "athlete",
    description: "The authenticated athlete's profile (one row), replaced on every sync.",
    columns: &[
        required(key("id", Int64, "Strava athlete id.")),
        key("username", String, "Strava user name."),
        key("firstname", String, "First name."),
        key("lastname", String, "Last name."),
        key("sex", String, "M or F, as set in the profile."),
        key(
            "weight",
            Float64,
            "Body weight in kilograms, as set in the profile.",
        ),
        key(
            "ftp",
            Int64,
            "Functional threshold power in watts, as set in the profile.",
        ),
        key(
            "measurement_preference",
            String,
            "Units the athlete prefers: meters or feet.",
        ),
        key("city", String, "City from the profile."),
        key("country", String, "Country from the profile."),
        key(
            "created_at",
            Timestamp,
            "When the Strava account was created, UTC.",
        ),
        col(
            "loaded_at",
            Timestamp,
            Source::LoadedAt,
            "When the sync that wrote this row ran, UTC.",
        ),
    ],
    ignored_keys: &[
        "resource_state",
        "state",
        "bio",
        "premium",
        "summit",
        "updated_at",
        "badge_type_id",
        "profile_medium",
        "profile",
        "friend",
        "follower",
        "blocked",
        "can_follow",
        "follower_count",
        "friend_count",
        "mutual_friend_count",
        "athlete_type",
        "date_preference",
        "clubs",
        "bikes",
        "shoes",
        "is_winback_via_upload",
        "is_winback_via_view",
    ],
};

pub(crate) static SYNC_RUNS: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "sync_runs",
    description: "One row appended per sync run, failed runs included.",
    columns: &[
        required(col(
            "started_at",
            Timestamp,
            Source::Computed,
            "When the run started, UTC.",
        )),
        required(col(
            "finished_at",
            Timestamp,
            Source::Computed,
            "When the run ended, UTC.",
        )),
        required(col(
            "outcome",
            String,
            Source::Computed,
            "ok, failed, rate_limited or refused_shrink.",
        )),
        required(col(
            "source",
            String,
            Source::Computed,
            "Where the activities came from: api, raw (replayed pages), export, export+api, or export+raw (an export merged with replayed pages).",
        )),
        required(col(
            "activities",
            Int64,
            Source::Computed,
            "Activities fetched by the run (count).",
        )),
        required(col(
            "api_calls",
            Int64,
            Source::Computed,
            "HTTP requests made to Strava, retries included (count).",
        )),
        col(
            "message",
            String,
            Source::Computed,
            "Why the run failed; NULL when it succeeded.",
        ),
        // Nullable: added after the first release, so older sync_runs tables
        // gain it by ALTER TABLE / ALLOW_FIELD_ADDITION with NULL in old rows.
        col(
            "files_skipped",
            Int64,
            Source::Computed,
            "Activity files named by the bulk export that could not be used (missing, damaged, unknown format; each logged with its reason) (count); 0 when none, NULL in rows written before this column existed.",
        ),
    ],
    ignored_keys: &[],
};

pub(crate) static ATHLETE_SETTINGS: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "athlete_settings",
    description: "The athlete's thresholds over time, from --athlete-settings or defaulted from the profile and the data; replaced on every sync. An activity uses the entry with the latest effective_from on or before its local date; dates before the first entry use the first entry.",
    columns: &[
        required(col(
            "effective_from",
            Date,
            Source::Computed,
            "First local date the entry applies to.",
        )),
        col(
            "ftp_w",
            Int64,
            Source::Computed,
            "Functional threshold power in watts.",
        ),
        col(
            "max_hr",
            Float64,
            Source::Computed,
            "Maximum heart rate in beats per minute.",
        ),
        col(
            "resting_hr",
            Float64,
            Source::Computed,
            "Resting heart rate in beats per minute.",
        ),
        col(
            "threshold_hr",
            Float64,
            Source::Computed,
            "Lactate threshold heart rate in beats per minute.",
        ),
        col(
            "weight_kg",
            Float64,
            Source::Computed,
            "Body weight in kilograms.",
        ),
        col(
            "sex",
            String,
            Source::Computed,
            "M or F; chooses the Banister TRIMP constants.",
        ),
        required(col(
            "defaults_used",
            String,
            Source::Computed,
            "Comma-separated names of the values above that were defaulted (from the Strava profile, the data, or a fixed default) rather than set in the settings file; empty when none.",
        )),
    ],
    ignored_keys: &[],
};

const fn computed(name: &'static str, kind: Kind, description: &'static str) -> Column {
    col(name, kind, Source::Computed, description)
}

const fn activity_id() -> Column {
    required(computed(
        "activity_id",
        Int64,
        "Strava activity id (activities.id) whose file this is.",
    ))
}

pub(crate) static ACTIVITY_STREAMS: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "activity_streams",
    description: "One row per activity whose original file (FIT, GPX or TCX in the bulk export) was read, with metrics of its 1-second timeline; replaced on every sync. Positions are never stored.",
    columns: &[
        activity_id(),
        required(computed(
            "file_format",
            String,
            "Format of the activity file: fit, gpx or tcx.",
        )),
        required(computed("samples", Int64, "Records in the file (count).")),
        required(computed(
            "recorded_s",
            Int64,
            "Length of the 1-second timeline, from the first record to the last, pauses included, in seconds.",
        )),
        required(computed(
            "moving_s",
            Int64,
            "Seconds of the timeline outside pauses (gaps between records longer than 10 s).",
        )),
        required(computed(
            "has_power",
            Bool,
            "True when the file has power records.",
        )),
        required(computed(
            "has_heartrate",
            Bool,
            "True when the file has heart-rate records.",
        )),
        computed(
            "avg_power_w",
            Float64,
            "Average power over moving seconds in watts, zeros (coasting) included.",
        ),
        computed(
            "normalized_power_w",
            Float64,
            "Normalized power in watts: 30-s rolling mean, fourth-power mean over moving seconds, fourth root.",
        ),
        computed("max_power_w", Float64, "Highest 1-second power in watts."),
        computed(
            "work_kj",
            Float64,
            "Work in kilojoules (sum of watts x seconds).",
        ),
        computed(
            "avg_heartrate",
            Float64,
            "Average heart rate over moving seconds with heart rate, in beats per minute.",
        ),
        computed(
            "efficiency_factor",
            Float64,
            "Rides: normalized power / average heart rate (W per bpm); runs: speed in m/min / average heart rate; NULL otherwise.",
        ),
        computed(
            "aerobic_decoupling_pct",
            Float64,
            "(EF of the first half - EF of the second half) / EF of the first half x 100, halves by moving time, in percent; NULL under 20 moving minutes.",
        ),
    ],
    ignored_keys: &[],
};

pub(crate) static POWER_CURVE: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "power_curve",
    description: "Best mean power of each activity with power over windows of 1 s to 5 h (only durations the activity covers); replaced on every sync.",
    columns: &[
        activity_id(),
        required(computed(
            "duration_s",
            Int64,
            "Window length in seconds: 1, 5, 10, 15, 20, 30, 60, 120, 180, 300, 480, 600, 720, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400 or 18000.",
        )),
        required(computed(
            "watts",
            Float64,
            "Best mean power over any window of exactly duration_s seconds, in watts.",
        )),
    ],
    ignored_keys: &[],
};

pub(crate) static BEST_EFFORTS: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "best_efforts",
    description: "Shortest time of each activity with distance to cover 400 m, 1 km, 1 mile, 5 km, 10 km, half and full marathon (only distances it covers); replaced on every sync.",
    columns: &[
        activity_id(),
        required(computed(
            "distance_m",
            Float64,
            "Effort distance in metres: 400, 1000, 1609.344, 5000, 10000, 21097.5 or 42195.",
        )),
        required(computed(
            "elapsed_s",
            Float64,
            "Shortest elapsed time to cover distance_m, in seconds (interpolated inside the last second).",
        )),
    ],
    ignored_keys: &[],
};

pub(crate) static TIME_IN_ZONES: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "time_in_zones",
    description: "Moving seconds of each activity per zone: power zones 1-7 by % of the FTP in force on the activity's date (< 55, 55-75, 75-90, 90-105, 105-120, 120-150, >= 150), heart-rate zones 1-5 by % of threshold heart rate (< 81, 81-89, 90-93, 94-99, >= 100); every zone listed, zeros included; replaced on every sync.",
    columns: &[
        activity_id(),
        required(computed("kind", String, "power or heart_rate.")),
        required(computed("zone", Int64, "Zone number, 1 = easiest.")),
        required(computed(
            "seconds",
            Int64,
            "Moving seconds spent in the zone.",
        )),
    ],
    ignored_keys: &[],
};

pub static GEAR: Table = Table {
    partition_by_month: None,
    cluster_by: &[],
    name: "gear",
    description: "The athlete's bikes and shoes from the profile, and gear the bulk export names that the profile does not list; activities.gear_id links to gear_id. Replaced on every sync.",
    columns: &[
        required(computed(
            "gear_id",
            String,
            "Strava gear id (b... bikes, g... shoes); export:NAME for gear only the bulk export's Activity Gear column names.",
        )),
        computed(
            "kind",
            String,
            "bike or shoes; NULL for gear only the export names (it does not say which).",
        ),
        computed("name", String, "Name the athlete gave the gear."),
        computed(
            "is_primary",
            Bool,
            "True for the primary bike or pair of shoes (the profile's primary; PRIMARY is a reserved word in DuckDB).",
        ),
        computed(
            "distance_m",
            Float64,
            "Distance Strava credits to the gear as of this sync, in metres (its running total, activities not in this warehouse included); NULL for gear only the export names.",
        ),
        required(computed(
            "source",
            String,
            "profile (GET /athlete) or export (named only in the export's Activity Gear column).",
        )),
    ],
    ignored_keys: &[],
};

/// `col_of!(TABLE, "name")`: the index of a column, found when compiling.
/// `col_of!(SYNC_RUNS, "outcme")` does not compile.
macro_rules! col_of {
    ($table:path, $name:literal) => {{
        const INDEX: usize = $table.column_index($name);
        INDEX
    }};
}
pub(crate) use col_of;

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every table `sync` writes, in load order.
pub static TABLES: [&Table; 9] = [
    &ACTIVITIES,
    &ATHLETE,
    &ATHLETE_SETTINGS,
    &ACTIVITY_STREAMS,
    &POWER_CURVE,
    &BEST_EFFORTS,
    &TIME_IN_ZONES,
    &GEAR,
    &SYNC_RUNS,
];

impl Kind {
    pub(crate) fn arrow(self) -> DataType {
        match self {
            Int64 => DataType::Int64,
            Float64 => DataType::Float64,
            Bool => DataType::Boolean,
            String => DataType::Utf8,
            Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DateTime => DataType::Timestamp(TimeUnit::Microsecond, None),
            Date => DataType::Date32,
        }
    }

    pub fn bigquery(self) -> &'static str {
        match self {
            Int64 => "INTEGER",
            Float64 => "FLOAT",
            Bool => "BOOLEAN",
            String => "STRING",
            Timestamp => "TIMESTAMP",
            DateTime => "DATETIME",
            Date => "DATE",
        }
    }

    /// DuckDB keeps instants as plain TIMESTAMP holding UTC: TIMESTAMPTZ would
    /// make every date function depend on the session's TimeZone setting.
    pub(crate) fn duckdb(self) -> &'static str {
        match self {
            Int64 => "BIGINT",
            Float64 => "DOUBLE",
            Bool => "BOOLEAN",
            String => "VARCHAR",
            Timestamp | DateTime => "TIMESTAMP",
            Date => "DATE",
        }
    }
}

impl Table {
    pub fn arrow_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                Field::new(c.name, c.kind.arrow(), c.nullable)
                    .with_metadata([("description".to_string(), c.description.to_string())].into())
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// The column named `name`, or `None`: for tests, which read columns by
    /// name. The product's code uses [`col_of!`], which checks names when compiling.
    #[cfg(test)]
    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The name of column `index` (e.g. of `export::MAPPING`'s indices).
    pub fn column_name(&self, index: usize) -> &'static str {
        self.columns[index].name
    }

    /// The index of column `name`, or a panic. Called in a `const` (see
    /// [`col_of!`]), the panic is a compile error: a misspelt column never
    /// becomes a silent NULL.
    pub(crate) const fn column_index(&self, name: &str) -> usize {
        let mut i = 0;
        while i < self.columns.len() {
            if const_str_eq(self.columns[i].name, name) {
                return i;
            }
            i += 1;
        }
        panic!("no column of that name in this table (src/schema.rs)")
    }

    /// BigQuery's JSON table schema, descriptions included (Looker Studio shows them).
    pub fn bigquery_json(&self) -> serde_json::Value {
        let fields: Vec<_> = self
            .columns
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": c.kind.bigquery(),
                    "mode": if c.nullable { "NULLABLE" } else { "REQUIRED" },
                    "description": c.description,
                })
            })
            .collect();
        serde_json::Value::Array(fields)
    }

    /// `CREATE OR REPLACE TABLE` in DuckDB's dialect.
    pub fn duckdb_ddl(&self) -> std::string::String {
        let cols: Vec<_> = self
            .columns
            .iter()
            .map(|c| {
                let null = if c.nullable { "" } else { " NOT NULL" };
                format!("  \"{}\" {}{}", c.name, c.kind.duckdb(), null)
            })
            .collect();
        format!(
            "CREATE OR REPLACE TABLE \"{}\" (\n{}\n)",
            self.name,
            cols.join(",\n")
        )
    }

    /// DuckDB's `COMMENT ON` for the table and each column: the descriptions
    /// BigQuery's schema carries, so an analyst sees units in any DuckDB client
    /// (`duckdb_columns()`, DBeaver, `DESCRIBE` in recent versions).
    #[cfg(feature = "duckdb")]
    pub(crate) fn duckdb_comments(&self) -> std::string::String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut sql = format!(
            "COMMENT ON TABLE \"{}\" IS {};\n",
            self.name,
            quote(self.description)
        );
        for c in self.columns {
            sql.push_str(&format!(
                "COMMENT ON COLUMN \"{}\".\"{}\" IS {};\n",
                self.name,
                c.name,
                quote(c.description)
            ));
        }
        sql
    }

    /// The column table for docs/tables.md.
    pub fn markdown(&self) -> std::string::String {
        let mut out = format!(
            "### `{}`\n\n{}\n\n| column | BigQuery type | mode | description |\n|---|---|---|---|\n",
            self.name, self.description
        );
        for c in self.columns {
            let mode = if c.nullable { "NULLABLE" } else { "REQUIRED" };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.name,
                c.kind.bigquery(),
                mode,
                c.description
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_unique_within_each_table() {
        for table in TABLES {
            let mut names: Vec<_> = table.columns.iter().map(|c| c.name).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "duplicate column in {}", table.name);
        }
    }

    #[test]
    fn every_column_has_a_description() {
        for table in TABLES {
            for c in table.columns {
                assert!(
                    c.description.len() > 5,
                    "{}.{} lacks a description",
                    table.name,
                    c.name
                );
            }
        }
    }

    #[test]
    fn id_is_the_first_column_of_activities_and_athlete() {
        // transform reads a row's id at position 0 to deduplicate.
        assert_eq!(ACTIVITIES.columns[0].name, "id");
        assert_eq!(ATHLETE.columns[0].name, "id");
    }

    #[test]
    fn activity_id_is_a_required_int64() {
        let schema = ACTIVITIES.arrow_schema();
        let id = schema.field_with_name("id").expect("id column");
        assert_eq!(id.data_type(), &DataType::Int64);
        assert!(!id.is_nullable());
    }

    #[test]
    fn bigquery_schema_maps_local_start_to_datetime_and_start_to_timestamp() {
        let json = ACTIVITIES.bigquery_json();
        let find = |n: &str| {
            json.as_array()
                .and_then(|a| a.iter().find(|f| f["name"] == n))
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(find("start_date")["type"], "TIMESTAMP");
        assert_eq!(find("start_date_local")["type"], "DATETIME");
        assert_eq!(find("id")["mode"], "REQUIRED");
    }
}
