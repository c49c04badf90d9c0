//! The write-ahead log: every write is appended before it is applied, and replayed at start-up.
//! Appends are flushed to the OS at once and made durable by a group `fsync` on an interval.
//! Once the log has grown well past its live data it is compacted: rewritten as one `SET` per
//! live key, so a server that runs for weeks neither fills its disk nor replays for minutes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;
use vitalsign::instrumented;

use crate::error::KvError;
use crate::telemetry::WAL;

/// One logged write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A key was set.
    Set(String, String),
    /// A key was deleted.
    Del(String),
}

/// An open log file.
#[derive(Debug)]
pub struct Wal {
    path: PathBuf,
    /// The data directory's lock, held while the log is open (a second server on the same
    /// directory would interleave its writes with ours) and let go by [`Wal::release`].
    lock: std::sync::Mutex<Option<std::fs::File>>,
    file: Mutex<tokio::fs::File>,
    /// Bytes in the log.
    len: AtomicU64,
    /// Bytes in the log right after it was last compacted (or opened).
    compacted_len: AtomicU64,
}

/// Takes the data directory's lock (an exclusive lock on `LOCK`, released when the process
/// exits, however it exits), or says which directory is in use.
fn lock(dir: &Path) -> Result<std::fs::File, KvError> {
    let path = dir.join("LOCK");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(KvError::Locked(dir.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

impl Wal {
    /// Opens (creating if needed) the log in `dir`, returning it and the state it replays to.
    pub async fn open(dir: &Path) -> Result<(Self, HashMap<String, String>), KvError> {
        tokio::fs::create_dir_all(dir).await?;
        let lock = lock(dir)?;
        let path = dir.join("wal.log");
        let state = replay(&path).await?;
        let file = open_append(&path).await?;
        let len = file.metadata().await?.len();
        WAL.size_bytes.set(i64::try_from(len).unwrap_or(i64::MAX));
        Ok((
            Self {
                path,
                lock: std::sync::Mutex::new(Some(lock)),
                file: Mutex::new(file),
                len: AtomicU64::new(len),
                compacted_len: AtomicU64::new(len),
            },
            state,
        ))
    }

    /// Lets go of the data directory: the server has stopped writing to it. Other parts of the
    /// process may still hold the store (a health check being retired), so the lock does not
    /// wait for the last of them to drop the log.
    pub fn release(&self) {
        let mut lock = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(lock.take());
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the log.
    pub fn len(&self) -> u64 {
        self.len.load(Ordering::Relaxed)
    }

    /// `true` if nothing was ever logged (or the compacted state is empty).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the log has grown past `min_bytes` and to more than twice its size after the last
    /// compaction: mostly overwritten and deleted keys, worth rewriting.
    pub fn wants_compaction(&self, min_bytes: u64) -> bool {
        let len = self.len();
        len >= min_bytes && len > 2 * self.compacted_len.load(Ordering::Relaxed)
    }

    /// Rewrites the log as one `SET` per live key.
    ///
    /// Written to a new file, made durable, then renamed over the log, so a crash at any point
    /// leaves either the old log or the new one. The live keys are replayed from the log itself,
    /// under the append lock: a write logged but not yet applied to the store is kept.
    #[instrumented(name = "wal_compactions", slow = "1s")]
    pub async fn compact(&self) -> Result<(), KvError> {
        let mut file = self.file.lock().await;
        file.flush().await?;
        let state = replay(&self.path).await?;
        let tmp = self.path.with_extension("log.compacting");
        let mut text = String::new();
        for (k, v) in &state {
            text.push_str(&Record::Set(k.clone(), v.clone()).line());
        }
        let mut out = tokio::fs::File::create(&tmp).await?;
        out.write_all(text.as_bytes()).await?;
        out.sync_all().await?;
        drop(out);
        tokio::fs::rename(&tmp, &self.path).await?;
        if let Some(dir) = self.path.parent() {
            // The rename itself must be durable too.
            tokio::fs::File::open(dir).await?.sync_all().await?;
        }
        *file = open_append(&self.path).await?;
        let len = text.len() as u64;
        let before = self.len.swap(len, Ordering::Relaxed);
        self.compacted_len.store(len, Ordering::Relaxed);
        WAL.reclaimed_bytes_total.add(before.saturating_sub(len));
        WAL.size_bytes.set(i64::try_from(len).unwrap_or(i64::MAX));
        Ok(())
    }

    /// Appends one record.
    #[instrumented(name = "wal_appends")]
    pub async fn append(&self, record: &Record) -> Result<(), KvError> {
        let line = record.line();
        let mut file = self.file.lock().await;
        let started = std::time::Instant::now();
        file.write_all(line.as_bytes()).await?;
        WAL.write_duration_seconds
            .record_duration(started.elapsed());
        WAL.writes_total.increment();
        #[allow(clippy::cast_precision_loss)] // a line is far below 2^53 bytes
        WAL.write_bytes.record(line.len() as f64);
        let len = self.len.fetch_add(line.len() as u64, Ordering::Relaxed) + line.len() as u64;
        WAL.size_bytes.set(i64::try_from(len).unwrap_or(i64::MAX));
        Ok(())
    }

    /// Makes every append so far durable.
    #[instrumented(name = "wal_syncs", slow = "100ms")]
    pub async fn sync(&self) -> Result<(), KvError> {
        let file = self.file.lock().await;
        file.sync_data().await?;
        WAL.fsyncs_total.increment();
        Ok(())
    }
}

impl Record {
    /// The record as a log line.
    fn line(&self) -> String {
        match self {
            Record::Set(k, v) => format!("SET {k} {v}\n"),
            Record::Del(k) => format!("DEL {k}\n"),
        }
    }
}

async fn open_append(path: &Path) -> std::io::Result<tokio::fs::File> {
    tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
}

/// Rebuilds the state from the log; a missing log is an empty database.
#[instrumented(name = "wal_replays")]
async fn replay(path: &Path) -> Result<HashMap<String, String>, KvError> {
    let text = match tokio::fs::read_to_string(path).await {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(e.into()),
    };
    let mut state = HashMap::new();
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("SET", rest)) => {
                if let Some((k, v)) = rest.split_once(' ') {
                    state.insert(k.to_owned(), v.to_owned());
                }
            }
            Some(("DEL", k)) => {
                state.remove(k);
            }
            // A torn last line from a crash is skipped, as databases do.
            _ => {}
        }
    }
    Ok(state)
}
