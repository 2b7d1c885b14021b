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

use super::decode::{Cell, Row};
use crate::schema::{Kind, Table};

enum ColumnBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Str(StringBuilder),
    Micros(TimestampMicrosecondBuilder, Option<Arc<str>>),
    Days(Date32Builder),
}

pub struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<ColumnBuilder>,
    rows: usize,
}

impl BatchBuilder {
    pub fn new(table: &Table) -> Self {
        let columns = table
            .columns
            .iter()
            .map(|c| match c.kind {
                Kind::Int64 => ColumnBuilder::Int(Int64Builder::new()),
                Kind::Float64 => ColumnBuilder::Float(Float64Builder::new()),
                Kind::Bool => ColumnBuilder::Bool(BooleanBuilder::new()),
                Kind::String => ColumnBuilder::Str(StringBuilder::new()),
                Kind::Timestamp => {
                    ColumnBuilder::Micros(TimestampMicrosecondBuilder::new(), Some("UTC".into()))
                }
                Kind::DateTime => ColumnBuilder::Micros(TimestampMicrosecondBuilder::new(), None),
                Kind::Date => ColumnBuilder::Days(Date32Builder::new()),
            })
            .collect();
        BatchBuilder {
            schema: table.arrow_schema(),
            columns,
            rows: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row. The decoder guarantees each cell matches its column's
    /// kind; a mismatch is a bug and panics in debug builds, NULL in release.
    /// Strings are copied into the builder, so a row may borrow them (`S` is
    /// `String` or a page's `Cow<str>`).
    pub fn push<S: AsRef<str>>(&mut self, row: Row<S>) {
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
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    ColumnBuilder::Int(b) => Arc::new(b.finish()),
                    ColumnBuilder::Float(b) => Arc::new(b.finish()),
                    ColumnBuilder::Bool(b) => Arc::new(b.finish()),
                    ColumnBuilder::Str(b) => Arc::new(b.finish()),
                    ColumnBuilder::Days(b) => Arc::new(b.finish()),
                    ColumnBuilder::Micros(b, tz) => {
                        Arc::new(b.finish().with_timezone_opt(tz.clone()))
                    }
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}
