//! How much a flood of scrapes slows the application's instrumented calls.
//!
//! One thread calls an instrumented function; in the second variant another thread renders
//! `/metrics` (with 1,000 other series) in a tight loop meanwhile, which is what a scrape flood
//! costs the process beyond the HTTP handling.
//!
//! Then, outside criterion, 64 scrapes of `/metrics` at once over real loopback connections,
//! five rounds: how long they take and how many threads the process has afterwards against
//! before (concurrent scrapes share one render, so the blocking pool does not grow a thread per
//! scraper). Run: `cargo bench -p vitalsign --bench scrape_flood`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use vitalsign::{Vitals, instrumented};

#[inline(never)]
#[instrumented(namespace = "bench", name = "flooded", log = "off")]
fn work(x: u64) -> Result<u64, std::io::Error> {
    Ok(x.wrapping_mul(31))
}

fn flood(c: &mut Criterion) {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .expect("install");
    for i in 0..1_000 {
        metrics::counter!("bench_other_total", "shard" => i.to_string()).increment(1);
    }
    let mut group = c.benchmark_group("scrape_flood");
    group.bench_function("calls_quiet", |b| {
        let mut x = 0u64;
        b.iter(|| {
            x = x.wrapping_add(1);
            black_box(work(black_box(x))).ok()
        });
    });
    group.bench_function("calls_during_flood", |b| {
        b.iter_custom(|iters| {
            let stop = Arc::new(AtomicBool::new(false));
            let renders = Arc::new(AtomicU64::new(0));
            let flooder = {
                let (stop, renders, vitals) = (stop.clone(), renders.clone(), vitals.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        black_box(vitals.render());
                        renders.fetch_add(1, Ordering::Relaxed);
                    }
                })
            };
            while renders.load(Ordering::Relaxed) == 0 {
                std::hint::spin_loop();
            }
            let started = Instant::now();
            for x in 0..iters {
                black_box(work(black_box(x))).ok();
            }
            let took = started.elapsed();
            stop.store(true, Ordering::Relaxed);
            flooder.join().unwrap();
            took
        });
    });
    group.finish();
    parallel_scrapes(&vitals);
}

/// Threads of this process now.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count)
}

/// 64 scrapes at once, five rounds, on a server of the installed `vitals`.
fn parallel_scrapes(vitals: &Vitals) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = vitals.bind().await.expect("bind");
        let addr = server.local_addr();
        tokio::spawn(server.run_until(std::future::pending()));
        let scrape = move || async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut reply = Vec::new();
            s.read_to_end(&mut reply).await.unwrap();
            assert!(reply.starts_with(b"HTTP/1.1 200"));
        };
        // The first scrape starts the blocking pool's first thread.
        scrape().await;
        let before = threads();
        for round in 1..=5 {
            let started = Instant::now();
            let all: Vec<_> = (0..64).map(|_| tokio::spawn(scrape())).collect();
            for one in all {
                one.await.unwrap();
            }
            println!(
                "64 parallel scrapes, round {round}: {:.1} ms, {} threads more than before the first",
                started.elapsed().as_secs_f64() * 1e3,
                threads().saturating_sub(before)
            );
        }
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = flood
}
criterion_main!(benches);
