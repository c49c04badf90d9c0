//! The generated alerting rules on a real Prometheus, their windows shortened to seconds: the
//! example's own mixed load, whose failed calls all end in codes of class `expected` (missing
//! keys, values that are not integers, requests the protocol refuses), fires no alert; a WAL
//! that can no longer grow fires the SET error-ratio alert. The WAL is stopped the way a full
//! quota stops it: the process's file-size limit (`RLIMIT_FSIZE`) is lowered to the log's
//! current size, so every append fails with `file_too_large`, a failure; unlike a read-only
//! directory, this holds for root too.
//!
//! On its own in this file: the limit is the whole process's.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::prometheus::{alerts, number, query};
use kvstore::{load, server};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use serde_json::Value;
use vitalsign::Vitals;

/// The generated rules with every range and `for:` cut to seconds, so that a test of a minute
/// sees what an hour of service would.
fn short_windows(rules: &str) -> String {
    let mut out = String::new();
    for line in rules.lines() {
        let line = if line.trim_start().starts_with("for:") {
            let indent = &line[..line.len() - line.trim_start().len()];
            format!("{indent}for: 5s")
        } else {
            let mut l = line.to_owned();
            for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] {
                l = l.replace(&format!("[{window}]"), "[15s]");
            }
            l
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn names(alerts: &[Value], state: &str) -> BTreeSet<String> {
    alerts
        .iter()
        .filter(|a| a["state"] == state)
        .map(|a| {
            format!(
                "{}{{op={}}}",
                a["labels"]["alertname"].as_str().unwrap_or(""),
                a["labels"]["op"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expected_errors_stay_quiet_and_a_real_failure_fires() {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .expect("install");
    let config = server::Config::temporary("alerts");
    let data_dir = config.data_dir.clone();
    let running = server::start(&config, &vitals).await.expect("start");

    let generated = std::fs::read_to_string("docs/generated/kvstore-rules.yaml").unwrap();
    let rules_dir = std::env::temp_dir().join(format!("vitalsign-alerts-{}", std::process::id()));
    std::fs::create_dir_all(&rules_dir).unwrap();
    let rules = rules_dir.join("rules.yaml");
    std::fs::write(&rules, short_windows(&generated)).unwrap();
    assert!(
        !std::fs::read_to_string(&rules).unwrap().contains("[5m]"),
        "every window is shortened"
    );
    let Some(prom) = common::prometheus::start(
        "expected_errors_stay_quiet_and_a_real_failure_fires",
        running.metrics_addr,
        &rules,
    ) else {
        return;
    };
    let p = prom.addr;
    common::prometheus::scraping(p).await;

    // The demo load (`serve --demo-load`: 200 requests of the mix a second) for 40 s, long
    // enough for every shortened window and `for:` to pass several times over.
    let healthy_until = Instant::now() + Duration::from_secs(40);
    let mut seed = 1;
    let mut fired = BTreeSet::new();
    let mut expected_errors = 0;
    while Instant::now() < healthy_until {
        let report = load::run(running.db_addr, 200, 4, seed)
            .await
            .expect("load");
        expected_errors += report.errors.values().sum::<u64>();
        seed += 1;
        fired.extend(names(&alerts(p).await, "firing"));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        expected_errors > 1_000,
        "the load made expected errors: {expected_errors}"
    );
    let expected = query(
        p,
        "sum(kvstore_requests_errors_total{class=\"expected\"}) + sum(kvstore_parses_errors_total{class=\"expected\"})",
    )
    .await;
    assert!(
        number(&expected[0]) > 1_000.0,
        "Prometheus saw them: {expected:?}"
    );
    // The SET latency objective (99% under 5 ms) is left out here: with its windows cut to 15 s,
    // it judges a debug build sharing two cores with the rest of the test suite, and a second of
    // contention breaks it. The example under the real rules and a release build keeps it (the
    // operations run in docs/operations.md).
    fired.retain(|alert| !alert.contains("LatencyBudgetBurn"));
    assert!(
        fired.is_empty(),
        "no alert fires on healthy load, expected errors and all: {fired:?}"
    );

    // The WAL stops growing: every append from now on fails.
    let mut xfsz = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(
        rustix::process::Signal::XFSZ.as_raw(),
    ))
    .expect("a handler for SIGXFSZ, whose default would end the process");
    let before: Rlimit = getrlimit(Resource::Fsize);
    let wal = std::fs::metadata(data_dir.join("wal.log")).unwrap().len();
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: Some(wal),
            maximum: before.maximum,
        },
    )
    .expect("lower the file-size limit");
    let failing_until = Instant::now() + Duration::from_secs(90);
    let set_alert = "KvstoreRequestsErrorRatioHigh{op=set}".to_owned();
    let mut firing = BTreeSet::new();
    while Instant::now() < failing_until && !firing.contains(&set_alert) {
        let report = load::run(running.db_addr, 200, 4, seed)
            .await
            .expect("load");
        seed += 1;
        assert!(
            report.errors.contains_key("file_too_large"),
            "writes fail: {:?}",
            report.errors
        );
        firing = names(&alerts(p).await, "firing");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    setrlimit(Resource::Fsize, before).expect("restore the file-size limit");
    let _ = xfsz.recv().await;
    assert!(
        firing.contains(&set_alert),
        "a WAL that cannot be written fires the SET error-ratio alert; firing: {firing:?}"
    );
    assert!(
        !firing.contains("KvstoreRequestsErrorRatioHigh{op=get}"),
        "reads still work and do not alert: {firing:?}"
    );

    drop(prom);
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(data_dir);
    let _ = std::fs::remove_dir_all(rules_dir);
}
