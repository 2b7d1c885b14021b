//! Writes one table's rows to one ZSTD-compressed Parquet file, batch by batch.
//!
//! Responsible for: the Parquet writer settings and flushing row batches so
//! memory stays flat however long the history is. Not responsible for: deciding
//! what goes in a row (see `decode`) or where the file is loaded (see `warehouse`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow_array::RecordBatch;

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::batch::BatchBuilder;
use crate::row::Row;
use crate::schema::Table;

/// `created_by` of every file written here starts with this.
pub(crate) const CREATED_BY_PREFIX: &str = "strava-warehouse ";
/// Key-value metadata every file written here carries (value: the table),
/// so `--parquet-out` can tell the product's own files from anything else.
pub(crate) const MARKER_KEY: &str = "strava_warehouse.table";

/// Rows per Arrow batch handed to the writer thread.
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

/// Writes Parquet on its own thread: while it encodes and compresses one
/// Arrow batch, the caller decodes the next (see benches/README.md). Batches,
/// not rows, cross the channel: they are compact, so memory stays low.
pub(crate) struct ParquetTableWriter {
    table: &'static Table,
    path: PathBuf,
    batch: BatchBuilder,
    rows: u64,
    batches: Option<SyncSender<RecordBatch>>,
    worker: Option<JoinHandle<Result<(), WriteError>>>,
}

/// Batches in flight between the decoder and the writer thread.
const QUEUED_BATCHES: usize = 2;

impl ParquetTableWriter {
    pub(crate) fn create(table: &'static Table, path: &Path) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|source| WriteError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("{CREATED_BY_PREFIX}{}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                MARKER_KEY.to_string(),
                table.name.to_string(),
            )]))
            .build();
        let mut writer =
            ArrowWriter::try_new(file, table.arrow_schema(), Some(props)).map_err(|source| {
                WriteError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        let (batches, queue) = sync_channel::<RecordBatch>(QUEUED_BATCHES);
        let worker_path = path.to_path_buf();
        let worker = std::thread::Builder::new()
            .name(format!("parquet-{}", table.name))
            .spawn(move || {
                let failed = |source| WriteError::Write {
                    path: worker_path.clone(),
                    source,
                };
                for batch in queue {
                    writer.write(&batch).map_err(failed)?;
                }
                writer.close().map(|_| ()).map_err(failed)
            })
            .map_err(|source| WriteError::Create {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(ParquetTableWriter {
            table,
            path: path.to_path_buf(),
            batch: BatchBuilder::new(table, BATCH_ROWS),
            rows: 0,
            batches: Some(batches),
            worker: Some(worker),
        })
    }

    pub(crate) fn push<S: AsRef<str>>(&mut self, row: Row<S>) -> Result<(), WriteError> {
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
        let sent = self.batches.as_ref().map(|b| b.send(batch).is_ok());
        if sent != Some(true) {
            // The writer thread stopped: its error says why.
            return self.join();
        }
        Ok(())
    }

    fn join(&mut self) -> Result<(), WriteError> {
        self.batches = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(WriteError::Write {
                path: self.path.clone(),
                source: ParquetError::General("the Parquet writer thread panicked".into()),
            }),
            None => Err(WriteError::Write {
                path: self.path.clone(),
                source: ParquetError::General("the Parquet writer already stopped".into()),
            }),
        }
    }

    /// Flushes and closes the file; returns the number of rows written.
    pub(crate) fn close(mut self) -> Result<u64, WriteError> {
        self.flush()?;
        self.join()?;
        Ok(self.rows)
    }
}
