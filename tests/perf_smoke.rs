//! A smoke check of the call path's cost, cheap enough for every CI run: `#[instrumented]`
//! against hand-written `metrics` code with handles cached in statics, recording the same three
//! series into the same installed recorder. It fails only on a gross regression (a per-call
//! registry lookup, a lock, an allocation would each push the ratio well past 1.0); the figures
//! themselves come from the criterion benches (docs/performance.md).
//!
//! Meaningful only with optimisations: CI runs `cargo test --release --test perf_smoke`; a debug
//! build says it skipped.

mod common;

use std::hint::black_box;
use std::sync::OnceLock;
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

/// The time of `calls` calls of `f`.
fn timed(f: fn(u64) -> Result<u64, WorkError>, calls: u64) -> Duration {
    let started = Instant::now();
    for x in 0..calls {
        let _ = black_box(f(black_box(x)));
    }
    started.elapsed()
}

#[test]
fn instrumented_costs_less_than_hand_written_cached_handles() {
    if cfg!(debug_assertions) {
        common::skipped(
            "perf_smoke",
            "timing needs an optimised build: cargo test --release --test perf_smoke",
        );
        return;
    }
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .install()
        .unwrap();
    const CALLS: u64 = 250_000;
    const ROUNDS: usize = 12;
    // Warm both paths (handles bound, caches filled), then alternate the variants so that a
    // noisy moment falls on both; keep each one's best round.
    timed(instrumented, CALLS);
    timed(hand_cached, CALLS);
    let (mut ours, mut hand) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        ours = ours.min(timed(instrumented, CALLS));
        hand = hand.min(timed(hand_cached, CALLS));
    }
    let ratio = ours.as_secs_f64() / hand.as_secs_f64();
    let per_call = |d: Duration| d.as_secs_f64() * 1e9 / CALLS as f64;
    common::say(&format!(
        "perf_smoke: instrumented {:.1} ns, hand-cached {:.1} ns per call, ratio {ratio:.2} (must stay under 1.0)",
        per_call(ours),
        per_call(hand)
    ));
    assert!(
        ratio < 1.0,
        "#[instrumented] costs {ratio:.2}x hand-written cached handles (ours {:.1} ns, hand {:.1} ns per call)",
        per_call(ours),
        per_call(hand)
    );
    // Every call was counted: the smoke check measured the real path, not a no-op.
    let s = common::parse(&vitals.render()).unwrap();
    let counted = s.get("smoke_instrumented_total", &[("op", "instrumented")]);
    assert_eq!(counted, (CALLS * (ROUNDS as u64 + 1)) as f64);
}
