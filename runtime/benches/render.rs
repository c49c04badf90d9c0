//! Rendering `/metrics`: 10,000 series (5,000 counters, 5,000 histograms of 12 buckets), by
//! vitalsign and by the stock `metrics-exporter-prometheus` recorder, in the same run.
//!
//! Both hold the same series with the same values (`series/mod.rs`).
//!
//! The heap a render needs at its peak: `cargo bench -p vitalsign --bench render_heap`.
//!
//! Run: `cargo bench -p vitalsign --bench render`.
#![allow(missing_docs)]

mod series;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use series::recorders;

fn render(c: &mut Criterion) {
    let (vitals, handle) = recorders();
    let mut group = c.benchmark_group("render_10k");
    group.bench_function("vitalsign", |b| b.iter(|| black_box(vitals.render())));
    group.bench_function("metrics_exporter_prometheus", |b| {
        b.iter(|| black_box(handle.render()));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(5));
    targets = render
}
criterion_main!(benches);
