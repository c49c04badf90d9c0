//! Process and build metrics: `{ns}_uptime_seconds`, `{ns}_build_info`, the exporter's own
//! scrape duration and, with the `process` feature, the Prometheus-standard `process_*`
//! families (metrics-process). Refreshed when `/metrics` is rendered, never by a background
//! loop.

use std::time::{Duration, Instant};

use metrics::{Gauge, Key, Label};

use crate::__private::METADATA;
use crate::catalogue::{MetricType, OwnFamily, OwnSpec};

/// The `process_*` families metrics-process writes, with their type and HELP.
#[cfg(feature = "process")]
const PROCESS_FAMILIES: [OwnSpec; 8] = [
    OwnSpec::standard(
        "process_cpu_seconds_total",
        MetricType::Counter,
        "Total user and system CPU time spent in seconds",
    ),
    OwnSpec::standard(
        "process_open_fds",
        MetricType::Gauge,
        "Number of open file descriptors",
    ),
    OwnSpec::standard(
        "process_max_fds",
        MetricType::Gauge,
        "Maximum number of open file descriptors",
    ),
    OwnSpec::standard(
        "process_virtual_memory_bytes",
        MetricType::Gauge,
        "Virtual memory size in bytes",
    ),
    OwnSpec::standard(
        "process_virtual_memory_max_bytes",
        MetricType::Gauge,
        "Maximum amount of virtual memory available in bytes",
    ),
    OwnSpec::standard(
        "process_resident_memory_bytes",
        MetricType::Gauge,
        "Resident memory size in bytes",
    ),
    OwnSpec::standard(
        "process_start_time_seconds",
        MetricType::Gauge,
        "Start time of the process since the Unix epoch in seconds",
    ),
    OwnSpec::standard(
        "process_threads",
        MetricType::Gauge,
        "Number of OS threads in the process",
    ),
];

/// `{ns}_uptime_seconds`.
pub(crate) const UPTIME: OwnSpec = OwnSpec::new(
    "uptime_seconds",
    MetricType::Gauge,
    &[],
    "Seconds since vitalsign was installed in this process",
);

/// `{ns}_build_info{version, vitalsign_version}`, always 1: the targets of the service.
pub(crate) const BUILD_INFO: OwnSpec = OwnSpec::new(
    "build_info",
    MetricType::Gauge,
    &["version", "vitalsign_version"],
    "Build information of the service; always 1",
);

/// `{ns}_scrape_duration_seconds`.
const SCRAPE_DURATION: OwnSpec = OwnSpec::new(
    "scrape_duration_seconds",
    MetricType::Gauge,
    &[],
    "Duration of the previous rendering of /metrics in seconds",
);

/// The catalogue's entries for the families of this room.
pub(crate) fn own_families(namespace: &str) -> Vec<OwnFamily> {
    #[allow(unused_mut)]
    let mut own: Vec<OwnFamily> = [&UPTIME, &BUILD_INFO, &SCRAPE_DURATION]
        .into_iter()
        .map(|spec| spec.in_namespace(namespace))
        .collect();
    #[cfg(feature = "process")]
    own.extend(
        PROCESS_FAMILIES
            .iter()
            .map(|spec| spec.in_namespace(namespace)),
    );
    own
}

/// The process's own metrics.
pub(crate) struct ProcessMetrics {
    #[cfg(feature = "process")]
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
        let (uptime, build, scrape) = (
            UPTIME.name_in(namespace),
            BUILD_INFO.name_in(namespace),
            SCRAPE_DURATION.name_in(namespace),
        );
        let gauge = |key: Key| metrics::with_recorder(|r| r.register_gauge(&key, &METADATA));
        let labels = vec![
            Label::new(
                BUILD_INFO.labels[0],
                version.unwrap_or("unknown").to_owned(),
            ),
            Label::new(BUILD_INFO.labels[1], env!("CARGO_PKG_VERSION")),
        ];
        gauge(Key::from_parts(build, labels)).set(1.0);
        let this = Self {
            #[cfg(feature = "process")]
            collector: metrics_process::Collector::default(),
            uptime: gauge(Key::from_name(uptime)),
            scrape: gauge(Key::from_name(scrape)),
            started: Instant::now(),
        };
        this.refresh();
        this
    }

    /// Brings the process metrics and uptime up to date, just before a render.
    pub(crate) fn refresh(&self) {
        #[cfg(feature = "process")]
        self.collector.collect();
        self.uptime.set(self.started.elapsed().as_secs_f64());
    }

    /// CPU seconds used since start, to the clock tick: `process_cpu_seconds_total` is a
    /// `metrics` counter, whole seconds, too coarse for a rate over a few seconds.
    #[cfg(feature = "server")]
    pub(crate) fn cpu_seconds(&self) -> Option<f64> {
        #[cfg(feature = "process")]
        return metrics_process::collector::collect().cpu_seconds_total;
        #[cfg(not(feature = "process"))]
        None
    }

    /// Time since install.
    #[cfg(feature = "server")]
    pub(crate) fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records how long a render took; the next scrape shows it.
    pub(crate) fn rendered_in(&self, took: Duration) {
        self.scrape.set(took.as_secs_f64());
    }
}
