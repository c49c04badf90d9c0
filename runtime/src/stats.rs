//! `/stats` and `Vitals::snapshot()`: per operation, calls and errors by code since start, and
//! over the last minute the call rate, the error ratio and p50/p95/p99 latency; plus process
//! CPU, memory and uptime.
//!
//! The window costs nothing on the call path: a sampler copies the cumulative counters and
//! buckets every 10 seconds into a ring of 7 samples, and a snapshot compares "now" with the
//! newest sample at least a minute old. Memory is bounded by operations × 7 samples.

use crate::sync::MutexExt;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalogue::Group;
use crate::recorder::{FamilySeries, Value};

/// How far back `/stats` looks for rates and percentiles: a minute, long enough to hold six
/// samples, short enough to show a change as it happens.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);
/// How often the sampler runs.
pub(crate) const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// One operation: a family group's base name and its `op` label.
type OpKey = (String, String);

#[derive(Debug, Clone, Default)]
struct Totals {
    calls: u64,
    errors: BTreeMap<String, u64>,
    /// Errors of class `failure` (not `expected`), every code.
    failures: u64,
    /// Cumulative `(le, count)`, `+Inf` last.
    buckets: Vec<(f64, u64)>,
}

#[derive(Debug)]
struct Sample {
    at: Instant,
    ops: BTreeMap<OpKey, Totals>,
}

/// What one snapshot reports.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Seconds since install.
    pub uptime_seconds: f64,
    /// CPU and memory of the whole process, from the `process_*` families.
    pub process: ProcessStats,
    /// Length of the window the `window` figures cover (up to 60 s; less just after start).
    pub window_seconds: f64,
    /// Per operation, sorted by family and op.
    pub operations: Vec<OperationStats>,
}

/// Process figures.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessStats {
    /// CPU seconds used since start.
    pub cpu_seconds_total: Option<f64>,
    /// Resident memory.
    pub resident_memory_bytes: Option<f64>,
}

/// One operation.
#[derive(Debug, Clone, Serialize)]
pub struct OperationStats {
    /// The family group, `kvstore_requests`.
    pub family: String,
    /// The `op` label.
    pub op: String,
    /// Calls since start.
    pub calls: u64,
    /// Failed calls since start, by code, whatever their class.
    pub errors: BTreeMap<String, u64>,
    /// Of those, the ones of class `failure`: real failures, not outcomes the caller asked for.
    pub failures: u64,
    /// Rate, error ratio and percentiles over the window.
    pub window: WindowStats,
}

/// Figures over the window.
#[derive(Debug, Clone, Serialize)]
pub struct WindowStats {
    /// Calls in the window.
    pub calls: u64,
    /// Calls per second.
    pub calls_per_second: f64,
    /// Failed / all calls, every class; `None` without calls.
    pub error_ratio: Option<f64>,
    /// Calls failed with a code of class `failure` / all calls: what the generated error-ratio
    /// alerts watch; `None` without calls.
    pub failure_ratio: Option<f64>,
    /// Median latency (bucket interpolation, as `histogram_quantile`).
    pub p50_seconds: Option<Quantile>,
    /// 95th percentile.
    pub p95_seconds: Option<Quantile>,
    /// 99th percentile.
    pub p99_seconds: Option<Quantile>,
}

/// A latency quantile, as far as the buckets can tell it: a number of seconds when it falls
/// between two bounds; `{"below_seconds": b}` when it falls in the first bucket, where
/// interpolating from zero would invent a value (a sub-microsecond call is not "half the first
/// bound"); `{"above_seconds": b}` when it falls past the highest bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Quantile {
    /// Interpolated between two bounds.
    Seconds(f64),
    /// At most the first bound.
    Below {
        /// The first bound.
        below_seconds: f64,
    },
    /// More than the highest bound.
    Above {
        /// The highest bound.
        above_seconds: f64,
    },
}

/// The samples of the last window, taken every `SAMPLE_EVERY`, oldest first: what the
/// windowed figures are computed from, bounded in memory.
#[derive(Debug)]
pub(crate) struct Stats {
    ring: Mutex<VecDeque<Sample>>,
}

fn op_of(labels: &[(String, String)]) -> Option<&str> {
    labels
        .iter()
        .find(|(k, _)| k == vitalsign_naming::OP_LABEL)
        .map(|(_, v)| v.as_str())
}

/// Reads the cumulative totals of every operation out of the recorder's families.
fn totals(families: &BTreeMap<String, FamilySeries>, groups: &[Group]) -> BTreeMap<OpKey, Totals> {
    let mut out: BTreeMap<OpKey, Totals> = BTreeMap::new();
    for g in groups {
        let series = |name: &str| {
            families
                .get(name)
                .map(|f| f.series.as_slice())
                .unwrap_or_default()
        };
        for (labels, value) in series(&g.calls) {
            if let (Some(op), Value::Counter(n)) = (op_of(labels), value) {
                out.entry((g.base.clone(), op.to_owned()))
                    .or_default()
                    .calls += n;
            }
        }
        for (labels, value) in series(&g.errors) {
            let label = |name: &str| labels.iter().find(|(k, _)| k == name).map(|(_, v)| v);
            let code = label(vitalsign_naming::CODE_LABEL);
            let expected = label(vitalsign_naming::CLASS_LABEL)
                .is_some_and(|c| c == vitalsign_naming::EXPECTED_CLASS);
            if let (Some(op), Some(code), Value::Counter(n)) = (op_of(labels), code, value) {
                let totals = out.entry((g.base.clone(), op.to_owned())).or_default();
                *totals.errors.entry(code.clone()).or_default() += n;
                if !expected {
                    totals.failures += n;
                }
            }
        }
        for (labels, value) in series(&g.duration) {
            if let (Some(op), Value::Histogram(h)) = (op_of(labels), value) {
                let mut buckets = h.buckets.clone();
                buckets.push((f64::INFINITY, h.count));
                out.entry((g.base.clone(), op.to_owned()))
                    .or_default()
                    .buckets = buckets;
            }
        }
    }
    out
}

impl Stats {
    /// A ring holding one empty sample: the baseline at install.
    pub(crate) fn new() -> Self {
        Self {
            ring: Mutex::new(VecDeque::from([Sample {
                at: Instant::now(),
                ops: BTreeMap::new(),
            }])),
        }
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, VecDeque<Sample>> {
        self.ring.lock_unpoisoned()
    }

    /// Records the current totals; keeps only what a window can still need.
    pub(crate) fn sample(&self, families: &BTreeMap<String, FamilySeries>, groups: &[Group]) {
        self.sample_at(Instant::now(), families, groups);
    }

    fn sample_at(&self, now: Instant, families: &BTreeMap<String, FamilySeries>, groups: &[Group]) {
        let mut ring = self.ring();
        ring.push_back(Sample {
            at: now,
            ops: totals(families, groups),
        });
        // Keep the newest sample at least a window old, and everything after it.
        while ring.len() > 1 && now.duration_since(ring[1].at) >= WINDOW {
            ring.pop_front();
        }
    }

    /// The snapshot: totals now, and the window against the right baseline sample.
    pub(crate) fn snapshot(
        &self,
        families: &BTreeMap<String, FamilySeries>,
        groups: &[Group],
        process: ProcessStats,
        uptime: Duration,
    ) -> Snapshot {
        self.snapshot_at(Instant::now(), families, groups, process, uptime)
    }

    fn snapshot_at(
        &self,
        now: Instant,
        families: &BTreeMap<String, FamilySeries>,
        groups: &[Group],
        process: ProcessStats,
        uptime: Duration,
    ) -> Snapshot {
        let current = totals(families, groups);
        let ring = self.ring();
        let base = ring
            .iter()
            .rev()
            .find(|s| now.duration_since(s.at) >= WINDOW)
            .unwrap_or(&ring[0]);
        let window = now.duration_since(base.at).as_secs_f64().max(f64::EPSILON);
        let empty = Totals::default();
        let operations = current
            .into_iter()
            .map(|((family, op), t)| {
                let before = base
                    .ops
                    .get(&(family.clone(), op.clone()))
                    .unwrap_or(&empty);
                let calls = t.calls.saturating_sub(before.calls);
                let errors: u64 = t
                    .errors
                    .iter()
                    .map(|(c, n)| n.saturating_sub(*before.errors.get(c).unwrap_or(&0)))
                    .sum();
                let failures = t.failures.saturating_sub(before.failures);
                let delta: Vec<(f64, u64)> = t
                    .buckets
                    .iter()
                    .map(|(le, n)| {
                        let old = before
                            .buckets
                            .iter()
                            .find(|(b, _)| b == le)
                            .map_or(0, |(_, v)| *v);
                        (*le, n.saturating_sub(old))
                    })
                    .collect();
                OperationStats {
                    family,
                    op,
                    calls: t.calls,
                    errors: t.errors,
                    failures: t.failures,
                    window: WindowStats {
                        calls,
                        calls_per_second: calls as f64 / window,
                        error_ratio: (calls > 0).then(|| errors as f64 / calls as f64),
                        failure_ratio: (calls > 0).then(|| failures as f64 / calls as f64),
                        p50_seconds: quantile(0.5, &delta),
                        p95_seconds: quantile(0.95, &delta),
                        p99_seconds: quantile(0.99, &delta),
                    },
                }
            })
            .collect();
        Snapshot {
            uptime_seconds: uptime.as_secs_f64(),
            process,
            window_seconds: window,
            operations,
        }
    }
}

/// The `q` quantile of cumulative `(le, count)` buckets (`+Inf` last), interpolated linearly
/// within the bucket it falls in, as Prometheus's `histogram_quantile` does. In the `+Inf`
/// bucket it is the highest finite bound.
pub(crate) fn quantile(q: f64, buckets: &[(f64, u64)]) -> Option<Quantile> {
    let total = buckets.last()?.1;
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut lower: Option<(f64, u64)> = None;
    for &(le, count) in buckets {
        if count as f64 >= rank {
            return Some(match lower {
                None if le.is_infinite() => Quantile::Above { above_seconds: 0.0 },
                None => Quantile::Below { below_seconds: le },
                Some((bound, _)) if le.is_infinite() => Quantile::Above {
                    above_seconds: bound,
                },
                Some((bound, below)) => {
                    let in_bucket = (count - below) as f64;
                    let fraction = if in_bucket == 0.0 {
                        1.0
                    } else {
                        (rank - below as f64) / in_bucket
                    };
                    // To the nanosecond: an interpolation's float noise (`0.039999999999999994`)
                    // is no information.
                    Quantile::Seconds(((bound + (le - bound) * fraction) * 1e9).round() / 1e9)
                }
            });
        }
        lower = Some((le, count));
    }
    lower.map(|(bound, _)| Quantile::Above {
        above_seconds: bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::{FamilySeries, Value};

    fn families(calls: u64, errors: u64) -> BTreeMap<String, FamilySeries> {
        let op = vec![("op".to_owned(), "get".to_owned())];
        let mut with_code = op.clone();
        with_code.push(("code".to_owned(), "not_found".to_owned()));
        with_code.push(("class".to_owned(), "failure".to_owned()));
        let mut expected = op.clone();
        expected.push(("code".to_owned(), "invalid_value".to_owned()));
        expected.push(("class".to_owned(), "expected".to_owned()));
        let mut f = BTreeMap::new();
        f.insert(
            "db_requests_total".to_owned(),
            FamilySeries {
                help: None,
                series: vec![(op, Value::Counter(calls))],
            },
        );
        f.insert(
            "db_requests_errors_total".to_owned(),
            FamilySeries {
                help: None,
                series: vec![
                    (with_code, Value::Counter(errors)),
                    // As many again, expected: in `errors` and `error_ratio`, not in failures.
                    (expected, Value::Counter(errors)),
                ],
            },
        );
        f
    }

    fn groups() -> Vec<Group> {
        vec![Group {
            base: "db_requests".into(),
            calls: "db_requests_total".into(),
            errors: "db_requests_errors_total".into(),
            duration: "db_requests_duration_seconds".into(),
            in_flight: None,
        }]
    }

    #[test]
    fn the_window_slides_and_memory_stays_bounded() {
        let stats = Stats::new();
        let t0 = stats.ring()[0].at;
        let process = ProcessStats {
            cpu_seconds_total: None,
            resident_memory_bytes: None,
        };
        // 1 call a second for 10 minutes, sampled every 10 s; errors start at minute 5.
        for i in 1..=60u64 {
            let secs = i * 10;
            let errors = secs.saturating_sub(300) / 2;
            stats.sample_at(
                t0 + Duration::from_secs(secs),
                &families(secs, errors),
                &groups(),
            );
        }
        assert!(
            stats.ring().len() <= 8,
            "the ring holds about a window of samples: {}",
            stats.ring().len()
        );
        let snap = stats.snapshot_at(
            t0 + Duration::from_secs(605),
            &families(605, 152),
            &groups(),
            process,
            Duration::ZERO,
        );
        assert!(
            (60.0..=70.0).contains(&snap.window_seconds),
            "{}",
            snap.window_seconds
        );
        let op = &snap.operations[0];
        assert_eq!((op.calls, op.errors["not_found"]), (605, 152));
        assert!((op.window.calls_per_second - 1.0).abs() < 1e-9);
        assert_eq!(op.failures, 152);
        let ratio = op.window.failure_ratio.unwrap();
        assert!(
            (ratio - 0.5).abs() < 0.05,
            "half the recent calls fail: {ratio}"
        );
        let all = op.window.error_ratio.unwrap();
        assert!(
            (all - 1.0).abs() < 0.1,
            "and as many again are expected: {all}"
        );
    }

    #[test]
    fn quantiles_interpolate_like_prometheus() {
        let b = [(0.1, 50), (0.2, 90), (0.4, 100), (f64::INFINITY, 100)];
        let seconds = |q| match quantile(q, &b) {
            Some(Quantile::Seconds(s)) => s,
            other => panic!("{q}: {other:?}"),
        };
        assert!((seconds(0.7) - 0.15).abs() < 1e-9);
        assert_eq!(
            seconds(0.7).to_string(),
            "0.15",
            "to the nanosecond, without noise"
        );
        assert!((seconds(0.95) - 0.3).abs() < 1e-9);
        assert_eq!(
            quantile(0.5, &b),
            Some(Quantile::Below { below_seconds: 0.1 }),
            "in the first bucket: below its bound, not an invented value"
        );
        assert_eq!(quantile(0.5, &[(0.1, 0), (f64::INFINITY, 0)]), None);
        assert_eq!(
            quantile(0.99, &[(0.1, 1), (f64::INFINITY, 10)]),
            Some(Quantile::Above { above_seconds: 0.1 }),
            "+Inf: above the highest finite bound"
        );
        assert_eq!(
            serde_json::to_string(&[
                Quantile::Seconds(0.25),
                Quantile::Below {
                    below_seconds: 1e-6
                }
            ])
            .unwrap(),
            r#"[0.25,{"below_seconds":1e-6}]"#
        );
    }
}
