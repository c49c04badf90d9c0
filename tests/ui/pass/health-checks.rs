//! Every form of `check` #[health_check] accepts, and a composite check.
#![deny(warnings)]

use vitalsign::health::{HealthCheck, Kind, Outcome, Status};
use vitalsign::{ErrorCode, health_check};

/// Sync, returning an `Outcome`.
#[health_check(name = "sync_outcome", liveness)]
struct SyncOutcome;

impl SyncOutcome {
    fn check(&self) -> Outcome {
        Outcome::degraded("slow disk").with_detail("latency_ms", 12)
    }
}

/// Async, returning a `Status`.
#[health_check(readiness, startup, non_critical, timeout = "500ms", every = "1m")]
struct ReplicationHealth {
    lag: u64,
}

impl ReplicationHealth {
    async fn check(&self) -> Status {
        if self.lag > 10 { Status::Unhealthy } else { Status::Healthy }
    }
}

#[derive(Debug, ErrorCode)]
enum WalError {
    ReadOnly,
}

impl std::fmt::Display for WalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WAL directory is read-only")
    }
}

/// Async, returning a `Result` whose error has a code.
#[health_check(name = "wal", failure_status = "degraded")]
struct Wal {
    writable: bool,
}

impl Wal {
    async fn check(&self) -> Result<(), WalError> {
        if self.writable { Ok(()) } else { Err(WalError::ReadOnly) }
    }
}

/// The storage layer: both parts, concurrently.
#[health_check(name = "storage", composite)]
struct Storage {
    wal: Wal,
    #[health(non_critical)]
    replication: ReplicationHealth,
    #[health(skip)]
    _label: String,
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let spec = SyncOutcome.spec();
        assert_eq!((spec.name.as_ref(), spec.kinds.as_ref()), ("sync_outcome", &[Kind::Liveness][..]));
        assert_eq!(SyncOutcome.run().await.status, Status::Degraded);

        let r = ReplicationHealth { lag: 50 };
        let spec = r.spec();
        assert_eq!(spec.name, "replication");
        assert_eq!(spec.kinds.as_ref(), &[Kind::Readiness, Kind::Startup][..]);
        assert!(!spec.critical);
        assert_eq!(spec.timeout, std::time::Duration::from_millis(500));
        assert_eq!(spec.interval, std::time::Duration::from_secs(60));
        assert_eq!(spec.description, "Async, returning a `Status`.");
        assert_eq!(r.run().await.status, Status::Unhealthy);

        let failing = Wal { writable: false }.run().await;
        assert_eq!(failing.message.as_deref(), Some("WAL directory is read-only"));
        assert_eq!(failing.details["code"], "read_only");
        assert_eq!(Wal { writable: true }.spec().failure_status, Status::Degraded);

        let storage = Storage { wal: Wal { writable: true }, replication: r, _label: String::new() };
        let o = storage.run().await;
        assert_eq!(o.status, Status::Degraded, "a non-critical part failing degrades the whole");
        assert_eq!(o.details.len(), 2);
    });
}
