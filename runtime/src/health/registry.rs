//! Registered checks, their cached results, and the background runner.
//!
//! Each check runs in its own task on its interval (with jitter, so checks registered together
//! do not fire together), under its timeout. Probes read the cache and never run a check, so a
//! flood of probes costs the checked system nothing.

use crate::sync::{MutexExt, RwLockExt};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

use metrics::{Counter, Gauge, Histogram, Key, Label};

use super::aggregate::aggregate;
use super::check::HealthCheck;
use super::model::{CheckSpec, CheckState, Kind, Outcome, Status};
use super::report::{CheckReport, Report, Scope};
use crate::__private::METADATA;
use crate::catalogue::{MetricType, OwnFamily, OwnSpec};
use vitalsign_naming::CHECK_LABEL;

/// Why a check could not be registered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HealthError {
    /// The name breaks the naming rules.
    #[error("{problem}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A check with this name is already registered.
    #[error("a health check named `{0}` is already registered")]
    Duplicate(String),
    /// The timeout or interval is zero.
    #[error("health check `{0}`: timeout and interval must be greater than zero")]
    ZeroDuration(String),
}

struct EntryMetrics {
    status: Gauge,
    duration: Histogram,
    failures: Counter,
}

struct Entry {
    spec: CheckSpec,
    check: Arc<dyn HealthCheck>,
    state: Mutex<CheckState>,
    passed_once: AtomicBool,
    metrics: EntryMetrics,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

/// The health of the process: registered checks, their results and the manual switches.
pub(crate) struct Registry {
    namespace: String,
    entries: RwLock<Vec<Arc<Entry>>>,
    ready: AtomicBool,
    live: AtomicBool,
    startup_done: AtomicBool,
    runtime: OnceLock<tokio::runtime::Handle>,
    jitter: std::collections::hash_map::RandomState,
    overall: Gauge,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// The rules a check's spec must follow: a snake_case name (it is a label value and a JSON
/// key), positive timeout and interval.
pub(crate) fn validate_spec(spec: &CheckSpec) -> Result<(), HealthError> {
    let name = spec.name.to_string();
    if let Some(problem) = vitalsign_naming::check_check_name(&name) {
        return Err(HealthError::InvalidName {
            problem: problem.to_string(),
            name,
        });
    }
    if spec.timeout.is_zero() || spec.interval.is_zero() {
        return Err(HealthError::ZeroDuration(name));
    }
    Ok(())
}

const CHECK: &[&str] = &[CHECK_LABEL];

/// `{ns}_health_check_status{check}`: 1 healthy, 0.5 degraded, 0 unhealthy or not yet run.
pub(crate) const HEALTH_CHECK_STATUS: OwnSpec = OwnSpec::new(
    "health_check_status",
    MetricType::Gauge,
    CHECK,
    "Health check status: 1 healthy, 0.5 degraded, 0 unhealthy or not yet run",
);

/// `{ns}_health_check_duration_seconds{check}`.
const HEALTH_CHECK_DURATION: OwnSpec = OwnSpec::new(
    "health_check_duration_seconds",
    MetricType::Histogram,
    CHECK,
    "Duration of health check runs in seconds",
);

/// `{ns}_health_check_failures_total{check}`.
const HEALTH_CHECK_FAILURES: OwnSpec = OwnSpec::new(
    "health_check_failures_total",
    MetricType::Counter,
    CHECK,
    "Health check runs that were unhealthy, timed out or panicked",
);

/// `{ns}_health_status`: the whole, as the per-check gauge.
const HEALTH_STATUS: OwnSpec = OwnSpec::new(
    "health_status",
    MetricType::Gauge,
    &[],
    "Overall health: 1 healthy, 0.5 degraded, 0 unhealthy",
);

/// The catalogue's entries for the health families.
pub(crate) fn own_families(namespace: &str) -> Vec<OwnFamily> {
    [
        &HEALTH_CHECK_STATUS,
        &HEALTH_CHECK_DURATION,
        &HEALTH_CHECK_FAILURES,
        &HEALTH_STATUS,
    ]
    .into_iter()
    .map(|spec| spec.in_namespace(namespace))
    .collect()
}

impl Registry {
    pub(crate) fn new(namespace: String) -> Self {
        let overall = metrics::with_recorder(|r| {
            r.register_gauge(
                &Key::from_name(HEALTH_STATUS.name_in(&namespace)),
                &METADATA,
            )
        });
        overall.set(Status::Healthy.gauge_value());
        Self {
            namespace,
            entries: RwLock::new(Vec::new()),
            ready: AtomicBool::new(true),
            live: AtomicBool::new(true),
            startup_done: AtomicBool::new(true),
            runtime: OnceLock::new(),
            jitter: Default::default(),
            overall,
        }
    }

    /// Registers a check; it starts running at once if the runner has started.
    pub(crate) fn add(self: &Arc<Self>, check: Arc<dyn HealthCheck>) -> Result<(), HealthError> {
        let spec = check.spec();
        validate_spec(&spec)?;
        let name = spec.name.to_string();
        let entry = {
            let mut entries = self.entries.write_unpoisoned();
            if entries.iter().any(|e| e.spec.name == spec.name) {
                return Err(HealthError::Duplicate(name));
            }
            let (status, duration, failures) = (
                HEALTH_CHECK_STATUS.name_in(&self.namespace),
                HEALTH_CHECK_DURATION.name_in(&self.namespace),
                HEALTH_CHECK_FAILURES.name_in(&self.namespace),
            );
            let labels = vec![Label::new(CHECK_LABEL, name.clone())];
            let metrics = metrics::with_recorder(|r| EntryMetrics {
                status: r.register_gauge(&Key::from_parts(status, labels.clone()), &METADATA),
                duration: r
                    .register_histogram(&Key::from_parts(duration, labels.clone()), &METADATA),
                failures: r.register_counter(&Key::from_parts(failures, labels), &METADATA),
            });
            metrics.status.set(Status::Unknown.gauge_value());
            let entry = Arc::new(Entry {
                state: Mutex::new(CheckState {
                    outcome: Outcome::new(Status::Unknown).with_message("not run yet"),
                    duration: None,
                    last_check: None,
                    runs: 0,
                }),
                passed_once: AtomicBool::new(false),
                task: Mutex::new(None),
                spec,
                check,
                metrics,
            });
            entries.push(entry.clone());
            entry
        };
        if entry.spec.is(Kind::Startup) {
            self.startup_done.store(false, Ordering::Release);
        }
        self.update_overall();
        if let Some(rt) = self.runtime.get() {
            self.spawn(rt, entry);
        }
        Ok(())
    }

    fn spawn(self: &Arc<Self>, rt: &tokio::runtime::Handle, entry: Arc<Entry>) {
        let task = rt.spawn(self.clone().run_loop(entry.clone()));
        *entry.task.lock_unpoisoned() = Some(task.abort_handle());
    }

    /// Unregisters a check and stops its runs; `false` if there was none by that name. Its
    /// series stay in `/metrics` with their last values.
    pub(crate) fn remove(&self, name: &str) -> bool {
        let removed = {
            let mut entries = self.entries.write_unpoisoned();
            let index = entries.iter().position(|e| e.spec.name == name);
            index.map(|i| entries.remove(i))
        };
        let Some(entry) = removed else { return false };
        if let Some(task) = entry.task.lock_unpoisoned().take() {
            task.abort();
        }
        self.update_overall();
        true
    }

    /// Starts the background runner on the current tokio runtime (once; later calls and calls
    /// outside a runtime do nothing).
    pub(crate) fn start(self: &Arc<Self>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.runtime.set(rt.clone()).is_err() {
            return;
        }
        let entries: Vec<Arc<Entry>> = self.entries.read_unpoisoned().clone();
        for entry in entries {
            self.spawn(&rt, entry);
        }
    }

    async fn run_loop(self: Arc<Self>, entry: Arc<Entry>) {
        for n in 0u64.. {
            let (outcome, took, failed_run) = run_once(&entry).await;
            self.record(&entry, outcome, took, failed_run);
            tokio::time::sleep(self.jittered(&entry.spec, n)).await;
        }
    }

    /// The interval, moved by up to ±10 %, differently for each check and run.
    fn jittered(&self, spec: &CheckSpec, n: u64) -> Duration {
        let roll = self.jitter.hash_one((&spec.name, n)) % 2001;
        let factor = 0.9 + roll as f64 / 10_000.0;
        spec.interval.mul_f64(factor)
    }

    fn record(&self, entry: &Entry, outcome: Outcome, took: Duration, failed_run: bool) {
        entry.metrics.status.set(outcome.status.gauge_value());
        entry.metrics.duration.record(took.as_secs_f64());
        if failed_run || outcome.status == Status::Unhealthy {
            entry.metrics.failures.increment(1);
        }
        if outcome.status.is_up() {
            entry.passed_once.store(true, Ordering::Release);
        }
        {
            let mut state = entry.state.lock_unpoisoned();
            state.outcome = outcome;
            state.duration = Some(took);
            state.last_check = Some(SystemTime::now());
            state.runs += 1;
        }
        if !self.startup_done.load(Ordering::Acquire) {
            let entries = self.entries.read_unpoisoned();
            let done = entries
                .iter()
                .filter(|e| e.spec.is(Kind::Startup))
                .all(|e| e.passed_once.load(Ordering::Acquire));
            if done {
                self.startup_done.store(true, Ordering::Release);
            }
        }
        self.update_overall();
    }

    fn update_overall(&self) {
        self.overall
            .set(self.report(Scope::All).status.gauge_value());
    }

    pub(crate) fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
        self.update_overall();
    }

    pub(crate) fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        self.update_overall();
    }

    /// The cached state of the checks in `scope`, aggregated. Runs nothing.
    pub(crate) fn report(&self, scope: Scope) -> Report {
        let entries = self.entries.read_unpoisoned();
        let checks: Vec<CheckReport> = entries
            .iter()
            .filter(|e| scope.kind().is_none_or(|k| e.spec.is(k)))
            .map(|e| CheckReport {
                spec: e.spec.clone(),
                state: e.state.lock_unpoisoned().clone(),
            })
            .collect();
        drop(entries);
        let mut status = aggregate(
            checks
                .iter()
                .map(|c| (c.spec.critical, c.state.outcome.status)),
        );
        let mut reasons = Vec::new();
        let startup_done = self.startup_done.load(Ordering::Acquire);
        let live = self.live.load(Ordering::Acquire);
        let ready = self.ready.load(Ordering::Acquire);
        let mut fail = |why: &str| {
            status = Status::Unhealthy;
            reasons.push(why.to_owned());
        };
        match scope {
            Scope::Startup if startup_done => status = Status::Healthy,
            Scope::Startup => {}
            Scope::Liveness if !live => fail("marked not live"),
            Scope::Liveness => {}
            Scope::Readiness | Scope::All => {
                if !startup_done {
                    fail("waiting for startup checks to pass");
                }
                if !ready {
                    fail("marked not ready");
                }
                if scope == Scope::All && !live {
                    fail("marked not live");
                }
            }
        }
        Report {
            scope,
            status,
            reasons,
            checks,
        }
    }
}

/// One run of a check, in its own task so that a panic is caught and a hang can be cut.
async fn run_once(entry: &Arc<Entry>) -> (Outcome, Duration, bool) {
    let started = Instant::now();
    let check = entry.check.clone();
    let task = tokio::spawn(async move { check.run().await });
    let abort = task.abort_handle();
    let fail = |message: String| Outcome::new(entry.spec.failure_status).with_message(message);
    let (outcome, failed_run) = match tokio::time::timeout(entry.spec.timeout, task).await {
        Ok(Ok(outcome)) => (outcome, false),
        Ok(Err(e)) if e.is_panic() => (
            fail(format!("check panicked: {}", panic_message(e.into_panic()))),
            true,
        ),
        Ok(Err(_)) => (fail("check was cancelled".to_owned()), true),
        Err(_) => {
            // A check blocked inside synchronous code cannot be interrupted; its task is
            // abandoned, and the next run starts on schedule all the same.
            abort.abort();
            (
                fail(format!(
                    "timed out after {}",
                    humantime::format_duration(entry.spec.timeout)
                )),
                true,
            )
        }
    };
    (outcome, started.elapsed(), failed_run)
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "a non-string panic payload".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent_and_varies() {
        let registry = Registry::new("jitter".into());
        let spec = CheckSpec::new("wal").every(Duration::from_secs(10));
        let delays: Vec<Duration> = (0..2_000).map(|n| registry.jittered(&spec, n)).collect();
        let (low, high) = (Duration::from_secs(9), Duration::from_secs(11));
        for d in &delays {
            assert!((low..=high).contains(d), "{d:?} outside 9 s..=11 s");
        }
        let min = delays.iter().min().unwrap();
        let max = delays.iter().max().unwrap();
        // Spread over most of the band, on both sides of the interval.
        assert!(*min < Duration::from_millis(9_200), "{min:?}");
        assert!(*max > Duration::from_millis(10_800), "{max:?}");
        let other = CheckSpec::new("disk").every(Duration::from_secs(10));
        assert_ne!(
            (0..20)
                .map(|n| registry.jittered(&other, n))
                .collect::<Vec<_>>(),
            delays[..20],
            "checks registered together do not run in step"
        );
    }
}
