//! Logging never blocks the caller. A child process (this test binary, run again) logs JSON to
//! a standard output that its parent never reads, from several threads, in a loop of failing
//! instrumented calls and application lines: once the pipe is full, every line it writes would
//! wait forever if writes were synchronous. It must finish, and count what it dropped. And on a
//! clean exit, the lines still queued reach the output: none is lost.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vitalsign::logging::{LogFormat, LogOutput};
use vitalsign::{ErrorCode, Vitals, instrumented};

/// Set in the child: which part it plays.
const ROLE: &str = "VITALSIGN_TEST_LOGGING_ROLE";

#[derive(Debug, ErrorCode)]
enum Failure {
    Stalled,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the disk is slow")
    }
}

#[instrumented(namespace = "stall", name = "writes", log = "all")]
fn write(i: u64) -> Result<u64, Failure> {
    if i.is_multiple_of(2) {
        Err(Failure::Stalled)
    } else {
        Ok(i)
    }
}

fn install() -> Vitals {
    Vitals::builder()
        .log_format(LogFormat::Json)
        .log_output(LogOutput::Stdout)
        .log_level("debug")
        .serve_metrics(false)
        .install()
        .expect("install")
}

/// The child's part: log a lot from four threads, then report on standard error.
fn child(role: &str) {
    let vitals = install();
    let started = Instant::now();
    match role {
        "flood" => {
            std::thread::scope(|s| {
                for t in 0..4_u64 {
                    s.spawn(move || {
                        for i in 0..50_000 {
                            let _ = write(t * 1_000_000 + i);
                            tracing::info!(
                                thread = t,
                                i,
                                "an application line, {}",
                                "x".repeat(100)
                            );
                        }
                    });
                }
            });
        }
        _ => {
            for i in 0..2_000 {
                tracing::info!(i, "line");
            }
        }
    }
    let elapsed = started.elapsed();
    let dropped = common::parse(&vitals.render())
        .unwrap()
        .value("stall_log_lines_dropped_total", &[])
        .unwrap_or(-1.0);
    vitals.flush_logs();
    eprintln!("elapsed_ms={} dropped={dropped}", elapsed.as_millis());
    // Out now: the test harness would print its result to the full pipe and wait on it.
    std::process::exit(0);
}

fn run_child(role: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_role_of_a_child_process",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(ROLE, role)
        .env(common::KEEP_ENVIRONMENT, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Not a test of its own: the entry point of the child processes the tests below start.
#[test]
fn the_role_of_a_child_process() {
    if let Ok(role) = std::env::var(ROLE) {
        child(&role);
    }
}

fn report(stderr: &str, key: &str) -> f64 {
    stderr
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {stderr}"))
        .parse()
        .unwrap()
}

#[test]
fn a_stdout_nobody_reads_does_not_stall_the_callers() {
    let mut child = run_child("flood");
    // Its stdout is never read: the pipe fills after 64 KiB.
    let _stdout = child.stdout.take();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child is stuck writing to a full pipe");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{stderr}");
    let dropped = report(&stderr, "dropped");
    assert!(
        dropped > 1_000.0,
        "lines that found the queue full were dropped and counted: {stderr}"
    );
}

#[test]
fn queued_lines_are_written_on_a_clean_exit() {
    let mut child = run_child("exit");
    // Read on a thread of its own, so that a child that never exits fails the wait below.
    let mut pipe = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut stdout = String::new();
        let _ = pipe.read_to_string(&mut stdout);
        stdout
    });
    let status = common::wait_within(&mut child, common::CHILD_LIMIT);
    assert!(status.success());
    let stdout = reader.join().unwrap();
    let lines = stdout
        .lines()
        .filter(|l| l.contains("\"message\":\"line\""))
        .count();
    assert_eq!(
        lines, 2_000,
        "every line queued before the flush is written"
    );
}
