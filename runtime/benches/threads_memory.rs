//! Two harnesses for the performance work: aggregate throughput of two threads on one call site
//! against one thread (several interleaved rounds, since the VM's core placement varies), for
//! `#[instrumented]` with its default options (failures logged, a JSON subscriber installed and
//! writing to `/dev/null`), with `log = "off"`, and for hand-written `metrics` code on the stock
//! exporter's recorder; and resident memory after 10^8 instrumented calls with no scrape.
//!
//! Run: `cargo bench -p vitalsign --bench threads_memory`.
#![allow(missing_docs)]

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use vitalsign::{ErrorCode, instrumented};

#[derive(Debug, ErrorCode)]
enum WorkError {
    Odd,
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "logged_site")]
fn work_logged(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "shared_site", log = "off")]
fn work(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
fn hand_cached_stock(x: u64) -> Result<u64, WorkError> {
    let h = common::stock();
    let start = Instant::now();
    let r = if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    };
    h.calls.increment(1);
    h.duration.record(start.elapsed().as_secs_f64());
    if r.is_err() {
        h.errors.increment(1);
    }
    r
}

type Work = fn(u64) -> Result<u64, WorkError>;

fn run(f: Work, threads: u64, calls_per_thread: u64) -> Duration {
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for i in 0..calls_per_thread {
                    let _ = black_box(f(black_box(t * calls_per_thread + i)));
                }
            });
        }
    });
    started.elapsed()
}

/// Rounds of one thread then two on `f`'s one call site; prints each and the range.
fn scaling(label: &str, f: Work, rounds: usize, calls: u64) {
    let _ = run(f, 1, calls / 10);
    let mut speedups = Vec::new();
    for _ in 0..rounds {
        let one = run(f, 1, calls);
        let two = run(f, 2, calls);
        // Two threads made twice the calls: the aggregate speed-up is 2 x t1 / t2.
        speedups.push(2.0 * one.as_secs_f64() / two.as_secs_f64());
        println!(
            "{label}: one thread {:.1} ns/call; two threads {:.1} ns per call each, aggregate speed-up {:.2}x",
            one.as_nanos() as f64 / calls as f64,
            two.as_nanos() as f64 / calls as f64,
            speedups.last().unwrap()
        );
    }
    let (lo, hi) = speedups
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), s| (lo.min(*s), hi.max(*s)));
    println!(
        "{label}: two-thread aggregate speed-up over {} rounds: {lo:.2}x to {hi:.2}x",
        speedups.len()
    );
}

fn resident_bytes() -> u64 {
    vitalsign::health::builtin::resident_bytes().expect("/proc/self/statm")
}

fn main() {
    // `cargo test --benches` runs benches with `--test`; keep that quick.
    let quick = std::env::args().any(|a| a == "--test");
    let _vitals = common::install_logging_to_dev_null();
    // Memory first, before the scaling rounds' threads and log lines leave allocator state
    // behind that would blur it; the site is bound by a first call.
    let total = if quick { 100_000 } else { 100_000_000 };
    let _ = run(work, 1, 1);
    let before = resident_bytes();
    let _ = run(work, 1, total);
    let grown = resident_bytes().saturating_sub(before);
    println!("{total} calls, no scrape: resident memory grew {grown} bytes");

    let calls = if quick { 10_000 } else { 5_000_000 };
    let rounds = if quick { 1 } else { 5 };
    scaling("instrumented, default options", work_logged, rounds, calls);
    scaling("instrumented, log = off", work, rounds, calls);
    scaling(
        "hand-written, stock exporter",
        hand_cached_stock,
        rounds,
        calls,
    );
}
