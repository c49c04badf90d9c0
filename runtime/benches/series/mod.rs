//! The 10,000 series the render benchmarks expose, in vitalsign's recorder and in the stock
//! exporter's: 50 counter families and 50 histogram families of 100 label sets each, 12 buckets,
//! every histogram fed 10 values. vitalsign's histograms keep native buckets too (as
//! `metrics.native_histograms: true`), which only its protobuf render carries.

use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
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

/// vitalsign installed and the stock recorder built, both holding the series; checked to expose
/// the same sample lines. The stock recorder's first render (here) drains the samples it
/// buffers, so later renders only format, as ours do.
pub(crate) fn recorders() -> (Vitals, PrometheusHandle) {
    let vitals = Vitals::builder()
        .logging(false)
        .serve_metrics(false)
        .default_buckets(&BOUNDS)
        .max_series_per_family(SERIES_PER_FAMILY)
        // For the protobuf render's native buckets; the text renders do not read them.
        .native_histograms(true)
        .install()
        .expect("install");
    metrics::with_recorder(|r| populate(r));

    let stock = PrometheusBuilder::new()
        .set_buckets(&BOUNDS)
        .expect("buckets")
        .build_recorder();
    populate(&stock);
    let handle = stock.handle();
    // The handle reads the recorder's storage; it must outlive the benchmark.
    std::mem::forget(stock);

    // Each histogram shows up as 12 + 1 buckets, a sum and a count.
    let lines = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("bench_render_"))
            .count()
    };
    let (ours, theirs) = (vitals.render(), handle.render());
    assert_eq!(lines(&ours), lines(&theirs), "both expose the same series");
    assert_eq!(lines(&ours), FAMILIES * SERIES_PER_FAMILY * (1 + 15));
    (vitals, handle)
}
