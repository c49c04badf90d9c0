//! `/metrics` renders on tokio's blocking pool, never on an async worker: a large exposition
//! must not stall the other tasks of the runtime that serves it. The server runs on a
//! current-thread runtime beside a task that measures how late its timer fires; scrapes come
//! from another thread. Were the render on the worker, the task would be late by a whole render:
//! the negative control renders on that worker itself and must be seen late by that much.

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
    // How long one warm render takes here, measured in this run: the yardstick for the
    // lateness. The first render sizes buffers and touches every series cold, so the best of
    // three that follow it is taken.
    let text = vitals.render();
    assert!(text.len() > 1_000_000, "a large exposition");
    let render = (0..3)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(vitals.render());
            started.elapsed()
        })
        .min()
        .unwrap();
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
    let worst = worst_lateness(&rt, &done);
    scraper.join().unwrap();
    assert!(
        worst < render / 2,
        "the serving runtime's timer was {worst:?} late; one render takes {render:?}"
    );

    // Negative control: renders on the runtime's own worker stall its timer by about a render,
    // which the measurement above would have seen.
    let done = Arc::new(AtomicBool::new(false));
    {
        let (done, vitals) = (done.clone(), vitals.clone());
        rt.spawn(async move {
            for _ in 0..5 {
                std::hint::black_box(vitals.render());
                tokio::task::yield_now().await;
            }
            done.store(true, Ordering::Release);
        });
    }
    let stalled = worst_lateness(&rt, &done);
    assert!(
        stalled >= render / 2,
        "a render on the worker was not seen: the timer was {stalled:?} late, a render takes {render:?}"
    );
}

/// How late, at worst, a 1 ms timer on `rt` fires until `done`.
fn worst_lateness(rt: &tokio::runtime::Runtime, done: &Arc<AtomicBool>) -> Duration {
    let worst_late_us = Arc::new(AtomicU64::new(0));
    let worst = worst_late_us.clone();
    let done = done.clone();
    rt.block_on(async move {
        while !done.load(Ordering::Acquire) {
            let before = Instant::now();
            tokio::time::sleep(Duration::from_millis(1)).await;
            let late = before.elapsed().saturating_sub(Duration::from_millis(1));
            worst.fetch_max(late.as_micros() as u64, Ordering::Relaxed);
        }
    });
    Duration::from_micros(worst_late_us.load(Ordering::Relaxed))
}
