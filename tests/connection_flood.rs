//! Probes survive a connection flood: slow clients that reconnect whenever they are cut crowd the
//! listener from other loopback addresses (127.0.0.2 and up), while a kubelet-like prober on
//! 127.0.0.1 opens a fresh connection for every `/health/live`. The per-client cap and the room
//! kept for new clients must let ≥ 99 % of the probes through within a second, refused
//! connections must hear `503` with `Retry-After`, and a scrape must answer within a second once
//! the flood stops. A health-only listener serves probes beside it.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The listener's places: the flood opens more connections than this.
const MAX_CONNECTIONS: usize = 64;
/// How long a probe may take, connect to last byte: a kubelet's default `timeoutSeconds`.
const PROBE_DEADLINE: Duration = Duration::from_secs(1);
/// How long each phase probes under the flood.
const PHASE: Duration = Duration::from_secs(6);

/// Connects from `from` (any port) to `to`.
async fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(to).await
}

/// One request on a fresh connection from `from`; the status and the whole reply.
async fn get_from(from: IpAddr, to: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = connect_from(from, to).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, reply))
}

/// What the flooders saw.
#[derive(Default)]
struct Flood {
    stop: AtomicBool,
    connections: AtomicUsize,
    refused_with_retry_after: AtomicUsize,
}

/// Starts `clients` flooders per address of `from`, on a runtime of their own (as if another
/// process): each connects, and either trickles nothing (a slow client holding its place until
/// the header timeout) or asks for `/metrics`; when cut or answered, it reconnects at once.
fn flood(
    from: Vec<IpAddr>,
    to: SocketAddr,
    clients: usize,
) -> (Arc<Flood>, std::thread::JoinHandle<()>) {
    let seen = Arc::new(Flood::default());
    let flood = seen.clone();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut tasks = tokio::task::JoinSet::new();
            for ip in from {
                for n in 0..clients {
                    let flood = flood.clone();
                    tasks.spawn(async move {
                        while !flood.stop.load(Ordering::Relaxed) {
                            let Ok(mut s) = connect_from(ip, to).await else {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                                continue;
                            };
                            flood.connections.fetch_add(1, Ordering::Relaxed);
                            if n % 4 == 0 {
                                let _ = s
                                    .write_all(b"GET /metrics HTTP/1.1\r\nHost: flood\r\n\r\n")
                                    .await;
                            }
                            let mut reply = Vec::new();
                            let read = tokio::time::timeout(
                                Duration::from_secs(10),
                                s.read_to_end(&mut reply),
                            );
                            let _ = read.await;
                            let reply = String::from_utf8_lossy(&reply).to_lowercase();
                            if reply.starts_with("http/1.1 503") && reply.contains("retry-after: 1")
                            {
                                flood
                                    .refused_with_retry_after
                                    .fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    });
                }
            }
            while tasks.join_next().await.is_some() {}
        });
    });
    (seen, thread)
}

/// Probes `/health/live` from 127.0.0.1 every 20 ms for [`PHASE`]: (answered in time, sent).
async fn probe(addr: SocketAddr) -> (usize, usize) {
    let prober: IpAddr = "127.0.0.1".parse().unwrap();
    let mut probes = tokio::task::JoinSet::new();
    let started = Instant::now();
    while started.elapsed() < PHASE {
        probes.spawn(async move {
            let asked = Instant::now();
            let answer =
                tokio::time::timeout(PROBE_DEADLINE, get_from(prober, addr, "/health/live"));
            let answer = answer.await;
            let ok = matches!(answer, Ok(Ok((200, _)))) && asked.elapsed() <= PROBE_DEADLINE;
            if !ok {
                let what = match answer {
                    Ok(Ok((status, _))) => format!("status {status}"),
                    Ok(Err(e)) => format!("error {e}"),
                    Err(_) => "no answer".to_owned(),
                };
                common::say(&format!(
                    "a probe failed after {:?}: {what}",
                    asked.elapsed()
                ));
            }
            ok
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut answered, mut sent) = (0, 0);
    while let Some(ok) = probes.join_next().await {
        sent += 1;
        answered += usize::from(ok.unwrap());
    }
    (answered, sent)
}

/// The exposition in a reply's body.
fn exposition(reply: &str) -> common::Scrape {
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    common::parse(body).expect("a valid exposition")
}

fn at_least_99_percent(what: &str, (answered, sent): (usize, usize)) {
    common::say(&format!(
        "{what}: {answered} of {sent} probes answered within 1 s"
    ));
    assert!(sent >= 100, "{what}: only {sent} probes sent");
    assert!(
        answered * 100 >= sent * 99,
        "{what}: {answered} of {sent} probes answered within 1 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_get_through_a_connection_flood() {
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .namespace("flood")
        .bind_addr("127.0.0.1:0")
        .health_bind_addr("127.0.0.1:0")
        .max_connections(MAX_CONNECTIONS)
        .max_connections_per_client(MAX_CONNECTIONS / 2)
        .header_read_timeout(Duration::from_secs(2))
        .install()
        .expect("install");
    let server = vitals.bind().await.expect("bind");
    let addr = server.local_addr();
    let health_addr = server.health_addr().expect("a health listener");
    tokio::spawn(server.run_until(std::future::pending()));
    let local: IpAddr = "127.0.0.1".parse().unwrap();

    // The health listener answers probes and nothing else.
    assert_eq!(
        get_from(local, health_addr, "/health/live")
            .await
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        get_from(local, health_addr, "/metrics").await.unwrap().0,
        404
    );
    assert_eq!(get_from(local, health_addr, "/stats").await.unwrap().0, 404);

    // Phase 1: one address opens three times the listener's places. Its per-client cap leaves
    // the rest to everyone else.
    let (seen, thread) = flood(
        vec!["127.0.0.2".parse().unwrap()],
        addr,
        3 * MAX_CONNECTIONS,
    );
    common::eventually("the flood to fill its address's places", || async {
        (seen.connections.load(Ordering::Relaxed) > 3 * MAX_CONNECTIONS).then_some(())
    })
    .await;
    at_least_99_percent("one address flooding", probe(addr).await);
    let scrape = Instant::now();
    let (status, body) = get_from(local, addr, "/metrics").await.unwrap();
    assert_eq!(status, 200, "a scrape during the flood");
    common::say(&format!(
        "a scrape during the flood took {:?}",
        scrape.elapsed()
    ));
    seen.stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();
    let refused = exposition(&body)
        .value(
            "flood_http_connections_refused_total",
            &[("reason", "per_client")],
        )
        .unwrap_or(0.0);
    assert!(
        refused > 0.0,
        "the per-client cap refused the flood: {body}"
    );
    assert!(
        seen.refused_with_retry_after.load(Ordering::Relaxed) > 0,
        "refused clients heard 503 with Retry-After"
    );

    // Phase 2: eight addresses, each under its cap, fill every place; the room kept for
    // addresses with no connection open still lets each probe in.
    let many: Vec<IpAddr> = (2..10)
        .map(|i| format!("127.0.0.{i}").parse().unwrap())
        .collect();
    let (seen, thread) = flood(many, addr, MAX_CONNECTIONS / 2);
    common::eventually("the flood to fill the listener", || async {
        (seen.connections.load(Ordering::Relaxed) > 4 * MAX_CONNECTIONS).then_some(())
    })
    .await;
    at_least_99_percent("eight addresses flooding", probe(addr).await);
    // The health listener never saw the flood.
    assert_eq!(
        get_from(local, health_addr, "/health/ready")
            .await
            .unwrap()
            .0,
        200
    );
    seen.stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();

    // Once the flood stops, a scrape answers within a second.
    let scrape = Instant::now();
    let (status, body) =
        tokio::time::timeout(Duration::from_secs(1), get_from(local, addr, "/metrics"))
            .await
            .expect("a scrape within 1 s of the flood")
            .unwrap();
    assert_eq!(status, 200);
    common::say(&format!(
        "the scrape after the flood took {:?}",
        scrape.elapsed()
    ));
    let full = exposition(&body)
        .value(
            "flood_http_connections_refused_total",
            &[("reason", "full")],
        )
        .unwrap_or(0.0);
    assert!(full > 0.0, "the full listener refused the crowd: {body}");
}
