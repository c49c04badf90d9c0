//! How much a flood of scrapes slows the application's instrumented calls.
//!
//! One thread calls an instrumented function; in the second variant another thread renders
//! `/metrics` (with 1,000 other series) in a tight loop meanwhile, which is what a scrape flood
//! costs the process beyond the HTTP handling. Run: `cargo bench -p vitalsign --bench scrape_flood`.
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
    let vitals = Vitals::builder().logging(false).install().expect("install");
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
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = flood
}
criterion_main!(benches);
