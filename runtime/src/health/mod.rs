//! Health checks: typed checks run in the background, cached results served on `/health`,
//! `/health/live`, `/health/ready` and `/health/startup`, and health metrics.
//!
//! ```
//! use vitalsign::health::{Outcome, Status};
//!
//! /// The WAL directory is writable.
//! #[vitalsign::health_check(name = "wal", readiness, critical, timeout = "2s", every = "10s")]
//! struct WalHealth {
//!     dir: std::path::PathBuf,
//! }
//!
//! impl WalHealth {
//!     async fn check(&self) -> Outcome {
//!         match std::fs::metadata(&self.dir) {
//!             Ok(m) if !m.permissions().readonly() => Outcome::healthy(),
//!             Ok(_) => Outcome::unhealthy("read-only"),
//!             Err(e) => Outcome::unhealthy(e.to_string()),
//!         }
//!     }
//! }
//! ```
//!
//! See `docs/health.md` for the model, the endpoints and probe configuration.

mod aggregate;
pub mod builtin;
mod check;
#[doc(hidden)]
pub mod contract;
mod model;
mod registry;
// The JSON bodies are the server's to send.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
mod report;

use std::sync::Arc;

pub use aggregate::aggregate;
pub use check::{BoxFuture, FnCheck, HealthCheck, from_fn};
pub use model::{CheckSpec, CheckState, Kind, Observed, Outcome, Status};
#[cfg(feature = "artifacts")]
pub(crate) use registry::HEALTH_CHECK_STATUS;
pub use registry::HealthError;
pub(crate) use registry::Registry;
pub(crate) use registry::{own_families, validate_spec};
#[cfg(feature = "server")]
pub(crate) use report::ServiceInfo;
pub use report::{CheckReport, Report, Scope};

/// Who sees check messages, details and observed values in the health bodies. Statuses are
/// always shown: probes need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowDetails {
    /// Nobody.
    Never,
    /// Everybody who can reach the port.
    Always,
    /// Clients connecting from a loopback address (the default): an operator on the host or
    /// a sidecar sees everything, a remote scanner sees statuses only.
    #[default]
    Loopback,
}

impl ShowDetails {
    /// Whether a client at `peer` sees details.
    pub fn allows(self, peer: Option<std::net::IpAddr>) -> bool {
        match self {
            ShowDetails::Never => false,
            ShowDetails::Always => true,
            ShowDetails::Loopback => peer.is_some_and(|ip| ip.is_loopback()),
        }
    }
}

/// The health of this process: add checks, flip the switches, read reports. Cheap to clone;
/// get it from `Vitals::health()`.
#[derive(Debug, Clone)]
pub struct Health(pub(crate) Arc<Registry>);

impl Health {
    /// Registers a check at run time; it starts at once if the runner is running.
    pub fn add(&self, check: impl HealthCheck) -> Result<(), HealthError> {
        self.0.add(Arc::new(check))
    }

    /// Unregisters the check named `name` and stops its runs (say, when the subsystem it
    /// watches shuts down); `false` if there is none.
    pub fn remove(&self, name: &str) -> bool {
        self.0.remove(name)
    }

    /// Marks the process ready or not (say, not ready while draining for shutdown):
    /// `/health/ready` answers unhealthy while it is false.
    pub fn set_ready(&self, ready: bool) {
        self.0.set_ready(ready);
    }

    /// Marks the process live or not: `/health/live` answers unhealthy while it is false, so
    /// the orchestrator restarts it.
    pub fn set_live(&self, live: bool) {
        self.0.set_live(live);
    }

    /// The cached health of `scope`. Runs no check.
    pub fn report(&self, scope: Scope) -> Report {
        self.0.report(scope)
    }

    /// The status of `scope`.
    pub fn status(&self, scope: Scope) -> Status {
        self.0.report(scope).status
    }

    /// Starts the background runs, on the current tokio runtime (once; without a runtime,
    /// nothing yet).
    pub(crate) fn start(&self) {
        self.0.start();
    }
}
