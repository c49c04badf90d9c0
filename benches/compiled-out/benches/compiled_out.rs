//! Target: with the `metrics` feature off, an `#[instrumented]` function costs what the bare one
//! does.
//!
//! Run: `cargo bench -p vitalsign-bench-compiled-out` (on its own: built together with other
//! workspace packages, the feature would be unified back on, and the benchmark refuses to run).
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vitalsign_bench_compiled_out::{WorkError, bare, compiled_in, instrumented};

/// One variant of the function under test.
type Work = fn(u64) -> Result<u64, WorkError>;

fn compiled_out(c: &mut Criterion) {
    assert!(
        !compiled_in(),
        "vitalsign's `metrics` feature is on in this build: run `cargo bench -p vitalsign-bench-compiled-out` alone"
    );
    let mut group = c.benchmark_group("compiled_out");
    let variants: [(&str, Work); 2] = [("bare", bare), ("instrumented_metrics_off", instrumented)];
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
    targets = compiled_out
}
criterion_main!(benches);
