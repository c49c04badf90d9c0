//! Health over real HTTP on loopback: the aggregation table through a live endpoint, a hanging
//! check, a panicking one, a flapping one, startup gating, a probe flood, both body formats,
//! the switches, health metrics, and the `vitalsign-probe` CLI against the running server.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use vitalsign::Vitals;
use vitalsign::health::{CheckSpec, Kind, Outcome, Scope, Status, from_fn};

const STATUSES: [Status; 4] = [
    Status::Healthy,
    Status::Degraded,
    Status::Unhealthy,
    Status::Unknown,
];

/// A check whose status the test sets; counts its runs.
fn controlled(
    name: &'static str,
    critical: bool,
    kinds: &[Kind],
    every: Duration,
) -> (
    Arc<AtomicU8>,
    Arc<AtomicU64>,
    impl vitalsign::health::HealthCheck,
) {
    let status = Arc::new(AtomicU8::new(0));
    let runs = Arc::new(AtomicU64::new(0));
    let (s, r) = (status.clone(), runs.clone());
    let spec = CheckSpec::new(name)
        .kinds(kinds)
        .critical(critical)
        .every(every)
        .timeout(every);
    let check = from_fn(spec, move || {
        let status = STATUSES[s.load(Ordering::SeqCst) as usize];
        r.fetch_add(1, Ordering::SeqCst);
        async move {
            match status {
                Status::Unknown => Outcome::new(Status::Unknown).with_message("controlled"),
                s => Outcome::new(s)
                    .with_message("controlled")
                    .with_detail("set_by", "test"),
            }
        }
    });
    (status, runs, check)
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value, common::Reply) {
    let reply = common::request(addr, "GET", path).await;
    let body =
        serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{path}: {e}: {}", reply.body));
    (reply.status, body, reply)
}

/// Waits until a run that began after the setting changed has been recorded. The counter
/// moves when a run starts: run `after + 1` may have read the old setting, run `after + 2`
/// read the new one, and it has been recorded once run `after + 3` starts (runs of one check
/// are sequential).
async fn ran_since(runs: &AtomicU64, after: u64) {
    let deadline = Instant::now() + common::PATIENCE;
    while runs.load(Ordering::SeqCst) < after + 3 {
        assert!(Instant::now() < deadline, "check did not run");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_over_http() {
    let fast = Duration::from_millis(40);
    let (crit_status, crit_runs, crit) =
        controlled("table_critical", true, &[Kind::Liveness], fast);
    let (soft_status, soft_runs, soft) =
        controlled("table_optional", false, &[Kind::Liveness], fast);
    let steady_runs = Arc::new(AtomicU64::new(0));
    let counter = steady_runs.clone();
    let steady = from_fn(
        CheckSpec::new("steady")
            .every(Duration::from_millis(300))
            .timeout(Duration::from_millis(300)),
        move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Outcome::healthy().with_observed("connections", 3.0, "connections") }
        },
    );
    let hang_runs = Arc::new(AtomicU64::new(0));
    let counter = hang_runs.clone();
    let hangs = from_fn(
        CheckSpec::new("hangs")
            .every(Duration::from_millis(1500))
            .timeout(Duration::from_secs(1)),
        move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Outcome::healthy()
            }
        },
    );
    let panics = from_fn(
        CheckSpec::new("panics")
            .critical(false)
            .every(Duration::from_millis(100)),
        || async { panic!("disk on fire") },
    );
    let flips = Arc::new(AtomicU64::new(0));
    let f = flips.clone();
    let flaps = from_fn(
        CheckSpec::new("flaps")
            .critical(false)
            .every(Duration::from_millis(50))
            .timeout(Duration::from_millis(50)),
        move || {
            let n = f.fetch_add(1, Ordering::SeqCst);
            async move {
                if n.is_multiple_of(2) {
                    Outcome::healthy()
                } else {
                    Outcome::unhealthy("flapped")
                }
            }
        },
    );
    let boots = Arc::new(AtomicU64::new(0));
    let b = boots.clone();
    let boot = from_fn(
        CheckSpec::new("wal_replayed")
            .kinds(&[Kind::Startup])
            .every(Duration::from_millis(150))
            .timeout(Duration::from_millis(150)),
        move || {
            let n = b.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 3 {
                    Outcome::unhealthy("replaying")
                } else {
                    Outcome::healthy()
                }
            }
        },
    );

    let vitals = Vitals::builder()
        .bind_addr("127.0.0.1:0")
        .namespace("hc")
        .service("kvstore")
        .version("1.2.3")
        .health(crit)
        .health(soft)
        .health(steady)
        .health(hangs)
        .health(panics)
        .health(flaps)
        .health(boot)
        .install()
        .expect("install");
    let server = vitals.bind().await.expect("bind");
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));

    // Startup gating: not started, so not ready, until the startup check has passed once.
    // Before its first run the check is unknown; its first three runs are unhealthy.
    let (code, body, reply) = common::eventually("the startup check's first run", || async {
        let got = get(addr, "/health/startup").await;
        (got.1["status"] != "unknown").then_some(got)
    })
    .await;
    assert_eq!(
        (code, body["status"].as_str()),
        (503, Some("unhealthy")),
        "{body}"
    );
    assert_eq!(reply.headers["cache-control"], "no-store");
    let (code, body, _) = get(addr, "/health/ready").await;
    assert_eq!(code, 503);
    assert!(
        body["reasons"]
            .to_string()
            .contains("waiting for startup checks"),
        "{body}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(addr, "/health/startup").await.0 != 200 {
        assert!(Instant::now() < deadline, "startup never passed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        boots.load(Ordering::SeqCst) >= 4,
        "passed on its fourth run"
    );

    // The aggregation table through the live endpoint: /health/live covers exactly the two
    // controlled checks, one critical and one not. Written out, not computed, so that it tests
    // `aggregate` rather than repeating it: a critical check passes its status through, a
    // failing non-critical one degrades, an unknown non-critical one is ignored; the worst
    // wins (unhealthy > unknown > degraded > healthy); healthy and degraded answer 200.
    use Status::{Degraded as D, Healthy as H, Unhealthy as U, Unknown as Q};
    let table: [(Status, Status, Status, u16); 16] = [
        // critical, non-critical => overall, HTTP status
        (H, H, H, 200),
        (H, D, D, 200),
        (H, U, D, 200),
        (H, Q, H, 200),
        (D, H, D, 200),
        (D, D, D, 200),
        (D, U, D, 200),
        (D, Q, D, 200),
        (U, H, U, 503),
        (U, D, U, 503),
        (U, U, U, 503),
        (U, Q, U, 503),
        (Q, H, Q, 503),
        (Q, D, Q, 503),
        (Q, U, Q, 503),
        (Q, Q, Q, 503),
    ];
    let index = |s: Status| STATUSES.iter().position(|x| *x == s).unwrap() as u8;
    for (critical, optional, expected, expected_code) in table {
        crit_status.store(index(critical), Ordering::SeqCst);
        soft_status.store(index(optional), Ordering::SeqCst);
        ran_since(&crit_runs, crit_runs.load(Ordering::SeqCst)).await;
        ran_since(&soft_runs, soft_runs.load(Ordering::SeqCst)).await;
        let (code, body, _) = get(addr, "/health/live").await;
        assert_eq!(
            (body["status"].as_str(), code),
            (Some(expected.as_str()), expected_code),
            "critical {critical}, non-critical {optional}: {body}"
        );
    }
    crit_status.store(0, Ordering::SeqCst);
    soft_status.store(0, Ordering::SeqCst);
    ran_since(&crit_runs, crit_runs.load(Ordering::SeqCst)).await;
    ran_since(&soft_runs, soft_runs.load(Ordering::SeqCst)).await;

    // A hanging check is cut at its timeout (1 s) and reported; the probe answers from the
    // cache at once, never waiting for the check: the bound is a quarter of the timeout, and a
    // probe is timed both while a run hangs and after it was cut.
    common::eventually("the hanging check to be cut", || async {
        let (_, body, _) = get(addr, "/health/ready").await;
        (body["checks"]["hangs"]["status"] == "unhealthy").then_some(())
    })
    .await;
    for _ in 0..3 {
        let started = Instant::now();
        get(addr, "/health/ready").await;
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "probe waited {:?} (the hanging check's timeout is 1 s)",
            started.elapsed()
        );
    }
    let (code, body, _) = get(addr, "/health/ready").await;
    assert_eq!(code, 503);
    assert_eq!(body["checks"]["hangs"]["status"], "unhealthy");
    assert_eq!(body["checks"]["hangs"]["message"], "timed out after 1s");

    // A panicking check is reported with its message; it is non-critical, and the server goes on.
    assert_eq!(body["checks"]["panics"]["status"], "unhealthy");
    assert_eq!(
        body["checks"]["panics"]["message"],
        "check panicked: disk on fire"
    );
    assert_eq!(body["checks"]["panics"]["critical"], false);

    // Body shape: service facts, per-check status, criticality, kinds, timing, details.
    let (_, all, _) = get(addr, "/health").await;
    assert_eq!(all["service"], "kvstore");
    assert_eq!(all["version"], "1.2.3");
    assert!(all["uptime_seconds"].as_f64().unwrap() > 0.0);
    let steady_body = &all["checks"]["steady"];
    assert_eq!(steady_body["status"], "healthy");
    assert_eq!(steady_body["critical"], true);
    assert_eq!(steady_body["kinds"], serde_json::json!(["readiness"]));
    assert!(steady_body["duration_ms"].as_f64().is_some());
    let last = steady_body["last_check"].as_str().unwrap();
    assert!(
        humantime::parse_rfc3339(last).is_ok() && last.ends_with('Z'),
        "{last}"
    );
    assert_eq!(
        all["checks"]["table_critical"]["details"]["set_by"], "test",
        "details shown to loopback clients"
    );

    // The IETF draft format on request.
    let reply = request_with_accept(addr, "/health", "application/health+json").await;
    assert_eq!(reply.headers["content-type"], "application/health+json");
    let ietf: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(ietf["status"], "fail");
    assert_eq!(ietf["version"], "1.2.3");
    let steady_ietf = &ietf["checks"]["steady:connections"][0];
    assert_eq!(steady_ietf["componentId"], "steady");
    assert_eq!(steady_ietf["status"], "pass");
    assert_eq!(steady_ietf["observedValue"], 3.0);
    assert_eq!(steady_ietf["observedUnit"], "connections");
    assert!(steady_ietf["time"].as_str().is_some());
    assert_eq!(
        ietf["checks"]["hangs:status"][0]["output"],
        "timed out after 1s"
    );

    // Probe flood: 1,000 probes in about a second cost the checks nothing extra.
    let before = steady_runs.load(Ordering::SeqCst);
    let flood_started = Instant::now();
    let mut probes = tokio::task::JoinSet::new();
    for _ in 0..20 {
        probes.spawn(async move {
            for _ in 0..50 {
                assert_eq!(
                    common::request(addr, "GET", "/health/live").await.status,
                    200
                );
            }
        });
    }
    while let Some(p) = probes.join_next().await {
        p.unwrap();
    }
    let elapsed = flood_started.elapsed();
    let runs = steady_runs.load(Ordering::SeqCst) - before;
    let allowed = (elapsed.as_secs_f64() / 0.27).ceil() as u64 + 1;
    assert!(
        runs <= allowed,
        "{runs} check runs during {elapsed:?} of probes (interval 300 ms, allowed {allowed})"
    );

    // Flapping: the status follows the latest run, and failures are counted.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..40 {
        seen.insert(
            vitals
                .health()
                .report(Scope::All)
                .checks
                .iter()
                .find(|c| c.spec.name == "flaps")
                .unwrap()
                .state
                .outcome
                .status,
        );
        tokio::time::sleep(Duration::from_millis(13)).await;
    }
    assert!(
        seen.contains(&Status::Healthy) && seen.contains(&Status::Unhealthy),
        "{seen:?}"
    );

    // Switches: not ready while draining, not live when wedged.
    vitals.health().set_ready(false);
    let (code, body, _) = get(addr, "/health/ready").await;
    assert_eq!(code, 503);
    assert!(body["reasons"].to_string().contains("marked not ready"));
    assert_eq!(
        get(addr, "/health/live").await.0,
        200,
        "readiness does not touch liveness"
    );
    vitals.health().set_ready(true);
    vitals.health().set_live(false);
    assert_eq!(get(addr, "/health/live").await.0, 503);
    vitals.health().set_live(true);
    assert_eq!(get(addr, "/health/live").await.0, 200);

    // Registration on the running handle: starts at once, and a startup check added at run
    // time gates readiness again until it passes (here on its third run).
    let waiting = |body: &Value| {
        body["reasons"]
            .to_string()
            .contains("waiting for startup checks")
    };
    let (_, body, _) = get(addr, "/health/ready").await;
    assert!(!waiting(&body), "the first startup check passed: {body}");
    let late_runs = Arc::new(AtomicU64::new(0));
    let l = late_runs.clone();
    let late = from_fn(
        CheckSpec::new("late")
            .kinds(&[Kind::Startup])
            .every(Duration::from_millis(50)),
        move || {
            let n = l.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    Outcome::unhealthy("warming up")
                } else {
                    Outcome::healthy()
                }
            }
        },
    );
    vitals.health().add(late).unwrap();
    let (code, body, _) = get(addr, "/health/ready").await;
    assert!(
        code == 503 && waiting(&body),
        "a new startup check gates readiness: {body}"
    );
    let dup = from_fn(CheckSpec::new("late"), || async { Outcome::healthy() });
    assert!(matches!(
        vitals.health().add(dup),
        Err(vitalsign::health::HealthError::Duplicate(_))
    ));
    let bad = from_fn(CheckSpec::new("Late Check"), || async {
        Outcome::healthy()
    });
    assert!(
        vitals
            .health()
            .add(bad)
            .unwrap_err()
            .to_string()
            .contains("late_check")
    );
    common::eventually("the late check's first run", || async {
        let (_, body, _) = get(addr, "/health/startup").await;
        (body["checks"]["late"]["status"] == "healthy").then_some(())
    })
    .await;
    let (_, body, _) = get(addr, "/health/ready").await;
    assert!(!waiting(&body), "the gate opens once it passed: {body}");
    assert!(vitals.health().remove("late") && !vitals.health().remove("late"));
    let (_, body, _) = get(addr, "/health/startup").await;
    assert!(body["checks"].get("late").is_none(), "{body}");

    // Health metrics, in the exposition and clean for promtool. Each count is the runs that had
    // ended when the scrape read it: at least those started before it less the one a check may
    // have in flight, at most those started by its end.
    let started = || [&steady_runs, &flips, &hang_runs].map(|runs| runs.load(Ordering::SeqCst));
    let before = started();
    let metrics = common::request(addr, "GET", "/metrics").await.body;
    let after = started();
    let s = common::parse(&metrics).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.get("hc_health_check_status", &[("check", "steady")]), 1.0);
    assert_eq!(s.get("hc_health_check_status", &[("check", "hangs")]), 0.0);
    let between = |what: &str, got: f64, low: u64, high: u64| {
        assert!(
            (low as f64..=high as f64).contains(&got) && got >= 1.0,
            "{what}: {got}, runs ended between {low} and {high}"
        );
    };
    let steady = s.histogram_count("hc_health_check_duration_seconds", &[("check", "steady")]);
    between(
        "steady's durations",
        steady,
        before[0].saturating_sub(1),
        after[0],
    );
    // `flaps` fails its odd runs (the 2nd, 4th, ...).
    let flapped = s.get("hc_health_check_failures_total", &[("check", "flaps")]);
    between(
        "flaps' failures",
        flapped,
        before[1].saturating_sub(1) / 2,
        after[1] / 2,
    );
    // Every run of `hangs` times out.
    let hung = s.get("hc_health_check_failures_total", &[("check", "hangs")]);
    between(
        "hangs' failures",
        hung,
        before[2].saturating_sub(1),
        after[2],
    );
    assert_eq!(
        s.get("hc_health_status", &[]),
        0.0,
        "`hangs` is critical and unhealthy"
    );
    for family in [
        "hc_health_check_status",
        "hc_health_check_failures_total",
        "hc_health_status",
    ] {
        assert!(s.families[family].help.is_some(), "{family}");
    }
    if let Some(problems) = common::promtool_check_metrics(&metrics) {
        assert_eq!(problems, "", "promtool check metrics");
    }
    let catalogue = vitals.catalogue();
    assert!(
        catalogue
            .families()
            .iter()
            .any(|f| f.name() == "hc_health_check_status")
    );

    // The probe CLI against the real server.
    let probe = env!("CARGO_BIN_EXE_vitalsign-probe");
    let run = move |url: String, extra: &[&str]| {
        let out = common::output_within(
            std::process::Command::new(probe).arg(&url).args(extra),
            b"",
            common::CHILD_LIMIT,
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = run(format!("http://{addr}/health/live"), &[]);
    assert_eq!(
        (code, stdout.as_str()),
        (Some(0), ""),
        "healthy: exit 0, silent"
    );
    let (code, stdout) = run(format!("http://{addr}/health/ready"), &["--timeout", "1s"]);
    assert_eq!(code, Some(1), "unhealthy: exit 1");
    assert!(
        stdout.contains("timed out after 1s"),
        "prints the body: {stdout}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, _) = run(format!("http://{closed}/health/live"), &["--timeout", "1s"]);
    assert_eq!(code, Some(2), "unreachable: exit 2");
    let (code, _) = run("not a url".into(), &[]);
    assert_eq!(code, Some(2), "bad usage: exit 2");
    // A server that accepts but never answers: timeout, exit 2.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let _keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let started = Instant::now();
    let (code, _) = tokio::task::spawn_blocking(move || {
        run(
            format!("http://{silent_addr}/health"),
            &["--timeout", "300ms"],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, Some(2));
    assert!(started.elapsed() < Duration::from_secs(3));
}

async fn request_with_accept(addr: SocketAddr, path: &str, accept: &str) -> common::Reply {
    use http_body_util::{BodyExt, Empty};
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::get(path)
        .header("host", addr.to_string())
        .header("accept", accept)
        .body(Empty::<hyper::body::Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    common::Reply {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}
