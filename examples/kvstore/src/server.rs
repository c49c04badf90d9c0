//! The database server: a TCP listener speaking the line protocol, a group-fsync task, and
//! vitalsign's `/metrics` server beside them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use vitalsign::health::builtin::{DiskSpace, Threshold};
use vitalsign::{Vitals, instrumented};

use crate::error::{KvError, MAX_KEY, MAX_VALUE};
use crate::health;
use crate::protocol;
use crate::store::Store;
use crate::wal::Wal;

/// Longest request line: a command word, a key and a value.
const MAX_LINE: u64 = (MAX_KEY + MAX_VALUE + 16) as u64;

/// Where the server listens and keeps its data.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the database protocol (default `127.0.0.1:7878`).
    pub listen: SocketAddr,
    /// Directory of the write-ahead log.
    pub data_dir: PathBuf,
    /// How often appended records are made durable.
    pub sync_interval: Duration,
    /// Keys the in-memory data may hold before the `cache` check is degraded.
    pub capacity: usize,
    /// Free space on the data directory's file system below which the `wal` check is degraded
    /// and unhealthy.
    pub min_free_disk: (Threshold, Threshold),
    /// Size past which the write-ahead log is compacted, once it is also more than twice its
    /// size after the last compaction.
    pub compact_after: u64,
}

impl Config {
    /// A server on free loopback ports with its data in a fresh temporary directory named after
    /// `name` and the process, for tests and demos. Its disk thresholds are small absolute
    /// amounts: a temporary server writes little, and a build machine's disk that is 90 % full
    /// must not make it report itself degraded.
    pub fn temporary(name: &str) -> Self {
        let data_dir = std::env::temp_dir().join(format!("kvstore-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            min_free_disk: (Threshold::Bytes(64 << 20), Threshold::Bytes(16 << 20)),
            ..Self::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
            data_dir: std::env::temp_dir().join("kvstore-data"),
            sync_interval: Duration::from_millis(100),
            capacity: 1_000_000,
            min_free_disk: (Threshold::Ratio(0.10), Threshold::Ratio(0.05)),
            compact_after: 16 << 20,
        }
    }
}

/// A started server.
#[derive(Debug)]
pub struct Running {
    /// Bound address of the database protocol.
    pub db_addr: SocketAddr,
    /// Bound address of `/metrics`.
    pub metrics_addr: SocketAddr,
    /// Bound address of the health-only listener, when `health.bind_addr` asks for one.
    pub health_addr: Option<SocketAddr>,
    /// The store, for inspection.
    pub store: Arc<Store>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    vitals: Vitals,
}

impl Running {
    /// Stops accepting, lets open connections finish their line, syncs the log, and stops the
    /// metrics server.
    pub async fn shutdown(mut self) {
        // Not ready first, so load balancers stop sending before connections close.
        self.vitals.health().set_ready(false);
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        let _ = self.store.wal().sync().await;
        // The directory is free for the next server from here, in this process or another.
        self.store.wal().release();
        for name in health::CHECKS {
            self.vitals.health().remove(name);
        }
    }
}

/// Opens the log, binds both listeners and starts serving.
pub async fn start(config: &Config, vitals: &Vitals) -> Result<Running, KvError> {
    // Registered before replay, so readiness waits for it.
    let replayed = Arc::new(AtomicBool::new(false));
    vitals.health().add(health::WalReplayed {
        done: replayed.clone(),
    })?;
    vitals.health().set_ready(true);
    let (wal, state) = Wal::open(&config.data_dir).await?;
    replayed.store(true, Ordering::Release);
    let store = Arc::new(Store::new(wal, state));
    vitals.health().add(health::WalHealth {
        dir: config.data_dir.clone(),
        disk: DiskSpace::new("wal_disk", config.data_dir.clone())
            .degraded_below(config.min_free_disk.0)
            .unhealthy_below(config.min_free_disk.1),
    })?;
    vitals.health().add(health::CacheHealth {
        store: store.clone(),
        capacity: config.capacity,
    })?;
    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot listen for clients on {}: {e}; choose another address with --listen",
                config.listen
            ),
        )
    })?;
    let db_addr = listener.local_addr()?;
    let metrics = vitals.bind().await.map_err(|e| {
        // vitalsign names the setting; the main address also has kvstore's own flag.
        let flag = if e.to_string().contains("metrics.bind_addr") {
            ", or kvstore's --metrics"
        } else {
            ""
        };
        std::io::Error::new(e.kind(), format!("{e}{flag}"))
    })?;
    let metrics_addr = metrics.local_addr();
    let health_addr = metrics.health_addr();
    let (stop, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();

    tasks.spawn(accept_loop(listener, store.clone(), rx.clone()));
    tasks.spawn(sync_loop(
        store.clone(),
        config.sync_interval,
        config.compact_after,
        rx.clone(),
    ));
    tasks.spawn(async move {
        let _ = metrics.run_until(stopped(rx)).await;
    });
    Ok(Running {
        db_addr,
        metrics_addr,
        health_addr,
        store,
        stop,
        tasks,
        vitals: vitals.clone(),
    })
}

/// Completes once the server is told to stop.
async fn stopped(mut rx: watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, never held across an await.
    let _ = rx.wait_for(|s| *s).await;
}

async fn accept_loop(listener: TcpListener, store: Arc<Store>, rx: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(store.clone(), stream, rx.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            () = stopped(rx.clone()) => break,
        }
    }
    while connections.join_next().await.is_some() {}
}

/// Makes appends durable on an interval, and compacts the log when it has grown enough. Failures
/// are counted and logged by the instrumented calls; the loop goes on.
async fn sync_loop(
    store: Arc<Store>,
    every: Duration,
    compact_after: u64,
    rx: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let wal = store.wal();
                let _ = wal.sync().await;
                if wal.wants_compaction(compact_after) {
                    let _ = wal.compact().await;
                }
            }
            () = stopped(rx.clone()) => break,
        }
    }
}

/// Serves one client until it disconnects or the server stops.
#[instrumented(name = "connections")]
async fn serve_connection(
    store: Arc<Store>,
    stream: TcpStream,
    rx: watch::Receiver<bool>,
) -> Result<(), KvError> {
    let _open = crate::telemetry::OpenConnection::accepted();
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        let mut limited = (&mut reader).take(MAX_LINE + 1);
        let n = tokio::select! {
            n = limited.read_line(&mut line) => n?,
            () = stopped(rx.clone()) => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        if n as u64 > MAX_LINE || !line.ends_with('\n') && n as u64 == MAX_LINE + 1 {
            let reply = protocol::render(&Err(KvError::Malformed("request line too long")));
            write.write_all(reply.as_bytes()).await?;
            return Ok(());
        }
        let result = match protocol::parse(&line) {
            Ok(command) => store.execute(command).await,
            Err(e) => Err(e),
        };
        write
            .write_all(protocol::render(&result).as_bytes())
            .await?;
    }
}
