//! Turns decoded rows into Arrow `RecordBatch`es with the table's fixed schema.
//!
//! Responsible for: one Arrow builder per column, typed by `schema::Kind`.
//! Not responsible for: JSON (see `decode`) or files (see `parquet`).

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, SchemaRef};

use crate::row::{Cell, Row};
use crate::schema::{Kind, Table};

enum ColumnBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Str(StringBuilder),
    Micros(TimestampMicrosecondBuilder, Option<Arc<str>>),
    Days(Date32Builder),
}

impl ColumnBuilder {
    /// The finished column, leaving an empty builder with room for `rows`
    /// values: Arrow's `finish` leaves a builder with no room at all, and
    /// regrowing every column by doubling each batch is reallocs and copies
    /// for nothing. A string column gets room for as many bytes as it held
    /// this time, plus an eighth.
    fn take(&mut self, rows: usize) -> ArrayRef {
        match self {
            ColumnBuilder::Int(b) => {
                Arc::new(std::mem::replace(b, Int64Builder::with_capacity(rows)).finish())
            }
            ColumnBuilder::Float(b) => {
                Arc::new(std::mem::replace(b, Float64Builder::with_capacity(rows)).finish())
            }
            ColumnBuilder::Bool(b) => {
                Arc::new(std::mem::replace(b, BooleanBuilder::with_capacity(rows)).finish())
            }
            ColumnBuilder::Str(b) => {
                let bytes = b.values_slice().len();
                let fresh = StringBuilder::with_capacity(rows, bytes + bytes / 8);
                Arc::new(std::mem::replace(b, fresh).finish())
            }
            ColumnBuilder::Days(b) => {
                Arc::new(std::mem::replace(b, Date32Builder::with_capacity(rows)).finish())
            }
            ColumnBuilder::Micros(b, tz) => {
                let fresh = TimestampMicrosecondBuilder::with_capacity(rows);
                Arc::new(
                    std::mem::replace(b, fresh)
                        .finish()
                        .with_timezone_opt(tz.clone()),
                )
            }
        }
    }
}

pub(crate) struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<ColumnBuilder>,
    rows: usize,
    /// Rows a batch is expected to hold: the builders are sized for it.
    capacity: usize,
}

impl BatchBuilder {
    /// A builder for batches of about `capacity` rows.
    pub(crate) fn new(table: &Table, capacity: usize) -> Self {
        let columns = table
            .columns
            .iter()
            .map(|c| match c.kind {
                Kind::Int64 => ColumnBuilder::Int(Int64Builder::with_capacity(capacity)),
                Kind::Float64 => ColumnBuilder::Float(Float64Builder::with_capacity(capacity)),
                Kind::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(capacity)),
                // Strings: Arrow's default room for the first batch; later
                // batches are sized from the one before (see `take`).
                Kind::String => ColumnBuilder::Str(StringBuilder::new()),
                Kind::Timestamp => ColumnBuilder::Micros(
                    TimestampMicrosecondBuilder::with_capacity(capacity),
                    Some("UTC".into()),
                ),
                Kind::DateTime => ColumnBuilder::Micros(
                    TimestampMicrosecondBuilder::with_capacity(capacity),
                    None,
                ),
                Kind::Date => ColumnBuilder::Days(Date32Builder::with_capacity(capacity)),
            })
            .collect();
        BatchBuilder {
            schema: table.arrow_schema(),
            columns,
            rows: 0,
            capacity,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row. The decoder guarantees each cell matches its column's
    /// kind; a mismatch is a bug and panics in debug builds, NULL in release.
    /// Strings are copied into the builder, so a row may borrow them (`S` is
    /// `String` or a page's `Cow<str>`).
    pub(crate) fn push<S: AsRef<str>>(&mut self, row: Row<S>) {
        debug_assert_eq!(row.len(), self.columns.len());
        for (builder, cell) in self.columns.iter_mut().zip(row) {
            match (builder, cell) {
                (ColumnBuilder::Int(b), Cell::Int(v)) => b.append_value(v),
                (ColumnBuilder::Float(b), Cell::Float(v)) => b.append_value(v),
                (ColumnBuilder::Bool(b), Cell::Bool(v)) => b.append_value(v),
                (ColumnBuilder::Str(b), Cell::Str(v)) => b.append_value(v.as_ref()),
                (ColumnBuilder::Micros(b, _), Cell::Micros(v)) => b.append_value(v),
                (ColumnBuilder::Days(b), Cell::Days(v)) => b.append_value(v),
                (b, cell) => {
                    debug_assert!(matches!(cell, Cell::Null), "cell does not match its column");
                    match b {
                        ColumnBuilder::Int(b) => b.append_null(),
                        ColumnBuilder::Float(b) => b.append_null(),
                        ColumnBuilder::Bool(b) => b.append_null(),
                        ColumnBuilder::Str(b) => b.append_null(),
                        ColumnBuilder::Micros(b, _) => b.append_null(),
                        ColumnBuilder::Days(b) => b.append_null(),
                    }
                }
            }
        }
        self.rows += 1;
    }

    /// Takes the rows pushed so far as one batch and starts afresh.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let capacity = self.capacity;
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(|b| b.take(capacity)).collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}
