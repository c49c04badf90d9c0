//! A flood of parallel scrapes shares one render: 64 clients asking `/metrics` at once over
//! real loopback connections all get the exposition, and the process does not grow a render
//! thread per client (tokio's blocking pool would give each its own and keep them for 10 s).

mod common;

use std::time::Instant;

/// Threads of this process now.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_scrapes_share_one_render() {
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        // Every scraper here is on 127.0.0.1: room for all of them on one address.
        .max_connections_per_client(128)
        .install()
        .unwrap();
    // Enough series that a render takes a while, so that the scrapes overlap it.
    // (Ten families: one family stops at its series limit, 10,000.)
    for i in 0..20_000 {
        let family = format!("flood_series_{}_total", i % 10);
        metrics::counter!(family, "shard" => i.to_string()).increment(1);
    }
    let addr = common::serve(&vitals).await;
    // A first scrape starts the blocking pool's first thread.
    assert_eq!(common::request(addr, "GET", "/metrics").await.status, 200);
    let before = threads();
    let started = Instant::now();
    let scrapes: Vec<_> = (0..64)
        .map(|_| tokio::spawn(common::request(addr, "GET", "/metrics")))
        .collect();
    let mut bodies = Vec::new();
    for scrape in scrapes {
        let reply = scrape.await.unwrap();
        assert_eq!(reply.status, 200);
        bodies.push(reply.body.len());
    }
    let took = started.elapsed();
    let grown = threads().saturating_sub(before);
    common::say(&format!(
        "64 parallel scrapes of 20,000 series: {} ms, {grown} threads more than before",
        took.as_millis()
    ));
    assert!(
        bodies.iter().all(|len| *len > 20_000 * 30),
        "every scrape got the whole exposition: {bodies:?}"
    );
    assert!(
        grown <= 4,
        "one render in flight per endpoint, not one thread per scrape: {grown} more threads"
    );
}
