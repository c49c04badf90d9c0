//! Instrumented functions under a `metrics` recorder other than vitalsign's (here metrics-util's
//! debugging recorder, standing in for a statsd or OTLP exporter): every call arrives, before
//! and after `bind_to_global_recorder` (after which call sites stop registering series per
//! call), and vitalsign's own `install` is refused.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

use metrics_util::CompositeKey;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use vitalsign::{ErrorCode, instrumented};

#[derive(Debug, ErrorCode)]
enum LookupError {
    Missing,
}

#[instrumented(namespace = "foreign", name = "lookups")]
fn lookup(key: u32) -> Result<u32, LookupError> {
    if key == 0 {
        Err(LookupError::Missing)
    } else {
        Ok(key * 2)
    }
}

/// What was recorded since the last snapshot (the debugging recorder's snapshots drain it).
fn delta(snapshotter: &Snapshotter) -> Vec<(CompositeKey, DebugValue)> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| (key, value))
        .collect()
}

/// The counter increments or histogram samples of the series `name` with `labels` in `delta`.
fn value(delta: &[(CompositeKey, DebugValue)], name: &str, labels: &[(&str, &str)]) -> Option<u64> {
    delta
        .iter()
        .find(|(key, _)| {
            let key = key.key();
            key.name() == name
                && labels
                    .iter()
                    .all(|(k, v)| key.labels().any(|l| l.key() == *k && l.value() == *v))
        })
        .map(|(_, v)| match v {
            DebugValue::Counter(n) => *n,
            DebugValue::Histogram(samples) => samples.len() as u64,
            DebugValue::Gauge(g) => g.into_inner() as u64,
        })
}

/// The debugging recorder, counting series registrations: one per series once call sites are
/// bound, one per series per call before.
struct Counting {
    inner: DebuggingRecorder,
    registrations: Arc<AtomicUsize>,
}

impl Recorder for Counting {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_counter(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_gauge(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner.describe_histogram(key, unit, description);
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        self.inner.register_counter(key, metadata)
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        self.inner.register_gauge(key, metadata)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        self.registrations.fetch_add(1, Ordering::Relaxed);
        self.inner.register_histogram(key, metadata)
    }
}

#[test]
fn every_call_reaches_the_installed_recorder_bound_or_not() {
    let inner = DebuggingRecorder::new();
    let snapshotter = inner.snapshotter();
    let registrations = Arc::new(AtomicUsize::new(0));
    metrics::set_global_recorder(Counting {
        inner,
        registrations: registrations.clone(),
    })
    .expect("first recorder of the process");
    let registered = || registrations.swap(0, Ordering::Relaxed);
    let op = [("op", "lookup")];

    // Not bound yet: recorded through the global recorder, looked up per call.
    assert_eq!(lookup(1).unwrap(), 2);
    assert!(lookup(0).is_err());
    let unbound = delta(&snapshotter);
    let missing = [("op", "lookup"), ("code", "missing"), ("class", "failure")];
    assert_eq!(value(&unbound, "foreign_lookups_total", &op), Some(2));
    assert_eq!(
        value(&unbound, "foreign_lookups_duration_seconds", &op),
        Some(2)
    );
    assert_eq!(
        value(&unbound, "foreign_lookups_errors_total", &missing),
        Some(1)
    );
    assert_eq!(registered(), 5, "two series per call, and the error's");

    vitalsign::bind_to_global_recorder();
    assert_eq!(
        registered(),
        2,
        "binding registers the site's call series once"
    );
    for key in 0..10 {
        let _ = lookup(key);
    }
    assert_eq!(
        registered(),
        1,
        "bound: only the first error of a code registers its series"
    );
    let bound = delta(&snapshotter);
    assert_eq!(value(&bound, "foreign_lookups_total", &op), Some(10));
    assert_eq!(
        value(&bound, "foreign_lookups_duration_seconds", &op),
        Some(10)
    );
    assert_eq!(
        value(&bound, "foreign_lookups_errors_total", &missing),
        Some(1)
    );

    let refused = vitalsign::Vitals::builder().logging(false).install();
    assert!(
        matches!(refused, Err(vitalsign::InstallError::AlreadyInstalled)),
        "{refused:?}"
    );
}
