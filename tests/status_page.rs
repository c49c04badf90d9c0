//! The status page in a real browser: Debian's `chromium`, headless, against the example
//! database under load. The page must refresh itself, plot every operation with more than one
//! point, show each health check's status, show a failing operation's errors, first, and
//! write nothing to the console. A negative control proves a console error would be seen.
//! Set `UPDATE_STATUS_SCREENSHOT=1` to write the screenshot to `docs/status-page.png`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kvstore::{load, server};
use vitalsign::{ErrorCode, Vitals, instrumented};

/// A replication that always fails, as a broken replica would: the operation made to fail.
#[derive(Debug, ErrorCode)]
enum ReplicaError {
    #[error_code("replica_down")]
    Down,
}

#[instrumented(
    namespace = "kvstore",
    name = "replications",
    labels(op = "push"),
    log = "off"
)]
fn replicate(_key: u64) -> Result<(), ReplicaError> {
    Err(ReplicaError::Down)
}

/// The markup of the element that opens with `start`, up to the first `end` after it.
fn element<'a>(dom: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = dom.find(start)?;
    let to = dom[from..].find(end)? + from;
    Some(&dom[from..to])
}

/// The `data-points` of every plot in `markup`.
fn plot_points(markup: &str) -> Vec<usize> {
    markup
        .match_indices("<svg class=\"plot\"")
        .map(|(at, _)| {
            let tag = &markup[at..at + markup[at..].find('>').unwrap()];
            let value = tag.split("data-points=\"").nth(1).unwrap();
            value[..value.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

#[test]
fn the_browser_catches_a_console_error() {
    let Some(browser) = common::browser::chromium() else {
        return;
    };
    let page = std::env::temp_dir().join(format!("vitalsign-bad-page-{}.html", std::process::id()));
    std::fs::write(
        &page,
        "<!doctype html><p>x</p><script>console.error('wrong'); null.f();</script>",
    )
    .unwrap();
    let visit = common::browser::visit(&browser, &format!("file://{}", page.display()), 500);
    let _ = std::fs::remove_file(&page);
    assert_eq!(visit.console.len(), 2, "{:?}", visit.console);
    assert!(
        visit.console[1].contains("Uncaught TypeError"),
        "{:?}",
        visit.console
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_in_a_browser() {
    let Some(browser) = common::browser::chromium() else {
        return;
    };
    let logs = vitalsign::logging::MemoryWriter::new();
    let vitals = Vitals::builder()
        .bind_addr("127.0.0.1:0")
        .service("kvstore")
        .version("0.1.0")
        .status_sample_every(Duration::from_secs(1))
        .log_format(vitalsign::logging::LogFormat::Json)
        .log_output(vitalsign::logging::LogOutput::Memory(logs.clone()))
        .install()
        .expect("install");
    let config = server::Config::temporary("status-page");
    let running = server::start(&config, &vitals).await.expect("start");
    let addr = running.metrics_addr;

    // Load until the end: the example's own generator, and the failing replication beside it.
    let stop = Arc::new(AtomicBool::new(false));
    let db = running.db_addr;
    let loader = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut seed = 1;
            while !stop.load(Ordering::Relaxed) {
                load::run(db, 400, 2, seed).await.expect("load");
                seed += 1;
                for key in 0..20 {
                    let _ = replicate(key);
                }
            }
        })
    };

    // Three samples at least, so that every plot has points before the browser looks.
    common::eventually("three samples of history", || {
        let samples = vitals.history().process.len();
        async move { (samples >= 3).then_some(()) }
    })
    .await;
    let url = format!("http://{addr}/status");
    for asset in ["/status/page.css", "/status/page.js"] {
        let reply = common::request(addr, "GET", asset).await;
        assert_eq!(reply.status, 200, "{asset}");
    }

    // Twelve seconds of virtual time: the page refreshes every second of it.
    let visit = tokio::task::spawn_blocking({
        let (browser, url) = (browser.clone(), url.clone());
        move || common::browser::visit(&browser, &url, 12_000)
    })
    .await
    .unwrap();
    let dom = &visit.dom;
    assert!(visit.console.is_empty(), "console: {:?}", visit.console);
    let refreshes: u32 = element(dom, "data-refreshes=\"", "\">")
        .and_then(|s| s.trim_start_matches("data-refreshes=\"").parse().ok())
        .unwrap_or_else(|| panic!("no refresh count: {}", &dom[..dom.len().min(2000)]));
    common::say(&format!("the page refreshed itself {refreshes} times"));
    // One refresh a second of the twelve, less the first second's wait: a page that refreshed every
    // other second (or only once) fails.
    assert!(
        (10..=12).contains(&refreshes),
        "the page refreshed {refreshes} times in 12 s at one refresh a second"
    );

    // Without script, the page as served is already the whole table, and reloads itself.
    let plain = common::request(addr, "GET", "/status").await.body;
    assert!(
        plain.contains(r#"<noscript><meta http-equiv="refresh" content="1">"#),
        "{plain}"
    );
    assert!(plain.contains(r#"<tr data-operation="kvstore_requests/get""#));

    // Every operation of the catalogue, with plots of more than one point.
    let snapshot = vitals.snapshot();
    let history = vitals.history();
    assert!(
        snapshot.operations.len() >= 11,
        "the example's ten operations and the replication: {}",
        snapshot.operations.len()
    );
    for op in &snapshot.operations {
        let name = format!("{}/{}", op.family, op.op);
        let row = element(dom, &format!("<tr data-operation=\"{name}\""), "</tr>")
            .unwrap_or_else(|| panic!("{name} is not on the page"));
        let points = plot_points(row);
        assert_eq!(points.len(), 3, "{name}: rate, errors and latency plots");
        assert!(
            points[0] > 1,
            "{name}: the rate plot has {} points",
            points[0]
        );
        // Latency is drawn for the intervals that had calls (a replay runs once, at start).
        let busy = history
            .operations
            .iter()
            .find(|h| h.family == op.family && h.op == op.op)
            .map_or(0, |h| {
                h.points.iter().filter(|p| p.figures.calls > 0).count()
            });
        if busy > 1 {
            assert!(
                points[2] > 1,
                "{name}: the latency plot has {} points",
                points[2]
            );
        }
    }

    // The failing operation: a non-zero failure ratio, its code as a failure, and first.
    let rows: Vec<&str> = dom
        .match_indices("<tr data-operation=\"")
        .map(|(at, _)| &dom[at..])
        .collect();
    let failing = "kvstore_replications/push";
    assert!(
        rows[0].starts_with(&format!("<tr data-operation=\"{failing}\"")),
        "the worst first"
    );
    let row = element(dom, &format!("<tr data-operation=\"{failing}\""), "</tr>").unwrap();
    assert!(row.contains("class=\"number bad\""), "{row}");
    assert!(row.contains(">100 %<"), "{row}");
    assert!(
        row.contains("data-code=\"replica_down\" data-class=\"failure\""),
        "{row}"
    );
    assert!(plot_points(row)[1] > 1, "the error plot has points: {row}");
    // And an operation that cannot fail shows none.
    let set = element(dom, "<tr data-operation=\"kvstore_requests/set\"", "</tr>").unwrap();
    assert!(
        !set.contains("class=\"number bad\"") && set.contains(">0 %<"),
        "{set}"
    );
    // The example's expected errors, told apart from failures.
    let get = element(dom, "<tr data-operation=\"kvstore_requests/get\"", "</tr>").unwrap();
    assert!(
        get.contains("data-code=\"not_found\" data-class=\"expected\""),
        "{get}"
    );

    // Every health check, with its status.
    let report = vitals.health().report(vitalsign::health::Scope::All);
    assert!(report.checks.len() >= 3);
    for check in &report.checks {
        let status = check.state.outcome.status.as_str();
        let row = element(
            dom,
            &format!("<tr data-check=\"{}\"", check.spec.name),
            "</tr>",
        )
        .unwrap_or_else(|| panic!("check {} is not on the page", check.spec.name));
        assert!(row.contains(&format!("data-status=\"{status}\"")), "{row}");
        assert!(row.contains(&format!(">{status}</span>")), "{row}");
    }
    // The process and the declared metrics.
    let process = element(dom, "<section id=\"process\"", "</section>").unwrap();
    assert!(
        process.contains("Resident memory") && process.contains("MiB"),
        "{process}"
    );
    assert!(plot_points(process).iter().all(|n| *n > 1), "{process}");
    let declared = element(dom, "<section id=\"declared\"", "</section>").unwrap();
    assert!(declared.contains("kvstore_commands_total"), "{declared}");
    // By group, each family under the struct that declares it.
    let group_of = |family: &str| {
        let at = declared
            .find(&format!("data-family=\"{family}\""))
            .unwrap_or_else(|| panic!("{family}: {declared}"));
        let heading = &declared[declared[..at].rfind("<h3 data-group=\"").expect(declared) + 16..];
        heading[..heading.find('"').unwrap()].to_owned()
    };
    assert_eq!(group_of("kvstore_commands_total"), "ServerMetrics");
    assert_eq!(group_of("kvstore_wal_fsyncs_total"), "WalMetrics");
    assert!(declared.contains("ServerMetrics::commands"), "{declared}");

    // The screenshot the README shows.
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page.png");
    tokio::task::spawn_blocking({
        let (browser, shot) = (browser.clone(), shot.clone());
        move || common::browser::screenshot(&browser, &url, 3_000, &shot)
    })
    .await
    .unwrap();
    if std::env::var_os("UPDATE_STATUS_SCREENSHOT").is_some() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/status-page.png");
        std::fs::copy(&shot, &docs).expect("copy the screenshot to docs/");
    }

    stop.store(true, Ordering::Relaxed);
    loader.await.unwrap();
    running.shutdown().await;
}
