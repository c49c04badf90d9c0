//! The call path's cost as ratios to its floor, measured interleaved: the variants take turns in
//! slices of 500,000 calls, 200 rounds, and each slice is divided by the floor's slice of the
//! same round. A shared machine's speed drifts over seconds, which moves a figure that
//! criterion measures for three seconds before the next; within one round the variants see
//! the same machine, so the median of the per-round ratios, with its quartiles, is a steadier
//! reading of the same quantity. `overhead.rs` has the full set of variants and the absolute
//! figures.
//!
//! The function is the one `overhead.rs` measures (`common/work.rs`): `work(x) -> Result<u64, E>`
//! failing 1 call in 16, with vitalsign installed and its JSON log lines going to `/dev/null`.
//! Variants:
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
#[path = "common/work.rs"]
mod work;

use std::hint::black_box;
use std::time::Instant;

use vitalsign::instrumented;
use work::{Work, WorkError, bare, bare_quanta_clock, bare_rdtsc, ready};

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
    ready(async_instrumented(x))
}

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

/// The first quartile, the median and the third quartile of `v`.
fn quartiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 4], v[v.len() / 2], v[v.len() * 3 / 4])
}

/// The quartiles of variant `of`'s slices over variant `to`'s of the same rounds.
fn ratios(slices: &[Vec<f64>], of: usize, to: usize) -> (f64, f64, f64) {
    quartiles(
        slices[of]
            .iter()
            .zip(&slices[to])
            .map(|(a, b)| a / b)
            .collect(),
    )
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
        let (_, ns, _) = quartiles(slices[i].clone());
        let (p25, ratio, p75) = ratios(&slices, i, 0);
        println!("{name:<20} {ns:>10.2} {p25:>8.3} {ratio:>8.3} {p75:>8.3}");
    }
    for (of, to) in [(6, 2), (5, 3)] {
        let (p25, ratio, p75) = ratios(&slices, of, to);
        let (of, to) = (VARIANTS[of].0, VARIANTS[to].0);
        println!("{of} / {to}: {ratio:.3} (p25 {p25:.3}, p75 {p75:.3})");
    }
}
