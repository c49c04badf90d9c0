//! The key-value store: an in-memory map behind the write-ahead log. Each command handler is
//! instrumented under one family, `kvstore_requests`, with the command as `op`.

use std::collections::HashMap;
use std::sync::Mutex;

use vitalsign::instrumented;

use crate::error::KvError;
use crate::protocol::{Command, Reply};
use crate::telemetry::{CommandKind, SERVER, key_prefix};
use crate::wal::{Record, Wal};

/// The database.
#[derive(Debug)]
pub struct Store {
    data: Mutex<HashMap<String, String>>,
    wal: Wal,
    /// Held from a write's append to its update of the map, so the map changes in the log's
    /// order: a replay then rebuilds exactly the map that was served.
    writes: tokio::sync::Mutex<()>,
}

impl Store {
    /// A store over `wal`, starting from the replayed `state`.
    pub fn new(wal: Wal, state: HashMap<String, String>) -> Self {
        SERVER
            .keys
            .set(i64::try_from(state.len()).unwrap_or(i64::MAX));
        Self {
            data: Mutex::new(state),
            wal,
            writes: tokio::sync::Mutex::new(()),
        }
    }

    /// The write-ahead log.
    pub fn wal(&self) -> &Wal {
        &self.wal
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// `true` if there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs one command.
    pub async fn execute(&self, command: Command) -> Result<Reply, KvError> {
        SERVER.commands_total.increment_with(match &command {
            Command::Get(_) => CommandKind::Get,
            Command::Set(..) => CommandKind::Set,
            Command::Del(_) => CommandKind::Del,
            Command::Incr(_) => CommandKind::Incr,
            Command::Ping => CommandKind::Ping,
        });
        match command {
            Command::Get(k) => self.get(&k).map(Reply::Value),
            Command::Set(k, v) => self.set(k, v).await.map(|()| Reply::Ok),
            Command::Del(k) => self.del(k).await.map(|()| Reply::Ok),
            Command::Incr(k) => self.incr(k).await.map(|n| Reply::Value(n.to_string())),
            Command::Ping => Ok(Reply::Pong),
        }
    }

    /// Reads a key.
    #[instrumented(name = "requests", labels(op = "get"), fields(key = %key))]
    pub fn get(&self, key: &str) -> Result<String, KvError> {
        self.lock()
            .get(key)
            .cloned()
            .ok_or_else(|| KvError::NotFound(key.to_owned()))
    }

    /// Writes a key, logging it first.
    #[instrumented(
        name = "requests",
        labels(op = "set"),
        slo(success = 99.9, latency = "5ms", latency_target = 99.0)
    )]
    pub async fn set(&self, key: String, value: String) -> Result<(), KvError> {
        let _order = self.writes.lock().await;
        self.put(key, value).await
    }

    /// Logs and applies a write of `key`; the caller holds `writes`.
    async fn put(&self, key: String, value: String) -> Result<(), KvError> {
        let record = Record::Set(key, value);
        self.wal.append(&record).await?;
        if let Record::Set(k, v) = record {
            SERVER.writes_by_prefix_total.increment_for(key_prefix(&k));
            let mut data = self.lock();
            data.insert(k, v);
            SERVER
                .keys
                .set(i64::try_from(data.len()).unwrap_or(i64::MAX));
        }
        Ok(())
    }

    /// Deletes a key.
    #[instrumented(name = "requests", labels(op = "del"), fields(key = %key))]
    pub async fn del(&self, key: String) -> Result<(), KvError> {
        if !self.lock().contains_key(&key) {
            return Err(KvError::NotFound(key));
        }
        let _order = self.writes.lock().await;
        self.wal.append(&Record::Del(key.clone())).await?;
        let mut data = self.lock();
        data.remove(&key);
        SERVER
            .keys
            .set(i64::try_from(data.len()).unwrap_or(i64::MAX));
        Ok(())
    }

    /// Adds one to an integer value (a missing key counts as 0).
    #[instrumented(name = "requests", labels(op = "incr"))]
    pub async fn incr(&self, key: String) -> Result<i64, KvError> {
        // Read and write under one hold of `writes`: two INCRs of a key never read the same
        // value, so none is lost.
        let _order = self.writes.lock().await;
        let current = self.lock().get(&key).cloned();
        let n = match current {
            None => 0,
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| KvError::NotAnInteger(key.clone()))?,
        } + 1;
        self.put(key, n.to_string()).await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_incrs_of_one_key_lose_none() {
        let dir = std::env::temp_dir().join(format!("kvstore-incr-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (wal, state) = Wal::open(&dir).await.unwrap();
        let store = std::sync::Arc::new(Store::new(wal, state));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    for _ in 0..100 {
                        store.incr("n".to_owned()).await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(store.get("n").unwrap(), "800");
        store.wal().release();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
