//! The process's resident memory against a limit: an explicit one, or the cgroup's.

use std::path::Path;

use super::Threshold;
use crate::health::{BoxFuture, CheckSpec, HealthCheck, Outcome};

/// Degraded above 80 % of the memory limit, unhealthy above 95 %. The limit is the one given,
/// else the cgroup's (v2 `memory.max`, v1 `memory.limit_in_bytes`); with no limit anywhere the
/// check is healthy and reports the resident size.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    spec: CheckSpec,
    limit: Option<u64>,
    degraded_above: Threshold,
    unhealthy_above: Threshold,
}

impl ProcessMemory {
    /// A non-critical check named `name`.
    pub fn new(name: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            spec: CheckSpec::new(name)
                .description("Resident memory of the process against its limit")
                .critical(false),
            limit: None,
            degraded_above: Threshold::Ratio(0.80),
            unhealthy_above: Threshold::Ratio(0.95),
        }
    }

    /// An explicit limit in bytes, instead of the cgroup's.
    pub fn limit(mut self, bytes: u64) -> Self {
        self.limit = Some(bytes);
        self
    }

    /// Usage above which the check is degraded.
    pub fn degraded_above(mut self, t: Threshold) -> Self {
        self.degraded_above = t;
        self
    }

    /// Usage above which the check is unhealthy.
    pub fn unhealthy_above(mut self, t: Threshold) -> Self {
        self.unhealthy_above = t;
        self
    }

    /// Replaces the spec.
    pub fn with_spec(mut self, spec: CheckSpec) -> Self {
        self.spec = spec;
        self
    }

    /// One measurement.
    pub fn measure(&self) -> Outcome {
        let Some(rss) = resident_bytes() else {
            return Outcome::degraded("resident memory is not readable on this system");
        };
        let limit = self.limit.or_else(cgroup_limit);
        let base = Outcome::healthy()
            .with_detail("resident_bytes", rss)
            .with_observed("resident", rss as f64, "bytes");
        let Some(limit) = limit else {
            return base.with_message("no memory limit");
        };
        let ratio = rss as f64 / limit as f64;
        let message = format!("{rss} of {limit} bytes ({:.1} %)", ratio * 100.0);
        let mut outcome = if rss > self.unhealthy_above.bytes_of(limit) {
            Outcome::unhealthy(message)
        } else if rss > self.degraded_above.bytes_of(limit) {
            Outcome::degraded(message)
        } else {
            Outcome::healthy().with_message(message)
        };
        outcome.details = base.details;
        outcome
            .with_detail("limit_bytes", limit)
            .with_observed("utilization", ratio, "ratio")
    }
}

/// This process's resident set size as [`ProcessMemory`] reads it: `/proc/self/statm` pages
/// times the page size; `None` where there is no `/proc`.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// The cgroup memory limit, if one is set.
fn cgroup_limit() -> Option<u64> {
    let read = |p: &str| std::fs::read_to_string(Path::new(p)).ok();
    let v2 = read("/sys/fs/cgroup/memory.max").and_then(|s| s.trim().parse::<u64>().ok());
    // cgroup v1 writes a huge number (about 2^63) for "no limit".
    let v1 = read("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|v| *v < (1 << 60));
    v2.or(v1)
}

impl HealthCheck for ProcessMemory {
    fn spec(&self) -> CheckSpec {
        self.spec.clone()
    }

    fn run(&self) -> BoxFuture<'_, Outcome> {
        Box::pin(async move { self.measure() })
    }
}
