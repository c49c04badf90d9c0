//! The HTTP listener: accepts connections, serves them with hyper, drains them on shutdown.
//! What each path answers lives in `routes`; the status page it draws, in `page`.

mod admission;
mod coalesce;
mod negotiation;
mod page;
mod routes;

pub(crate) use admission::{Refusal, RefusedCounters, own_families};

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

use admission::Admission;

use crate::health::{Health, ShowDetails, Status};
use crate::stats::{DeclaredFamily, History, Snapshot};

/// What the server serves, and nothing more: the installed `Vitals` hands it this narrow view,
/// so the server knows the rooms below it and never the hub above.
pub(crate) trait Endpoints: Send + Sync + 'static {
    /// The exposition, of every family or of those named in `only`.
    fn render(&self, exposition: crate::recorder::Exposition, only: Option<&[String]>) -> Vec<u8>;
    /// The `/stats` snapshot.
    fn snapshot(&self) -> Snapshot;
    /// The history of the `/stats` figures.
    fn history(&self) -> History;
    /// The declared metrics' current values.
    fn declared(&self) -> Vec<DeclaredFamily>;
    /// Time between two samples of the history: how often the status page refreshes.
    fn sample_every(&self) -> Duration;
    /// The registered health checks.
    fn health(&self) -> &Health;
    /// How the server answers.
    fn options(&self) -> &HttpOptions;
    /// Counts a connection its limits refused.
    fn refused(&self, why: Refusal);
}

/// Limits of the HTTP server, so that it cannot become the weak point of the process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_connections: usize,
    pub(crate) max_connections_per_client: usize,
    pub(crate) header_read_timeout: Duration,
}

/// An address to listen on, and how an operator changes it: what a failed bind names.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub(crate) at: SocketAddr,
    /// The setting, its variable and its builder method, as an error shows them.
    pub(crate) setting: String,
}

/// How the server answers: its limits, the token, and the health endpoints' options.
#[derive(Debug)]
pub(crate) struct HttpOptions {
    pub(crate) limits: Limits,
    /// The address of the health-only listener, when one is configured.
    pub(crate) health_addr: Option<Address>,
    pub(crate) auth_token: Option<String>,
    pub(crate) serve_metrics: bool,
    /// Whether `/status` and `/stats/history` are served.
    pub(crate) status_page: bool,
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

/// Connections the kernel holds for `accept`. The standard library's 128 overflows under a
/// few hundred reconnecting clients, and an overflowing queue drops SYNs: a probe caught in it
/// waits a whole second for its retransmit. The kernel caps it at `net.core.somaxconn`.
const ACCEPT_BACKLOG: u32 = 4096;

/// Refused connections answered with a `503` at once; past this many, a refused connection is
/// closed without an answer, so that refusing stays cheaper than serving.
const ANSWERED_REFUSALS: usize = 64;

/// How long a refused connection may take to send its request before it is closed unanswered.
const REFUSAL_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// What a refused client is told to wait before it tries again, in seconds.
const RETRY_AFTER_SECONDS: &str = "1";

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
    /// The health-only listener (`health.bind_addr`).
    health: Option<TcpListener>,
    endpoints: Arc<dyn Endpoints>,
    renders: Arc<routes::Renders>,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("listener", &self.listener)
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}

impl MetricsServer {
    pub(crate) async fn bind(
        endpoints: Arc<dyn Endpoints>,
        addr: &Address,
    ) -> std::io::Result<Self> {
        let listener = listen(addr, "/metrics")?;
        let health = match &endpoints.options().health_addr {
            Some(health) => Some(listen(health, "health")?),
            None => None,
        };
        let addr = addr.at;
        if !addr.ip().is_loopback() && endpoints.options().auth_token.is_none() {
            tracing::warn!(
                target: "vitalsign",
                bind_addr = %addr,
                "serving /metrics, /stats and health details on a non-loopback address without an auth token"
            );
        }
        Ok(Self {
            listener,
            health,
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

    /// The address the health-only listener bound, when `health.bind_addr` is set.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health
            .as_ref()
            .map(|l| l.local_addr().expect("a bound TCP listener has an address"))
    }

    /// Serves until `shutdown` completes, then stops accepting and gives open connections up to
    /// five seconds to finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let graceful = GracefulShutdown::new();
        let limits = self.endpoints.options().limits;
        // Each listener has places of its own: a flood of the main one leaves health's alone.
        let admissions: [_; 2] = std::array::from_fn(|_| {
            Admission::new(limits.max_connections, limits.max_connections_per_client)
        });
        let refusals = Arc::new(Semaphore::new(ANSWERED_REFUSALS));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (accepted, room) = tokio::select! {
                accepted = self.listener.accept() => (accepted, Room::All),
                accepted = accept(self.health.as_ref()) => (accepted, Room::Health),
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
            let ticket = match admissions[room as usize].admit(peer.ip()) {
                Ok(ticket) => ticket,
                Err(why) => {
                    self.endpoints.refused(why);
                    refuse(stream, &refusals);
                    continue;
                }
            };
            let endpoints = self.endpoints.clone();
            let renders = self.renders.clone();
            let service = service_fn(move |req| {
                routes::handle(endpoints.clone(), renders.clone(), room, peer, req)
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .max_buf_size(MAX_REQUEST_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                // A client that disconnects mid-request is its own business.
                let _ = conn.await;
                drop(ticket);
            });
        }
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
        Ok(())
    }
}

/// Which paths a listener answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Room {
    /// `metrics.bind_addr`: every path.
    All = 0,
    /// `health.bind_addr`: the health endpoints only.
    Health = 1,
}

/// Binds `addr`, or says which address failed and the setting that changes it.
fn listen(addr: &Address, serves: &str) -> std::io::Result<TcpListener> {
    let bind = || {
        let socket = match addr.at {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr.at)?;
        socket.listen(ACCEPT_BACKLOG)
    };
    bind().map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot serve {serves} on {}: {e}; choose another address with {}",
                addr.at, addr.setting
            ),
        )
    })
}

/// The next connection on `listener`, or never when there is none.
async fn accept(
    listener: Option<&TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// Answers a refused connection `503` with `Retry-After` and closes it, or closes it at once when
/// [`ANSWERED_REFUSALS`] are already being answered. hyper reads the request first, so the
/// client sees the answer rather than a reset.
fn refuse(stream: tokio::net::TcpStream, refusals: &Arc<Semaphore>) {
    let Ok(place) = refusals.clone().try_acquire_owned() else {
        return;
    };
    let service = service_fn(|_req| async {
        let mut r = hyper::Response::new(http_body_util::Full::new(
            hyper::body::Bytes::from_static(b"too many connections; retry later\n"),
        ));
        *r.status_mut() = hyper::StatusCode::SERVICE_UNAVAILABLE;
        r.headers_mut().insert(
            hyper::header::RETRY_AFTER,
            hyper::header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
        Ok::<_, std::convert::Infallible>(r)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_READ_TIMEOUT)
        .keep_alive(false)
        .max_buf_size(MAX_REQUEST_BYTES)
        .serve_connection(TokioIo::new(stream), service);
    tokio::spawn(async move {
        let _ = conn.await;
        drop(place);
    });
}

/// Completes on Ctrl-C (SIGINT), or on SIGTERM where there are signals: what `serve()` stops
/// on, for an application that runs its own servers beside it. Orchestrators (Kubernetes,
/// systemd, Docker) stop a process with SIGTERM, so waiting for Ctrl-C alone skips the graceful
/// shutdown there.
pub async fn shutdown_signal() {
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
