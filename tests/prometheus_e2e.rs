//! A real Prometheus scraping the example server under a job named other than the service
//! (`kv-prod`): `up`, request rates, a p99 from the histogram, error counters by code equal to
//! what the load generator saw, the generated alerting rules loaded, and every query of the
//! generated dashboard answering with its variables at their defaults. Everything it starts,
//! it stops.

mod common;

use std::time::Duration;

use common::prometheus::{number, query, wait_for};
use kvstore::{load, server};
use vitalsign::Vitals;

/// Not the service's name: nothing generated may depend on the job name.
const JOB: &str = "kv-prod";

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
    let Some(prom) = common::prometheus::start_jobs(
        "prometheus_scrapes_the_example_server",
        &[(JOB, running.metrics_addr)],
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
            query(p, "sum(kvstore_parses_total{job=\"kv-prod\"})")
                .await
                .first()
                .is_some_and(|s| number(s) == total)
        },
    )
    .await;

    let rate = query(p, "sum(rate(kvstore_requests_total{job=\"kv-prod\"}[1m]))").await;
    assert!(number(&rate[0]) > 0.0, "request rate");
    let p99 = query(
        p,
        "histogram_quantile(0.99, sum by (le) (rate(kvstore_requests_duration_seconds_bucket{job=\"kv-prod\"}[1m])))",
    )
    .await;
    let p99 = number(&p99[0]);
    assert!(p99.is_finite() && p99 > 0.0, "p99 is a number: {p99}");

    let by_code = query(
        p,
        "sum by (code) ({__name__=~\"kvstore_(requests|parses)_errors_total\", job=\"kv-prod\"})",
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
        "sum by (command) (kvstore_commands_total{job=\"kv-prod\"})",
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
    let keys = query(p, "kvstore_keys{job=\"kv-prod\"}").await;
    assert_eq!(number(&keys[0]), running.store.len() as f64, "keys stored");

    let rules = common::request(p, "GET", "/api/v1/rules").await;
    assert!(
        rules.body.contains("KvstoreRequestsErrorRatioHigh"),
        "the generated rules are loaded"
    );
    let health = query(
        p,
        "kvstore_health_check_status{job=\"kv-prod\", check=\"wal\"}",
    )
    .await;
    assert_eq!(number(&health[0]), 1.0);

    // Every dashboard query answers, with the variables at their defaults. A panel of errors
    // may be empty where its family has failed no call yet: those are named.
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("docs/generated/kvstore-dashboard.json").unwrap(),
    )
    .unwrap();
    let queries = common::prometheus::dashboard_queries(&dashboard, "1m");
    // A rate needs two samples: series the load created (its error codes, its key prefixes)
    // have them a scrape after the one the load was seen in.
    let (_, errors) = queries
        .iter()
        .find(|(t, _)| t == "kvstore_requests: errors per second by code and class")
        .unwrap();
    wait_for(
        "two scrapes of the series the load made",
        Duration::from_secs(30),
        async || !query(p, errors).await.is_empty(),
    )
    .await;
    let mut empty = Vec::new();
    for (title, q) in &queries {
        if query(p, q).await.is_empty() {
            empty.push(title.clone());
        }
    }
    common::say(&format!(
        "dashboard: {} of {} queries answer; empty: {empty:?}",
        queries.len() - empty.len(),
        queries.len()
    ));
    for title in &empty {
        let family = title
            .strip_suffix(": errors per second by code and class")
            .unwrap_or_else(|| panic!("`{title}` shows nothing under job {JOB}"));
        let errors = query(p, &format!("{family}_errors_total")).await;
        assert!(
            errors.is_empty(),
            "{family} has errors, yet `{title}` is empty"
        );
    }
    // The operation variable offers every family's operations, not the first family's only.
    let (_, op_query) = queries.iter().find(|(t, _)| t == "variable op").unwrap();
    let ops: std::collections::BTreeSet<String> = query(p, op_query)
        .await
        .iter()
        .map(|s| s["metric"]["op"].as_str().unwrap().to_owned())
        .collect();
    for op in ["get", "set", "parse", "append"] {
        assert!(ops.contains(op), "{op} in {ops:?}");
    }

    drop(prom);
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(data_dir);
}
