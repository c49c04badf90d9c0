//! `Vitals`: the handle an application keeps once `install()` has run, to render the metrics,
//! serve them and reach the health checks. The steps of an install are in `install.rs`, the
//! configuration file's part in `configure.rs`; the builder and its settings are the settings
//! room's.

#[cfg(feature = "config")]
mod configure;
mod install;

use std::sync::{Arc, OnceLock};

use crate::catalogue::{Catalogue, CatalogueError};
#[cfg(feature = "health")]
use crate::health::{Health, HealthError};
use crate::process::ProcessMetrics;
use crate::recorder::Shared;
use crate::setting_error::ConfigError;
use crate::settings::Builder;

static INSTALLED: OnceLock<Vitals> = OnceLock::new();

/// Why `install()` refused to start.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A setting has a bad value, from the builder, the configuration file or a `VITALSIGN_*`
    /// variable; its `key` names it as the file writes it (`metrics.bind_addr`,
    /// `metrics.global_labels.region`) or the variable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Two call sites disagree about a family.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A health check given to the builder cannot be registered.
    #[cfg(feature = "health")]
    #[error(transparent)]
    Health(#[from] HealthError),
    /// A `metrics` recorder is already installed in this process.
    #[error(
        "a metrics recorder is already installed in this process (install vitalsign once, before other recorders)"
    )]
    AlreadyInstalled,
}

/// What the server room needs of the handle.
#[cfg(feature = "server")]
#[derive(Debug)]
struct Served {
    stats: crate::stats::Stats,
    /// The instrumented family groups `/stats` reads, from the catalogue at install.
    groups: Vec<crate::catalogue::Group>,
    /// The declared families, one field each, for the status page.
    declared: Vec<crate::catalogue::Declared>,
    sampler: OnceLock<()>,
    bind_addr: crate::server::Address,
    http: crate::server::HttpOptions,
    refused: crate::server::RefusedCounters,
}

#[derive(Debug)]
struct Inner {
    process: ProcessMetrics,
    shared: Arc<Shared>,
    catalogue: Catalogue,
    #[cfg(feature = "health")]
    health: Health,
    #[cfg(feature = "server")]
    served: Served,
    /// The queue in front of the log output, when vitalsign installed logging.
    #[cfg(feature = "logging")]
    logs: Option<crate::logging::LogPipe>,
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
    #[cfg(feature = "config")]
    pub fn from_config_file(path: impl Into<std::path::PathBuf>) -> Builder {
        Builder::default().config_file(path)
    }

    /// The handle `install()` returned, if vitalsign is installed in this process.
    pub fn installed() -> Option<Vitals> {
        INSTALLED.get().cloned()
    }

    /// The Prometheus text exposition, exactly as `GET /metrics` serves it to a scraper that
    /// does not ask for OpenMetrics. Process metrics and uptime are brought up to date first.
    pub fn render(&self) -> String {
        self.render_as(crate::ExpositionFormat::Prometheus)
    }

    /// The exposition in `format`, as `GET /metrics` serves it to a scraper that prefers it.
    pub fn render_as(&self, format: crate::ExpositionFormat) -> String {
        let text = self.rendering(|shared| shared.render(format.into(), None));
        String::from_utf8(text).expect("the text expositions are UTF-8")
    }

    /// The exposition as length-delimited protobuf `MetricFamily` messages, with native
    /// histograms where `metrics.native_histograms` keeps them: what `GET /metrics` serves to a
    /// scraper that asks for `application/vnd.google.protobuf`.
    pub fn render_protobuf(&self) -> Vec<u8> {
        self.rendering(|shared| shared.render(crate::recorder::Exposition::Protobuf, None))
    }

    /// Brings process metrics and uptime up to date, renders, and counts the render's time.
    fn rendering<T>(&self, render: impl FnOnce(&crate::recorder::Shared) -> T) -> T {
        let started = std::time::Instant::now();
        self.0.process.refresh();
        #[cfg(feature = "logging")]
        if let Some(logs) = &self.0.logs {
            logs.refresh();
        }
        let rendered = render(&self.0.shared);
        self.0.process.rendered_in(started.elapsed());
        rendered
    }

    /// Writes the log lines still queued for the output and stops its writer thread (waiting
    /// at most about a second for a stalled output); lines logged afterwards are dropped and
    /// counted. Call it on the way out: `serve()` does, after its graceful shutdown.
    pub fn flush_logs(&self) {
        #[cfg(feature = "logging")]
        if let Some(logs) = &self.0.logs {
            logs.flush();
        }
    }

    /// The catalogue checked at install.
    pub fn catalogue(&self) -> &Catalogue {
        &self.0.catalogue
    }

    /// The health of this process: add checks, flip the ready/live switches, read reports.
    #[cfg(feature = "health")]
    pub fn health(&self) -> &Health {
        &self.0.health
    }
}

#[cfg(feature = "server")]
mod served {
    use std::net::SocketAddr;
    use std::sync::Arc;

    use super::Vitals;
    use crate::health::Health;
    use crate::recorder::{Exposition, Value};
    use crate::server::{Endpoints, HttpOptions, MetricsServer, Refusal};
    use crate::stats::{DeclaredFamily, History, ProcessStats, Snapshot};

    /// The process figures `/stats` and the status page show, from the `process_*` families.
    fn process_stats(
        families: &std::collections::BTreeMap<String, crate::recorder::FamilySeries>,
        cpu_seconds: Option<f64>,
    ) -> ProcessStats {
        let value = |name: &str| {
            families
                .get(name)
                .and_then(|f| f.series.first())
                .map(|(_, v)| match v {
                    Value::Counter(n, ..) => *n as f64,
                    Value::Gauge(g) => *g,
                    Value::Histogram(h) => h.sum,
                })
        };
        ProcessStats {
            cpu_seconds_total: cpu_seconds,
            resident_memory_bytes: value("process_resident_memory_bytes"),
            open_fds: value("process_open_fds"),
            max_fds: value("process_max_fds"),
            threads: value("process_threads"),
        }
    }

    impl Vitals {
        /// The configured address of the metrics server.
        pub fn bind_addr(&self) -> SocketAddr {
            self.0.served.bind_addr.at
        }

        /// The `/stats` snapshot: per operation, totals since start and the last minute's
        /// rate, error ratio and p50/p95/p99; process CPU, memory and uptime.
        pub fn snapshot(&self) -> Snapshot {
            self.0.process.refresh();
            let families = self.0.shared.families();
            let served = &self.0.served;
            served.stats.snapshot(
                &families,
                &served.groups,
                process_stats(&families, self.0.process.cpu_seconds()),
                self.0.process.uptime(),
            )
        }

        /// The history of the `/stats` figures, one point per operation every
        /// `status.sample_every` over `status.history`, oldest first: what the status page
        /// plots and `/stats/history` serves.
        pub fn history(&self) -> History {
            self.0.served.stats.history()
        }

        /// Samples the totals for the `/stats` window and the history (once per process;
        /// needs a tokio runtime, so it starts with the server).
        fn start_sampler(&self) {
            if tokio::runtime::Handle::try_current().is_err()
                || self.0.served.sampler.set(()).is_err()
            {
                return;
            }
            let vitals = self.clone();
            tokio::spawn(async move {
                let served = &vitals.0.served;
                let mut tick = tokio::time::interval(served.stats.every());
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    // Walks every series: off the reactor's worker threads, like a render.
                    let sampled = vitals.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        sampled.0.process.refresh();
                        let families = sampled.0.shared.families();
                        let served = &sampled.0.served;
                        let process = process_stats(&families, sampled.0.process.cpu_seconds());
                        served.stats.sample(&families, &served.groups, &process);
                    })
                    .await;
                }
            });
        }

        /// Binds the metrics server to the configured address without serving yet, so the
        /// caller can read the bound address (useful with port 0). Starts the health checks if
        /// they are not running yet.
        pub async fn bind(&self) -> std::io::Result<MetricsServer> {
            self.0.health.start();
            self.start_sampler();
            MetricsServer::bind(Arc::new(self.clone()), &self.0.served.bind_addr).await
        }

        /// Serves `/metrics` on the configured address until Ctrl-C or SIGTERM, then drains
        /// open connections.
        pub async fn serve(&self) -> std::io::Result<()> {
            let served = self
                .bind()
                .await?
                .run_until(crate::server::shutdown_signal())
                .await;
            self.flush_logs();
            served
        }
    }

    impl Endpoints for Vitals {
        fn render(&self, exposition: Exposition, only: Option<&[String]>) -> Vec<u8> {
            self.rendering(|shared| shared.render(exposition, only))
        }

        fn snapshot(&self) -> Snapshot {
            Vitals::snapshot(self)
        }

        fn history(&self) -> History {
            Vitals::history(self)
        }

        fn declared(&self) -> Vec<DeclaredFamily> {
            let families = self.0.shared.families();
            crate::stats::declared(&families, &self.0.served.declared)
        }

        fn sample_every(&self) -> std::time::Duration {
            self.0.served.stats.every()
        }

        fn health(&self) -> &Health {
            Vitals::health(self)
        }

        fn options(&self) -> &HttpOptions {
            &self.0.served.http
        }

        fn refused(&self, why: Refusal) {
            self.0.served.refused.count(why);
        }
    }
}
