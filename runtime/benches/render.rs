//! Rendering `/metrics`: 10,000 series (5,000 counters, 5,000 histograms of 12 buckets), by
//! vitalsign and by the stock `metrics-exporter-prometheus` recorder, in the same run.
//!
//! Both hold the same series with the same values (`series/mod.rs`).
//!
//! And vitalsign's render in OpenMetrics text, and its render followed by gzip, as `/metrics` answers a scraper that sends
//! `Accept-Encoding: gzip`: flate2 at level 1, the server's, and at level 6, flate2's default,
//! for comparison; the bytes of each are printed first.
//!
//! And the protobuf exposition with native histograms (`vitalsign_protobuf`), as `/metrics`
//! answers Prometheus with `--enable-feature=native-histograms`, and that followed by gzip.
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
    group.bench_function("vitalsign_openmetrics", |b| {
        b.iter(|| black_box(vitals.render_as(vitalsign::ExpositionFormat::OpenMetrics)));
    });
    group.bench_function("vitalsign_protobuf", |b| {
        b.iter(|| black_box(vitals.render_protobuf()));
    });
    let protobuf = vitals.render_protobuf();
    println!(
        "render_10k: {} bytes as protobuf with native histograms, {} with gzip at level 1",
        protobuf.len(),
        gzip(&protobuf, 1).len()
    );
    group.bench_function("vitalsign_protobuf_gzip_level_1", |b| {
        b.iter(|| black_box(gzip(&vitals.render_protobuf(), 1)));
    });
    let text = vitals.render();
    for level in [1, 6] {
        println!(
            "render_10k: {} bytes as text, {} bytes with gzip at level {level}",
            text.len(),
            gzip(text.as_bytes(), level).len()
        );
        group.bench_function(format!("vitalsign_gzip_level_{level}"), |b| {
            b.iter(|| black_box(gzip(vitals.render().as_bytes(), level)));
        });
    }
    group.finish();
}

/// `body` compressed as the server compresses it (`server/negotiation.rs`), at `level`.
fn gzip(body: &[u8], level: u32) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        flate2::Compression::new(level),
    );
    encoder.write_all(body).unwrap();
    encoder.finish().unwrap()
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
