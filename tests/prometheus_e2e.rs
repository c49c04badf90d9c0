//! A real Prometheus scraping the example server: `up`, request rates, a p99 from the
//! histogram, error counters by code equal to what the load generator saw, and the generated
//! alerting rules loaded. Everything it starts, it stops.

mod common;

use std::time::Duration;

use common::prometheus::{number, query, wait_for};
use kvstore::{load, server};
use vitalsign::Vitals;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_example_server() {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .expect("install");
    let config = server::Config::temporary("e2e");
    let data_dir = config.data_dir.clone();
    let running = server::start(&config, &vitals).await.expect("start");
    let rules = std::fs::canonicalize("docs/generated/kvstore-rules.yaml").unwrap();
    let Some(prom) = common::prometheus::start(
        "prometheus_scrapes_the_example_server",
        running.metrics_addr,
        &rules,
    ) else {
        return;
    };
    let p = prom.addr;
    common::prometheus::scraping(p).await;

    let report = load::run(running.db_addr, 2_000, 4, 11)
        .await
        .expect("load");
    // Until Prometheus has scraped the values after the load, compare nothing.
    let total = report.total() as f64;
    wait_for(
        "a scrape after the load",
        Duration::from_secs(30),
        async || {
            query(p, "sum(kvstore_parses_total{job=\"kvstore\"})")
                .await
                .first()
                .is_some_and(|s| number(s) == total)
        },
    )
    .await;

    let rate = query(p, "sum(rate(kvstore_requests_total{job=\"kvstore\"}[1m]))").await;
    assert!(number(&rate[0]) > 0.0, "request rate");
    let p99 = query(
        p,
        "histogram_quantile(0.99, sum by (le) (rate(kvstore_requests_duration_seconds_bucket{job=\"kvstore\"}[1m])))",
    )
    .await;
    let p99 = number(&p99[0]);
    assert!(p99.is_finite() && p99 > 0.0, "p99 is a number: {p99}");

    let by_code = query(
        p,
        "sum by (code) ({__name__=~\"kvstore_(requests|parses)_errors_total\", job=\"kvstore\"})",
    )
    .await;
    let seen: std::collections::BTreeMap<String, u64> = by_code
        .iter()
        .map(|s| {
            (
                s["metric"]["code"].as_str().unwrap().to_owned(),
                number(s) as u64,
            )
        })
        .collect();
    assert_eq!(
        seen, report.errors,
        "error counters by code match what the clients saw"
    );

    // Declared metrics: a typed-label counter and a gauge, as the load left them.
    let commands = query(
        p,
        "sum by (command) (kvstore_commands_total{job=\"kvstore\"})",
    )
    .await;
    let by_command: std::collections::BTreeMap<String, u64> = commands
        .iter()
        .map(|s| {
            (
                s["metric"]["command"].as_str().unwrap().to_owned(),
                number(s) as u64,
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let sent: std::collections::BTreeMap<String, u64> = report
        .sent
        .iter()
        .map(|(op, n)| ((*op).to_owned(), *n))
        .collect();
    assert_eq!(
        by_command, sent,
        "commands by kind match what the clients sent"
    );
    let keys = query(p, "kvstore_keys{job=\"kvstore\"}").await;
    assert_eq!(number(&keys[0]), running.store.len() as f64, "keys stored");

    let rules = common::request(p, "GET", "/api/v1/rules").await;
    assert!(
        rules.body.contains("KvstoreRequestsErrorRatioHigh"),
        "the generated rules are loaded"
    );
    let health = query(
        p,
        "kvstore_health_check_status{job=\"kvstore\", check=\"wal\"}",
    )
    .await;
    assert_eq!(number(&health[0]), 1.0);

    drop(prom);
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(data_dir);
}
