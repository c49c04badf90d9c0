//! OpenMetrics with a real Prometheus (Debian's 2.42): it offers OpenMetrics first, so it scrapes
//! `/metrics` in that format. The target must be up, `scrape_samples_scraped` must equal the
//! sample count of the Prometheus text format, and a query must give the value the text format
//! shows. Negative control: a target serving a broken OpenMetrics body (no `# EOF`) in the same
//! Prometheus fails its scrape.

mod common;

use std::time::Duration;

use common::prometheus::{number, query, wait_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vitalsign::{ErrorCode, Vitals, instrumented};

/// What Prometheus 2.42 sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

#[derive(Debug, ErrorCode)]
enum WorkError {
    Refused,
}

#[instrumented(namespace = "om", name = "calls")]
fn work(n: u32) -> Result<u32, WorkError> {
    if n % 4 == 3 {
        Err(WorkError::Refused)
    } else {
        Ok(n)
    }
}

/// `/metrics` with `accept`: the content type and the body.
async fn scrape(addr: std::net::SocketAddr, accept: Option<&str>) -> (String, String) {
    let (content_type, body) = common::get_accepting(addr, "/metrics", accept).await;
    (content_type, String::from_utf8(body.to_vec()).unwrap())
}

/// A target that answers every request with an OpenMetrics body missing its `# EOF`.
async fn broken_target() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0_u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = "# TYPE broken counter\nbroken_total 1\n";
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_openmetrics() {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .expect("install");
    for n in 0..8 {
        let _ = work(n);
    }
    let server = vitals.bind().await.expect("bind");
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));

    // What Prometheus will be answered: OpenMetrics, ending in `# EOF`.
    let (content_type, om) = scrape(addr, Some(PROMETHEUS_ACCEPT)).await;
    assert!(
        content_type.starts_with("application/openmetrics-text; version=1.0.0"),
        "{content_type}"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(om.contains("# TYPE om_calls counter\n"), "{om}");
    assert!(
        om.contains("# UNIT om_calls_duration_seconds seconds\n"),
        "{om}"
    );

    let rules =
        std::env::temp_dir().join(format!("vitalsign-om-rules-{}.yaml", std::process::id()));
    std::fs::write(&rules, "groups: []\n").unwrap();
    let broken = broken_target().await;
    let Some(prom) = common::prometheus::start_jobs(
        "prometheus_scrapes_openmetrics",
        &[("vitalsign", addr), ("broken", broken)],
        &rules,
    ) else {
        return;
    };
    let p = prom.addr;
    let up = async |job: &str| {
        query(p, &format!("up{{job=\"{job}\"}}"))
            .await
            .first()
            .map(number)
    };
    common::prometheus::ready(p).await;
    wait_for(
        "both targets scraped",
        Duration::from_secs(60),
        async || up("vitalsign").await.is_some() && up("broken").await.is_some(),
    )
    .await;
    assert_eq!(up("vitalsign").await, Some(1.0), "our OpenMetrics parses");
    assert_eq!(
        up("broken").await,
        Some(0.0),
        "a body without # EOF fails the scrape"
    );

    // The same samples as the text format, and the same values; and each counter's and
    // histogram's `_created`, which Prometheus 2.42 stores as a series of its own.
    let (_, text) = scrape(addr, None).await;
    let samples = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count() as f64;
    let created_of = |body: &str| -> Vec<String> {
        body.lines()
            .filter(|l| l.split(['{', ' ']).next().unwrap().ends_with("_created"))
            .map(str::to_owned)
            .collect()
    };
    let created = created_of(&om);
    assert!(
        created
            .iter()
            .any(|l| l.starts_with("om_calls_created{op=\"work\"} ")),
        "{om}"
    );
    assert!(created_of(&text).is_empty(), "no `_created` in text 0.0.4");
    let scraped = query(p, "scrape_samples_scraped{job=\"vitalsign\"}").await;
    assert_eq!(
        scraped.first().map(number),
        Some(samples + created.len() as f64),
        "{om}"
    );
    let line = created
        .iter()
        .find(|l| l.starts_with("om_calls_created{op=\"work\"} "))
        .unwrap();
    let served: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    let stored = query(p, "om_calls_created{op=\"work\"}").await;
    assert_eq!(stored.first().map(number), Some(served), "{line}");
    let s = common::parse(&text).unwrap();
    for (q, labels) in [
        ("om_calls_total{op=\"work\"}", vec![("op", "work")]),
        (
            "om_calls_errors_total{op=\"work\",code=\"refused\"}",
            vec![("op", "work"), ("code", "refused"), ("class", "failure")],
        ),
    ] {
        let family = q.split('{').next().unwrap();
        let want = s.get(family, &labels);
        let got = query(p, q).await;
        assert_eq!(got.first().map(number), Some(want), "{q}");
    }
    assert_eq!(s.get("om_calls_total", &[("op", "work")]), 8.0);
    let _ = std::fs::remove_file(rules);
}
