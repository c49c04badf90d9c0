//! `Builder`: the options of an install, set in code; the configuration file and the
//! environment apply over them at `install()`.

#[cfg(feature = "health")]
use std::sync::Arc;

#[cfg(feature = "health")]
use crate::health::HealthCheck;
#[cfg(feature = "server")]
use crate::health::{ShowDetails, Status};
#[cfg(feature = "logging")]
use crate::logging::{LogFormat, LogOutput, LogSettings};
#[cfg(feature = "server")]
use crate::server::Limits;

/// Default bucket bounds of duration histograms, in seconds: 50 µs (a cached read) to 10 s (a
/// slow scan or a stalled disk), about three per decade.
pub const DEFAULT_BUCKETS: &[f64] = vitalsign_naming::DEFAULT_BUCKETS;

/// Default address of the metrics server: loopback only, so nothing is exposed by accident.
#[cfg(feature = "server")]
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:9090";

/// Options for [`Vitals`](super::Vitals); see [`Vitals::builder`](super::Vitals::builder).
#[derive(Clone)]
pub struct Builder {
    pub(super) global_labels: Vec<(String, String)>,
    pub(super) default_buckets: Vec<f64>,
    pub(super) namespace: Option<String>,
    pub(super) service: Option<String>,
    pub(super) version: Option<String>,
    pub(super) max_series: usize,
    #[cfg(feature = "config")]
    pub(super) config_file: Option<std::path::PathBuf>,
    #[cfg(feature = "health")]
    pub(super) checks: Vec<Arc<dyn HealthCheck>>,
    #[cfg(feature = "logging")]
    pub(super) logging: LogSettings,
    #[cfg(feature = "server")]
    pub(super) http: HttpSettings,
}

/// The server's options, as given.
#[cfg(feature = "server")]
#[derive(Debug, Clone)]
pub(super) struct HttpSettings {
    pub(super) bind_addr: String,
    pub(super) show_details: ShowDetails,
    pub(super) status_codes: Vec<(Status, u16)>,
    pub(super) serve_metrics: bool,
    pub(super) limits: Limits,
    pub(super) auth_token: Option<String>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Builder");
        d.field("global_labels", &self.global_labels)
            .field("namespace", &self.namespace);
        #[cfg(feature = "server")]
        d.field("bind_addr", &self.http.bind_addr);
        #[cfg(feature = "health")]
        {
            let checks: Vec<String> = self
                .checks
                .iter()
                .map(|c| c.spec().name.to_string())
                .collect();
            d.field("checks", &checks);
        }
        d.finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            global_labels: Vec::new(),
            default_buckets: DEFAULT_BUCKETS.to_vec(),
            namespace: None,
            service: None,
            version: None,
            max_series: crate::recorder::cardinality::DEFAULT_MAX_SERIES,
            #[cfg(feature = "config")]
            config_file: None,
            #[cfg(feature = "health")]
            checks: Vec::new(),
            #[cfg(feature = "logging")]
            logging: LogSettings::default(),
            #[cfg(feature = "server")]
            http: HttpSettings {
                bind_addr: DEFAULT_BIND_ADDR.to_owned(),
                show_details: ShowDetails::default(),
                status_codes: Vec::new(),
                serve_metrics: true,
                limits: Limits::default(),
                auth_token: None,
            },
        }
    }
}

impl Builder {
    /// A label added to every series (`region="eu-1"`). Its name follows the label rules.
    pub fn global_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.global_labels.push((key.into(), value.into()));
        self
    }

    /// Bucket bounds, in seconds, of duration histograms that declare none.
    pub fn default_buckets(mut self, bounds: &[f64]) -> Self {
        self.default_buckets = bounds.to_vec();
        self
    }

    /// Namespace of the metrics vitalsign defines itself (health); default: the namespace of
    /// the instrumented functions when they all share one, else `vitalsign`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The service's name, shown in health bodies and log lines.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = Some(name.into());
        self
    }

    /// The service's version, shown in health bodies, log lines and `{ns}_build_info`:
    /// `.version(env!("CARGO_PKG_VERSION"))`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Series one family may have (default 10,000); beyond it, new label sets fold into the
    /// family's `__overflow__` series and `{ns}_cardinality_overflow_total` counts them.
    pub fn max_series_per_family(mut self, max: usize) -> Self {
        self.max_series = max;
        self
    }

    /// A YAML or TOML configuration file, read at `install()`: what it sets replaces what the
    /// code set, and `VITALSIGN_*` environment variables replace both (see `docs/operations.md`).
    #[cfg(feature = "config")]
    pub fn config_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Registers a health check. Checks start running in the background at `install()` when
    /// called inside a tokio runtime, else when the server is bound.
    #[cfg(feature = "health")]
    pub fn health(mut self, check: impl HealthCheck) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// Whether `install()` sets up logging (default: yes). Turn it off when the application
    /// installs its own `tracing` subscriber; add `vitalsign::logging::JsonLayer` to it.
    #[cfg(feature = "logging")]
    pub fn logging(mut self, enabled: bool) -> Self {
        self.logging.enabled = enabled;
        self
    }

    /// The log format (default: human on a terminal, JSON otherwise).
    #[cfg(feature = "logging")]
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.logging.format = format;
        self
    }

    /// The log filter, in `RUST_LOG` syntax (`"info"`, `"kvstore=debug,info"`; default
    /// `"info"`). `RUST_LOG`, when set, wins.
    #[cfg(feature = "logging")]
    pub fn log_level(mut self, directives: impl Into<String>) -> Self {
        self.logging.filter = directives.into();
        self
    }

    /// Where log lines go (default: standard output).
    #[cfg(feature = "logging")]
    pub fn log_output(mut self, output: LogOutput) -> Self {
        self.logging.output = output;
        self
    }

    /// Address `serve()` listens on (default `127.0.0.1:9090`; port 0 picks a free port).
    #[cfg(feature = "server")]
    pub fn bind_addr(mut self, addr: impl Into<String>) -> Self {
        self.http.bind_addr = addr.into();
        self
    }

    /// Who sees check messages and details in health bodies (default: loopback clients).
    #[cfg(feature = "server")]
    pub fn show_details(mut self, show: ShowDetails) -> Self {
        self.http.show_details = show;
        self
    }

    /// The HTTP status code health endpoints answer for `status` (defaults: healthy and
    /// degraded 200, unhealthy and unknown 503).
    #[cfg(feature = "server")]
    pub fn health_status_code(mut self, status: Status, code: u16) -> Self {
        self.http.status_codes.push((status, code));
        self
    }

    /// Whether the server answers `/metrics` (default: yes; instrumentation records either way).
    #[cfg(feature = "server")]
    pub fn serve_metrics(mut self, serve: bool) -> Self {
        self.http.serve_metrics = serve;
        self
    }

    /// A bearer token: `/metrics`, `/stats` and health details then require
    /// `Authorization: Bearer <token>`. Health status codes stay open for probes.
    #[cfg(feature = "server")]
    pub fn auth_token(mut self, token: impl Into<String>) -> Self {
        self.http.auth_token = Some(token.into());
        self
    }

    /// Connections served at once (default 512); more are closed at once, cleanly.
    #[cfg(feature = "server")]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.http.limits.max_connections = max;
        self
    }

    /// How long a client may take to send a request's headers (default 5 s): a connection that
    /// trickles bytes (slowloris) or idles between requests is closed after it.
    #[cfg(feature = "server")]
    pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.http.limits.header_read_timeout = timeout;
        self
    }
}
