//! A real Prometheus scraping the example server: `up`, request rates, a p99 from the
//! histogram, error counters by code equal to what the load generator saw, and the generated
//! alerting rules loaded. Everything it starts, it stops.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kvstore::{load, server};
use serde_json::Value;
use vitalsign::Vitals;

/// A Prometheus process, killed and its data removed on drop.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_prometheus(target: SocketAddr) -> Option<Prometheus> {
    if Command::new("prometheus")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "prometheus is required in CI"
        );
        common::skipped(
            "prometheus_scrapes_the_example_server",
            "prometheus is not installed (apt-get install prometheus); the end-to-end test did not run",
        );
        return None;
    }
    let dir = std::env::temp_dir().join(format!("vitalsign-prom-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let rules = std::fs::canonicalize("docs/generated/kvstore-rules.yaml").unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: kvstore\n    static_configs:\n      - targets: ['{target}']\n",
        rules.display()
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    Some(Prometheus { child, addr, dir })
}

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An instant query's result vector.
async fn query(prom: SocketAddr, q: &str) -> Vec<Value> {
    let reply = common::request(prom, "GET", &format!("/api/v1/query?query={}", encode(q))).await;
    assert_eq!(reply.status, 200, "{q}: {}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["status"], "success", "{q}: {body}");
    body["data"]["result"].as_array().unwrap().clone()
}

fn number(sample: &Value) -> f64 {
    sample["value"][1].as_str().unwrap().parse().unwrap()
}

async fn wait_for(what: &str, deadline: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let until = Instant::now() + deadline;
    while !ok().await {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

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
    let Some(prom) = start_prometheus(running.metrics_addr) else {
        return;
    };
    let p = prom.addr;

    wait_for(
        "Prometheus to be ready",
        Duration::from_secs(60),
        async || {
            tokio::net::TcpStream::connect(p).await.is_ok()
                && common::request(p, "GET", "/-/ready").await.status == 200
        },
    )
    .await;
    wait_for("the first scrape", Duration::from_secs(30), async || {
        query(p, "up{job=\"kvstore\"}")
            .await
            .first()
            .is_some_and(|s| number(s) == 1.0)
    })
    .await;

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
