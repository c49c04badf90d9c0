//! A real Prometheus for the end-to-end tests: started on a free port with a rule file,
//! scraping one target; queried over its HTTP API.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A Prometheus process, killed and its data removed on drop.
pub(crate) struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
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

/// Starts Prometheus scraping `target` every second as job `kvstore`, evaluating `rules` every
/// second; `None` (the test skipped, outside CI) when it is not installed.
pub(crate) fn start(test: &str, target: SocketAddr, rules: &Path) -> Option<Prometheus> {
    start_jobs(test, &[("kvstore", target)], rules)
}

/// [`start`], scraping each `(job, target)`.
pub(crate) fn start_jobs(
    test: &str,
    jobs: &[(&str, SocketAddr)],
    rules: &Path,
) -> Option<Prometheus> {
    let mut config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n",
        rules.display()
    );
    for (job, target) in jobs {
        config.push_str(&format!(
            "  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
        ));
    }
    start_config(test, &config, &[])
}

/// Whether Prometheus is installed; `false` (the test skipped, outside CI) when it is not.
pub(crate) fn installed(test: &str) -> bool {
    if Command::new("prometheus").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "prometheus is required in CI"
    );
    super::skipped(
        test,
        "prometheus is not installed (apt-get install prometheus); the end-to-end test did not run",
    );
    false
}

/// Starts Prometheus with `config` (YAML) and the extra `flags`, its data in a directory of its
/// own named after `test`; in agent mode (`--enable-feature=agent`) its write-ahead log there.
pub(crate) fn start_config(test: &str, config: &str, flags: &[&str]) -> Option<Prometheus> {
    if !installed(test) {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("vitalsign-prom-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let storage = if flags.contains(&"--enable-feature=agent") {
        "--storage.agent.path"
    } else {
        "--storage.tsdb.path"
    };
    let child = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!("{storage}={}", dir.join("data").display()))
        .arg(format!("--web.listen-address={addr}"))
        .args(flags)
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
pub(crate) async fn query(prom: SocketAddr, q: &str) -> Vec<Value> {
    let reply = super::request(prom, "GET", &format!("/api/v1/query?query={}", encode(q))).await;
    assert_eq!(reply.status, 200, "{q}: {}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["status"], "success", "{q}: {body}");
    body["data"]["result"].as_array().unwrap().clone()
}

pub(crate) fn number(sample: &Value) -> f64 {
    sample["value"][1].as_str().unwrap().parse().unwrap()
}

pub(crate) async fn wait_for(what: &str, deadline: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let until = Instant::now() + deadline;
    while !ok().await {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The exemplars Prometheus holds for `query` over the last ten minutes, by series.
pub(crate) async fn exemplars(prom: SocketAddr, query: &str) -> Vec<Value> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let path = format!(
        "/api/v1/query_exemplars?query={query}&start={}&end={}",
        now - 600,
        now + 60
    );
    let reply = super::request(prom, "GET", &path).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    body["data"].as_array().cloned().unwrap_or_default()
}

/// The exemplars of `query` once Prometheus has stored some.
pub(crate) async fn stored_exemplars(prom: SocketAddr, query: &str) -> Vec<Value> {
    wait_for(
        &format!("Prometheus to store exemplars of {query}"),
        Duration::from_secs(30),
        async || !exemplars(prom, query).await.is_empty(),
    )
    .await;
    exemplars(prom, query).await
}

/// The alerts Prometheus holds now, pending or firing.
pub(crate) async fn alerts(prom: SocketAddr) -> Vec<Value> {
    let reply = super::request(prom, "GET", "/api/v1/alerts").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    body["data"]["alerts"].as_array().unwrap().clone()
}

/// Waits until Prometheus answers its readiness endpoint.
pub(crate) async fn ready(prom: SocketAddr) {
    wait_for(
        "Prometheus to be ready",
        Duration::from_secs(60),
        async || {
            tokio::net::TcpStream::connect(prom).await.is_ok()
                && super::request(prom, "GET", "/-/ready").await.status == 200
        },
    )
    .await;
}

/// Waits until Prometheus answers and has scraped its target once, `up` at 1.
pub(crate) async fn scraping(prom: SocketAddr) {
    ready(prom).await;
    wait_for("the first scrape", Duration::from_secs(30), async || {
        query(prom, "up")
            .await
            .first()
            .is_some_and(|s| number(s) == 1.0)
    })
    .await;
}

/// Every query of a generated Grafana dashboard as Grafana sends it with its variables at their
/// defaults (`All`, which is `.*` for each), by panel title; `$__rate_interval` becomes `window`.
pub(crate) fn dashboard_queries(dashboard: &Value, window: &str) -> Vec<(String, String)> {
    let defaults = |q: &str| {
        q.replace("$__rate_interval", window)
            .replace("$job", ".*")
            .replace("$instance", ".*")
            .replace("$op", ".*")
    };
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            out.push((
                panel["title"].as_str().unwrap().to_owned(),
                defaults(target["expr"].as_str().unwrap()),
            ));
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        // `label_values(selector, label)` asks for the values of `label` among the series of
        // `selector`: as PromQL, `group by (label) (selector)`.
        let Some(q) = variable["definition"].as_str() else {
            continue;
        };
        let inner = q
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .expect("a label_values query");
        let (selector, label) = inner.rsplit_once(", ").unwrap();
        out.push((
            format!("variable {}", variable["name"].as_str().unwrap()),
            format!("group by ({label}) ({})", defaults(selector)),
        ));
    }
    out
}
