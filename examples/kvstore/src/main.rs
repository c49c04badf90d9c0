//! `kvstore serve` runs the database with `/metrics`; `kvstore load` drives traffic at it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kvstore::{load, server};
use vitalsign::Vitals;
use vitalsign::health::builtin::ProcessMemory;
use vitalsign::health::{CheckSpec, Kind};
use vitalsign::logging::LogFormat;

const USAGE: &str = "\
usage:
  kvstore [serve] [--listen ADDR] [--metrics ADDR] [--data-dir DIR] [--demo-load]
  kvstore load [--addr ADDR] [--requests N] [--concurrency N]
  kvstore load-get-set [--addr ADDR] [--requests N] [--concurrency N]
  kvstore --emit rules|dashboard|docs

serve      run the database (default 127.0.0.1:7878) and /metrics (default 127.0.0.1:9090);
           --demo-load also drives a light mixed load at it, so /metrics has data at once
load       send a seeded mix of commands, some failing on purpose, and print what came back
load-get-set
           send GETs and SETs only (3:1, every key present) and print the throughput and the
           round-trip quantiles: the end-to-end benchmark's load (benches/end-to-end)
--emit     print the Prometheus alerting rules, the Grafana dashboard or the metric reference
           generated from the metric catalogue (docs/generated/ holds them)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = match args.first().map(String::as_str) {
        Some("load") => runtime.block_on(run_load(&args[1..])),
        Some("load-get-set") => runtime.block_on(run_get_set(&args[1..])),
        Some("serve") => runtime.block_on(serve(&args[1..])),
        Some("--emit") => return emit(args.get(1).map(String::as_str)),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => runtime.block_on(serve(&args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kvstore: {e}\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

/// Reads `--flag value` pairs, refusing unknown flags.
fn flags<'a>(
    args: &'a [String],
    known: &[&str],
    switches: &[&str],
) -> Result<Vec<(&'a str, Option<&'a str>)>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if switches.contains(&flag.as_str()) {
            out.push((flag.as_str(), None));
        } else if known.contains(&flag.as_str()) {
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            out.push((flag.as_str(), Some(value.as_str())));
        } else {
            return Err(format!("unknown argument `{flag}`"));
        }
    }
    Ok(out)
}

fn parse<T: std::str::FromStr>(flag: &str, value: Option<&str>) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let value = value.unwrap_or_default();
    value.parse().map_err(|e| format!("{flag} `{value}`: {e}"))
}

async fn serve(args: &[String]) -> Result<(), String> {
    let mut config = server::Config::default();
    let mut metrics: SocketAddr = vitalsign::DEFAULT_BIND_ADDR.parse().expect("valid default");
    let mut demo_load = false;
    for (flag, value) in flags(
        args,
        &["--listen", "--metrics", "--data-dir"],
        &["--demo-load"],
    )? {
        match flag {
            "--listen" => config.listen = parse(flag, value)?,
            "--metrics" => metrics = parse(flag, value)?,
            "--data-dir" => config.data_dir = PathBuf::from(value.unwrap_or_default()),
            _ => demo_load = true,
        }
    }
    let memory = ProcessMemory::new("memory").with_spec(
        CheckSpec::new("memory")
            .kinds(&[Kind::Liveness])
            .critical(false),
    );
    let vitals = Vitals::builder()
        .bind_addr(metrics.to_string())
        .service("kvstore")
        .version(env!("CARGO_PKG_VERSION"))
        .health(memory)
        .log_format(LogFormat::Json)
        .install()
        .map_err(|e| e.to_string())?;
    let running = server::start(&config, &vitals)
        .await
        .map_err(|e| format!("cannot start: {e}"))?;
    tracing::info!(
        db_addr = %running.db_addr,
        metrics_addr = %running.metrics_addr,
        data_dir = %config.data_dir.display(),
        "kvstore started: metrics on /metrics, health on /health"
    );
    if demo_load {
        let addr = running.db_addr;
        tokio::spawn(async move {
            for round in 0u64.. {
                let _ = load::run(addr, 200, 4, round).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        tracing::info!("driving a demo load of 200 requests a second");
    }
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

async fn run_load(args: &[String]) -> Result<(), String> {
    let mut addr: SocketAddr = "127.0.0.1:7878".parse().expect("valid default");
    let (mut requests, mut concurrency) = (10_000usize, 8usize);
    for (flag, value) in flags(args, &["--addr", "--requests", "--concurrency"], &[])? {
        match flag {
            "--addr" => addr = parse(flag, value)?,
            "--requests" => requests = parse(flag, value)?,
            _ => concurrency = parse(flag, value)?,
        }
    }
    let started = std::time::Instant::now();
    let report = load::run(addr, requests, concurrency, 1)
        .await
        .map_err(|e| format!("load against {addr}: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} requests in {secs:.2}s ({:.0}/s): {} ok",
        report.total(),
        report.total() as f64 / secs,
        report.ok
    );
    for (code, n) in &report.errors {
        println!("  ERR {code}: {n}");
    }
    Ok(())
}

async fn run_get_set(args: &[String]) -> Result<(), String> {
    let mut addr: SocketAddr = "127.0.0.1:7878".parse().expect("valid default");
    let (mut requests, mut concurrency) = (100_000usize, 8usize);
    for (flag, value) in flags(args, &["--addr", "--requests", "--concurrency"], &[])? {
        match flag {
            "--addr" => addr = parse(flag, value)?,
            "--requests" => requests = parse(flag, value)?,
            _ => concurrency = parse(flag, value)?,
        }
    }
    let timing = load::get_set(addr, requests, concurrency)
        .await
        .map_err(|e| format!("load against {addr}: {e}"))?;
    // One line of `key=value` pairs: benches/end-to-end/run.sh reads it.
    println!(
        "requests={} seconds={:.3} throughput={:.0} p50_us={:.1} p99_us={:.1}",
        timing.requests,
        timing.elapsed.as_secs_f64(),
        timing.throughput(),
        timing.quantile(0.5).as_secs_f64() * 1e6,
        timing.quantile(0.99).as_secs_f64() * 1e6,
    );
    Ok(())
}

/// Prints an artifact generated from the catalogue.
fn emit(what: Option<&str>) -> ExitCode {
    let vitals = match Vitals::builder()
        .logging(false)
        .serve_metrics(false)
        .install()
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("kvstore: {e}");
            return ExitCode::FAILURE;
        }
    };
    let catalogue = vitals.catalogue();
    match what {
        Some("rules") => print!("{}", catalogue.prometheus_rules(&kvstore::rules_options())),
        Some("dashboard") => print!("{}", catalogue.grafana_dashboard("kvstore")),
        Some("docs") => print!("{}", catalogue.markdown_reference()),
        other => {
            eprintln!("kvstore: --emit takes rules, dashboard or docs, not {other:?}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
