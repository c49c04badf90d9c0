//! JSON log lines, captured through a writer and parsed line by line: failed and slow calls,
//! span flattening, reserved-key collisions, hostile strings, the `log` bridge, the events
//! counter, and silence for fast successful calls.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use vitalsign::logging::{LogFormat, LogOutput, MemoryWriter};
use vitalsign::{ErrorCode, Vitals, instrumented};

fn logs() -> &'static MemoryWriter {
    static LOGS: OnceLock<MemoryWriter> = OnceLock::new();
    LOGS.get_or_init(MemoryWriter::new)
}

fn vitals() -> &'static Vitals {
    static V: OnceLock<Vitals> = OnceLock::new();
    V.get_or_init(|| {
        // SAFETY: runs once, before any test thread reads the environment: this binary's tests
        // all wait on this `OnceLock` first. An outer `RUST_LOG` would override the level the
        // assertions below depend on.
        unsafe { std::env::remove_var("RUST_LOG") };
        Vitals::builder()
            .namespace("logt")
            .service("kvtest")
            .version("9.9.9")
            .log_format(LogFormat::Json)
            .log_level("debug")
            .log_output(LogOutput::Memory(logs().clone()))
            .install()
            .expect("install")
    })
}

/// Every line written so far, each parsed as one JSON object (a line that is not is a failure).
fn lines() -> Vec<Value> {
    logs()
        .contents()
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object: {e}: {l:?}"))
        })
        .collect()
}

fn with_op(op: &str) -> Vec<Value> {
    lines().into_iter().filter(|l| l["op"] == op).collect()
}

#[derive(Debug, thiserror::Error, ErrorCode)]
enum StoreError {
    #[error("key {0:?} not found")]
    NotFound(String),
}

#[instrumented(namespace = "logt", name = "requests")]
fn fails(key: &str) -> Result<u8, StoreError> {
    Err(StoreError::NotFound(key.to_owned()))
}

#[instrumented(namespace = "logt", name = "requests")]
fn quiet(x: u8) -> Result<u8, StoreError> {
    Ok(x)
}

#[instrumented(namespace = "logt", name = "silenced", log = "off")]
fn silenced() -> Result<u8, StoreError> {
    Err(StoreError::NotFound("x".into()))
}

#[instrumented(namespace = "logt", name = "chatty", log = "all")]
fn chatty() -> u8 {
    1
}

#[instrumented(namespace = "logt", name = "slow_calls", slow = "20ms")]
fn sometimes_slow(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[instrumented(namespace = "logt", name = "spanned", log_level = "error", fields(instance_id = %id, table = ?table))]
async fn apply_event(id: &str, table: &str) -> Result<(), StoreError> {
    tracing::info!(step = "validated", "applying event");
    Err(StoreError::NotFound(id.to_owned()))
}

#[test]
fn failed_call_logs_one_line_with_op_code_duration_and_error() {
    vitals();
    fails("order-001").unwrap_err();
    let lines = with_op("fails");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let l = &lines[0];
    assert_eq!(l["level"], "WARN");
    assert_eq!(l["message"], "call failed");
    assert_eq!(
        l["target"], "logging",
        "the line's target is the user's module"
    );
    assert_eq!(l["code"], "not_found");
    assert_eq!(l["class"], "failure", "the code's class rides along");
    assert_eq!(l["error"], "key \"order-001\" not found");
    assert!(l["duration_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        (l["service"].as_str(), l["version"].as_str()),
        (Some("kvtest"), Some("9.9.9"))
    );
    let ts = l["timestamp"].as_str().unwrap();
    assert!(
        humantime::parse_rfc3339(ts).is_ok() && ts.ends_with('Z') && ts.contains('.'),
        "{ts}"
    );
    // The first keys are the line's own, in this order.
    let keys: Vec<&str> = l
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .take(4)
        .collect();
    assert_eq!(keys, ["timestamp", "level", "target", "message"]);
}

#[test]
fn fast_successful_calls_and_log_off_write_nothing() {
    vitals();
    for i in 0..100 {
        quiet(i).unwrap();
    }
    silenced().unwrap_err();
    assert!(with_op("quiet").is_empty());
    assert!(with_op("silenced").is_empty());
    // log = "all" writes successful calls too, at DEBUG.
    chatty();
    let lines = with_op("chatty");
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0]["level"].as_str(), lines[0]["message"].as_str()),
        (Some("DEBUG"), Some("call completed"))
    );
}

#[test]
fn slow_calls_log_the_threshold() {
    vitals();
    // A 1 ms sleep can take over 20 ms on a busy machine; then that call is slow for real and
    // logged too. What is checked is that exactly the calls that took 20 ms or more log.
    let started = std::time::Instant::now();
    sometimes_slow(1);
    let fast_was_slow = started.elapsed() >= Duration::from_millis(20);
    sometimes_slow(40);
    let lines = with_op("sometimes_slow");
    assert_eq!(
        lines.len(),
        1 + usize::from(fast_was_slow),
        "only the slow call: {lines:#?}"
    );
    let l = lines.last().unwrap();
    assert_eq!(
        (l["level"].as_str(), l["message"].as_str()),
        (Some("WARN"), Some("slow call"))
    );
    assert_eq!(l["threshold_ms"], 20.0);
    assert!(l["duration_ms"].as_f64().unwrap() >= 40.0);
}

#[tokio::test]
async fn spans_flatten_innermost_first() {
    vitals();
    let request = tracing::info_span!("request", request_id = 7, table = "from_outer_span");
    let _ = tracing::Instrument::instrument(apply_event("order-9", "orders"), request).await;
    let lines = with_op("apply_event");
    // The body's own line and the failure line, both inside the call's span.
    assert_eq!(lines.len(), 2, "{lines:#?}");
    for l in &lines {
        assert_eq!(l["span"], "apply_event");
        assert_eq!(l["instance_id"], "order-9", "a `%` field is Display");
        assert_eq!(
            l["table"], "\"orders\"",
            "a `?` field is Debug; the innermost span wins"
        );
        assert_eq!(l["request_id"], 7, "outer span fields reach inner lines");
        assert_eq!(l["span_id"].as_str().unwrap().len(), 16);
    }
    assert_eq!(lines[0]["message"], "applying event");
    assert_eq!(lines[0]["step"], "validated");
    assert_eq!(
        (lines[1]["message"].as_str(), lines[1]["level"].as_str()),
        (Some("call failed"), Some("ERROR"))
    );
}

#[test]
fn reserved_keys_are_kept_under_a_prefix() {
    vitals();
    tracing::info!(
        case = "reserved",
        timestamp = "forged",
        level = "FAKE",
        target = "elsewhere",
        "real message"
    );
    let l = lines()
        .into_iter()
        .find(|l| l["case"] == "reserved")
        .unwrap();
    assert_eq!(l["level"], "INFO");
    assert_eq!(l["field_level"], "FAKE");
    assert_eq!(l["field_timestamp"], "forged");
    assert_eq!(l["field_target"], "elsewhere");
    assert_eq!(l["message"], "real message");
    assert_ne!(l["timestamp"], "forged");
}

#[test]
fn hostile_strings_cannot_break_or_forge_lines() {
    vitals();
    let forged = "x\"}\n{\"level\":\"ERROR\",\"message\":\"forged\"}";
    let nul = "a\u{0}b\u{1b}[31mc\r\td";
    let lossy = String::from_utf8_lossy(&[0x66, 0x6f, 0xff, 0xfe, 0x6f]).into_owned();
    tracing::warn!(case = "hostile", forged, nul, lossy = %lossy, quote = "\"}{\"", "message with \"quotes\"\nand a newline");
    // `lines()` parses every line as JSON: a broken line fails there. (Other tests of this
    // binary log concurrently, so lines are found by content, not counted.)
    let all = lines();
    assert_eq!(
        all.iter().filter(|l| l["case"] == "hostile").count(),
        1,
        "exactly one line for one event"
    );
    let l = all.iter().find(|l| l["case"] == "hostile").unwrap();
    assert_eq!(l["forged"], forged);
    assert_eq!(l["nul"], nul);
    assert_eq!(l["lossy"], "fo\u{fffd}\u{fffd}o");
    assert_eq!(l["quote"], "\"}{\"");
    assert_eq!(l["message"], "message with \"quotes\"\nand a newline");
    assert!(all.iter().all(|l| l["message"] != "forged"));
}

#[test]
fn log_crate_records_arrive_too() {
    vitals();
    log::warn!(target: "legacy_db", "from the log crate");
    let l = lines()
        .into_iter()
        .find(|l| l["message"] == "from the log crate")
        .expect("bridged");
    assert_eq!(
        (l["level"].as_str(), l["target"].as_str()),
        (Some("WARN"), Some("legacy_db"))
    );
}

#[test]
fn events_are_counted_by_level() {
    vitals();
    tracing::error!(case = "counted", "an error");
    let s = common::parse(&vitals().render()).unwrap();
    assert!(s.get("logt_log_events_total", &[("level", "error")]) >= 1.0);
    assert_eq!(
        s.families["logt_log_events_total"].kind.as_deref(),
        Some("counter")
    );
    assert!(
        s.value("logt_log_events_total", &[("level", "trace")])
            .is_some(),
        "every level has a series"
    );
}

#[instrumented(namespace = "logt", name = "bursts")]
fn bursty() -> Result<(), StoreError> {
    Err(StoreError::NotFound("burst".into()))
}

#[test]
fn a_burst_of_failures_is_rate_limited_and_the_dropped_counted() {
    vitals();
    const BURST: usize = 1_000;
    let started = std::time::Instant::now();
    for _ in 0..BURST {
        bursty().unwrap_err();
    }
    // The limiter counts whole seconds, so a burst may straddle two of them (or more, on a
    // machine stalled mid-burst): at most 100 lines for each second it touched.
    let seconds_touched = started.elapsed().as_secs() as usize + 2;
    let written = with_op("bursty").len();
    assert!(
        (1..=100 * seconds_touched).contains(&written) && written < BURST,
        "at most 100 lines a second per call site, got {written} in {seconds_touched} s"
    );
    std::thread::sleep(Duration::from_millis(1100));
    bursty().unwrap_err();
    let lines = with_op("bursty");
    assert_eq!(lines.len(), written + 1, "a new second writes again");
    // Every dropped line is reported on a later line, once.
    let reported: u64 = lines.iter().filter_map(|l| l["suppressed"].as_u64()).sum();
    assert_eq!(reported, (BURST - written) as u64, "{:#?}", lines.last());
    // Every failure is still counted in the metrics.
    let s = common::parse(&vitals().render()).unwrap();
    assert_eq!(
        s.get(
            "logt_bursts_errors_total",
            &[
                ("op", "bursty"),
                ("code", "not_found"),
                ("class", "failure")
            ]
        ),
        (BURST + 1) as f64
    );
}

#[test]
fn non_finite_numbers_are_written_as_strings() {
    vitals();
    tracing::info!(
        case = "non_finite",
        ratio = f64::NAN,
        ceiling = f64::INFINITY,
        floor = f64::NEG_INFINITY,
        plain = 0.5,
        "odd numbers"
    );
    let line = lines()
        .into_iter()
        .find(|l| l["case"] == "non_finite")
        .expect("the line is valid JSON");
    assert_eq!(line["ratio"], "NaN");
    assert_eq!(line["ceiling"], "inf");
    assert_eq!(line["floor"], "-inf");
    assert_eq!(line["plain"], 0.5);
}

/// Named `find_user`, counted under `op="lookup"`: its lines and span say `lookup` too.
#[instrumented(namespace = "logt", name = "users", labels(op = "lookup"), fields(id = %id))]
fn find_user(id: u32) -> Result<u8, StoreError> {
    tracing::info!("looking up");
    Err(StoreError::NotFound(id.to_string()))
}

#[test]
fn log_lines_and_spans_carry_the_metric_op() {
    let vitals = vitals();
    let _ = find_user(3);
    let lines = with_op("lookup");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    for l in &lines {
        assert_eq!(l["span"], "lookup", "{l}");
    }
    assert_eq!(lines[1]["message"], "call failed");
    assert!(with_op("find_user").is_empty());
    let s = common::parse(&vitals.render()).unwrap();
    assert_eq!(s.get("logt_users_total", &[("op", "lookup")]), 1.0);
}
