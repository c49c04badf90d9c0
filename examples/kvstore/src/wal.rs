//! The write-ahead log: every write is appended before it is applied, and replayed at start-up.
//! Appends are flushed to the OS at once and made durable by a group `fsync` on an interval.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;
use vitalsign::instrumented;

use crate::error::KvError;

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
    file: Mutex<tokio::fs::File>,
}

impl Wal {
    /// Opens (creating if needed) the log in `dir`, returning it and the state it replays to.
    pub async fn open(dir: &Path) -> Result<(Self, HashMap<String, String>), KvError> {
        tokio::fs::create_dir_all(dir).await?;
        let path = dir.join("wal.log");
        let state = replay(&path).await?;
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await?;
        Ok((
            Self {
                path,
                file: Mutex::new(file),
            },
            state,
        ))
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record.
    #[instrumented(name = "wal_appends")]
    pub async fn append(&self, record: &Record) -> Result<(), KvError> {
        let line = match record {
            Record::Set(k, v) => format!("SET {k} {v}\n"),
            Record::Del(k) => format!("DEL {k}\n"),
        };
        let mut file = self.file.lock().await;
        file.write_all(line.as_bytes()).await?;
        Ok(())
    }

    /// Makes every append so far durable.
    #[instrumented(name = "wal_syncs", slow = "100ms")]
    pub async fn sync(&self) -> Result<(), KvError> {
        let file = self.file.lock().await;
        file.sync_data().await?;
        Ok(())
    }
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
