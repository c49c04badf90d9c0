//! Declared metrics (`#[derive(MetricGroup)]`) against the same records written by hand on
//! cached `metrics` handles, in one run so that ratios compare like with like:
//!
//! - `group_counter`, `group_gauge_set`, `group_histogram`: a group field's record;
//! - `hand_counter`, `hand_gauge_set`, `hand_histogram`: a `metrics` handle registered once with
//!   vitalsign's recorder (the same storage, reached through the handle's dynamic dispatch);
//! - `stock_counter`, `stock_gauge_set`, `stock_histogram`: a handle of the stock
//!   `metrics-exporter-prometheus` recorder, what a hand-written server uses today;
//! - `typed_label_counter`: a `Counter<Op>` record, the label changing every call;
//! - `dynamic_label_counter`: a `Counter<Dynamic>` record of a value already seen;
//! - `instrumented_static_label`, `instrumented_arg_label`: the same trivial function under
//!   `#[instrumented(log = "off")]`, with `labels(op = .., kind = "get")` and with
//!   `labels(op = .., kind = kind)` from its `Op` argument (changing every call);
//!   `instrumented_text_label`: the same with `kind` from a `&str` argument, `max_series = 8`.
//!
//! Then, outside criterion, the aggregate speed-up of two threads recording into one group
//! counter against one thread (several rounds).
//!
//! Run: `cargo bench -p vitalsign --bench declared`. Compare ratios within one run.
#![allow(missing_docs)]

// Each bench uses its part of the shared peers.
#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::Criterion;
use metrics::{Key, Level, Metadata};
use vitalsign::{
    Counter, Dynamic, Gauge, Histogram, LabelValue, MetricGroup, Vitals, instrumented,
};

#[derive(Debug, Clone, Copy, LabelValue)]
enum Op {
    Get,
    Set,
    Del,
    Incr,
}

const OPS: [Op; 4] = [Op::Get, Op::Set, Op::Del, Op::Incr];
const TEXTS: [&str; 4] = ["get", "set", "del", "incr"];

#[derive(MetricGroup)]
#[metric_group(namespace = "bench", subsystem = "group")]
struct Group {
    /// A plain counter.
    writes_total: Counter,
    /// A counter by a typed label.
    commands_total: Counter<Op>,
    /// A counter by a label from data.
    #[metric(label = "machine", max_series = 64)]
    events_total: Counter<Dynamic>,
    /// A gauge.
    queue_depth: Gauge,
    /// A histogram.
    write_bytes: Histogram,
}

static GROUP: Group = Group::new();

#[inline(never)]
#[instrumented(
    namespace = "bench",
    name = "labeled",
    labels(op = "static", kind = "get"),
    log = "off"
)]
fn static_label(x: u64, _kind: Op) -> u64 {
    x.wrapping_mul(31)
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "labeled", labels(op = "from_text", kind = kind), max_series = 8, log = "off")]
fn text_label(x: u64, kind: &str) -> u64 {
    let _ = kind;
    x.wrapping_mul(31)
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "labeled", labels(op = "from_arg", kind = kind), log = "off")]
fn arg_label(x: u64, kind: Op) -> u64 {
    let _ = kind;
    x.wrapping_mul(31)
}

/// The same three records on `metrics` handles.
struct Handles {
    counter: metrics::Counter,
    gauge: metrics::Gauge,
    histogram: metrics::Histogram,
}

fn handles(recorder: &dyn metrics::Recorder, prefix: &'static str) -> Handles {
    let meta = Metadata::new("bench", Level::INFO, None);
    let key = |name: &str| Key::from_name(format!("{prefix}_{name}"));
    Handles {
        counter: recorder.register_counter(&key("writes_total"), &meta),
        gauge: recorder.register_gauge(&key("queue_depth"), &meta),
        histogram: recorder.register_histogram(&key("write_bytes"), &meta),
    }
}

/// Handles of vitalsign's recorder, registered once.
fn hand() -> &'static Handles {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    HANDLES.get_or_init(|| metrics::with_recorder(|r| handles(r, "bench_hand")))
}

/// Handles of the stock exporter's recorder, its upkeep every 5 s as its installer schedules.
fn stock() -> &'static Handles {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    HANDLES.get_or_init(|| {
        let recorder = common::stock_recorder(&[64.0, 256.0, 1024.0, 4096.0, 16384.0]);
        let handles = handles(&recorder, "bench_stock");
        // The handles share the recorder's storage; it must outlive them.
        std::mem::forget(recorder);
        handles
    })
}

type Record = fn(u64);

fn variants() -> [(&'static str, Record); 14] {
    [
        ("group_counter", |_| GROUP.writes_total.increment()),
        ("hand_counter", |_| hand().counter.increment(1)),
        ("stock_counter", |_| stock().counter.increment(1)),
        ("group_gauge_set", |x| GROUP.queue_depth.set(x as f64)),
        ("hand_gauge_set", |x| hand().gauge.set(x as f64)),
        ("stock_gauge_set", |x| stock().gauge.set(x as f64)),
        ("group_histogram", |x| {
            GROUP.write_bytes.record((x & 4095) as f64);
        }),
        ("hand_histogram", |x| {
            hand().histogram.record((x & 4095) as f64)
        }),
        ("stock_histogram", |x| {
            stock().histogram.record((x & 4095) as f64);
        }),
        ("typed_label_counter", |x| {
            GROUP.commands_total.increment_with(OPS[(x & 3) as usize]);
        }),
        ("dynamic_label_counter", |_| {
            GROUP.events_total.increment_for(black_box("order_fsm"));
        }),
        ("instrumented_static_label", |x| {
            black_box(static_label(x, OPS[(x & 3) as usize]));
        }),
        ("instrumented_arg_label", |x| {
            black_box(arg_label(x, OPS[(x & 3) as usize]));
        }),
        ("instrumented_text_label", |x| {
            black_box(text_label(x, TEXTS[(x & 3) as usize]));
        }),
    ]
}

fn criterion_part(c: &mut Criterion) {
    let mut group = c.benchmark_group("declared");
    for (name, f) in variants() {
        // Bind before measuring: the first record of each resolves its storage.
        f(0);
        group.bench_function(name, |b| {
            let mut x = 0u64;
            b.iter(|| {
                x = x.wrapping_add(1);
                f(black_box(x));
            });
        });
    }
    group.finish();
}

fn run(threads: u64, records: u64) -> Duration {
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(move || {
                for _ in 0..records {
                    GROUP.writes_total.increment();
                }
            });
        }
    });
    started.elapsed()
}

fn scaling(rounds: usize, records: u64) {
    // Warm-up of both shapes: the first two-thread run also pays for spawning and first touches.
    let _ = run(1, records / 10);
    let _ = run(2, records / 10);
    let mut speedups = Vec::new();
    for _ in 0..rounds {
        let one = run(1, records);
        let two = run(2, records);
        speedups.push(2.0 * one.as_secs_f64() / two.as_secs_f64());
    }
    speedups.sort_by(f64::total_cmp);
    let (lo, median, hi) = (
        speedups[0],
        speedups[speedups.len() / 2],
        speedups[speedups.len() - 1],
    );
    println!(
        "group counter, two threads against one: aggregate speed-up median {median:.2}x, \
         {lo:.2}x to {hi:.2}x over {rounds} rounds"
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let _vitals = Vitals::builder().logging(false).install().expect("install");
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion_part(&mut c);
    c.final_summary();
    let (rounds, records) = if quick { (1, 10_000) } else { (7, 20_000_000) };
    scaling(rounds, records);
}
