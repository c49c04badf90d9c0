//! What the status page costs the server: `GET /status` over loopback, against `GET /stats`,
//! `GET /stats/history` and `GET /metrics` of the same process (the page and the history also
//! with gzip, as browsers ask), with 20 operations (one in
//! eight calls fails) and a full history at the default point count (180 points each).
//!
//! The history fills in real time: the server samples every second (`status.sample_every`
//! `1s`, `status.history` `3m`), so the setup waits three minutes before measuring. The bytes of
//! each answer are printed first. Run: `cargo bench -p vitalsign --bench status_page`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vitalsign::{Vitals, instrumented};

/// The history's default: 15 minutes at 5 s.
const POINTS: usize = 180;

macro_rules! operations {
    ($($name:ident => $op:literal),* $(,)?) => {
        $(
            #[instrumented(namespace = "bench", name = "ops", labels(op = $op), log = "off")]
            fn $name(x: u64) -> Result<u64, std::io::Error> {
                if x % 8 == 0 {
                    Err(std::io::Error::from(std::io::ErrorKind::TimedOut))
                } else {
                    Ok(x.wrapping_mul(31))
                }
            }
        )*
        const OPERATIONS: &[fn(u64) -> Result<u64, std::io::Error>] = &[$($name),*];
    };
}

operations! {
    op00 => "op00", op01 => "op01", op02 => "op02", op03 => "op03", op04 => "op04",
    op05 => "op05", op06 => "op06", op07 => "op07", op08 => "op08", op09 => "op09",
    op10 => "op10", op11 => "op11", op12 => "op12", op13 => "op13", op14 => "op14",
    op15 => "op15", op16 => "op16", op17 => "op17", op18 => "op18", op19 => "op19",
}

/// `GET path`, asking for gzip when `gzip`; the bytes of the answer.
async fn get(addr: std::net::SocketAddr, path: &str, gzip: bool) -> usize {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let encoding = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{encoding}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await.unwrap();
    assert!(reply.starts_with(b"HTTP/1.1 200"), "{path}");
    reply.len()
}

fn page(c: &mut Criterion) {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .status_sample_every(Duration::from_secs(1))
        .status_history(Duration::from_secs(POINTS as u64))
        .install()
        .expect("install");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(async {
        let server = vitals.bind().await.expect("bind");
        let addr = server.local_addr();
        tokio::spawn(server.run_until(std::future::pending()));
        addr
    });
    // A steady load on every operation while the history fills.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut x = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for op in OPERATIONS {
                    x += 1;
                    let _ = black_box(op(x));
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let started = Instant::now();
    while vitals.history().process.len() < POINTS {
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "status_page: {} operations, {} points each, filled in {:.0} s",
        vitals.history().operations.len(),
        POINTS,
        started.elapsed().as_secs_f64()
    );
    let requests = [
        ("/status", false),
        ("/status", true),
        ("/stats", false),
        ("/stats/history", false),
        ("/stats/history", true),
        ("/metrics", false),
    ];
    for (path, gzip) in requests {
        println!(
            "status_page: GET {path}{}: {} bytes",
            if gzip { " (gzip)" } else { "" },
            rt.block_on(get(addr, path, gzip))
        );
    }
    let mut group = c.benchmark_group("status_page");
    for (path, gzip) in requests {
        let name = path.trim_start_matches('/').replace('/', "_");
        let name = if gzip { format!("{name}_gzip") } else { name };
        group.bench_function(name, |b| {
            b.iter(|| black_box(rt.block_on(get(addr, path, gzip))));
        });
    }
    group.finish();
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = page
}
criterion_main!(benches);
