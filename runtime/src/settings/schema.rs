//! The settings, one line each. A room's settings are compiled with its feature; a key of a room
//! that is not built is an unknown key in the file.

use std::collections::BTreeMap;
#[cfg(any(feature = "logging", feature = "health"))]
use std::path::PathBuf;

#[cfg(feature = "server")]
use super::DEFAULT_BIND_ADDR;
use super::{
    AtLeastOne, Buckets, DEFAULT_BUCKETS, LabelName, LabelText, Namespace, NativeMaxBuckets,
    NativeSchema, section,
};
#[cfg(feature = "server")]
use super::{BindAddr, DetailsName, Interval, StatusCode, Token};
#[cfg(feature = "health")]
use super::{CheckName, ConfigError, Ratio, Value};
#[cfg(feature = "logging")]
use super::{FormatName, OutputName, RotationName};
#[cfg(feature = "server")]
use crate::health::ShowDetails;
#[cfg(feature = "logging")]
use crate::logging::{LogFormat, Rotation};

section! {
    /// The settings: the file's contents, the builder's state, the environment's keys.
    pub struct Config at [settings] {
        /// The service's name, shown in health bodies and log lines.
        service: Option<String>,
            set service(name: impl Into<String>) => name.into();
        /// The service's version, shown in health bodies, log lines and `{ns}_build_info`
        /// (`.version(env!("CARGO_PKG_VERSION"))`).
        version: Option<String>,
            set version(version: impl Into<String>) => version.into();
        /// Namespace of the metrics vitalsign defines itself (health, build, uptime); default:
        /// the instrumented functions' namespace when they all share one, else `vitalsign`.
        namespace: Option<Namespace>,
            set namespace(namespace: impl Into<String>) => Namespace(namespace.into());
        /// The exposition and its HTTP server.
        metrics: MetricsConfig;
        /// Log lines: whether, in which format, how much and where.
        #[cfg(feature = "logging")]
        logging: LoggingConfig;
        /// The health endpoints and the built-in checks.
        #[cfg(feature = "health")]
        health: HealthConfig;
        /// The status page and the history behind it and `/stats`.
        #[cfg(feature = "server")]
        status: StatusConfig;
    }
}

section! {
    /// `status:`
    #[cfg(feature = "server")]
    pub struct StatusConfig at [settings.status] {
        /// Whether the server answers `/status` (the page) and `/stats/history` (its data).
        enabled: Option<bool> = true,
            set status_page(serve: bool) => serve;
        /// How far back the history goes (`15m`): the page's plots and `/stats/history`.
        /// Memory: 104 bytes per operation per point kept (`history / sample_every` points).
        history: Option<Interval> = Interval(std::time::Duration::from_secs(15 * 60)),
            set status_history(window: std::time::Duration) => Interval(window);
        /// How often the totals are sampled (`5s`, between `1s` and `60s`): one point per
        /// operation each time, and the page refreshes as often.
        sample_every: Option<Interval> = Interval(std::time::Duration::from_secs(5)),
            set status_sample_every(every: std::time::Duration) => Interval(every);
    }
}

section! {
    /// `metrics:`
    pub struct MetricsConfig at [settings.metrics] {
        /// Whether the server answers `/metrics` (instrumentation records either way).
        #[cfg(feature = "server")]
        enabled: Option<bool> = true,
            set serve_metrics(serve: bool) => serve;
        /// Address the server listens on, `IP:port` (port 0 picks a free port).
        #[cfg(feature = "server")]
        bind_addr: Option<BindAddr> = BindAddr(DEFAULT_BIND_ADDR.to_owned()),
            set bind_addr(addr: impl Into<String>) => BindAddr(addr.into());
        /// Labels added to every series (`region="eu-1"`); names and values follow the label
        /// rules.
        global_labels: BTreeMap<LabelName, LabelText>, by global_label;
        /// Bucket bounds, in seconds, of the duration histograms that declare none.
        default_buckets: Option<Buckets> = Buckets(DEFAULT_BUCKETS.to_vec()),
            set default_buckets(bounds: &[f64]) => Buckets(bounds.to_vec());
        /// Whether duration histograms (`_seconds`) also keep Prometheus native histogram
        /// buckets, served to scrapers that ask for the protobuf exposition (Prometheus with
        /// `--enable-feature=native-histograms`); the fixed buckets stay beside them.
        native_histograms: Option<bool> = false,
            set native_histograms(on: bool) => on;
        /// The finest schema of native buckets, -4 to 8: at `3` each bucket is 2^(1/8), 9 %,
        /// wider than the one before; a spread too wide for `native_max_buckets` coarsens it.
        native_schema: Option<NativeSchema> = NativeSchema(3),
            set native_schema(schema: i8) => NativeSchema(schema);
        /// Native buckets a series holds at most, per thread that records into it (8 to 16,384):
        /// 8 bytes each.
        native_max_buckets: Option<NativeMaxBuckets> = NativeMaxBuckets(160),
            set native_max_buckets(max: usize) => NativeMaxBuckets(max);
        /// Whether counters and histograms say when each series came to exist: a `_created`
        /// sample in OpenMetrics and `created_timestamp` in protobuf, which Prometheus 3 reads
        /// with `--enable-feature=created-timestamp-zero-ingestion`. Prometheus 2, and 3 without
        /// that feature, store an OpenMetrics `_created` as a series of its own.
        created_timestamps: Option<bool> = true,
            set created_timestamps(on: bool) => on;
        /// A bearer token: `/metrics`, `/stats` and health details then require
        /// `Authorization: Bearer <token>`; health status codes stay open for probes.
        #[cfg(feature = "server")]
        auth_token: Option<Token>,
            set auth_token(token: impl Into<String>) => Token(token.into());
        /// Connections served at once; more get a `503` with `Retry-After` or are closed at
        /// once. The last eighth of them only go to addresses holding no connection yet, so
        /// that a probe or a scrape finds room while others crowd the listener.
        #[cfg(feature = "server")]
        max_connections: Option<AtLeastOne> = AtLeastOne(512),
            set max_connections(max: usize) => AtLeastOne(max);
        /// Connections one client address may hold at once (an IPv6 client: its /64); more are
        /// refused like connections over `max_connections`.
        #[cfg(feature = "server")]
        max_connections_per_client: Option<AtLeastOne> = AtLeastOne(64),
            set max_connections_per_client(max: usize) => AtLeastOne(max);
        /// Series one family may have; beyond it, new label sets fold into the family's
        /// `__overflow__` series and `{ns}_cardinality_overflow_total` counts them.
        max_series_per_family: Option<AtLeastOne> = AtLeastOne(10_000),
            set max_series_per_family(max: usize) => AtLeastOne(max);
        /// How long a client may take to send a request's headers (`5s`): a connection that
        /// trickles bytes (slowloris) or idles between requests is closed after it.
        #[cfg(feature = "server")]
        header_read_timeout: Option<Interval> = Interval(std::time::Duration::from_secs(5)),
            set header_read_timeout(timeout: std::time::Duration) => Interval(timeout);
    }
}

section! {
    /// `logging:`
    #[cfg(feature = "logging")]
    pub struct LoggingConfig at [settings.logging] {
        /// Whether `install()` sets up logging. Turn it off when the application installs its
        /// own `tracing` subscriber, and add `vitalsign::logging::JsonLayer` to it.
        enabled: Option<bool> = true,
            set logging(enabled: bool) => enabled;
        /// `auto` (human on a terminal, JSON otherwise), `json`, `ecs` or `pretty`.
        format: Option<FormatName> = FormatName(LogFormat::Auto),
            set log_format(format: LogFormat) => FormatName(format);
        /// The filter, in `RUST_LOG` syntax (`info`, `kvstore=debug,info`). `RUST_LOG`, when
        /// set, wins.
        level: Option<String> = "info".to_owned(),
            set log_level(directives: impl Into<String>) => directives.into();
        /// `stdout`, `stderr` or `file`.
        output: Option<OutputName>, by log_output;
        /// With `output: file`: the directory, created if missing.
        directory: Option<PathBuf>, by log_output;
        /// With `output: file`: the files' names before the rotation's date suffix.
        prefix: Option<String> = "vitalsign.log".to_owned(), by log_output;
        /// With `output: file`: `hourly`, `daily` or `never`.
        rotation: Option<RotationName> = RotationName(Rotation::Daily), by log_output;
    }
}

section! {
    /// `health:`
    #[cfg(feature = "health")]
    pub struct HealthConfig at [settings.health] {
        /// A second address that serves only the health endpoints, with connection limits of
        /// its own (a management port): probes then never queue behind scrapes or floods.
        /// Unset, health is served on `metrics.bind_addr` only.
        #[cfg(feature = "server")]
        bind_addr: Option<BindAddr>,
            set health_bind_addr(addr: impl Into<String>) => BindAddr(addr.into());
        /// Who sees check messages and details in health bodies: `never`, `always` or
        /// `loopback` (clients on a loopback address).
        #[cfg(feature = "server")]
        show_details: Option<DetailsName> = DetailsName(ShowDetails::Loopback),
            set show_details(show: ShowDetails) => DetailsName(show);
        /// The HTTP status a health endpoint answers for each status.
        #[cfg(feature = "server")]
        status_codes: StatusCodesConfig;
        /// Built-in disk space checks.
        disk: Vec<DiskCheckConfig>;
        /// Built-in TCP connect checks.
        tcp: Vec<TcpCheckConfig>;
        /// The built-in process memory check.
        memory: Option<MemoryCheckConfig>;
    }
}

section! {
    /// `health.status_codes:`
    #[cfg(feature = "server")]
    pub struct StatusCodesConfig at [settings.health.status_codes] {
        /// What health endpoints answer while the service is healthy.
        healthy: Option<StatusCode> = StatusCode(200), by health_status_code;
        /// What they answer while it is degraded: a degraded service still serves.
        degraded: Option<StatusCode> = StatusCode(200), by health_status_code;
        /// What they answer while it is unhealthy, so that a balancer takes it out.
        unhealthy: Option<StatusCode> = StatusCode(503), by health_status_code;
        /// What they answer before the checks have run: not known to be healthy yet.
        unknown: Option<StatusCode> = StatusCode(503), by health_status_code;
    }
}

/// `health.disk[]:` a built-in disk space check.
#[cfg(feature = "health")]
#[derive(Debug, Clone)]
#[cfg_attr(feature = "config", derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "config", serde(deny_unknown_fields))]
pub struct DiskCheckConfig {
    /// The `check` label and JSON key.
    pub name: CheckName,
    /// A path on the file system to watch.
    pub path: PathBuf,
    /// Degraded below this free ratio (0..1).
    pub degraded_below_ratio: Option<Ratio>,
    /// Unhealthy below this free ratio (0..1).
    pub unhealthy_below_ratio: Option<Ratio>,
}

#[cfg(feature = "health")]
impl Value for DiskCheckConfig {
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        self.name.check(&format!("{key}.name"))?;
        for (field, ratio) in [
            ("degraded_below_ratio", &self.degraded_below_ratio),
            ("unhealthy_below_ratio", &self.unhealthy_below_ratio),
        ] {
            if let Some(r) = ratio {
                r.check(&format!("{key}.{field}"))?;
            }
        }
        Ok(())
    }
}

/// `health.tcp[]:` a built-in TCP connect check.
#[cfg(feature = "health")]
#[derive(Debug, Clone)]
#[cfg_attr(feature = "config", derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "config", serde(deny_unknown_fields))]
pub struct TcpCheckConfig {
    /// The `check` label and JSON key.
    pub name: CheckName,
    /// `host:port`.
    pub address: String,
}

#[cfg(feature = "health")]
impl Value for TcpCheckConfig {
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        self.name.check(&format!("{key}.name"))
    }
}

/// `health.memory:` the built-in process memory check.
#[cfg(feature = "health")]
#[derive(Debug, Clone)]
#[cfg_attr(feature = "config", derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "config", serde(deny_unknown_fields))]
pub struct MemoryCheckConfig {
    /// Check name (default `memory`).
    pub name: Option<CheckName>,
    /// Limit in bytes (default: the cgroup's).
    pub limit_bytes: Option<u64>,
}

#[cfg(feature = "health")]
impl Value for MemoryCheckConfig {
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        self.name
            .as_ref()
            .map_or(Ok(()), |n| n.check(&format!("{key}.name")))
    }
}

impl Config {
    /// Every setting: its key, variable, builder method and doc, in declaration order.
    pub fn settings() -> Vec<super::Setting> {
        let mut out = Vec::new();
        <Self as super::Field>::describe("", None, "", None, &mut out);
        out
    }

    /// Every key, as dotted paths (`metrics.bind_addr`).
    pub fn keys() -> Vec<String> {
        Self::settings().into_iter().map(|s| s.key).collect()
    }
}
