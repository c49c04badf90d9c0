//! Health endpoint options: details hidden from clients, and the status-code mapping.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use vitalsign::Vitals;
use vitalsign::health::{CheckSpec, Outcome, ShowDetails, Status, from_fn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_hidden_and_codes_remapped() {
    // Bad options first: once installed, a second install is refused before its options are read.

    let err = Vitals::builder()
        .health_status_code(Status::Healthy, 42)
        .install()
        .unwrap_err();
    assert!(
        err.to_string().contains("health.status_codes.healthy"),
        "{err}"
    );
    let twice = Vitals::builder()
        .health(from_fn(CheckSpec::new("x"), || async {
            Outcome::healthy()
        }))
        .health(from_fn(CheckSpec::new("x"), || async {
            Outcome::healthy()
        }))
        .install()
        .unwrap_err();
    assert!(twice.to_string().contains("already registered"), "{twice}");
    let zero = Vitals::builder()
        .health(from_fn(
            CheckSpec::new("z").timeout(Duration::ZERO),
            || async { Outcome::healthy() },
        ))
        .install()
        .unwrap_err();
    assert!(zero.to_string().contains("greater than zero"), "{zero}");
    let ns = Vitals::builder().namespace("Bad-NS").install().unwrap_err();
    assert!(ns.to_string().contains("`namespace`"), "{ns}");

    let secret = from_fn(
        CheckSpec::new("db")
            .critical(false)
            .every(Duration::from_millis(50)),
        || async {
            Outcome::unhealthy("password authentication failed for user admin")
                .with_detail("dsn", "postgres://admin@10.0.0.5")
        },
    );
    // `failure_status = degraded` applies to real runs: a critical check that panics or
    // hangs past its timeout then degrades the whole instead of making it unhealthy.
    let panics_softly = from_fn(
        CheckSpec::new("panics_softly")
            .failure_status(Status::Degraded)
            .every(Duration::from_millis(50)),
        || async { panic!("index out of range") },
    );
    let hangs_softly = from_fn(
        CheckSpec::new("hangs_softly")
            .failure_status(Status::Degraded)
            .timeout(Duration::from_millis(50))
            .every(Duration::from_millis(100)),
        || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Outcome::healthy()
        },
    );
    let vitals = Vitals::builder()
        .bind_addr("127.0.0.1:0")
        .show_details(ShowDetails::Never)
        .health_status_code(Status::Degraded, 503)
        .health(secret)
        .health(panics_softly)
        .health(hangs_softly)
        .install()
        .unwrap();
    let server = vitals.bind().await.unwrap();
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    common::eventually("every check's first run", || async {
        let report = vitals.health().report(vitalsign::health::Scope::All);
        report
            .checks
            .iter()
            .all(|c| c.state.outcome.status != Status::Unknown)
            .then_some(())
    })
    .await;
    let report = vitals.health().report(vitalsign::health::Scope::All);
    for name in ["panics_softly", "hangs_softly"] {
        let check = report.checks.iter().find(|c| c.spec.name == name).unwrap();
        assert!(check.spec.critical, "{name} is critical");
        assert_eq!(check.state.outcome.status, Status::Degraded, "{name}");
    }

    let reply = common::request(addr, "GET", "/health").await;
    // A failing non-critical check degrades; degraded is mapped to 503 here.
    assert_eq!(reply.status, 503);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["status"], "degraded");
    // The gauges say it with their values: 0.5 for degraded, 0 for unhealthy.
    let scrape = common::parse(&vitals.render()).unwrap();
    let gauge = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.name.ends_with(name)
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    };
    assert_eq!(
        gauge("_health_status", &[]),
        Some(0.5),
        "the whole is degraded"
    );
    for check in ["panics_softly", "hangs_softly"] {
        assert_eq!(
            gauge("_health_check_status", &[("check", check)]),
            Some(0.5),
            "{check}"
        );
    }
    assert_eq!(
        gauge("_health_check_status", &[("check", "db")]),
        Some(0.0),
        "db"
    );
    assert_eq!(
        body["checks"]["db"]["status"], "unhealthy",
        "statuses are always shown"
    );
    assert!(
        !reply.body.contains("password") && !reply.body.contains("10.0.0.5"),
        "{}",
        reply.body
    );
    assert!(
        body["checks"]["db"].get("message").is_none()
            && body["checks"]["db"].get("details").is_none()
    );
    // The status page follows the same policy: statuses, never messages or observed values.
    let page = common::request(addr, "GET", "/status").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(r#"<tr data-check="db" data-status="unhealthy">"#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("password") && !page.body.contains("10.0.0.5"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<td class="hidden">hidden</td>"#));
    // The handle still sees everything.
    let report = vitals.health().report(vitalsign::health::Scope::All);
    assert!(
        report.checks[0]
            .state
            .outcome
            .message
            .as_deref()
            .unwrap()
            .contains("password")
    );
}

#[test]
fn loopback_rule() {
    let lo: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let lo6: std::net::IpAddr = "::1".parse().unwrap();
    let remote: std::net::IpAddr = "10.1.2.3".parse().unwrap();
    assert!(ShowDetails::Loopback.allows(Some(lo)) && ShowDetails::Loopback.allows(Some(lo6)));
    assert!(!ShowDetails::Loopback.allows(Some(remote)) && !ShowDetails::Loopback.allows(None));
    assert!(ShowDetails::Always.allows(Some(remote)));
    assert!(!ShowDetails::Never.allows(Some(lo)));
}

#[tokio::test]
async fn builtin_checks_measure_for_real() {
    use vitalsign::health::HealthCheck;
    use vitalsign::health::builtin::{DiskSpace, ProcessMemory, TcpConnect, Threshold};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = listener.local_addr().unwrap();
    let o = TcpConnect::new("peer", open.to_string()).run().await;
    assert_eq!(o.status, Status::Healthy, "{o:?}");
    assert_eq!(o.observed.as_ref().unwrap().unit, "seconds");
    drop(listener);
    let o = TcpConnect::new("peer", open.to_string()).run().await;
    assert_eq!(o.status, Status::Unhealthy);
    assert_eq!(o.details["code"], "connection_refused");

    let tmp = std::env::temp_dir();
    let roomy = DiskSpace::new("tmp_disk", &tmp)
        .degraded_below(Threshold::Bytes(0))
        .unhealthy_below(Threshold::Bytes(0));
    let o = roomy.run().await;
    assert_eq!(o.status, Status::Healthy, "{o:?}");
    assert!(o.details["total_bytes"].as_u64().unwrap() > 0);
    let full = DiskSpace::new("tmp_disk", &tmp).unhealthy_below(Threshold::Ratio(1.0));
    assert_eq!(full.run().await.status, Status::Unhealthy);
    let tight = DiskSpace::new("tmp_disk", &tmp)
        .degraded_below(Threshold::Ratio(1.0))
        .unhealthy_below(Threshold::Bytes(0));
    assert_eq!(tight.run().await.status, Status::Degraded);
    assert_eq!(
        DiskSpace::new("nowhere", "/definitely/not/here")
            .run()
            .await
            .status,
        Status::Unhealthy
    );

    let o = ProcessMemory::new("memory").limit(1 << 50).run().await;
    assert_eq!(o.status, Status::Healthy, "{o:?}");
    assert!(
        o.details["resident_bytes"].as_u64().unwrap() > 1 << 20,
        "a test process uses over 1 MiB"
    );
    assert_eq!(
        ProcessMemory::new("memory")
            .limit(1 << 20)
            .run()
            .await
            .status,
        Status::Unhealthy
    );
    assert!(
        !ProcessMemory::new("memory")
            .run()
            .await
            .status
            .eq(&Status::Unknown)
    );
}
