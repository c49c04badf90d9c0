//! The HTTP listener: accepts connections, serves them with hyper, drains them on shutdown.
//! What each path answers lives in `routes`.

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

use crate::Vitals;

/// The largest request (line and headers) read: requests here are a line and a few headers.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// How long shutdown waits for open connections to finish their responses.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A bound metrics server; `run_until` serves it.
#[derive(Debug)]
pub struct MetricsServer {
    listener: TcpListener,
    vitals: Vitals,
}

impl MetricsServer {
    pub(crate) async fn bind(vitals: Vitals, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        if !addr.ip().is_loopback() && vitals.http().auth_token.is_none() {
            tracing::warn!(
                target: "vitalsign",
                bind_addr = %addr,
                "serving /metrics, /stats and health details on a non-loopback address without an auth token"
            );
        }
        Ok(Self { listener, vitals })
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
        let limits = self.vitals.http().limits;
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
            let vitals = self.vitals.clone();
            let service = service_fn(move |req| routes::handle(vitals.clone(), peer, req));
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
