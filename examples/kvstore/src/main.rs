//! `kvstore serve` runs the database with `/metrics`; `kvstore load` drives traffic at it.

use std::net::SocketAddr;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kvstore::{load, server};
use vitalsign::Vitals;
use vitalsign::health::builtin::ProcessMemory;
use vitalsign::health::{CheckSpec, Kind};
use vitalsign::logging::LogFormat;

/// A small key-value database over TCP, instrumented end to end with vitalsign.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a command: run the database, as `serve` does.
    #[command(flatten)]
    serve: ServeArgs,
    /// Print the Prometheus alerting rules, the Grafana dashboard or the metric reference
    /// generated from the metric catalogue (docs/generated/ holds them).
    #[arg(long, value_enum, value_name = "WHAT")]
    emit: Option<Emit>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the database and its /status page, /metrics, /health and /stats.
    Serve(ServeArgs),
    /// Send a seeded mix of commands, some failing on purpose, and print what came back.
    Load(LoadArgs),
    /// Send GETs and SETs only (3:1, every key present) and print the throughput and the
    /// round-trip quantiles: the end-to-end benchmark's load (benches/end-to-end).
    LoadGetSet(LoadArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address of the database protocol.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    listen: SocketAddr,
    /// Address of /status, /metrics, /health and /stats.
    #[arg(long, value_name = "ADDR", default_value = vitalsign::DEFAULT_BIND_ADDR)]
    metrics: SocketAddr,
    /// Directory of the write-ahead log [default: kvstore-data in the temporary directory].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Also drive a light mixed load at it, so that /metrics has data at once.
    #[arg(long)]
    demo_load: bool,
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// Address of the database.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
    /// Requests to send.
    #[arg(long, value_name = "N")]
    requests: Option<usize>,
    /// Connections to send them over.
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Emit {
    Rules,
    Dashboard,
    Docs,
}

fn main() -> ExitCode {
    // Usage errors, --help and --version are clap's: printed with the usage, exit status 2.
    let cli = Cli::parse();
    if let Some(what) = cli.emit {
        return emit(what);
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = match cli.command {
        Some(Command::Load(args)) => runtime.block_on(run_load(args)),
        Some(Command::LoadGetSet(args)) => runtime.block_on(run_get_set(args)),
        Some(Command::Serve(args)) => runtime.block_on(serve(args)),
        None => runtime.block_on(serve(cli.serve)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A failure while running is no usage error: the message alone.
            eprintln!("kvstore: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = server::Config {
        listen: args.listen,
        ..server::Config::default()
    };
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    let (metrics, demo_load) = (args.metrics, args.demo_load);
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
        status_page = %format_args!("http://{}/status", running.metrics_addr),
        health_addr = running.health_addr.map(|a| a.to_string()),
        data_dir = %config.data_dir.display(),
        "kvstore started: a status page on /status, metrics on /metrics, health on /health"
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
    // SIGTERM too: it is how orchestrators stop a process, and the WAL must be flushed then.
    vitalsign::shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    tracing::info!("stopped");
    // The log lines still queued for standard output, written before the process exits.
    vitals.flush_logs();
    Ok(())
}

async fn run_load(args: LoadArgs) -> Result<(), String> {
    let (addr, requests, concurrency) =
        (args.addr, args.requests.unwrap_or(10_000), args.concurrency);
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

async fn run_get_set(args: LoadArgs) -> Result<(), String> {
    let (addr, requests, concurrency) = (
        args.addr,
        args.requests.unwrap_or(100_000),
        args.concurrency,
    );
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
fn emit(what: Emit) -> ExitCode {
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
        Emit::Rules => print!("{}", catalogue.prometheus_rules(&kvstore::rules_options())),
        Emit::Dashboard => print!("{}", catalogue.grafana_dashboard("kvstore")),
        Emit::Docs => print!("{}", catalogue.markdown_reference()),
    }
    ExitCode::SUCCESS
}
