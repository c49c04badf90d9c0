//! Process and build metrics: the Prometheus-standard `process_*` families (metrics-process),
//! `{ns}_uptime_seconds`, `{ns}_build_info` and the exporter's own scrape duration. Refreshed
//! when `/metrics` is rendered, never by a background loop.

use std::time::{Duration, Instant};

use metrics::{Gauge, Key, Label};

use crate::__private::METADATA;

/// The `process_*` families metrics-process writes, with their type and HELP.
pub(crate) const PROCESS_FAMILIES: &[(&str, &str, &str)] = &[
    (
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds",
    ),
    (
        "process_open_fds",
        "gauge",
        "Number of open file descriptors",
    ),
    (
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors",
    ),
    (
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes",
    ),
    (
        "process_virtual_memory_max_bytes",
        "gauge",
        "Maximum amount of virtual memory available in bytes",
    ),
    (
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes",
    ),
    (
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch in seconds",
    ),
    (
        "process_threads",
        "gauge",
        "Number of OS threads in the process",
    ),
];

/// Family names under `namespace`: uptime, build info, scrape duration.
pub(crate) fn family_names(namespace: &str) -> [String; 3] {
    [
        format!("{namespace}_uptime_seconds"),
        format!("{namespace}_build_info"),
        format!("{namespace}_scrape_duration_seconds"),
    ]
}

/// The process's own metrics.
pub(crate) struct ProcessMetrics {
    collector: metrics_process::Collector,
    uptime: Gauge,
    scrape: Gauge,
    started: Instant,
}

impl std::fmt::Debug for ProcessMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessMetrics")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl ProcessMetrics {
    /// Registers the families with the installed recorder; `build_info` is set once.
    pub(crate) fn new(namespace: &str, version: Option<&str>) -> Self {
        let collector = metrics_process::Collector::default();
        let [uptime, build, scrape] = family_names(namespace);
        let gauge = |key: Key| metrics::with_recorder(|r| r.register_gauge(&key, &METADATA));
        let labels = vec![
            Label::new("version", version.unwrap_or("unknown").to_owned()),
            Label::new("vitalsign_version", env!("CARGO_PKG_VERSION")),
        ];
        gauge(Key::from_parts(build, labels)).set(1.0);
        let this = Self {
            collector,
            uptime: gauge(Key::from_name(uptime)),
            scrape: gauge(Key::from_name(scrape)),
            started: Instant::now(),
        };
        this.refresh();
        this
    }

    /// Brings the process metrics and uptime up to date, just before a render.
    pub(crate) fn refresh(&self) {
        self.collector.collect();
        self.uptime.set(self.started.elapsed().as_secs_f64());
    }

    /// Time since install.
    pub(crate) fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records how long a render took; the next scrape shows it.
    pub(crate) fn rendered_in(&self, took: Duration) {
        self.scrape.set(took.as_secs_f64());
    }
}
