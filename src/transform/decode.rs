//! Decodes Strava JSON (one activities page, or the athlete object) into rows
//! of typed cells laid out by a `schema::Table`.
//!
//! Responsible for: reading each value with the type its column declares,
//! flattening nested objects and `[lat, lng]` pairs, turning absent keys into
//! NULL, counting keys Strava added that the schema does not know, and failing
//! with the field (and, through `transform`, the activity id) named when a value
//! has the wrong type. Not responsible for: Arrow or Parquet (see `batch`),
//! deduplication or paging (see `transform`).
//!
//! It walks the JSON with serde once, straight into cells, without building a
//! `serde_json::Value` tree, and a page's strings stay borrowed from the page
//! until the Arrow builders copy them: the transform is the hot loop of a
//! large sync.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, NaiveDateTime};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::row::{Cell, Row, days_since_epoch};
use crate::schema::{Coord, Kind, Source, Table};

/// A row of a decoded page: each string is borrowed from the page unless it
/// had escapes, and goes from the page straight into the Arrow builders (an
/// owned copy per value was measurable: benches/README.md, session 3).
pub type PageRow<'de> = Row<Cow<'de, str>>;

impl<'de> Cell<Cow<'de, str>> {
    fn into_owned(self) -> Cell {
        match self {
            Cell::Null => Cell::Null,
            Cell::Int(v) => Cell::Int(v),
            Cell::Float(v) => Cell::Float(v),
            Cell::Bool(v) => Cell::Bool(v),
            Cell::Str(v) => Cell::Str(v.into_owned()),
            Cell::Micros(v) => Cell::Micros(v),
            Cell::Days(v) => Cell::Days(v),
        }
    }
}

#[derive(Debug)]
enum Handler {
    Scalar(usize),
    /// A nested object: its mapped members, and the members the schema
    /// deliberately ignores (`obj.member` in `ignored_keys`).
    Object {
        members: Vec<(&'static str, usize)>,
        ignored: Vec<&'static str>,
    },
    /// In `ignored_keys`: skipped, not counted as unknown.
    Ignored,
    LatLng {
        lat: Option<usize>,
        lng: Option<usize>,
    },
}

/// FNV-1a for the key lookup, the hottest map in the transform (~50 keys per
/// activity), where SipHash was measurably slow (benches/README.md, session
/// 2). Ten lines, so written here rather than taken from a crate. HashDoS does
/// not apply: the map is built once from the schema's own names and never
/// grows, so outside keys are only looked up.
#[derive(Default, Clone, Copy)]
struct Fnv1a(u64);

impl std::hash::Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type KeyMap<V> = HashMap<&'static str, V, std::hash::BuildHasherDefault<Fnv1a>>;

/// Decodes JSON objects into rows of one table.
pub struct Decoder {
    table: &'static Table,
    /// What to do with each key the schema knows; `index` finds them by name.
    handlers: Vec<Handler>,
    index: KeyMap<usize>,
    /// For each handler, the known key that followed its key last time, and
    /// that key's handler (the last entry: the first key of an object).
    /// Strava sends the keys of every activity in the same order, with some
    /// left out, so a key is first compared with the one that followed the
    /// previous key last time. A hit costs one string compare instead of
    /// hashing the key, probing the map and comparing.
    next: Vec<Option<(&'static str, usize)>>,
    loaded_at: i64,
    /// Keys seen that the schema neither maps nor deliberately ignores.
    unknown: BTreeMap<String, u64>,
}

impl Decoder {
    /// `loaded_at_micros` fills the table's `LoadedAt` column.
    pub fn new(table: &'static Table, loaded_at_micros: i64) -> Self {
        let mut handlers: KeyMap<Handler> = KeyMap::default();
        for (i, c) in table.columns.iter().enumerate() {
            match c.source {
                Source::Key(k) => {
                    handlers.insert(k, Handler::Scalar(i));
                }
                Source::Nested(obj, member) => {
                    let h = handlers.entry(obj).or_insert_with(|| Handler::Object {
                        members: Vec::new(),
                        ignored: Vec::new(),
                    });
                    if let Handler::Object { members, .. } = h {
                        members.push((member, i));
                    }
                }
                Source::LatLng(k, coord) => {
                    let h = handlers.entry(k).or_insert(Handler::LatLng {
                        lat: None,
                        lng: None,
                    });
                    if let Handler::LatLng { lat, lng } = h {
                        match coord {
                            Coord::Lat => *lat = Some(i),
                            Coord::Lng => *lng = Some(i),
                        }
                    }
                }
                Source::LoadedAt | Source::Computed => {}
            }
        }
        // Ignored keys are looked up with the others, so a key Strava always
        // sends and the schema ignores costs one hash lookup rather than a
        // scan of the list; an ignored `obj.member` is found without building
        // the dotted name (a `format!` per activity). A key the schema maps
        // wins over the ignore list.
        for &k in table.ignored_keys {
            handlers.entry(k).or_insert(Handler::Ignored);
            if let Some((obj, member)) = k.split_once('.')
                && let Some(Handler::Object { ignored, .. }) = handlers.get_mut(obj)
            {
                ignored.push(member);
            }
        }
        let mut index = KeyMap::default();
        let handlers: Vec<Handler> = handlers
            .into_iter()
            .enumerate()
            .map(|(i, (k, h))| {
                index.insert(k, i);
                h
            })
            .collect();
        let handlers_len = handlers.len();
        Decoder {
            table,
            handlers,
            index,
            next: vec![None; handlers_len + 1],
            loaded_at: loaded_at_micros,
            unknown: BTreeMap::new(),
        }
    }

    /// Keys Strava sent that the schema does not know, with how often each was seen.
    pub(crate) fn unknown_keys(&self) -> &BTreeMap<String, u64> {
        &self.unknown
    }

    /// Decodes one JSON object.
    pub(crate) fn object(&mut self, json: &[u8]) -> Result<Row, serde_json::Error> {
        let row = match std::str::from_utf8(json) {
            Ok(text) => self.object_from(serde_json::Deserializer::from_str(text)),
            Err(_) => self.object_from(serde_json::Deserializer::from_slice(json)),
        }?;
        Ok(row.into_iter().map(Cell::into_owned).collect())
    }

    /// Decodes a JSON array of objects. On failure the error says which element.
    ///
    /// The page is checked for UTF-8 once, whole (std's check runs a word at a
    /// time over ASCII), so that serde_json can read it as `&str` and skip its
    /// own check of every key and string value. A page that is not UTF-8 is
    /// read from the bytes, so it fails (or, when the bad bytes sit only in a
    /// value the schema ignores, passes) with the error and position
    /// serde_json gives.
    pub fn array<'de>(&mut self, json: &'de [u8]) -> Result<Vec<PageRow<'de>>, ArrayError> {
        match std::str::from_utf8(json) {
            Ok(text) => self.array_from(serde_json::Deserializer::from_str(text)),
            Err(_) => self.array_from(serde_json::Deserializer::from_slice(json)),
        }
    }

    fn object_from<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        mut de: serde_json::Deserializer<R>,
    ) -> Result<PageRow<'de>, serde_json::Error> {
        let row = RowSeed(self).deserialize(&mut de)?;
        de.end()?;
        Ok(row)
    }

    fn array_from<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        mut de: serde_json::Deserializer<R>,
    ) -> Result<Vec<PageRow<'de>>, ArrayError> {
        let mut failed_at = None;
        let rows = PageSeed {
            decoder: self,
            failed_at: &mut failed_at,
        }
        .deserialize(&mut de)
        .and_then(|rows| de.end().map(|()| rows));
        rows.map_err(|error| ArrayError {
            index: failed_at,
            error,
        })
    }

    /// The handler of `key`, if the schema knows it; `prev` is the handler
    /// of the key before it in this object (`None` at the start of an object
    /// or after an unknown key). See `next`.
    fn handler_of(&mut self, prev: Option<usize>, key: &str) -> Option<usize> {
        let slot = prev.unwrap_or(self.handlers.len());
        if let Some((k, h)) = self.next[slot]
            && k == key
        {
            return Some(h);
        }
        let found = self.index.get_key_value(key).map(|(k, h)| (*k, *h));
        if found.is_some() {
            self.next[slot] = found;
        }
        found.map(|(_, h)| h)
    }

    /// Counts a key that is neither mapped nor ignored (see `Handler::Ignored`).
    fn count_unknown(&mut self, key: &str) {
        match self.unknown.get_mut(key) {
            Some(n) => *n += 1,
            None => {
                self.unknown.insert(key.to_string(), 1);
            }
        }
    }

    fn empty_row<'de>(&self) -> PageRow<'de> {
        self.table
            .columns
            .iter()
            .map(|c| match c.source {
                Source::LoadedAt => Cell::Micros(self.loaded_at),
                _ => Cell::Null,
            })
            .collect()
    }
}

/// A page that failed to decode; `index` is the element that failed, if the
/// failure was inside one.
#[derive(Debug)]
pub struct ArrayError {
    pub(crate) index: Option<usize>,
    pub error: serde_json::Error,
}

struct PageSeed<'a> {
    decoder: &'a mut Decoder,
    failed_at: &'a mut Option<usize>,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = Vec<PageRow<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = Vec<PageRow<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(200));
        loop {
            *self.failed_at = Some(rows.len());
            match seq.next_element_seed(RowSeed(self.decoder))? {
                Some(row) => rows.push(row),
                None => break,
            }
        }
        *self.failed_at = None;
        Ok(rows)
    }
}

struct RowSeed<'a>(&'a mut Decoder);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = PageRow<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = PageRow<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dec = self.0;
        let mut row = dec.empty_row();
        let columns = dec.table.columns;
        let mut prev = None;
        while let Some(KeyStr(key)) = map.next_key::<KeyStr>()? {
            let handler = dec.handler_of(prev, &key);
            prev = handler;
            match handler.map(|h| &dec.handlers[h]) {
                Some(Handler::Scalar(i)) => {
                    let i = *i;
                    row[i] = map
                        .next_value_seed(CellSeed(columns[i].kind))
                        .map_err(|e| field_error::<A::Error>(&key, e))?;
                }
                Some(Handler::Object { members, ignored }) => {
                    let mut unknown = Vec::new();
                    map.next_value_seed(ObjectSeed {
                        members,
                        ignored,
                        columns,
                        row: &mut row,
                        unknown: &mut unknown,
                    })
                    .map_err(|e| field_error::<A::Error>(&key, e))?;
                    for member in unknown {
                        dec.count_unknown(&format!("{key}.{member}"));
                    }
                }
                Some(Handler::LatLng { lat, lng }) => {
                    let (lat, lng) = (*lat, *lng);
                    let pair = map
                        .next_value::<LatLng>()
                        .map_err(|e| field_error::<A::Error>(&key, e))?;
                    if let Some((a, b)) = pair.0 {
                        if let Some(i) = lat {
                            row[i] = Cell::Float(a);
                        }
                        if let Some(i) = lng {
                            row[i] = Cell::Float(b);
                        }
                    }
                }
                Some(Handler::Ignored) => {
                    map.next_value::<IgnoredAny>()?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    dec.count_unknown(&key);
                }
            }
        }
        for (i, c) in columns.iter().enumerate() {
            if !c.nullable && row[i] == Cell::Null {
                return Err(de::Error::custom(format_args!(
                    "field `{}` is missing or null",
                    c.name
                )));
            }
        }
        Ok(row)
    }
}

fn field_error<E: de::Error>(key: &str, e: impl fmt::Display) -> E {
    E::custom(format_args!("field `{key}`: {e}"))
}

/// An object key, borrowed from the input when it has no escapes.
struct KeyStr<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyStr<'de>, E> {
                Ok(KeyStr(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

struct ObjectSeed<'a, 'de> {
    members: &'a [(&'static str, usize)],
    ignored: &'a [&'static str],
    columns: &'static [crate::schema::Column],
    row: &'a mut PageRow<'de>,
    /// Members neither mapped nor ignored, to be counted as `obj.member`.
    unknown: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(KeyStr(key)) = map.next_key::<KeyStr>()? {
            match self.members.iter().find(|(m, _)| *m == key) {
                Some((member, i)) => {
                    self.row[*i] = map
                        .next_value_seed(CellSeed(self.columns[*i].kind))
                        .map_err(|e| field_error::<A::Error>(member, e))?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    if !self.ignored.contains(&key.as_ref()) {
                        self.unknown.push(key.into_owned());
                    }
                }
            }
        }
        Ok(())
    }
}

/// `[lat, lng]`; `[]` and `null` both mean "no position".
struct LatLng(Option<(f64, f64)>);

impl<'de> de::Deserialize<'de> for LatLng {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LatLng;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("[lat, lng], [] or null")
            }
            fn visit_unit<E>(self) -> Result<LatLng, E> {
                Ok(LatLng(None))
            }
            fn visit_none<E>(self) -> Result<LatLng, E> {
                Ok(LatLng(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LatLng, A::Error> {
                let Some(lat) = seq.next_element::<f64>()? else {
                    return Ok(LatLng(None));
                };
                let Some(lng) = seq.next_element::<f64>()? else {
                    return Err(de::Error::custom("expected [lat, lng], found one number"));
                };
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(
                        "expected [lat, lng], found more than two numbers",
                    ));
                }
                Ok(LatLng(Some((lat, lng))))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads one value as the given kind.
struct CellSeed(Kind);

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Cell<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Int64 => "an integer",
            Kind::Float64 => "a number",
            Kind::Bool => "true or false",
            Kind::String => "a string",
            Kind::Timestamp => "an ISO 8601 time with a zone, like 2024-05-01T06:12:03Z",
            Kind::DateTime => "an ISO 8601 time, like 2024-05-01T08:12:03Z",
            Kind::Date => "a date, like 2024-05-01",
        })
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Cell::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Cell::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        match self.0 {
            Kind::Bool => Ok(Cell::Bool(v)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Bool(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match self.0 {
            Kind::Int64 => Ok(Cell::Int(v)),
            Kind::Float64 => Ok(Cell::Float(v as f64)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match self.0 {
            Kind::Int64 => i64::try_from(v).map(Cell::Int).map_err(|_| {
                E::custom(format_args!(
                    "integer {v} is larger than a 64-bit signed integer"
                ))
            }),
            Kind::Float64 => Ok(Cell::Float(v as f64)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        match self.0 {
            Kind::Float64 => Ok(Cell::Float(v)),
            // Strava sends some counts as `39.0`; a whole number is still an integer.
            // The bounds are exactly representable powers of two (-2^63, 2^63).
            Kind::Int64
                if v.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) =>
            {
                Ok(Cell::Int(v as i64))
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Float(v), &self)),
        }
    }

    /// A string without escapes, borrowed from the page: no allocation.
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        match self.0 {
            Kind::String => Ok(Cell::Str(Cow::Borrowed(v))),
            _ => self.visit_str(v),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match self.0 {
            Kind::String => Ok(Cell::Str(Cow::Owned(v.to_string()))),
            Kind::Timestamp => parse_instant(v)
                .map(Cell::Micros)
                .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(v), &self)),
            Kind::DateTime => parse_wall_clock(v)
                .map(Cell::Micros)
                .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(v), &self)),
            Kind::Date => parse_date(v)
                .map(Cell::Days)
                .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(v), &self)),
            _ => Err(de::Error::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        match self.0 {
            Kind::String => Ok(Cell::Str(Cow::Owned(v))),
            _ => self.visit_str(&v),
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub(crate) fn parse_date(s: &str) -> Option<i32> {
    // FromStr reads `%Y-%m-%d` from a fixed item list; parse_from_str would
    // re-read the format string on every call.
    let d = s.parse::<chrono::NaiveDate>().ok()?;
    Some(days_since_epoch(d))
}

fn parse_instant(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Strava writes local wall-clock times with a misleading `Z`; the digits are
/// local time, so the suffix is dropped rather than applied.
fn parse_wall_clock(s: &str) -> Option<i64> {
    let digits = s.strip_suffix('Z').unwrap_or(s);
    plain_wall_clock(digits)
        .or_else(|| digits.parse::<NaiveDateTime>().ok())
        .map(|t| t.and_utc().timestamp_micros())
}

/// Exactly `YYYY-MM-DDTHH:MM:SS`, the only form Strava sends, read without
/// chrono's general parser, which is costly per value. Anything else, or a
/// value chrono's constructors refuse (a leap second, 30 February), is `None`
/// and goes to `FromStr`, so what is accepted and what it means are chrono's.
fn plain_wall_clock(s: &str) -> Option<NaiveDateTime> {
    let b: &[u8; 19] = s.as_bytes().try_into().ok()?;
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ACTIVITIES;

    fn cell(row: &Row, name: &str) -> Cell {
        row[ACTIVITIES.index_of(name).expect("column")].clone()
    }

    fn decode(json: &str) -> Result<Row, String> {
        Decoder::new(&ACTIVITIES, 7)
            .object(json.as_bytes())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_id_above_2_pow_53_is_kept_exactly() {
        let row = decode(r#"{"id": 9007199254740993}"#).unwrap();
        assert_eq!(cell(&row, "id"), Cell::Int(9_007_199_254_740_993));
    }

    #[test]
    fn absent_fields_are_null_and_loaded_at_is_filled() {
        let row = decode(r#"{"id": 1}"#).unwrap();
        assert_eq!(cell(&row, "average_watts"), Cell::Null);
        assert_eq!(cell(&row, "loaded_at"), Cell::Micros(7));
    }

    #[test]
    fn empty_and_null_coordinates_are_null_and_pairs_are_split() {
        let row = decode(r#"{"id": 1, "start_latlng": [], "end_latlng": null}"#).unwrap();
        assert_eq!(cell(&row, "start_lat"), Cell::Null);
        assert_eq!(cell(&row, "end_lng"), Cell::Null);
        let row = decode(r#"{"id": 1, "start_latlng": [52.5, 13.25]}"#).unwrap();
        assert_eq!(cell(&row, "start_lat"), Cell::Float(52.5));
        assert_eq!(cell(&row, "start_lng"), Cell::Float(13.25));
    }

    #[test]
    fn nested_map_and_athlete_are_flattened() {
        let row = decode(r#"{"id": 1, "athlete": {"id": 5, "resource_state": 1}, "map": {"id": "a1", "summary_polyline": "xyz"}}"#).unwrap();
        assert_eq!(cell(&row, "athlete_id"), Cell::Int(5));
        assert_eq!(cell(&row, "map_id"), Cell::Str("a1".into()));
        assert_eq!(cell(&row, "map_summary_polyline"), Cell::Str("xyz".into()));
    }

    #[test]
    fn local_start_keeps_the_wall_clock_digits_despite_the_z() {
        let row = decode(r#"{"id": 1, "start_date": "2024-05-01T06:12:03Z", "start_date_local": "2024-05-01T08:12:03Z"}"#).unwrap();
        assert_eq!(
            cell(&row, "start_date"),
            Cell::Micros(1_714_543_923_000_000)
        );
        assert_eq!(
            cell(&row, "start_date_local"),
            Cell::Micros(1_714_543_923_000_000 + 7_200_000_000)
        );
    }

    #[test]
    fn the_plain_wall_clock_reader_agrees_with_chrono() {
        let mut cases = vec![
            "2024-02-29T23:59:59".to_string(),
            "2023-02-29T10:00:00".into(),
            "2024-12-31T23:59:60".into(),
            "2024-13-01T00:00:00".into(),
            "2024-00-10T00:00:00".into(),
            "2024-01-01T24:00:00".into(),
            "0000-01-01T00:00:00".into(),
            "9999-12-31T23:59:59".into(),
            "2024-01-01t00:00:00".into(),
            "2024-01-01 00:00:00".into(),
            "2024-01-01T00:00:00.5".into(),
            "+2024-01-01T00:00:0".into(),
            "2024-1-01T00:00:000".into(),
        ];
        for i in 0..5_000u32 {
            let (y, mo, d) = (1900 + i % 250, 1 + i % 13, 1 + i * 7 % 32);
            let (h, mi, s) = (i * 5 % 25, i * 11 % 61, i * 13 % 62);
            cases.push(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"));
        }
        assert!(plain_wall_clock("2024-02-29T23:59:59").is_some());
        for c in cases {
            let chrono = c.parse::<NaiveDateTime>().ok();
            if let Some(t) = plain_wall_clock(&c) {
                assert_eq!(Some(t), chrono, "{c}");
            }
            assert_eq!(
                parse_wall_clock(&c),
                chrono.map(|t| t.and_utc().timestamp_micros()),
                "{c}"
            );
        }
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let err = decode(r#"{"id": 1, "distance": "abc"}"#).unwrap_err();
        assert!(err.contains("field `distance`"), "{err}");
    }

    #[test]
    fn a_fractional_count_is_rejected_but_a_whole_float_is_accepted() {
        assert!(decode(r#"{"id": 1, "moving_time": 5.7}"#).is_err());
        let row = decode(r#"{"id": 1, "moving_time": 39.0}"#).unwrap();
        assert_eq!(cell(&row, "moving_time"), Cell::Int(39));
    }

    #[test]
    fn a_missing_id_is_an_error() {
        let err = decode(r#"{"name": "x"}"#).unwrap_err();
        assert!(err.contains("`id`"), "{err}");
    }

    #[test]
    fn unknown_keys_are_counted_not_fatal() {
        let mut d = Decoder::new(&ACTIVITIES, 0);
        d.object(
            br#"{"id": 1, "brand_new": {"x": 1}, "resource_state": 2, "map": {"new_member": 1}}"#,
        )
        .unwrap();
        assert_eq!(d.unknown_keys().get("brand_new"), Some(&1));
        assert_eq!(d.unknown_keys().get("map.new_member"), Some(&1));
        assert!(!d.unknown_keys().contains_key("resource_state"));
    }

    #[test]
    fn a_failing_element_of_an_array_is_located() {
        let mut d = Decoder::new(&ACTIVITIES, 0);
        let err = d
            .array(br#"[{"id": 1}, {"id": 2, "kudos_count": "many"}]"#)
            .unwrap_err();
        assert_eq!(err.index, Some(1));
    }
}
