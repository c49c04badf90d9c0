//! End to end over real HTTP: a known mix of calls, then a scrape of `/metrics` on an ephemeral
//! loopback port, parsed strictly and checked value by value.

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vitalsign::{ErrorCode, Vitals, instrumented};

#[derive(Debug, ErrorCode)]
enum StoreError {
    NotFound,
    #[error_code("invalid_transition")]
    Rejected,
}

/// Apply one event to a state-machine instance.
#[instrumented(namespace = "e2e", name = "requests", labels(op = "apply_event"), in_flight, buckets = [0.001, 0.01, 0.1])]
async fn apply_event(kind: u32) -> Result<u32, StoreError> {
    tokio::task::yield_now().await;
    match kind {
        0 => Err(StoreError::NotFound),
        1 => Err(StoreError::Rejected),
        2 => panic!("corrupt state"),
        3 => std::future::pending().await,
        n => Ok(n),
    }
}

/// Read one instance.
#[instrumented(namespace = "e2e", name = "requests", labels(op = "get"), in_flight, buckets = [0.001, 0.01, 0.1])]
fn get(id: u32) -> Result<u32, StoreError> {
    if id == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(id)
    }
}

#[instrumented(namespace = "e2e", name = "wal_fsync", buckets = [0.001, 0.01, 0.1])]
fn fsync() {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_over_http_counts_exactly() {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .global_label("region", "eu-1")
        .install()
        .expect("install");
    let server = vitals.bind().await.expect("bind");
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));

    // The known mix: 5 ok, 3 not_found, 2 invalid_transition, 1 panic, 1 cancelled.
    for n in 10..15 {
        assert_eq!(apply_event(n).await.unwrap(), n);
    }
    for _ in 0..3 {
        assert!(matches!(apply_event(0).await, Err(StoreError::NotFound)));
    }
    for _ in 0..2 {
        assert!(matches!(apply_event(1).await, Err(StoreError::Rejected)));
    }
    let panicked = tokio::spawn(apply_event(2)).await;
    assert!(panicked.unwrap_err().is_panic());
    let cancelled = tokio::time::timeout(Duration::from_millis(20), apply_event(3)).await;
    assert!(cancelled.is_err());
    for id in 0..4 {
        let _ = get(id);
    }
    for _ in 0..7 {
        fsync();
    }

    let reply = common::request(addr, "GET", "/metrics").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let s = common::parse(&reply.body).unwrap_or_else(|e| panic!("{e}\n{}", reply.body));

    let ev = [("region", "eu-1"), ("op", "apply_event")];
    assert_eq!(s.get("e2e_requests_total", &ev), 12.0);

    // A scraper that accepts gzip, as Prometheus does, gets the same exposition compressed.
    let (head, packed) = gzip_get(addr, "/metrics").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("vary: accept, accept-encoding"), "{head}");
    let unpacked = gunzip(&packed);
    assert!(
        packed.len() * 2 < unpacked.len(),
        "{} bytes for {}",
        packed.len(),
        unpacked.len()
    );
    let z = common::parse(&unpacked).unwrap_or_else(|e| panic!("{e}\n{unpacked}"));
    assert_eq!(z.get("e2e_requests_total", &ev), 12.0);
    // The status page and its history too: the same documents, compressed.
    for (path, holds) in [
        ("/status", "<tr data-operation=\"e2e_requests/apply_event\""),
        ("/stats/history", "\"sample_every_seconds\""),
    ] {
        let (head, packed) = gzip_get(addr, path).await;
        assert!(head.contains("content-encoding: gzip"), "{path}: {head}");
        let unpacked = gunzip(&packed);
        assert!(unpacked.contains(holds), "{path}: {unpacked}");
    }
    assert_eq!(
        z.histogram_count("e2e_requests_duration_seconds", &ev),
        12.0
    );
    assert_eq!(
        s.histogram_count("e2e_requests_duration_seconds", &ev),
        12.0
    );
    let code = |c| {
        let class = if c == "cancelled" {
            "expected"
        } else {
            "failure"
        };
        [
            ("region", "eu-1"),
            ("op", "apply_event"),
            ("code", c),
            ("class", class),
        ]
    };
    assert_eq!(s.get("e2e_requests_errors_total", &code("not_found")), 3.0);
    assert_eq!(
        s.get("e2e_requests_errors_total", &code("invalid_transition")),
        2.0
    );
    assert_eq!(s.get("e2e_requests_errors_total", &code("panic")), 1.0);
    assert_eq!(s.get("e2e_requests_errors_total", &code("cancelled")), 1.0);
    assert_eq!(
        s.matching("e2e_requests_errors_total", &[("op", "apply_event")])
            .len(),
        4
    );
    assert_eq!(
        s.get("e2e_requests_in_flight", &ev),
        0.0,
        "every call, even panicked and cancelled, left"
    );

    let get_labels = [("region", "eu-1"), ("op", "get")];
    assert_eq!(s.get("e2e_requests_total", &get_labels), 4.0);
    assert_eq!(
        s.histogram_count("e2e_requests_duration_seconds", &get_labels),
        4.0
    );
    // Declared buckets are used, with +Inf added.
    let les: Vec<String> = s
        .matching("e2e_requests_duration_seconds_bucket", &[("op", "get")])
        .iter()
        .map(|b| b.labels["le"].clone())
        .collect();
    assert_eq!(les, ["0.001", "0.01", "0.1", "+Inf"]);
    assert_eq!(
        s.get(
            "e2e_wal_fsync_total",
            &[("region", "eu-1"), ("op", "fsync")]
        ),
        7.0
    );

    // Every family has HELP and TYPE; the doc comment became the HELP text.
    for sample in &s.samples {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                sample
                    .name
                    .strip_suffix(suffix)
                    .filter(|b| s.families.contains_key(*b))
            })
            .unwrap_or(&sample.name);
        let meta = &s.families[family];
        assert!(meta.help.is_some(), "{family} has no HELP");
        assert!(meta.kind.is_some(), "{family} has no TYPE");
        assert_eq!(
            sample.labels.get("region").map(String::as_str),
            Some("eu-1"),
            "{sample:?}"
        );
    }
    assert_eq!(
        s.families["e2e_requests_duration_seconds"].kind.as_deref(),
        Some("histogram")
    );
    assert_eq!(
        s.families["e2e_wal_fsync_total"].help.as_deref(),
        Some("Completed calls, for `fsync`."),
        "no doc comment: a generated HELP"
    );
    // Two functions with different docs share `e2e_requests`: a generated HELP names both.
    assert_eq!(
        s.families["e2e_requests_total"].help.as_deref(),
        Some("Completed calls, for `apply_event` and `get`.")
    );

    // Process and build metrics, refreshed at scrape time.
    assert!(s.get("process_resident_memory_bytes", &[("region", "eu-1")]) > 1e6);
    assert!(s.get("process_threads", &[("region", "eu-1")]) >= 2.0);
    assert!(s.get("process_open_fds", &[("region", "eu-1")]) >= 3.0);
    assert!(s.get("process_start_time_seconds", &[("region", "eu-1")]) > 1.7e9);
    assert_eq!(
        s.families["process_cpu_seconds_total"].kind.as_deref(),
        Some("counter")
    );
    let vitalsign_version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        s.get(
            "e2e_build_info",
            &[
                ("region", "eu-1"),
                ("version", "unknown"),
                ("vitalsign_version", vitalsign_version)
            ]
        ),
        1.0
    );
    assert!(s.get("e2e_uptime_seconds", &[("region", "eu-1")]) > 0.0);

    // Counters never go back between scrapes.
    let again = common::parse(&common::request(addr, "GET", "/metrics").await.body).unwrap();
    assert!(again.get("e2e_requests_total", &ev) >= 12.0);
    assert!(
        again.get("e2e_scrape_duration_seconds", &[("region", "eu-1")]) > 0.0,
        "the previous render's time"
    );
    assert_eq!(
        vitals.render().lines().count(),
        again.samples.len() + 2 * again.families.len()
    );

    // The /stats snapshot: totals since start, and the window (here: everything since install).
    let stats = common::request(addr, "GET", "/stats").await;
    assert_eq!(
        (
            stats.status,
            stats.headers["content-type"].to_str().unwrap()
        ),
        (200, "application/json")
    );
    let stats: serde_json::Value = serde_json::from_str(&stats.body).unwrap();
    let ops = stats["operations"].as_array().unwrap();
    let apply = ops
        .iter()
        .find(|o| o["family"] == "e2e_requests" && o["op"] == "apply_event")
        .unwrap();
    assert_eq!(apply["calls"], 12);
    assert_eq!(
        apply["errors"],
        serde_json::json!({"cancelled": 1, "invalid_transition": 2, "not_found": 3, "panic": 1})
    );
    let w = &apply["window"];
    assert_eq!(w["calls"], 12);
    assert!(w["calls_per_second"].as_f64().unwrap() > 0.0);
    assert!((w["error_ratio"].as_f64().unwrap() - 7.0 / 12.0).abs() < 1e-9);
    // `cancelled` is expected; the panic, `not_found` and `invalid_transition` are failures.
    assert_eq!(apply["failures"], 6);
    assert!((w["failure_ratio"].as_f64().unwrap() - 6.0 / 12.0).abs() < 1e-9);
    // A number between two bounds, "below the first bound" (1 ms here: these calls take
    // microseconds, and a value inside the first bucket would be invented), or "above the
    // highest" (the cancelled call waited until it was dropped).
    // Each field keeps one JSON type: the quantile a number, its bound `null` or a word.
    let at_most = |p: &str| {
        let bound = &w[format!("{p}_bound")];
        assert!(
            bound.is_null() || bound == "below" || bound == "above",
            "{p}_bound: {bound}"
        );
        w[format!("{p}_seconds")]
            .as_f64()
            .unwrap_or_else(|| panic!("{p}_seconds is a number: {w}"))
    };
    let (p50, p95, p99) = (at_most("p50"), at_most("p95"), at_most("p99"));
    assert!(
        p50 <= p95 && p95 <= p99 && p99 <= 0.1,
        "{p50} {p95} {p99} within the declared buckets"
    );
    assert!(stats["uptime_seconds"].as_f64().unwrap() > 0.0);
    assert!(stats["process"]["resident_memory_bytes"].as_f64().unwrap() > 1e6);
    assert_eq!(vitals.snapshot().operations.len(), ops.len());

    // HEAD: headers only. Other methods: 405 with Allow. Unknown paths: 404, path not echoed.
    let head = common::request(addr, "HEAD", "/metrics").await;
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    let post = common::request(addr, "POST", "/metrics").await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    let missing = common::request(addr, "GET", "/secret-admin-path").await;
    assert_eq!(missing.status, 404);
    assert!(!missing.body.contains("secret"));

    // A malformed request gets a 4xx, and the server goes on.
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"NOT HTTP AT ALL\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(common::request(addr, "GET", "/metrics").await.status, 200);

    // Graceful shutdown: the server stops and the port no longer accepts.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    // A second install in the same process is refused, clearly.
    assert!(matches!(
        Vitals::builder().install(),
        Err(vitalsign::InstallError::AlreadyInstalled)
    ));
}

/// A gzip body, decompressed.
fn gunzip(packed: &[u8]) -> String {
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(packed), &mut unpacked)
        .expect("a gzip body");
    unpacked
}

/// `path` asked for with `Accept-Encoding: gzip`: the response head, lower-cased, and the
/// body's bytes as sent.
async fn gzip_get(addr: std::net::SocketAddr, path: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await.unwrap();
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&reply[..split]).to_lowercase();
    (head, reply[split + 4..].to_vec())
}
