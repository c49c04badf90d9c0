//! Exemplars with a real Prometheus (Debian's 2.42, `--enable-feature=exemplar-storage`): it
//! scrapes `/metrics` in OpenMetrics, and `/api/v1/query_exemplars` returns, for the bucket a
//! known slow call landed in, that call's span id (the one its log line carries), its duration
//! and its time; and for the error counter the call failed with, the same span id. Negative
//! control: a site called outside any span has no exemplar.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::prometheus::{exemplars, ready, start_config, stored_exemplars};
use serde_json::Value;
use vitalsign::{ErrorCode, Vitals, instrumented};

#[derive(Debug, ErrorCode)]
enum LookupError {
    #[error_code("timed_out")]
    TimedOut,
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("timed out")
    }
}

/// A slow lookup that fails: its log line tells the span id the exemplar must carry.
#[instrumented(namespace = "ex", name = "lookups", fields(key = key))]
fn lookup(key: u32) -> Result<(), LookupError> {
    std::thread::sleep(Duration::from_millis(30));
    Err(LookupError::TimedOut)
}

/// A call with no span of its own, made outside any span.
#[instrumented(namespace = "ex", name = "plain")]
fn plain(n: u32) -> Result<u32, LookupError> {
    Ok(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_stores_the_exemplar_of_a_known_call() {
    let logs = vitalsign::logging::MemoryWriter::new();
    let vitals = Vitals::builder()
        .bind_addr("127.0.0.1:0")
        .log_format(vitalsign::logging::LogFormat::Json)
        .log_output(vitalsign::logging::LogOutput::Memory(logs.clone()))
        .install()
        .expect("install");
    let target = common::serve(&vitals).await;
    let _ = lookup(7);
    for n in 0..10 {
        let _ = plain(n);
    }
    vitals.flush_logs();
    let line: Value = logs
        .contents()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "call failed" && l["op"] == "lookup")
        .unwrap_or_else(|| panic!("no log line of the call: {}", logs.contents()));
    let span_id = line["span_id"]
        .as_str()
        .expect("the line's span id")
        .to_owned();

    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: ex\n    \
         static_configs:\n      - targets: ['{target}']\n"
    );
    let Some(prom) = start_config(
        "exemplars_e2e",
        &config,
        &["--enable-feature=exemplar-storage"],
    ) else {
        return;
    };
    ready(prom.addr).await;
    let stored = stored_exemplars(prom.addr, "ex_lookups_duration_seconds_bucket").await;
    assert_eq!(stored.len(), 1, "one bucket saw a call: {stored:#?}");
    let series = &stored[0];
    let le: f64 = series["seriesLabels"]["le"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let exemplar = &series["exemplars"][0];
    let value: f64 = exemplar["value"].as_str().unwrap().parse().unwrap();
    assert_eq!(exemplar["labels"]["span_id"], span_id.as_str(), "{series}");
    assert!(
        (0.03..0.5).contains(&value) && value <= le,
        "{value} in le={le}: {series}"
    );
    let at = exemplar["timestamp"].as_f64().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - 120.0..=now).contains(&at), "{at} vs {now}");
    common::say(&format!(
        "exemplar of le={le}: span_id {span_id}, {value} s, as the log line says"
    ));

    // The error counter carries the same call, with the increment as its value.
    let stored = stored_exemplars(prom.addr, "ex_lookups_errors_total").await;
    let exemplar = &stored[0]["exemplars"][0];
    assert_eq!(
        exemplar["labels"]["span_id"],
        span_id.as_str(),
        "{stored:#?}"
    );
    assert_eq!(exemplar["value"], "1", "{stored:#?}");
    assert_eq!(stored[0]["seriesLabels"]["code"], "timed_out");

    // Scrapes have passed; the site without a span still has no exemplar.
    assert!(
        exemplars(prom.addr, "ex_plain_duration_seconds_bucket")
            .await
            .is_empty(),
        "a call outside any span has no exemplar"
    );
}
