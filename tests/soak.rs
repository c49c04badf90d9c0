//! No lost data: 4 threads × 10^6 calls across four call sites (ok, errors of two codes, panics,
//! cancelled futures) while `/metrics` is scraped over HTTP without pause. Every scrape parses,
//! no counter ever goes back, and at the end every counter equals the calls made. Bounded in
//! count and time; it stops by itself.

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use vitalsign::{ErrorCode, instrumented};

const THREADS: u64 = 4;
const CALLS_PER_THREAD: u64 = 1_000_000;
const PER_SITE: u64 = CALLS_PER_THREAD / 4;

#[derive(Debug, ErrorCode)]
enum SoakError {
    Rejected,
    Missing,
}

#[instrumented(namespace = "soak", name = "ok", log = "off")]
fn ok(i: u64) -> u64 {
    i.wrapping_mul(3)
}

#[instrumented(namespace = "soak", name = "results", log = "off")]
fn results(i: u64) -> Result<u64, SoakError> {
    match i % 10 {
        0 => Err(SoakError::Rejected),
        1 => Err(SoakError::Missing),
        _ => Ok(i),
    }
}

#[instrumented(namespace = "soak", name = "panics", log = "off")]
fn panics(i: u64) -> u64 {
    assert!(!i.is_multiple_of(1000), "planned panic");
    i
}

#[instrumented(namespace = "soak", name = "futures", log = "off")]
async fn future(i: u64) -> u64 {
    tokio::task::yield_now().await;
    i
}

fn worker(t: u64) {
    let mut cx = Context::from_waker(Waker::noop());
    for n in 0..PER_SITE {
        let i = t * PER_SITE + n;
        std::hint::black_box(ok(i));
        let _ = std::hint::black_box(results(i));
        let _ = std::panic::catch_unwind(|| panics(i));
        let mut f = pin!(future(i));
        // First poll: it yields. Every 100th is then dropped, the rest driven to the end.
        assert!(f.as_mut().poll(&mut cx).is_pending());
        if !i.is_multiple_of(100) {
            assert!(matches!(f.as_mut().poll(&mut cx), Poll::Ready(_)));
        }
    }
}

#[test]
fn four_million_calls_and_not_one_lost() {
    let started = Instant::now();
    std::panic::set_hook(Box::new(|_| {})); // 4,000 planned panics, quietly
    let (vitals, addr, rt) = common::install_and_serve();

    let done = Arc::new(AtomicBool::new(false));
    // Two scrapers at once: counters must not go back under concurrent renders either.
    let scraper = |done: Arc<AtomicBool>| {
        rt.spawn(async move {
            let mut last: HashMap<String, f64> = HashMap::new();
            let mut scrapes = 0u32;
            while !done.load(Ordering::Acquire) {
                let reply = common::request(addr, "GET", "/metrics").await;
                assert_eq!(reply.status, 200);
                let s = common::parse(&reply.body)
                    .unwrap_or_else(|e| panic!("malformed scrape {scrapes}: {e}"));
                for sample in s.samples.iter().filter(|x| x.name.starts_with("soak_")) {
                    if sample.name.ends_with("_total")
                        || sample.name.ends_with("_count")
                        || sample.name.ends_with("_bucket")
                    {
                        let id = format!("{}{:?}", sample.name, sample.labels);
                        let before = last.insert(id.clone(), sample.value).unwrap_or(0.0);
                        assert!(
                            sample.value >= before,
                            "{id} went back from {before} to {}",
                            sample.value
                        );
                    }
                }
                for op in ["ok", "results", "panics", "future"] {
                    let family = format!(
                        "soak_{}_duration_seconds",
                        if op == "future" { "futures" } else { op }
                    );
                    if s.value(&format!("{family}_count"), &[("op", op)]).is_some() {
                        s.histogram_count(&family, &[("op", op)]);
                    }
                }
                scrapes += 1;
            }
            scrapes
        })
    };
    let scrapers = [scraper(done.clone()), scraper(done.clone())];

    let workers: Vec<_> = (0..THREADS)
        .map(|t| std::thread::spawn(move || worker(t)))
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    done.store(true, Ordering::Release);
    let scrapes: u32 = scrapers.into_iter().map(|s| rt.block_on(s).unwrap()).sum();
    let _ = std::panic::take_hook();
    assert!(scrapes >= 5, "only {scrapes} scrapes overlapped the run");
    assert!(
        started.elapsed() < Duration::from_secs(600),
        "bounded in time"
    );

    let s = common::parse(&vitals.render()).unwrap();
    let total = THREADS * PER_SITE;
    for (family, op) in [
        ("soak_ok", "ok"),
        ("soak_results", "results"),
        ("soak_panics", "panics"),
        ("soak_futures", "future"),
    ] {
        let calls = s.get(&format!("{family}_total"), &[("op", op)]);
        assert_eq!(calls, total as f64, "{family}");
        // `_total` reports the histogram's count: the count is held to the calls made.
        assert_eq!(
            s.histogram_count(&format!("{family}_duration_seconds"), &[("op", op)]),
            total as f64,
            "{family}"
        );
    }
    let errors = |family: &str, op: &str, code: &str| {
        s.get(
            &format!("{family}_errors_total"),
            &[
                ("op", op),
                ("code", code),
                (
                    "class",
                    if code == "cancelled" {
                        "expected"
                    } else {
                        "failure"
                    },
                ),
            ],
        )
    };
    for (family, op, code, expected) in [
        ("soak_results", "results", "rejected", total / 10),
        ("soak_results", "results", "missing", total / 10),
        ("soak_panics", "panics", "panic", total / 1000),
        ("soak_futures", "future", "cancelled", total / 100),
    ] {
        assert_eq!(errors(family, op, code), expected as f64, "{family} {code}");
    }
    eprintln!(
        "{} calls, {scrapes} concurrent scrapes, {:?}",
        total * 4,
        started.elapsed()
    );
}
