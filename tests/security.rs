//! The HTTP server under hostile clients, on loopback: the bearer token, slowloris, a thousand
//! connections at once, malformed requests; it keeps answering throughout.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vitalsign::Vitals;

const TOKEN: &str = "s3cret-token-for-tests";

async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_do_not_stop_the_server() {
    // Bad options first: once installed, a second install is refused before its options are read.

    let err = Vitals::builder()
        .auth_token("short")
        .install()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("metrics.auth_token") && !err.contains("short"),
        "named, not shown: {err}"
    );
    let err = Vitals::builder()
        .max_connections(0)
        .install()
        .unwrap_err()
        .to_string();
    assert!(err.contains("metrics.max_connections"), "{err}");

    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .auth_token(TOKEN)
        .max_connections(200)
        .header_read_timeout(Duration::from_millis(500))
        .health(vitalsign::health::from_fn(
            vitalsign::health::CheckSpec::new("db").every(Duration::from_millis(50)),
            || async {
                vitalsign::health::Outcome::healthy()
                    .with_message("replica 10.0.0.5 answers")
                    .with_detail("dsn", "postgres://10.0.0.5")
            },
        ))
        .install()
        .expect("install");
    let addr = common::serve(&vitals).await;
    common::eventually("the check's first run", || async {
        let report = vitals.health().report(vitalsign::health::Scope::All);
        (report.checks[0].state.outcome.status == vitalsign::health::Status::Healthy).then_some(())
    })
    .await;

    // The token guards /metrics, /stats and health details; probes still see statuses.
    let (status, reply) = get(addr, "/metrics", None).await;
    assert_eq!(status, 401);
    assert!(reply.contains("www-authenticate: Bearer"), "{reply}");
    assert_eq!(
        get(addr, "/metrics", Some("s3cret-token-for-testz"))
            .await
            .0,
        401
    );
    assert_eq!(get(addr, "/metrics", Some(TOKEN)).await.0, 200);
    assert_eq!(get(addr, "/stats", None).await.0, 401);
    assert_eq!(get(addr, "/stats", Some(TOKEN)).await.0, 200);
    // The status page and its history show what /stats and health details show: the same gate.
    for path in ["/status", "/stats/history"] {
        assert_eq!(get(addr, path, None).await.0, 401, "{path}");
        assert_eq!(
            get(addr, path, Some("s3cret-token-for-testz")).await.0,
            401,
            "{path}"
        );
    }
    assert_eq!(get(addr, "/stats/history", Some(TOKEN)).await.0, 200);
    let (status, page) = get(addr, "/status", Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("replica 10.0.0.5 answers"),
        "the token opens details: {page}"
    );
    assert!(
        page.contains("content-security-policy: default-src 'none'; script-src 'self'"),
        "{page}"
    );
    // Its script and stylesheet hold no data: served without the token.
    let (status, script) = get(addr, "/status/page.js", None).await;
    assert_eq!(status, 200);
    assert!(!script.contains("10.0.0.5"));
    let (status, open) = get(addr, "/health/ready", None).await;
    assert_eq!(status, 200, "probes need no token");
    assert!(
        open.contains("\"healthy\"") && !open.contains("10.0.0.5"),
        "no details without the token: {open}"
    );
    let (_, full) = get(addr, "/health/ready", Some(TOKEN)).await;
    assert!(full.contains("10.0.0.5"), "details with the token: {full}");

    // Slowloris: twenty connections trickling one byte every 100 ms are cut at the header
    // timeout, and scrapes meanwhile are answered at once.
    let mut slow = tokio::task::JoinSet::new();
    for _ in 0..20 {
        slow.spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            for b in b"GET /metrics HTTP/1.1\r\nHost: slow\r\n".iter().take(30) {
                if s.write_all(&[*b]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let mut buf = [0u8; 256];
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
            started.elapsed()
        });
    }
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(get(addr, "/metrics", Some(TOKEN)).await.0, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a scrape waited {:?}",
            started.elapsed()
        );
    }
    while let Some(took) = slow.join_next().await {
        assert!(
            took.unwrap() < Duration::from_secs(4),
            "slow connections are cut"
        );
    }

    // A thousand connections at once from one address: each is served, refused with a 503 and
    // `Retry-After` (over the address's cap of 64 connections at once), or closed cleanly; none
    // hangs.
    let mut crowd = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        crowd.spawn(async move {
            let Ok(mut s) = TcpStream::connect(addr).await else {
                return "refused";
            };
            let _ = s
                .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await;
            let mut reply = Vec::new();
            match tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut reply)).await {
                Ok(_) if reply.starts_with(b"HTTP/1.1 200") => "served",
                Ok(_)
                    if reply.starts_with(b"HTTP/1.1 503")
                        && String::from_utf8_lossy(&reply).contains("retry-after: 1") =>
                {
                    "refused"
                }
                Ok(_) => "closed",
                Err(_) => "hung",
            }
        });
    }
    let mut outcomes = std::collections::HashMap::new();
    while let Some(o) = crowd.join_next().await {
        *outcomes.entry(o.unwrap()).or_insert(0) += 1;
    }
    eprintln!("1,000 connections at once: {outcomes:?}");
    assert_eq!(outcomes.get("hung"), None, "{outcomes:?}");
    assert!(
        outcomes.get("served").copied().unwrap_or(0) >= 64,
        "{outcomes:?}"
    );
    assert!(outcomes.contains_key("refused"), "{outcomes:?}");

    // Malformed and oversized requests get a 4xx; the server goes on. The 16 KiB cap on a
    // request's head answers 431, whether the bytes are one endless token or a huge header.
    let mut huge_header = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    huge_header.extend_from_slice(&[b'A'; 20_000]);
    huge_header.extend_from_slice(b"\r\n\r\n");
    let garbage: [(&[u8], &str); 5] = [
        (b"\x00\x01\x02 not http\r\n\r\n", "HTTP/1.1 400"),
        (b"GET /metrics HTTP/9.9\r\n\r\n", "HTTP/1.1 4"),
        (b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400"),
        (&[b'A'; 20_000], "HTTP/1.1 431"),
        (&huge_header, "HTTP/1.1 431"),
    ];
    for (bad, expected) in garbage {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let _ = s.write_all(bad).await;
        let mut reply = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut reply)).await;
        let head = String::from_utf8_lossy(&reply[..reply.len().min(12)]).into_owned();
        assert!(
            head.starts_with(expected),
            "{:?}...: expected {expected:?}, got {head:?}",
            String::from_utf8_lossy(&bad[..bad.len().min(24)])
        );
    }
    let (status, reply) = get(addr, "/%3Cscript%3E", Some(TOKEN)).await;
    assert_eq!(status, 404);
    assert!(!reply.contains("script"), "the path is not echoed");
    assert_eq!(
        get(addr, "/metrics", Some(TOKEN)).await.0,
        200,
        "still serving"
    );
}
