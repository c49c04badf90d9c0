//! Per-call overhead of `#[instrumented]` against the alternatives a user would write by hand.
//!
//! The same trivial function, `work(x) -> Result<u64, E>` failing 1 call in 16, recorded four
//! ways into the same installed vitalsign recorder (counter + duration histogram + errors by
//! code):
//!
//! - `bare`: no instrumentation (the floor);
//! - `bare_std_clock`, `bare_quanta_clock`: `bare` plus two reads of `std::time::Instant` or of
//!   the raw TSC through `quanta` (the clock vitalsign's call path reads), the duration computed
//!   and kept: the floor of any timing instrumentation with that clock;
//! - `bare_rdtsc`: `bare` plus two `rdtsc` instructions inline (vitalsign's call path reads the
//!   TSC so where `quanta` does), the lower floor;
//! - `instrumented`: `#[instrumented]` as configured by default, which logs each failure
//!   (at most 100 lines a second per call site);
//! - `instrumented_no_log`: `#[instrumented(log = "off")]`, recording exactly what the
//!   hand-written variant records;
//! - `hand_cached`: hand-written `metrics` code with handles resolved once into statics;
//! - `hand_cached_stock`: the same code with handles from `metrics-exporter-prometheus`'s
//!   recorder (upkeep every 5 s, as its installer schedules it), the performance issue's
//!   reference variant;
//! - `macros_per_call`: `metrics::counter!`/`histogram!` on every call (a registry lookup each).
//!
//! And, with a JSON log subscriber installed (writing to `/dev/null`), two functions that always
//! succeed: `ok_log_errors` (the default `log = "errors"`) and `ok_log_off` (`log = "off"`). A
//! successful call must pay nothing for logging: the two should match within noise.
//! `err_log_off` always fails: the error path against `ok_log_off`; `err_log_errors` always
//! fails with failures logged (the limit lets 100 lines a second through, and drops the rest). `ok_with_fields` is
//! `ok_log_errors` with `fields(x = %x)`: the span a call with fields runs in, under that
//! subscriber.
//!
//! And the same function as an `async fn`, bare and instrumented, each call's future polled to
//! completion once with a no-op waker (`async_bare`, `async_instrumented`): what the attribute
//! adds to an async call, without an executor's own cost in the figure.
//!
//! Run: `cargo bench -p vitalsign --bench overhead`. Compare ratios within one run.
#![allow(missing_docs)]

mod common;
#[path = "common/work.rs"]
mod work;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Instant;

use common::{Cached, stock};
use criterion::{Criterion, criterion_group, criterion_main};
use vitalsign::{ErrorCode, instrumented};
use work::{Work, WorkError, bare, bare_quanta_clock, bare_rdtsc, ready};

#[inline(never)]
fn bare_std_clock(x: u64) -> Result<u64, WorkError> {
    let start = Instant::now();
    let r = bare(x);
    black_box(start.elapsed());
    r
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "instrumented")]
fn instrumented(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "ok_logged")]
fn ok_log_errors(x: u64) -> Result<u64, WorkError> {
    if x == u64::MAX {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "ok_unlogged", log = "off")]
fn ok_log_off(x: u64) -> Result<u64, WorkError> {
    if x == u64::MAX {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "ok_fields", fields(x = %x))]
fn ok_with_fields(x: u64) -> Result<u64, WorkError> {
    if x == u64::MAX {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "instrumented_quiet", log = "off")]
fn instrumented_no_log(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "err_logged")]
fn err_log_errors(x: u64) -> Result<u64, WorkError> {
    if x == u64::MAX {
        Ok(x)
    } else {
        Err(WorkError::Odd)
    }
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "err_unlogged", log = "off")]
fn err_log_off(x: u64) -> Result<u64, WorkError> {
    if x == u64::MAX {
        Ok(x)
    } else {
        Err(WorkError::Odd)
    }
}

fn cached() -> &'static Cached {
    static HANDLES: OnceLock<Cached> = OnceLock::new();
    HANDLES.get_or_init(|| Cached {
        calls: metrics::counter!("bench_hand_total", "op" => "hand"),
        duration: metrics::histogram!("bench_hand_duration_seconds", "op" => "hand"),
        errors: metrics::counter!("bench_hand_errors_total", "op" => "hand", "code" => "odd"),
    })
}

#[inline(never)]
fn hand_cached(x: u64) -> Result<u64, WorkError> {
    record_by_hand(cached(), x)
}

#[inline(never)]
fn hand_cached_stock(x: u64) -> Result<u64, WorkError> {
    record_by_hand(stock(), x)
}

#[inline(always)]
fn record_by_hand(h: &Cached, x: u64) -> Result<u64, WorkError> {
    let start = Instant::now();
    let r = bare(x);
    h.calls.increment(1);
    h.duration.record(start.elapsed().as_secs_f64());
    if let Err(e) = &r {
        debug_assert_eq!(e.error_code(), "odd");
        h.errors.increment(1);
    }
    r
}

#[inline(never)]
fn macros_per_call(x: u64) -> Result<u64, WorkError> {
    let start = Instant::now();
    let r = bare(x);
    metrics::counter!("bench_macro_total", "op" => "macro").increment(1);
    metrics::histogram!("bench_macro_duration_seconds", "op" => "macro")
        .record(start.elapsed().as_secs_f64());
    if let Err(e) = &r {
        metrics::counter!("bench_macro_errors_total", "op" => "macro", "code" => e.error_code())
            .increment(1);
    }
    r
}

#[inline(never)]
async fn async_bare(x: u64) -> Result<u64, WorkError> {
    bare(x)
}

#[inline(never)]
#[instrumented(namespace = "bench", name = "instrumented_async")]
async fn async_instrumented(x: u64) -> Result<u64, WorkError> {
    bare(x)
}

#[inline(never)]
fn async_bare_polled(x: u64) -> Result<u64, WorkError> {
    ready(async_bare(x))
}

#[inline(never)]
fn async_instrumented_polled(x: u64) -> Result<u64, WorkError> {
    ready(async_instrumented(x))
}

fn overhead(c: &mut Criterion) {
    let _vitals = common::install_logging_to_dev_null();
    let mut group = c.benchmark_group("overhead");
    let variants: [(&str, Work); 16] = [
        ("bare", bare),
        ("bare_std_clock", bare_std_clock),
        ("bare_quanta_clock", bare_quanta_clock),
        ("bare_rdtsc", bare_rdtsc),
        ("instrumented", instrumented),
        ("instrumented_no_log", instrumented_no_log),
        ("hand_cached", hand_cached),
        ("hand_cached_stock", hand_cached_stock),
        ("macros_per_call", macros_per_call),
        ("ok_log_errors", ok_log_errors),
        ("ok_log_off", ok_log_off),
        ("ok_with_fields", ok_with_fields),
        ("err_log_errors", err_log_errors),
        ("err_log_off", err_log_off),
        ("async_bare", async_bare_polled),
        ("async_instrumented", async_instrumented_polled),
    ];
    for (name, f) in variants {
        group.bench_function(name, |b| {
            let mut x = 0u64;
            b.iter(|| {
                x = x.wrapping_add(1);
                black_box(f(black_box(x))).ok()
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = overhead
}
criterion_main!(benches);
