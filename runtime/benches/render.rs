//! Rendering `/metrics`: 10,000 series (5,000 counters, 5,000 histograms of 12 buckets), by
//! vitalsign and by the stock `metrics-exporter-prometheus` recorder, in the same run.
//!
//! Both hold the same series with the same values: 50 counter families and 50 histogram
//! families of 100 label values each, every histogram fed 10 values. The stock recorder's first
//! render drains the samples it buffers; the measured renders then only format, as ours do.
//!
//! Run: `cargo bench -p vitalsign --bench render`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::PrometheusBuilder;
use vitalsign::Vitals;

const FAMILIES: usize = 50;
const SERIES_PER_FAMILY: usize = 100;
const BOUNDS: [f64; 12] = [
    0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Records the same 10,000 series into `recorder`.
fn populate(recorder: &dyn Recorder) {
    let meta = Metadata::new("bench", Level::INFO, None);
    for family in 0..FAMILIES {
        for series in 0..SERIES_PER_FAMILY {
            let labels = || {
                vec![
                    Label::new("shard", format!("s{series}")),
                    Label::new("region", "eu-west"),
                ]
            };
            let counter = Key::from_parts(format!("bench_render_{family}_total"), labels());
            recorder
                .register_counter(&counter, &meta)
                .increment((family * series) as u64);
            let histogram =
                Key::from_parts(format!("bench_render_{family}_duration_seconds"), labels());
            let h = recorder.register_histogram(&histogram, &meta);
            for v in 0..10 {
                h.record(f64::from(v) * 0.003 * (series % 7 + 1) as f64);
            }
        }
    }
}

fn render(c: &mut Criterion) {
    let vitals = Vitals::builder()
        .logging(false)
        .serve_metrics(false)
        .default_buckets(&BOUNDS)
        .max_series_per_family(SERIES_PER_FAMILY)
        .install()
        .expect("install");
    metrics::with_recorder(|r| populate(r));

    let stock = PrometheusBuilder::new()
        .set_buckets(&BOUNDS)
        .expect("buckets")
        .build_recorder();
    populate(&stock);
    let handle = stock.handle();

    // Same series in both: each histogram shows up as 12 + 1 buckets, a sum and a count.
    let ours = vitals.render();
    let theirs = handle.render();
    let series = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("bench_render_"))
            .count()
    };
    assert_eq!(
        series(&ours),
        series(&theirs),
        "both expose the same series"
    );
    assert_eq!(series(&ours), FAMILIES * SERIES_PER_FAMILY * (1 + 15));

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
