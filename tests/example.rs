//! The example database server, run for real on loopback: a seeded load, then a scrape whose
//! error counters must match what the load generator saw, checked by Prometheus's own
//! `promtool check metrics`; then a restart that replays the write-ahead log.

mod common;

use kvstore::{load, server};
use vitalsign::Vitals;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_server_under_load() {
    let logs = vitalsign::logging::MemoryWriter::new();
    let vitals = Vitals::builder()
        .bind_addr("127.0.0.1:0")
        .log_format(vitalsign::logging::LogFormat::Json)
        .log_output(vitalsign::logging::LogOutput::Memory(logs.clone()))
        .install()
        .expect("install");
    let config = server::Config::temporary("test");
    let data_dir = config.data_dir.clone();
    let running = server::start(&config, &vitals).await.expect("start");
    wait_ready(running.metrics_addr).await;
    let health = common::request(running.metrics_addr, "GET", "/health").await;
    let body: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    for check in ["wal_replayed", "wal", "cache"] {
        assert_eq!(
            body["checks"][check]["status"], "healthy",
            "{check}: {body}"
        );
    }
    assert!(
        body["checks"]["wal"]["details"]["free_bytes"]
            .as_u64()
            .is_some(),
        "{body}"
    );

    // Scrape continuously while the load runs: every scrape must parse, and one of them goes
    // to promtool below.
    let load = tokio::spawn(load::run(running.db_addr, 3_000, 4, 7));
    let mut during = Vec::new();
    while !load.is_finished() {
        let reply = common::request(running.metrics_addr, "GET", "/metrics").await;
        common::parse(&reply.body).unwrap_or_else(|e| panic!("scrape under load: {e}"));
        during.push(reply.body);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let report = load.await.expect("load task").expect("load");
    assert!(
        !during.is_empty(),
        "at least one scrape overlapped the load"
    );
    assert_eq!(report.total(), 3_000);
    for code in [
        "not_found",
        "invalid_value",
        "unknown_command",
        "key_too_long",
    ] {
        assert!(
            report.errors.get(code).copied().unwrap_or(0) > 0,
            "the load makes {code} errors: {report:?}"
        );
    }

    let reply = common::request(running.metrics_addr, "GET", "/metrics").await;
    assert_eq!(reply.status, 200);
    let s = common::parse(&reply.body).unwrap_or_else(|e| panic!("{e}"));

    // Every request was parsed once; every error the clients saw is counted under its code,
    // in the parser's family or the request handlers' family.
    assert_eq!(s.get("kvstore_parses_total", &[("op", "parse")]), 3_000.0);
    for (code, seen) in &report.errors {
        let counted: f64 = [
            "kvstore_parses_errors_total",
            "kvstore_requests_errors_total",
        ]
        .iter()
        .flat_map(|f| s.matching(f, &[("code", code)]))
        .map(|sample| sample.value)
        .sum();
        assert_eq!(counted, *seen as f64, "code {code}");
    }
    for op in ["get", "set", "del", "incr"] {
        let calls = s.get("kvstore_requests_total", &[("op", op)]);
        let count = |map: &std::collections::BTreeMap<&str, u64>, op| {
            map.get(op).copied().unwrap_or(0) as f64
        };
        let sent = count(&report.sent, op);
        assert!(sent > 0.0, "the load sends {op}: {report:?}");
        // Each command is one call of its own op: an INCR writes its new value itself.
        assert_eq!(
            calls, sent,
            "{op}: calls counted vs commands the clients sent"
        );
        // A call site's `_total` reports its histogram's count, so the two agree by
        // construction: the histogram is held to what the clients sent instead.
        assert_eq!(
            s.histogram_count("kvstore_requests_duration_seconds", &[("op", op)]),
            sent,
            "{op}"
        );
    }
    // The declared metrics: every well-formed command by its kind, connections, keys, the log.
    for (op, command) in [
        ("get", "get"),
        ("set", "set"),
        ("del", "del"),
        ("incr", "incr"),
    ] {
        let sent = report.sent.get(op).copied().unwrap_or(0) as f64;
        assert_eq!(
            s.get("kvstore_commands_total", &[("command", command)]),
            sent,
            "{command}: commands counted vs commands the clients sent"
        );
    }
    assert_eq!(s.get("kvstore_connections_active", &[]), 0.0);
    assert_eq!(
        s.get("kvstore_connections_accepted_total", &[]),
        s.get("kvstore_connections_total", &[("op", "serve_connection")])
    );
    assert_eq!(s.get("kvstore_keys", &[]), running.store.len() as f64);
    let writes = s.get("kvstore_wal_writes_total", &[]);
    assert_eq!(
        writes,
        s.get("kvstore_wal_appends_total", &[("op", "append")])
    );
    assert_eq!(s.histogram_count("kvstore_wal_write_bytes", &[]), writes);
    assert_eq!(
        s.get("kvstore_wal_size_bytes", &[]),
        running.store.wal().len() as f64
    );
    let by_prefix: f64 = s
        .matching("kvstore_writes_by_prefix_total", &[])
        .iter()
        .map(|sample| sample.value)
        .sum();
    // Every SET and INCR that succeeded wrote once; those that failed never wrote.
    let succeeded = |op| {
        s.get("kvstore_requests_total", &[("op", op)])
            - s.matching("kvstore_requests_errors_total", &[("op", op)])
                .iter()
                .map(|e| e.value)
                .sum::<f64>()
    };
    assert_eq!(by_prefix, succeeded("set") + succeeded("incr"));

    for text in [&during[during.len() / 2], &reply.body] {
        if let Some(complaints) = common::promtool_check_metrics(text) {
            assert_eq!(complaints, "", "promtool check metrics found problems");
        }
    }

    // The failed requests were logged as JSON lines with their key, op and code.
    let lines: Vec<serde_json::Value> = logs
        .contents()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let misses: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"] == "call failed" && l["op"] == "get")
        .collect();
    assert!(!misses.is_empty());
    for l in &misses {
        // A missing key is an expected outcome: its line is INFO, not a warning.
        assert_eq!(
            (l["level"].as_str(), l["code"].as_str(), l["class"].as_str()),
            (Some("INFO"), Some("not_found"), Some("expected"))
        );
        assert!(l["key"].as_str().is_some_and(|k| k.starts_with('k')), "{l}");
        assert_eq!(l["target"], "kvstore::store");
    }

    // Restart on the same directory: the write-ahead log replays to the same keys.
    let keys = running.store.len();
    assert!(keys > 0);
    running.shutdown().await;
    let readiness = vitals.health().report(vitalsign::health::Scope::Readiness);
    assert_eq!(
        readiness.status,
        vitalsign::health::Status::Unhealthy,
        "not ready once shut down"
    );
    assert!(
        readiness.checks.is_empty(),
        "the server's checks left with it"
    );
    let restarted = server::start(&config, &vitals).await.expect("restart");
    wait_ready(restarted.metrics_addr).await;
    assert_eq!(restarted.store.len(), keys);
    let s = common::parse(&vitals.render()).unwrap();
    assert_eq!(s.get("kvstore_wal_replays_total", &[("op", "replay")]), 2.0);
    restarted.shutdown().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Waits until `/health/ready` answers 200 (the startup check has passed).
async fn wait_ready(addr: std::net::SocketAddr) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while common::request(addr, "GET", "/health/ready").await.status != 200 {
        assert!(std::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
