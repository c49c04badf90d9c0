//! The HTTP listener: accepts connections, serves them with hyper, drains them on shutdown.
//! What each path answers lives in `routes`.

mod coalesce;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use std::sync::Arc;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::health::{Health, ShowDetails, Status};
use crate::stats::Snapshot;

/// What the server serves, and nothing more: the installed `Vitals` hands it this narrow view,
/// so the server knows the rooms below it and never the hub above.
pub(crate) trait Endpoints: Send + Sync + 'static {
    /// The Prometheus text exposition.
    fn render(&self) -> String;
    /// The `/stats` snapshot.
    fn snapshot(&self) -> Snapshot;
    /// The registered health checks.
    fn health(&self) -> &Health;
    /// How the server answers.
    fn options(&self) -> &HttpOptions;
}

/// Limits of the HTTP server, so that it cannot become the weak point of the process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_connections: usize,
    pub(crate) header_read_timeout: Duration,
}

/// How the server answers: its limits, the token, and the health endpoints' options.
#[derive(Debug)]
pub(crate) struct HttpOptions {
    pub(crate) limits: Limits,
    pub(crate) auth_token: Option<String>,
    pub(crate) serve_metrics: bool,
    pub(crate) show_details: ShowDetails,
    pub(crate) codes: StatusCodes,
    pub(crate) service: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) started: std::time::Instant,
}

/// The largest request (line and headers) read: requests here are a line and a few headers.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// How long shutdown waits for open connections to finish their responses.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP status code of each health status (the settings `health.status_codes.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatusCodes {
    pub healthy: u16,
    pub degraded: u16,
    pub unhealthy: u16,
    pub unknown: u16,
}

impl StatusCodes {
    pub(crate) fn of(&self, status: Status) -> u16 {
        match status {
            Status::Healthy => self.healthy,
            Status::Degraded => self.degraded,
            Status::Unhealthy => self.unhealthy,
            Status::Unknown => self.unknown,
        }
    }
}

/// A bound metrics server; `run_until` serves it.
pub struct MetricsServer {
    listener: TcpListener,
    endpoints: Arc<dyn Endpoints>,
    renders: Arc<routes::Renders>,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

impl MetricsServer {
    pub(crate) async fn bind(
        endpoints: Arc<dyn Endpoints>,
        addr: SocketAddr,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot serve /metrics on {addr}: {e}; choose another address with \
                     `metrics.bind_addr` (VITALSIGN_METRICS_BIND_ADDR, Builder::bind_addr)"
                ),
            )
        })?;
        if !addr.ip().is_loopback() && endpoints.options().auth_token.is_none() {
            tracing::warn!(
                target: "vitalsign",
                bind_addr = %addr,
                "serving /metrics, /stats and health details on a non-loopback address without an auth token"
            );
        }
        Ok(Self {
            listener,
            endpoints,
            renders: Arc::new(routes::Renders::new()),
        })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has an address")
    }

    /// Serves until `shutdown` completes, then stops accepting and gives open connections up to
    /// five seconds to finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let graceful = GracefulShutdown::new();
        let limits = self.endpoints.options().limits;
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors or a connection reset before accept: back off briefly
                // instead of spinning, and keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let endpoints = self.endpoints.clone();
            let renders = self.renders.clone();
            let service = service_fn(move |req| {
                routes::handle(endpoints.clone(), renders.clone(), peer, req)
            });
            // Over the limit, the connection is closed at once rather than queued, so the
            // process's file descriptors and memory stay bounded whatever clients do.
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                continue;
            };
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .max_buf_size(MAX_REQUEST_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                // A client that disconnects mid-request is its own business.
                let _ = conn.await;
                drop(slot);
            });
        }
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
        Ok(())
    }
}

/// Completes on Ctrl-C, or on SIGTERM where there are signals.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
