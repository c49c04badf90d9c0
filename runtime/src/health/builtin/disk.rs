//! Free space on the file system holding a path.

use std::path::PathBuf;

use super::Threshold;
use crate::health::{BoxFuture, CheckSpec, HealthCheck, Outcome};

/// Degraded when free space falls below one threshold, unhealthy below another.
///
/// ```
/// use vitalsign::health::builtin::{DiskSpace, Threshold};
///
/// let wal_disk = DiskSpace::new("wal_disk", "/var/lib/db/wal")
///     .degraded_below(Threshold::Ratio(0.10))
///     .unhealthy_below(Threshold::Bytes(1 << 30));
/// # let _ = wal_disk;
/// ```
#[derive(Debug, Clone)]
pub struct DiskSpace {
    spec: CheckSpec,
    path: PathBuf,
    degraded_below: Threshold,
    unhealthy_below: Threshold,
}

impl DiskSpace {
    /// Checks the file system of `path`: degraded below 10 % free, unhealthy below 5 %.
    pub fn new(name: impl Into<std::borrow::Cow<'static, str>>, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Self {
            spec: CheckSpec::new(name).description(format!(
                "Free space on the file system of {}",
                path.display()
            )),
            path,
            degraded_below: Threshold::Ratio(0.10),
            unhealthy_below: Threshold::Ratio(0.05),
        }
    }

    /// Free space below which the check is degraded.
    pub fn degraded_below(mut self, t: Threshold) -> Self {
        self.degraded_below = t;
        self
    }

    /// Free space below which the check is unhealthy.
    pub fn unhealthy_below(mut self, t: Threshold) -> Self {
        self.unhealthy_below = t;
        self
    }

    /// Replaces the spec (kinds, criticality, schedule), keeping the name if the new one has none.
    pub fn with_spec(mut self, spec: CheckSpec) -> Self {
        self.spec = spec;
        self
    }

    /// One measurement, for callers that want the verdict without the runner.
    pub fn measure(&self) -> Outcome {
        let stat = match rustix::fs::statvfs(&self.path) {
            Ok(s) => s,
            Err(e) => {
                return Outcome::unhealthy(format!("cannot stat {}: {e}", self.path.display()));
            }
        };
        let total = stat.f_blocks.saturating_mul(stat.f_frsize);
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        let ratio = if total == 0 {
            0.0
        } else {
            free as f64 / total as f64
        };
        let outcome = if free < self.unhealthy_below.bytes_of(total) {
            Outcome::unhealthy(format!("{free} bytes free ({:.1} %)", ratio * 100.0))
        } else if free < self.degraded_below.bytes_of(total) {
            Outcome::degraded(format!("{free} bytes free ({:.1} %)", ratio * 100.0))
        } else {
            Outcome::healthy()
        };
        outcome
            .with_detail("path", self.path.display().to_string())
            .with_detail("free_bytes", free)
            .with_detail("total_bytes", total)
            .with_observed("free_ratio", ratio, "ratio")
    }
}

impl HealthCheck for DiskSpace {
    fn spec(&self) -> CheckSpec {
        self.spec.clone()
    }

    fn run(&self) -> BoxFuture<'_, Outcome> {
        let this = self.clone();
        // statvfs can block on a hung network file system: keep it off the reactor.
        Box::pin(async move {
            tokio::task::spawn_blocking(move || this.measure())
                .await
                .unwrap_or_else(|e| Outcome::unhealthy(format!("disk check failed: {e}")))
        })
    }
}
