//! The vocabulary of health: statuses, what a check returns, and what a check is.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// How healthy something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Working normally.
    Healthy,
    /// Working, with a problem worth attention (a non-critical check failing, low disk).
    Degraded,
    /// Not working.
    Unhealthy,
    /// Not known yet: the check has not completed its first run.
    Unknown,
}

impl Status {
    /// The value of the `*_health_check_status` gauge: 1, 0.5, 0 (unhealthy and unknown).
    pub fn gauge_value(self) -> f64 {
        match self {
            Status::Healthy => 1.0,
            Status::Degraded => 0.5,
            Status::Unhealthy | Status::Unknown => 0.0,
        }
    }

    /// The IETF health-check draft's word: `pass`, `warn` or `fail`.
    pub fn ietf(self) -> &'static str {
        match self {
            Status::Healthy => "pass",
            Status::Degraded => "warn",
            Status::Unhealthy | Status::Unknown => "fail",
        }
    }

    /// `true` for healthy and degraded: the thing works.
    pub fn is_up(self) -> bool {
        matches!(self, Status::Healthy | Status::Degraded)
    }

    /// The status's word as in the JSON bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Unhealthy => "unhealthy",
            Status::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A measured value a check observed (free bytes, replication lag), for the IETF format's
/// `observedValue`/`observedUnit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    /// What was measured, the IETF draft's "measurement name" (`utilization`, `lag`).
    pub measurement: String,
    /// In `unit`.
    pub value: f64,
    /// Its unit (`bytes`, `seconds`, `ratio`).
    pub unit: String,
}

/// What one run of a check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// What the check concluded; aggregated with the other checks' by criticality.
    pub status: Status,
    /// A short human explanation, e.g. why it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Structured facts: key → JSON value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
    /// A measured value, when the check has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
}

impl Outcome {
    /// An outcome with `status` and nothing else.
    pub fn new(status: Status) -> Self {
        Self {
            status,
            message: None,
            details: BTreeMap::new(),
            observed: None,
        }
    }

    /// Healthy.
    pub fn healthy() -> Self {
        Self::new(Status::Healthy)
    }

    /// Degraded, saying why.
    pub fn degraded(message: impl Into<String>) -> Self {
        Self::new(Status::Degraded).with_message(message)
    }

    /// Unhealthy, saying why.
    pub fn unhealthy(message: impl Into<String>) -> Self {
        Self::new(Status::Unhealthy).with_message(message)
    }

    /// Sets the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Adds a detail; a value that cannot be represented as JSON is recorded as its error.
    pub fn with_detail(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value)
            .unwrap_or_else(|e| serde_json::Value::String(e.to_string()));
        self.details.insert(key.into(), value);
        self
    }

    /// Records a measured value.
    pub fn with_observed(
        mut self,
        measurement: impl Into<String>,
        value: f64,
        unit: impl Into<String>,
    ) -> Self {
        self.observed = Some(Observed {
            measurement: measurement.into(),
            value,
            unit: unit.into(),
        });
        self
    }
}

/// Which probes a check answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Is the process alive, or should it be restarted? Must not depend on other systems.
    Liveness,
    /// Should it receive traffic now?
    Readiness,
    /// Has it finished starting (gates readiness until it passes once)?
    Startup,
}

/// What a check is: its name, kinds, criticality and schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    /// Unique name, snake_case: the `check` label and the key in the JSON bodies.
    pub name: Cow<'static, str>,
    /// What it checks (its doc comment).
    pub description: Cow<'static, str>,
    /// The probes it answers for.
    pub kinds: Cow<'static, [Kind]>,
    /// A failing critical check makes the whole unhealthy; a non-critical one, degraded.
    pub critical: bool,
    /// How long one run may take before it is cut and reported with `failure_status`.
    pub timeout: Duration,
    /// How often it runs in the background.
    pub interval: Duration,
    /// What a timed-out or panicking run reports.
    pub failure_status: Status,
}

impl CheckSpec {
    /// A critical readiness check running every 10 s with a 2 s timeout.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            description: Cow::Borrowed(""),
            kinds: Cow::Borrowed(&[Kind::Readiness]),
            critical: true,
            timeout: Duration::from_secs(2),
            interval: Duration::from_secs(10),
            failure_status: Status::Unhealthy,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the kinds.
    pub fn kinds(mut self, kinds: &[Kind]) -> Self {
        self.kinds = Cow::Owned(kinds.to_vec());
        self
    }

    /// Critical or not.
    pub fn critical(mut self, critical: bool) -> Self {
        self.critical = critical;
        self
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the interval.
    pub fn every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets what a timeout or panic reports.
    pub fn failure_status(mut self, status: Status) -> Self {
        self.failure_status = status;
        self
    }

    /// `true` if the check answers for `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// The cached result of a check's last run.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckState {
    /// What the last run found (`unknown` before the first).
    pub outcome: Outcome,
    /// How long the last run took.
    pub duration: Option<Duration>,
    /// When the last run finished.
    pub last_check: Option<SystemTime>,
    /// Completed runs.
    pub runs: u64,
}
