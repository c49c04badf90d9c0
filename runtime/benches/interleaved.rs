//! The call path's cost as ratios to its floor, measured interleaved: the variants take turns in
//! slices of 500,000 calls, 200 rounds, and each slice is divided by the floor's slice of the
//! same round. A shared machine's speed drifts over seconds, which moves a figure that
//! criterion measures for three seconds before the next; within one round the variants see
//! the same machine, so the median of the per-round ratios, with its quartiles, is a steadier
//! reading of the same quantity. `overhead.rs` has the full set of variants and the absolute
//! figures.
//!
//! The function is `overhead.rs`'s: `work(x) -> Result<u64, E>` failing 1 call in 16, with
//! vitalsign installed and its JSON log lines going to `/dev/null`. Variants:
//!
//! - `bare_quanta_clock`: the function plus two raw TSC reads through `quanta`, the floor the
//!   performance issue names; every ratio is to it;
//! - `bare_rdtsc`: the function plus two inline `rdtsc`s, a lower floor;
//! - `instrumented`: `#[instrumented]` as configured by default (failures logged);
//! - `ok_log_errors`, `err_log_errors`, `err_log_off`: a call that always succeeds, one that
//!   always fails, logged and not;
//! - `async_instrumented`: `instrumented` as an `async fn`, polled to completion once.
//!
//! Run: `cargo bench -p vitalsign --bench interleaved` (`ROUNDS=n` for another count).
#![allow(missing_docs)]

#[allow(dead_code)] // the stock exporter's handles, which this bench does not compare against
mod common;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Instant;

use vitalsign::{ErrorCode, instrumented};

#[derive(Debug, ErrorCode)]
enum WorkError {
    Odd,
}

#[inline(never)]
fn bare(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

fn quanta_clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

#[inline(never)]
fn bare_quanta_clock(x: u64) -> Result<u64, WorkError> {
    let clock = quanta_clock();
    let start = clock.raw();
    let r = bare(x);
    black_box(clock.delta_as_nanos(start, clock.raw()));
    r
}

#[inline(never)]
fn bare_rdtsc(x: u64) -> Result<u64, WorkError> {
    let start = rdtsc();
    let r = bare(x);
    black_box(rdtsc().saturating_sub(start));
    r
}

#[inline(always)]
fn rdtsc() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every x86_64 processor has `rdtsc`.
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
    #[cfg(not(target_arch = "x86_64"))]
    quanta_clock().raw()
}

#[inline(never)]
#[instrumented(namespace = "interleaved", name = "instrumented")]
fn instrumented(x: u64) -> Result<u64, WorkError> {
    bare(x)
}

#[inline(never)]
#[instrumented(namespace = "interleaved", name = "ok")]
fn ok_log_errors(x: u64) -> Result<u64, WorkError> {
    bare(x & !15)
}

#[inline(never)]
#[instrumented(namespace = "interleaved", name = "err")]
fn err_log_errors(x: u64) -> Result<u64, WorkError> {
    bare(x | 15)
}

#[inline(never)]
#[instrumented(namespace = "interleaved", name = "err_quiet", log = "off")]
fn err_log_off(x: u64) -> Result<u64, WorkError> {
    bare(x | 15)
}

#[inline(never)]
#[instrumented(namespace = "interleaved", name = "instrumented_async")]
async fn async_instrumented(x: u64) -> Result<u64, WorkError> {
    bare(x)
}

#[inline(never)]
fn async_instrumented_polled(x: u64) -> Result<u64, WorkError> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(async_instrumented(x)).poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => unreachable!("the future never waits"),
    }
}

type Work = fn(u64) -> Result<u64, WorkError>;

const VARIANTS: [(&str, Work); 7] = [
    ("bare_quanta_clock", bare_quanta_clock),
    ("bare_rdtsc", bare_rdtsc),
    ("instrumented", instrumented),
    ("ok_log_errors", ok_log_errors),
    ("err_log_errors", err_log_errors),
    ("err_log_off", err_log_off),
    ("async_instrumented", async_instrumented_polled),
];

const CALLS: u32 = 500_000;
/// Rounds run first and not counted: caches, predictors and the log limiter settle.
const WARM_UP: usize = 5;

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 4], v[v.len() / 2], v[v.len() * 3 / 4])
}

fn main() {
    // `cargo bench` passes `--bench`; the filter arguments criterion takes mean nothing here.
    let _vitals = common::install_logging_to_dev_null();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut slices = vec![Vec::with_capacity(rounds); VARIANTS.len()];
    let mut x = 0_u64;
    for round in 0..WARM_UP + rounds {
        for (i, (_, f)) in VARIANTS.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..CALLS {
                x = x.wrapping_add(1);
                black_box(f(black_box(x))).ok();
            }
            if round >= WARM_UP {
                slices[i].push(start.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS));
            }
        }
    }
    println!(
        "{rounds} rounds of {CALLS} calls per variant; ratios to bare_quanta_clock's slice of the same round"
    );
    println!(
        "{:<20} {:>10} {:>8} {:>8} {:>8}",
        "variant", "ns/call", "p25", "ratio", "p75"
    );
    for (i, (name, _)) in VARIANTS.iter().enumerate() {
        let ratios = slices[i]
            .iter()
            .zip(&slices[0])
            .map(|(a, b)| a / b)
            .collect();
        let (_, ns, _) = median(slices[i].clone());
        let (p25, ratio, p75) = median(ratios);
        println!("{name:<20} {ns:>10.2} {p25:>8.3} {ratio:>8.3} {p75:>8.3}");
    }
    let to_sync = slices[6]
        .iter()
        .zip(&slices[2])
        .map(|(a, b)| a / b)
        .collect();
    let (p25, ratio, p75) = median(to_sync);
    println!("async_instrumented / instrumented: {ratio:.3} (p25 {p25:.3}, p75 {p75:.3})");
    let error_to_ok = slices[5]
        .iter()
        .zip(&slices[3])
        .map(|(a, b)| a / b)
        .collect();
    let (p25, ratio, p75) = median(error_to_ok);
    println!("err_log_off / ok_log_errors: {ratio:.3} (p25 {p25:.3}, p75 {p75:.3})");
}
