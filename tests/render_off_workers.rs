//! `/metrics` renders on tokio's blocking pool, never on an async worker: a large exposition
//! must not stall the other tasks of the runtime that serves it. The server runs on a
//! current-thread runtime beside a task that measures how late its timer fires; scrapes come
//! from another thread. Were the render on the worker, the task would be late by a whole render.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[test]
fn a_large_render_does_not_stall_the_serving_runtime() {
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .max_series_per_family(100_000)
        .install()
        .unwrap();
    for family in 0..4 {
        let name = format!("big_family_{family}_total");
        for series in 0..10_000 {
            metrics::counter!(name.clone(), "series" => series.to_string()).increment(1);
        }
    }
    // How long one render takes here, measured in this run: the yardstick for the lateness.
    let started = Instant::now();
    let text = vitals.render();
    let render = started.elapsed();
    assert!(text.len() > 1_000_000, "a large exposition");
    assert!(
        render >= Duration::from_millis(10),
        "a render of {render:?} is too short to tell a stall from noise"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(common::serve(&vitals));
    let done = Arc::new(AtomicBool::new(false));
    let scraper = {
        let done = done.clone();
        std::thread::spawn(move || {
            let client = tokio::runtime::Runtime::new().unwrap();
            for _ in 0..5 {
                let reply = client.block_on(common::request(addr, "GET", "/metrics"));
                assert_eq!(reply.status, 200);
            }
            done.store(true, Ordering::Release);
        })
    };
    let worst_late_us = Arc::new(AtomicU64::new(0));
    let worst = worst_late_us.clone();
    rt.block_on(async move {
        while !done.load(Ordering::Acquire) {
            let before = Instant::now();
            tokio::time::sleep(Duration::from_millis(1)).await;
            let late = before.elapsed().saturating_sub(Duration::from_millis(1));
            worst.fetch_max(late.as_micros() as u64, Ordering::Relaxed);
        }
    });
    scraper.join().unwrap();
    let worst = Duration::from_micros(worst_late_us.load(Ordering::Relaxed));
    assert!(
        worst < render / 2,
        "the serving runtime's timer was {worst:?} late; one render takes {render:?}"
    );
}
