//! Writes one table's rows to one ZSTD-compressed Parquet file, batch by batch.
//!
//! Responsible for: the Parquet writer settings and flushing row batches so
//! memory stays flat however long the history is. Not responsible for: deciding
//! what goes in a row (see `decode`) or where the file is loaded (see `warehouse`).

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

use super::batch::BatchBuilder;
use super::decode::Row;
use crate::schema::Table;

/// Rows held in Arrow builders before they are handed to the Parquet writer.
const BATCH_ROWS: usize = 8_192;
/// Rows per Parquet row group. Large enough for efficient BigQuery loads, small
/// enough that the writer's buffered row group stays a few tens of MB.
const ROW_GROUP_ROWS: usize = 65_536;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create Parquet file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write Parquet file {path}: {source}")]
    Write { path: PathBuf, source: ParquetError },
    #[error("cannot build an Arrow batch for {table}: {source}")]
    Arrow {
        table: &'static str,
        source: arrow_schema::ArrowError,
    },
}

pub struct ParquetTableWriter {
    table: &'static Table,
    path: PathBuf,
    writer: ArrowWriter<File>,
    batch: BatchBuilder,
    rows: u64,
}

impl ParquetTableWriter {
    pub fn create(table: &'static Table, path: &Path) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|source| WriteError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(concat!("strava-warehouse ", env!("CARGO_PKG_VERSION")).to_string())
            .build();
        let writer =
            ArrowWriter::try_new(file, table.arrow_schema(), Some(props)).map_err(|source| {
                WriteError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        Ok(ParquetTableWriter {
            table,
            path: path.to_path_buf(),
            writer,
            batch: BatchBuilder::new(table),
            rows: 0,
        })
    }

    pub fn push(&mut self, row: Row) -> Result<(), WriteError> {
        self.batch.push(row);
        self.rows += 1;
        if self.batch.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), WriteError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = self.batch.finish().map_err(|source| WriteError::Arrow {
            table: self.table.name,
            source,
        })?;
        self.writer
            .write(&batch)
            .map_err(|source| WriteError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes and closes the file; returns the number of rows written.
    pub fn close(mut self) -> Result<u64, WriteError> {
        self.flush()?;
        self.writer.close().map_err(|source| WriteError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.rows)
    }
}
