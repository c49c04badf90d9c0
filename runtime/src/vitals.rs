//! `Vitals`: the builder that validates options and installs the recorder, and the handle the
//! application keeps to render or serve the metrics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use vitalsign_naming as naming;

use crate::artifacts::Group;
use crate::catalogue::{Catalogue, CatalogueError, Role, catalogue};
use crate::config::{Config, ConfigError};
use crate::health::{Health, HealthCheck, HealthError, Registry, ShowDetails, Status, StatusCodes};
use crate::logging::{LogFormat, LogOutput, LogSettings};
use crate::process::ProcessMetrics;
use crate::recorder::Value;
use crate::recorder::{Shared, VitalsRecorder};
use crate::server::MetricsServer;
use crate::stats::{ProcessStats, Snapshot, Stats};

/// Default bucket bounds of duration histograms, in seconds: 50 µs (a cached read) to 10 s (a
/// slow scan or a stalled disk), about three per decade.
pub const DEFAULT_BUCKETS: &[f64] = vitalsign_naming::DEFAULT_BUCKETS;

/// Default address of the metrics server: loopback only, so nothing is exposed by accident.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:9090";

static INSTALLED: OnceLock<Vitals> = OnceLock::new();

/// Why `install()` refused to start.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// An option has a bad value; `key` names it as in the builder and config.
    #[error("invalid `{key}`: {problem}")]
    Config {
        /// The option, e.g. `bind_addr` or `global_labels.region`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Two call sites disagree about a family.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The configuration file or a `VITALSIGN_*` variable is wrong.
    #[error(transparent)]
    ConfigFile(#[from] ConfigError),
    /// A health check given to the builder cannot be registered.
    #[error(transparent)]
    Health(#[from] HealthError),
    /// A `metrics` recorder is already installed in this process.
    #[error(
        "a metrics recorder is already installed in this process (install vitalsign once, before other recorders)"
    )]
    AlreadyInstalled,
}

/// Options for [`Vitals`]; see [`Vitals::builder`].
#[derive(Clone)]
pub struct Builder {
    bind_addr: String,
    global_labels: Vec<(String, String)>,
    default_buckets: Vec<f64>,
    namespace: Option<String>,
    service: Option<String>,
    version: Option<String>,
    checks: Vec<Arc<dyn HealthCheck>>,
    show_details: ShowDetails,
    status_codes: Vec<(Status, u16)>,
    logging: LogSettings,
    config_file: Option<std::path::PathBuf>,
    serve_metrics: bool,
    limits: Limits,
    auth_token: Option<String>,
    max_series: usize,
}

/// Limits of the HTTP server, so that it cannot become the weak point of the process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_read_timeout: std::time::Duration::from_secs(5),
        }
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let checks: Vec<String> = self
            .checks
            .iter()
            .map(|c| c.spec().name.to_string())
            .collect();
        f.debug_struct("Builder")
            .field("bind_addr", &self.bind_addr)
            .field("global_labels", &self.global_labels)
            .field("namespace", &self.namespace)
            .field("checks", &checks)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            bind_addr: DEFAULT_BIND_ADDR.to_owned(),
            global_labels: Vec::new(),
            default_buckets: DEFAULT_BUCKETS.to_vec(),
            namespace: None,
            service: None,
            version: None,
            checks: Vec::new(),
            show_details: ShowDetails::default(),
            status_codes: Vec::new(),
            logging: LogSettings::default(),
            config_file: None,
            serve_metrics: true,
            limits: Limits::default(),
            auth_token: None,
            max_series: crate::recorder::cardinality::DEFAULT_MAX_SERIES,
        }
    }
}

impl Builder {
    /// Address `serve()` listens on (default `127.0.0.1:9090`; port 0 picks a free port).
    pub fn bind_addr(mut self, addr: impl Into<String>) -> Self {
        self.bind_addr = addr.into();
        self
    }

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

    /// The service's name, shown in health bodies.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = Some(name.into());
        self
    }

    /// The service's version, shown in health bodies: `.version(env!("CARGO_PKG_VERSION"))`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Registers a health check. Checks start running in the background at `install()` when
    /// called inside a tokio runtime, else when the server is bound.
    pub fn health(mut self, check: impl HealthCheck) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// Who sees check messages and details in health bodies (default: loopback clients).
    pub fn show_details(mut self, show: ShowDetails) -> Self {
        self.show_details = show;
        self
    }

    /// The HTTP status code health endpoints answer for `status` (defaults: healthy and
    /// degraded 200, unhealthy and unknown 503).
    pub fn health_status_code(mut self, status: Status, code: u16) -> Self {
        self.status_codes.push((status, code));
        self
    }

    /// Whether `install()` sets up logging (default: yes). Turn it off when the application
    /// installs its own `tracing` subscriber; add `vitalsign::logging::JsonLayer` to it.
    pub fn logging(mut self, enabled: bool) -> Self {
        self.logging.enabled = enabled;
        self
    }

    /// The log format (default: human on a terminal, JSON otherwise).
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.logging.format = format;
        self
    }

    /// The log filter, in `RUST_LOG` syntax (`"info"`, `"kvstore=debug,info"`; default
    /// `"info"`). `RUST_LOG`, when set, wins.
    pub fn log_level(mut self, directives: impl Into<String>) -> Self {
        self.logging.filter = directives.into();
        self
    }

    /// Where log lines go (default: standard output).
    pub fn log_output(mut self, output: LogOutput) -> Self {
        self.logging.output = output;
        self
    }

    /// A YAML or TOML configuration file, read at `install()`: what it sets replaces what the
    /// code set, and `VITALSIGN_*` environment variables replace both (see `docs/operations.md`).
    pub fn config_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Whether the server answers `/metrics` (default: yes; instrumentation records either way).
    pub fn serve_metrics(mut self, serve: bool) -> Self {
        self.serve_metrics = serve;
        self
    }

    /// A bearer token: `/metrics`, `/stats` and health details then require
    /// `Authorization: Bearer <token>`. Health status codes stay open for probes.
    pub fn auth_token(mut self, token: impl Into<String>) -> Self {
        self.auth_token = Some(token.into());
        self
    }

    /// Series one family may have (default 10,000); beyond it, new label sets fold into the
    /// family's `__overflow__` series and `{ns}_cardinality_overflow_total` counts them.
    pub fn max_series_per_family(mut self, max: usize) -> Self {
        self.max_series = max;
        self
    }

    /// Connections served at once (default 512); more are closed at once, cleanly.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max;
        self
    }

    /// How long a client may take to send a request's headers (default 5 s): a connection that
    /// trickles bytes (slowloris) or idles between requests is closed after it.
    pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// The file (if any) and the environment, applied over this builder.
    fn configured(self) -> Result<Self, InstallError> {
        let mut config = match &self.config_file {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        config.env_overrides(|name| std::env::var(name).ok())?;
        Ok(config.apply(self)?)
    }

    /// Validates every option, checks the catalogue, installs the global `metrics` recorder,
    /// binds every call site to it and registers the health checks.
    pub fn install(self) -> Result<Vitals, InstallError> {
        if INSTALLED.get().is_some() {
            return Err(InstallError::AlreadyInstalled);
        }
        let this = self.configured()?;
        this.install_configured()
    }

    fn install_configured(self) -> Result<Vitals, InstallError> {
        let namespace = self
            .namespace
            .clone()
            .unwrap_or_else(|| default_namespace(&catalogue()));
        let catalogue = catalogue().with_runtime_families(&namespace);
        let bind_addr = self.validate(&catalogue)?;
        crate::logging::check(&self.logging)
            .map_err(|(key, problem)| InstallError::Config { key, problem })?;
        catalogue.validate()?;
        let mut codes = StatusCodes::default();
        for (status, code) in &self.status_codes {
            codes.set(*status, *code);
        }
        let mut names = Vec::new();
        for check in &self.checks {
            let spec = check.spec();
            crate::health::validate_spec(&spec)?;
            if names.contains(&spec.name) {
                return Err(HealthError::Duplicate(spec.name.to_string()).into());
            }
            names.push(spec.name);
        }

        let default_bounds: Arc<[f64]> = self.default_buckets.into();
        let bounds: HashMap<String, Arc<[f64]>> = catalogue
            .families()
            .iter()
            .filter_map(|f| f.buckets().map(|b| (f.name().to_owned(), Arc::from(b))))
            .collect();
        let cardinality =
            crate::recorder::cardinality::Cardinality::new(&namespace, self.max_series);
        let shared = Arc::new(Shared::new(
            bounds,
            default_bounds,
            self.global_labels,
            cardinality,
        ));
        for family in catalogue.families() {
            shared.describe(family.name(), family.help());
        }
        crate::recorder::install(VitalsRecorder(shared.clone()))
            .map_err(|_| InstallError::AlreadyInstalled)?;

        crate::__private::mark_bound();
        for family in catalogue
            .families()
            .iter()
            .filter(|f| f.role() == Role::Calls)
        {
            // Binding registers each site's series at zero, so they exist before the first call.
            for site in family.sites() {
                site.call_site().bind();
            }
        }
        crate::logging::install(
            &self.logging,
            &namespace,
            self.service.clone(),
            self.version.clone(),
        )
        .map_err(|(key, problem)| InstallError::Config { key, problem })?;
        let process = ProcessMetrics::new(&namespace, self.version.as_deref());
        let registry = Arc::new(Registry::new(namespace));
        for check in self.checks {
            registry.add(check)?;
        }
        registry.start();
        let http = HttpOptions {
            limits: self.limits,
            auth_token: self.auth_token,
            serve_metrics: self.serve_metrics,
            show_details: self.show_details,
            codes,
            service: self.service,
            version: self.version,
            started: Instant::now(),
        };
        let vitals = Vitals(Arc::new(Inner {
            process,
            stats: Stats::new(),
            groups: catalogue.groups(),
            sampler: OnceLock::new(),
            shared,
            catalogue,
            bind_addr,
            health: Health(registry),
            http,
        }));
        let _ = INSTALLED.set(vitals.clone());
        Ok(vitals)
    }

    fn validate(&self, catalogue: &Catalogue) -> Result<SocketAddr, InstallError> {
        let config = |key: String, problem: String| InstallError::Config { key, problem };
        let bind_addr: SocketAddr = self.bind_addr.parse().map_err(|e| {
            config(
                "bind_addr".into(),
                format!("`{}` is not an IP:port address ({e})", self.bind_addr),
            )
        })?;
        let site_keys: Vec<&str> = catalogue
            .families()
            .iter()
            .flat_map(|f| f.label_keys().iter().copied())
            .collect();
        for (i, (k, v)) in self.global_labels.iter().enumerate() {
            let key = format!("global_labels.{k}");
            let problems = naming::check_label_name(k)
                .into_iter()
                .chain(naming::check_label_value(v));
            if let Some(p) = problems.into_iter().next() {
                return Err(config(key, p.to_string()));
            }
            if self.global_labels[..i].iter().any(|(seen, _)| seen == k) {
                return Err(config(key, "given twice".into()));
            }
            if site_keys.contains(&k.as_str()) {
                return Err(config(
                    key,
                    format!("`{k}` is already a label of an instrumented family"),
                ));
            }
        }
        if let Some((_, p)) = naming::check_buckets(&self.default_buckets)
            .into_iter()
            .next()
        {
            return Err(config("default_buckets".into(), p.to_string()));
        }
        for site in catalogue.sites() {
            if let Some(latency) = site.slo().and_then(|s| s.latency)
                && site.buckets().is_none()
                && !self
                    .default_buckets
                    .iter()
                    .any(|b| (b - latency).abs() < 1e-12)
            {
                return Err(config(
                    "default_buckets".into(),
                    format!(
                        "the latency objective of `{}` ({}) needs the bound {latency}, which these buckets lack",
                        site.function(),
                        site.location()
                    ),
                ));
            }
        }
        if self.max_series == 0 {
            return Err(config(
                "metrics.max_series_per_family".into(),
                "must be at least 1".into(),
            ));
        }
        if self.limits.max_connections == 0 {
            return Err(config(
                "metrics.max_connections".into(),
                "must be at least 1".into(),
            ));
        }
        if self.limits.header_read_timeout.is_zero() {
            return Err(config(
                "metrics.header_read_timeout".into(),
                "must be greater than zero".into(),
            ));
        }
        if self
            .auth_token
            .as_deref()
            .is_some_and(|t| t.len() < 16 || t.chars().any(char::is_whitespace))
        {
            return Err(config(
                "metrics.auth_token".into(),
                "a token is at least 16 characters without spaces (the value is not shown)".into(),
            ));
        }
        if let Some(ns) = &self.namespace
            && let Some(p) = naming::check_namespace(ns).into_iter().next()
        {
            return Err(config("namespace".into(), p.to_string()));
        }
        for (status, code) in &self.status_codes {
            if !(100..=599).contains(code) {
                return Err(config(
                    format!("health.status_codes.{status}"),
                    format!("{code} is not an HTTP status code"),
                ));
            }
        }
        Ok(bind_addr)
    }
}

/// The namespace of the instrumented functions when they all share one.
fn default_namespace(catalogue: &Catalogue) -> String {
    let mut namespaces: Vec<&str> = catalogue.sites().iter().map(|s| s.namespace()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    match namespaces.as_slice() {
        [one] => (*one).to_owned(),
        _ => "vitalsign".to_owned(),
    }
}

/// How the health endpoints answer.
#[derive(Debug)]
pub(crate) struct HttpOptions {
    pub limits: Limits,
    pub auth_token: Option<String>,
    pub serve_metrics: bool,
    pub show_details: ShowDetails,
    pub codes: StatusCodes,
    pub service: Option<String>,
    pub version: Option<String>,
    pub started: Instant,
}

#[derive(Debug)]
struct Inner {
    process: ProcessMetrics,
    stats: Stats,
    /// The instrumented family groups `/stats` reads, from the catalogue at install.
    groups: Vec<Group>,
    sampler: OnceLock<()>,
    shared: Arc<Shared>,
    catalogue: Catalogue,
    bind_addr: SocketAddr,
    health: Health,
    http: HttpOptions,
}

/// The installed instrumentation of this process. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Vitals(Arc<Inner>);

impl Vitals {
    /// Starts configuring: `Vitals::builder().global_label("region", "eu-1").install()?`.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A builder reading `path` (YAML or TOML) at `install()`: `Vitals::from_config_file("vitalsign.yaml").install()?`.
    pub fn from_config_file(path: impl Into<std::path::PathBuf>) -> Builder {
        Builder::default().config_file(path)
    }

    /// The handle `install()` returned, if vitalsign is installed in this process.
    pub fn installed() -> Option<Vitals> {
        INSTALLED.get().cloned()
    }

    /// The Prometheus text exposition, exactly as `GET /metrics` serves it. Process metrics
    /// and uptime are brought up to date first.
    pub fn render(&self) -> String {
        let started = Instant::now();
        self.0.process.refresh();
        let text = self.0.shared.render();
        self.0.process.rendered_in(started.elapsed());
        text
    }

    /// The catalogue checked at install.
    pub fn catalogue(&self) -> &Catalogue {
        &self.0.catalogue
    }

    /// The configured address of the metrics server.
    pub fn bind_addr(&self) -> SocketAddr {
        self.0.bind_addr
    }

    /// The `/stats` snapshot: per operation, totals since start and the last minute's rate,
    /// error ratio and p50/p95/p99; process CPU, memory and uptime.
    pub fn snapshot(&self) -> Snapshot {
        self.0.process.refresh();
        let families = self.0.shared.families();
        let value = |name: &str| {
            families
                .get(name)
                .and_then(|f| f.series.first())
                .map(|(_, v)| match v {
                    Value::Counter(n) => *n as f64,
                    Value::Gauge(g) => *g,
                    Value::Histogram(h) => h.sum,
                })
        };
        let process = ProcessStats {
            cpu_seconds_total: value("process_cpu_seconds_total"),
            resident_memory_bytes: value("process_resident_memory_bytes"),
        };
        self.0
            .stats
            .snapshot(&families, &self.0.groups, process, self.0.process.uptime())
    }

    /// Samples the totals every 10 s for the `/stats` window (once per process; needs a tokio
    /// runtime, so it starts with the server).
    fn start_sampler(&self) {
        if tokio::runtime::Handle::try_current().is_err() || self.0.sampler.set(()).is_err() {
            return;
        }
        let vitals = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(crate::stats::SAMPLE_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let families = vitals.0.shared.families();
                vitals.0.stats.sample(&families, &vitals.0.groups);
            }
        });
    }

    /// The health of this process: add checks, flip the ready/live switches, read reports.
    pub fn health(&self) -> &Health {
        &self.0.health
    }

    pub(crate) fn http(&self) -> &HttpOptions {
        &self.0.http
    }

    /// Binds the metrics server to the configured address without serving yet, so the caller
    /// can read the bound address (useful with port 0). Starts the health checks if they are
    /// not running yet.
    pub async fn bind(&self) -> std::io::Result<MetricsServer> {
        self.0.health.0.start();
        self.start_sampler();
        MetricsServer::bind(self.clone(), self.0.bind_addr).await
    }

    /// Serves `/metrics` on the configured address until Ctrl-C or SIGTERM, then drains open
    /// connections.
    pub async fn serve(&self) -> std::io::Result<()> {
        self.bind()
            .await?
            .run_until(crate::server::shutdown_signal())
            .await
    }
}
