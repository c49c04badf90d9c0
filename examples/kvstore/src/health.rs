//! The database's health checks: the log can be written, the in-memory copy of the data has
//! room, and start-up replay has finished.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use vitalsign::ErrorCode;
use vitalsign::health::Outcome;
use vitalsign::health::builtin::DiskSpace;
use vitalsign::health_check;

use crate::store::Store;

/// The write-ahead log's directory is writable and its file system has room.
#[health_check(name = "wal", readiness, critical, timeout = "2s", every = "10s")]
pub struct WalHealth {
    /// The log's directory.
    pub dir: PathBuf,
    /// Free space on its file system.
    pub disk: DiskSpace,
}

impl WalHealth {
    async fn check(&self) -> Outcome {
        let probe = self.dir.join(".health-probe");
        if let Err(e) = tokio::fs::write(&probe, b"ok").await {
            return Outcome::unhealthy(format!("the WAL directory is not writable: {e}"))
                .with_detail("code", e.error_code());
        }
        let _ = tokio::fs::remove_file(&probe).await;
        self.disk.measure()
    }
}

/// The in-memory copy of the data (the cache in front of the log) is below its capacity.
#[health_check(name = "cache", readiness, non_critical, timeout = "1s", every = "5s")]
pub struct CacheHealth {
    /// The store.
    pub store: Arc<Store>,
    /// Keys it may hold before it is degraded.
    pub capacity: usize,
}

impl CacheHealth {
    fn check(&self) -> Outcome {
        let keys = self.store.len();
        let ratio = keys as f64 / self.capacity.max(1) as f64;
        let outcome = if ratio > 0.9 {
            Outcome::degraded(format!("{keys} of {} keys", self.capacity))
        } else {
            Outcome::healthy()
        };
        outcome
            .with_detail("keys", keys)
            .with_observed("utilization", ratio, "ratio")
    }
}

/// The write-ahead log has been replayed: the database holds every acknowledged write.
#[health_check(name = "wal_replayed", startup, timeout = "1s", every = "1s")]
pub struct WalReplayed {
    /// Set once replay has finished.
    pub done: Arc<AtomicBool>,
}

impl WalReplayed {
    fn check(&self) -> Outcome {
        if self.done.load(Ordering::Acquire) {
            Outcome::healthy()
        } else {
            Outcome::unhealthy("replaying the write-ahead log")
        }
    }
}

/// Names of the checks `server::start` registers, removed again at shutdown.
pub const CHECKS: [&str; 3] = ["wal_replayed", "wal", "cache"];
