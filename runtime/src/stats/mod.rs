//! `/stats`, `/stats/history` and the status page's figures: per operation, calls and errors by
//! code since start, and over a recent window the call rate, the error ratios and p50/p95/p99
//! latency; a history of the same figures; process CPU, memory and uptime.
//!
//! None of it costs the call path anything: a sampler copies the cumulative counters and
//! buckets every `status.sample_every` (5 s) into a ring. A snapshot compares "now" with the
//! newest sample at least a minute old; each sample adds to the history (`history.rs`) one
//! point per operation, its figures since the sample before. `/stats` and the page read the
//! same samples. Memory: the ring holds about a minute of samples; the history, a fixed number
//! of points per operation.

mod declared;
mod history;
mod quantile;

use crate::sync::MutexExt;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::catalogue::Group;
use crate::recorder::{FamilySeries, Value};

pub(crate) use declared::{DeclaredFamily, Reading, SHOWN_SERIES, declared};
pub use history::{History, OperationHistory, Point, ProcessPoint};
pub use quantile::Quantile;
use quantile::quantile;

/// How far back `/stats` looks for rates and percentiles: a minute, long enough to hold a
/// dozen samples, short enough to show a change as it happens.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// How the sampler runs (`status.sample_every`, `status.history`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sampling {
    /// Time between samples.
    pub every: Duration,
    /// Points the history keeps per operation.
    pub points: usize,
}

/// One operation: a family group's base name and its `op` label.
type OpKey = (String, String);

#[derive(Debug, Clone, Default)]
struct Totals {
    calls: u64,
    /// By code: the count, and whether the code's class is `expected`.
    errors: BTreeMap<String, (u64, bool)>,
    /// Cumulative `(le, count)`, `+Inf` last.
    buckets: Vec<(f64, u64)>,
}

#[derive(Debug)]
struct Sample {
    at: Instant,
    ops: BTreeMap<OpKey, Totals>,
    cpu_seconds: Option<f64>,
}

/// What one snapshot reports.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Seconds since install.
    pub uptime_seconds: f64,
    /// CPU, memory, descriptors and threads of the whole process, from the `process_*`
    /// families.
    pub process: ProcessStats,
    /// Length of the window the `window` figures cover (about 60 s; less just after start).
    pub window_seconds: f64,
    /// Per operation, sorted by family and op.
    pub operations: Vec<OperationStats>,
}

/// Process figures; `None` where the platform or the build (the `process` feature) gives none.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcessStats {
    /// CPU seconds used since start.
    pub cpu_seconds_total: Option<f64>,
    /// Resident memory.
    pub resident_memory_bytes: Option<f64>,
    /// Open file descriptors.
    pub open_fds: Option<f64>,
    /// The limit on open file descriptors.
    pub max_fds: Option<f64>,
    /// OS threads.
    pub threads: Option<f64>,
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
    /// Each error code seen: its class, its count since start and in the window.
    pub codes: Vec<CodeStats>,
    /// Rate, error ratio and percentiles over the window.
    pub window: WindowStats,
}

/// One error code of one operation.
#[derive(Debug, Clone, Serialize)]
pub struct CodeStats {
    /// The `code` label.
    pub code: String,
    /// `expected` or `failure`, the `class` label.
    pub class: &'static str,
    /// Errors with this code since start.
    pub total: u64,
    /// Errors with this code in the window.
    pub window: u64,
}

/// Figures over a window. In JSON each quantile is two fields of one type each:
/// `p99_seconds`, a number (or `null` without calls), and `p99_bound`, `null` when the number
/// is interpolated between two bounds, `"below"` when the quantile is at most that first bound,
/// `"above"` when it is past that highest bound.
#[derive(Debug, Clone)]
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

impl Serialize for WindowStats {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("WindowStats", 10)?;
        out.serialize_field("calls", &self.calls)?;
        out.serialize_field("calls_per_second", &self.calls_per_second)?;
        out.serialize_field("error_ratio", &self.error_ratio)?;
        out.serialize_field("failure_ratio", &self.failure_ratio)?;
        for (seconds, bound, q) in [
            ("p50_seconds", "p50_bound", self.p50_seconds),
            ("p95_seconds", "p95_bound", self.p95_seconds),
            ("p99_seconds", "p99_bound", self.p99_seconds),
        ] {
            out.serialize_field(seconds, &q.map(Quantile::seconds))?;
            out.serialize_field(bound, &q.and_then(Quantile::bound))?;
        }
        out.end()
    }
}

impl Totals {
    /// `count` of errors of `code` since `before`.
    fn code_since(&self, before: &Totals, code: &str) -> u64 {
        let old = before.errors.get(code).map_or(0, |(n, _)| *n);
        self.errors
            .get(code)
            .map_or(0, |(n, _)| n.saturating_sub(old))
    }

    /// What happened between `before` and `self`, as the figures of `seconds`.
    fn since(&self, before: &Totals, seconds: f64) -> WindowStats {
        let calls = self.calls.saturating_sub(before.calls);
        let (mut errors, mut failures) = (0, 0);
        for (code, (_, expected)) in &self.errors {
            let n = self.code_since(before, code);
            errors += n;
            if !expected {
                failures += n;
            }
        }
        let delta: Vec<(f64, u64)> = self
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
        WindowStats {
            calls,
            calls_per_second: calls as f64 / seconds,
            error_ratio: (calls > 0).then(|| errors as f64 / calls as f64),
            failure_ratio: (calls > 0).then(|| failures as f64 / calls as f64),
            p50_seconds: quantile(0.5, &delta),
            p95_seconds: quantile(0.95, &delta),
            p99_seconds: quantile(0.99, &delta),
        }
    }
}

/// The samples of the last window, taken every `Sampling::every`, oldest first, and the
/// history the samples add to: what the windowed figures and the plots are computed from,
/// bounded in memory.
#[derive(Debug)]
pub(crate) struct Stats {
    sampling: Sampling,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    ring: VecDeque<Sample>,
    history: history::Rings,
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
            if let (Some(op), Value::Counter(n, ..)) = (op_of(labels), value) {
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
            if let (Some(op), Some(code), Value::Counter(n, ..)) = (op_of(labels), code, value) {
                let totals = out.entry((g.base.clone(), op.to_owned())).or_default();
                let entry = totals.errors.entry(code.clone()).or_insert((0, expected));
                entry.0 += n;
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

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

impl Stats {
    /// A ring holding one empty sample, the baseline at install, and an empty history.
    pub(crate) fn new(sampling: Sampling) -> Self {
        Self {
            sampling,
            state: Mutex::new(State {
                ring: VecDeque::from([Sample {
                    at: Instant::now(),
                    ops: BTreeMap::new(),
                    cpu_seconds: None,
                }]),
                history: history::Rings::new(sampling.points),
            }),
        }
    }

    /// Time between samples.
    pub(crate) fn every(&self) -> Duration {
        self.sampling.every
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock_unpoisoned()
    }

    /// Records the current totals and the history's points since the sample before; keeps
    /// only the samples a window can still need.
    pub(crate) fn sample(
        &self,
        families: &BTreeMap<String, FamilySeries>,
        groups: &[Group],
        process: &ProcessStats,
    ) {
        self.sample_at(Instant::now(), SystemTime::now(), families, groups, process);
    }

    fn sample_at(
        &self,
        now: Instant,
        wall: SystemTime,
        families: &BTreeMap<String, FamilySeries>,
        groups: &[Group],
        process: &ProcessStats,
    ) {
        let ops = totals(families, groups);
        let at = unix_seconds(wall);
        let mut state = self.state();
        let State { ring, history } = &mut *state;
        let empty = Totals::default();
        if let Some(last) = ring.back() {
            let seconds = now.duration_since(last.at).as_secs_f64().max(f64::EPSILON);
            for (key, t) in &ops {
                let before = last.ops.get(key).unwrap_or(&empty);
                let figures = t.since(before, seconds);
                history.push_op(key, Point { at, figures });
            }
            let cpu_cores = process
                .cpu_seconds_total
                .zip(last.cpu_seconds)
                .map(|(now, before)| (now - before).max(0.0) / seconds);
            history.push_process(ProcessPoint {
                at,
                cpu_cores,
                resident_memory_bytes: process.resident_memory_bytes,
            });
        }
        ring.push_back(Sample {
            at: now,
            ops,
            cpu_seconds: process.cpu_seconds_total,
        });
        // Keep the newest sample at least a window old, and everything after it.
        while ring.len() > 1 && now.duration_since(ring[1].at) >= WINDOW {
            ring.pop_front();
        }
    }

    /// The history, as `/stats/history` serves it.
    pub(crate) fn history(&self) -> History {
        self.state().history.view(self.sampling.every.as_secs_f64())
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
        let state = self.state();
        let ring = &state.ring;
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
                let codes = t
                    .errors
                    .iter()
                    .map(|(code, (total, expected))| CodeStats {
                        code: code.clone(),
                        class: if *expected {
                            vitalsign_naming::EXPECTED_CLASS
                        } else {
                            vitalsign_naming::FAILURE_CLASS
                        },
                        total: *total,
                        window: t.code_since(before, code),
                    })
                    .collect();
                OperationStats {
                    window: t.since(before, window),
                    errors: t.errors.iter().map(|(c, (n, _))| (c.clone(), *n)).collect(),
                    failures: t.errors.values().filter(|(_, e)| !e).map(|(n, _)| n).sum(),
                    codes,
                    calls: t.calls,
                    family,
                    op,
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
                series: vec![(op, Value::Counter(calls, None, None))],
            },
        );
        f.insert(
            "db_requests_errors_total".to_owned(),
            FamilySeries {
                help: None,
                series: vec![
                    (with_code, Value::Counter(errors, None, None)),
                    // As many again, expected: in `errors` and `error_ratio`, not in failures.
                    (expected, Value::Counter(errors, None, None)),
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
    fn each_quantile_field_keeps_one_json_type() {
        let window = |q: Option<Quantile>| WindowStats {
            calls: 1,
            calls_per_second: 1.0,
            error_ratio: Some(0.0),
            failure_ratio: Some(0.0),
            p50_seconds: q,
            p95_seconds: q,
            p99_seconds: q,
        };
        let json = |q| serde_json::to_value(window(q)).unwrap();
        let below = json(Some(Quantile::Below {
            below_seconds: 1e-6,
        }));
        assert_eq!(
            (&below["p50_seconds"], &below["p50_bound"]),
            (&1e-6.into(), &"below".into())
        );
        let between = json(Some(Quantile::Seconds(0.25)));
        assert_eq!(
            (&between["p99_seconds"], &between["p99_bound"]),
            (&0.25.into(), &serde_json::Value::Null)
        );
        let above = json(Some(Quantile::Above { above_seconds: 5.0 }));
        assert_eq!(above["p95_bound"], "above");
        let none = json(None);
        assert!(none["p95_seconds"].is_null() && none["p95_bound"].is_null());
    }

    #[test]
    fn the_window_slides_and_memory_stays_bounded() {
        // Sampled every 10 s, a history of 30 points.
        let stats = Stats::new(Sampling {
            every: Duration::from_secs(10),
            points: 30,
        });
        let t0 = stats.state().ring[0].at;
        let wall0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let process = |cpu: f64| ProcessStats {
            cpu_seconds_total: Some(cpu),
            resident_memory_bytes: Some(1e6),
            ..ProcessStats::default()
        };
        // 1 call a second for 10 minutes; errors start at minute 5; a quarter of a core busy.
        for i in 1..=60u64 {
            let secs = i * 10;
            let errors = secs.saturating_sub(300) / 2;
            stats.sample_at(
                t0 + Duration::from_secs(secs),
                wall0 + Duration::from_secs(secs),
                &families(secs, errors),
                &groups(),
                &process(secs as f64 / 4.0),
            );
        }
        assert!(
            stats.state().ring.len() <= 8,
            "the ring holds about a window of samples: {}",
            stats.state().ring.len()
        );
        let snap = stats.snapshot_at(
            t0 + Duration::from_secs(605),
            &families(605, 152),
            &groups(),
            process(0.0),
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
        let classes: Vec<_> = op
            .codes
            .iter()
            .map(|c| (c.code.as_str(), c.class))
            .collect();
        assert_eq!(
            classes,
            [("invalid_value", "expected"), ("not_found", "failure")]
        );
        assert!(op.codes.iter().all(|c| c.total == 152 && c.window > 0));

        // The history: the last 30 of the 60 points, oldest first, each its own interval.
        let history = stats.history();
        assert_eq!(history.sample_every_seconds, 10.0);
        let points = &history.operations[0].points;
        assert_eq!(points.len(), 30, "bounded by the configured count");
        assert_eq!(points[0].at, 1_000_310.0);
        assert_eq!(points[29].at, 1_000_600.0);
        assert!(points.iter().all(|p| p.figures.calls == 10));
        assert!(
            points
                .iter()
                .all(|p| (p.figures.failure_ratio.unwrap() - 0.5).abs() < 1e-9)
        );
        assert_eq!(history.process.len(), 30);
        assert!(
            history
                .process
                .iter()
                .all(|p| (p.cpu_cores.unwrap() - 0.25).abs() < 1e-9)
        );
        // Memory: allocated once to its bound, whatever was sampled.
        assert_eq!(
            stats.state().history.reserved_bytes(),
            30 * (std::mem::size_of::<Point>() + std::mem::size_of::<ProcessPoint>())
        );
        assert_eq!(
            std::mem::size_of::<Point>(),
            104,
            "the per-point cost history.rs and docs/status.md state"
        );
    }
}
