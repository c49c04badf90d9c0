//! A smoke check of the call path's cost, cheap enough for every CI run, in two ratios measured
//! in one process, so that the machine's speed cancels out:
//!
//! - against its floor, the same function between two raw clock reads (what a call must pay at
//!   least): at most [`FLOOR_BOUND`]. An uncontended lock or a heap allocation on the path
//!   exceeds it: the two negative controls here wrap the instrumented call in each and must fail
//!   the bound, or the check could not catch what it is for;
//! - against hand-written `metrics` code with handles cached in statics, recording the same three
//!   series into the same installed recorder: below 1.0.
//!
//! The figures themselves come from the criterion benches (docs/performance.md). Meaningful only
//! with optimisations: CI runs `cargo test --release -p vitalsign --test perf_smoke`, a build of
//! this package alone; a debug build says it skipped.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use metrics::{Counter, Histogram};
use vitalsign::{ErrorCode, instrumented};

#[derive(Debug, ErrorCode)]
enum WorkError {
    Odd,
}

#[inline(never)]
#[instrumented(namespace = "smoke", name = "instrumented", log = "off")]
fn instrumented(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

struct Handles {
    calls: Counter,
    duration: Histogram,
    errors: Counter,
}

fn handles() -> &'static Handles {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    HANDLES.get_or_init(|| Handles {
        calls: metrics::counter!("smoke_hand_total", "op" => "hand"),
        duration: metrics::histogram!("smoke_hand_duration_seconds", "op" => "hand"),
        errors: metrics::counter!("smoke_hand_errors_total", "op" => "hand", "code" => "odd"),
    })
}

/// What a careful user writes by hand: handles resolved once, two clock reads per call.
#[inline(never)]
fn hand_cached(x: u64) -> Result<u64, WorkError> {
    let h = handles();
    let start = Instant::now();
    let r = if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    };
    h.duration.record(start.elapsed().as_secs_f64());
    h.calls.increment(1);
    if r.is_err() {
        h.errors.increment(1);
    }
    r
}

/// The floor: the same work between two raw reads of the clock the call path reads, the
/// duration computed and kept.
#[inline(never)]
fn floor(x: u64) -> Result<u64, WorkError> {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    let clock = CLOCK.get_or_init(quanta::Clock::new);
    let start = clock.raw();
    let r = if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    };
    black_box(clock.delta_as_nanos(start, clock.raw()));
    r
}

/// Negative control: the instrumented call with an uncontended lock taken around it.
#[inline(never)]
fn locked(x: u64) -> Result<u64, WorkError> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _held = LOCK.lock().unwrap();
    instrumented(x)
}

/// Negative control: the instrumented call with one heap allocation beside it.
#[inline(never)]
fn allocating(x: u64) -> Result<u64, WorkError> {
    drop(black_box(Box::new(x)));
    instrumented(x)
}

/// At most this many times the floor. Measured: about 1.1 (docs/performance.md); an
/// uncontended lock or one allocation on the path give about 1.5 to 2 and must fail it.
const FLOOR_BOUND: f64 = 1.35;

/// One variant of the measured function.
type Work = fn(u64) -> Result<u64, WorkError>;

/// The time of `calls` calls of `f`.
fn timed(f: Work, calls: u64) -> Duration {
    let started = Instant::now();
    for x in 0..calls {
        let _ = black_box(f(black_box(x)));
    }
    started.elapsed()
}

#[test]
fn instrumented_costs_little_above_its_floor_and_less_than_hand_written_handles() {
    if cfg!(debug_assertions) {
        common::skipped(
            "perf_smoke",
            "timing needs an optimised build: cargo test --release -p vitalsign --test perf_smoke",
        );
        return;
    }
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .install()
        .unwrap();
    const CALLS: u64 = 250_000;
    const ROUNDS: usize = 12;
    let variants: [(&str, Work); 5] = [
        ("instrumented", instrumented),
        ("floor", floor),
        ("hand-cached", hand_cached),
        ("locked", locked),
        ("allocating", allocating),
    ];
    // Warm every path (handles bound, caches filled), then alternate the variants so that a
    // noisy moment falls on all; keep each one's best round.
    let mut best = [Duration::MAX; 5];
    for (_, f) in variants {
        timed(f, CALLS);
    }
    for _ in 0..ROUNDS {
        for (i, (_, f)) in variants.iter().enumerate() {
            best[i] = best[i].min(timed(*f, CALLS));
        }
    }
    let per_call = |d: Duration| d.as_secs_f64() * 1e9 / CALLS as f64;
    let ratio = |i: usize, of: usize| best[i].as_secs_f64() / best[of].as_secs_f64();
    let figures: Vec<String> = variants
        .iter()
        .zip(best)
        .map(|((name, _), d)| format!("{name} {:.1} ns", per_call(d)))
        .collect();
    let (to_floor, to_hand) = (ratio(0, 1), ratio(0, 2));
    let (locked_to_floor, allocating_to_floor) = (ratio(3, 1), ratio(4, 1));
    common::say(&format!(
        "perf_smoke: {}; instrumented/floor {to_floor:.2} (bound {FLOOR_BOUND}), \
         instrumented/hand-cached {to_hand:.2} (bound 1.0); negative controls: \
         locked/floor {locked_to_floor:.2}, allocating/floor {allocating_to_floor:.2} (each must exceed {FLOOR_BOUND})",
        figures.join(", ")
    ));
    assert!(
        to_floor < FLOOR_BOUND,
        "#[instrumented] costs {to_floor:.2}x its floor: {figures:?}"
    );
    assert!(
        to_hand < 1.0,
        "#[instrumented] costs {to_hand:.2}x hand-written cached handles: {figures:?}"
    );
    // The bound catches what it is for: a lock or an allocation on the path fails it.
    assert!(
        locked_to_floor > FLOOR_BOUND && allocating_to_floor > FLOOR_BOUND,
        "a lock ({locked_to_floor:.2}x) or an allocation ({allocating_to_floor:.2}x) on the path passes the bound {FLOOR_BOUND}: {figures:?}"
    );
    // Every call was counted: the smoke check measured the real path, not a no-op.
    let s = common::parse(&vitals.render()).unwrap();
    let counted = s.get("smoke_instrumented_total", &[("op", "instrumented")]);
    let calls_through = 3 * (CALLS * (ROUNDS as u64 + 1));
    assert_eq!(counted, calls_through as f64);
}
