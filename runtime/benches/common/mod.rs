//! The peer the benchmarks compare against: hand-written `metrics` code on handles from the stock
//! `metrics-exporter-prometheus` recorder.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Counter, Histogram, Key, Label, Level, Metadata, Recorder as _};

/// The three series a hand-written variant records: calls, duration, errors with code `odd`.
pub(crate) struct Cached {
    pub calls: Counter,
    pub duration: Histogram,
    pub errors: Counter,
}

/// The stock exporter's recorder with `buckets`, its upkeep every 5 s as `install_recorder`
/// schedules it (without upkeep its histogram samples would pile up unbounded). Its handles
/// share its storage: keep it alive as long as they are used.
pub(crate) fn stock_recorder(buckets: &[f64]) -> metrics_exporter_prometheus::PrometheusRecorder {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(buckets)
        .expect("buckets")
        .build_recorder();
    let handle = recorder.handle();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(5));
            handle.run_upkeep();
        }
    });
    recorder
}

/// Handles from the stock exporter's recorder, made once. Only one recorder can be global (the
/// benchmarks install vitalsign's), so these are registered on it directly: recording through
/// them costs what it costs installed.
pub(crate) fn stock() -> &'static Cached {
    static HANDLES: OnceLock<Cached> = OnceLock::new();
    HANDLES.get_or_init(|| {
        let recorder = stock_recorder(vitalsign::DEFAULT_BUCKETS);
        let key = |name: &'static str, code: Option<&'static str>| {
            let mut labels = vec![Label::from_static_parts("op", "stock")];
            labels.extend(code.map(|c| Label::from_static_parts("code", c)));
            Key::from_parts(name, labels)
        };
        let meta = Metadata::new("bench", Level::INFO, None);
        let cached = Cached {
            calls: recorder.register_counter(&key("bench_stock_total", None), &meta),
            duration: recorder
                .register_histogram(&key("bench_stock_duration_seconds", None), &meta),
            errors: recorder.register_counter(&key("bench_stock_errors_total", Some("odd")), &meta),
        };
        // The handles share the recorder's storage; it must outlive them.
        std::mem::forget(recorder);
        cached
    })
}

/// Installs vitalsign with its JSON log lines going to `/dev/null`: failure lines are really
/// formatted and written, and the figures carry their cost.
pub(crate) fn install_logging_to_dev_null() -> vitalsign::Vitals {
    use vitalsign::logging::{LogFormat, LogOutput, Rotation};
    let sink = LogOutput::File {
        directory: "/dev".into(),
        prefix: "null".into(),
        rotation: Rotation::Never,
    };
    vitalsign::Vitals::builder()
        .log_format(LogFormat::Json)
        .log_output(sink)
        .install()
        .expect("install")
}
