//! Native histograms with a real Prometheus (Debian's 2.42, `--enable-feature=native-histograms`):
//! it asks for the protobuf exposition, stores a duration histogram as a native one, and
//! `histogram_quantile` over it falls in the same native bucket as each true quantile of a known
//! latency distribution that the test records. Nobody chose buckets:
//! the fixed ones (the defaults) would put the p99 of this distribution between 0.5 and 1 s.
//! Counters, gauges and a histogram that is not a duration come through the same protobuf
//! scrapes with their values, the last with its fixed buckets. The generated latency alert goes
//! pending on the native series, and a control rule that reads `_bucket` only does not.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::prometheus::{alerts, number, query, ready, start_config, stored_exemplars, wait_for};
use vitalsign::{Vitals, instrumented};

/// The schema the test asks for: each bucket 2^(1/8) times as wide as the one before.
const SCHEMA: i8 = 3;

/// A call site, so that a call's own duration histogram is shown native too; in a span of its
/// own, so that its calls leave exemplars.
#[instrumented(namespace = "nh", name = "queries", fields(n = n))]
fn run_query(n: u64) -> u64 {
    n.wrapping_mul(31)
}

/// `n` durations spread evenly on a log scale over 1 ms to 1 s: the q-quantile is
/// `1 ms * 1000^q`.
fn log_uniform(n: u32) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| 1e-3 * 1000_f64.powf((f64::from(i) + 0.5) / f64::from(n)))
}

async fn value(prom: SocketAddr, q: &str) -> Option<f64> {
    query(prom, q).await.first().map(number)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_reads_native_histograms_within_the_schemas_error() {
    // Logging on (into memory), so that spans have the ids exemplars carry.
    let vitals = Vitals::builder()
        .bind_addr("127.0.0.1:0")
        .log_output(vitalsign::logging::LogOutput::Memory(
            vitalsign::logging::MemoryWriter::new(),
        ))
        .native_histograms(true)
        .native_schema(SCHEMA)
        .install()
        .expect("install");
    let target = common::serve(&vitals).await;
    let latency = metrics::histogram!("nh_latency_seconds");
    // A first batch, so that Prometheus's first scrape already holds a native histogram.
    for v in log_uniform(1_000) {
        latency.record(v);
    }
    for n in 0..100 {
        std::hint::black_box(run_query(n));
    }
    // Every other kind of family travels in the same protobuf scrape.
    metrics::counter!("nh_things_total", "kind" => "a").increment(42);
    metrics::gauge!("nh_level").set(2.5);
    let payload = metrics::histogram!("nh_payload_bytes");
    payload.record(0.002);
    payload.record(2000.0);

    // The generated rules, with a p99 threshold every call exceeds: their latency alert must
    // read the native series (Prometheus 2.42 stores no `_bucket` for it).
    let mut options = vitalsign::RulesOptions::new("nh");
    options.latency_p99_seconds = 1e-9;
    let rules =
        std::env::temp_dir().join(format!("vitalsign-nh-rules-{}.yaml", std::process::id()));
    // Negative control: the same alert reading the fixed buckets only, which Prometheus 2.42
    // does not store for a native histogram.
    let control = "- name: control\n  rules:\n  - alert: NhBucketOnlyLatencyHigh\n    \
        expr: histogram_quantile(0.99, sum by (le) (rate(nh_queries_duration_seconds_bucket[5m]))) > 1e-9\n    \
        for: 10m\n";
    std::fs::write(
        &rules,
        vitals.catalogue().prometheus_rules(&options) + control,
    )
    .unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
         scrape_configs:\n  - job_name: nh\n    static_configs:\n      - targets: ['{target}']\n",
        rules.display()
    );
    let Some(prom) = start_config(
        "native_histograms_e2e",
        &config,
        &[
            "--enable-feature=native-histograms",
            "--enable-feature=exemplar-storage",
        ],
    ) else {
        return;
    };
    ready(prom.addr).await;
    // `histogram_count` reads native histograms only: a value means the series is native.
    wait_for(
        "Prometheus to store the native histogram",
        Duration::from_secs(30),
        async || value(prom.addr, "histogram_count(nh_latency_seconds)").await == Some(1000.0),
    )
    .await;

    // The distribution whose rate the quantiles are taken from, and more calls.
    for v in log_uniform(10_000) {
        latency.record(v);
    }
    for n in 0..100 {
        std::hint::black_box(run_query(n));
    }
    wait_for(
        "a scrape after the second batch",
        Duration::from_secs(30),
        async || value(prom.addr, "histogram_count(nh_latency_seconds)").await == Some(11_000.0),
    )
    .await;
    let bucket_growth = (-f64::from(SCHEMA)).exp2().exp2();
    // The native bucket a value falls in at the schema: `(growth^(k-1), growth^k]`.
    let bucket = |v: f64| (v.log2() * f64::from(SCHEMA).exp2()).ceil();
    for q in [0.5, 0.9, 0.99] {
        let truth = 1e-3 * 1000_f64.powf(q);
        let got = value(
            prom.addr,
            &format!("histogram_quantile({q}, rate(nh_latency_seconds[1m]))"),
        )
        .await
        .unwrap_or_else(|| panic!("no p{q}"));
        let error = (got - truth).abs() / truth;
        common::say(&format!(
            "p{q}: {got:.6} s from Prometheus, {truth:.6} s true: {:.2} % off (one bucket: {:.2} %)",
            error * 100.0,
            (bucket_growth - 1.0) * 100.0
        ));
        assert_eq!(
            bucket(got),
            bucket(truth),
            "p{q}: {got} vs {truth}: not in the true quantile's bucket"
        );
    }
    let sum = value(prom.addr, "histogram_sum(nh_latency_seconds)")
        .await
        .unwrap();
    let expected: f64 = log_uniform(1_000).chain(log_uniform(10_000)).sum();
    assert!(
        (sum - expected).abs() / expected < 1e-9,
        "{sum} vs {expected}"
    );

    // The call site's duration histogram is native too, with every call.
    let calls = value(prom.addr, "histogram_count(nh_queries_duration_seconds)").await;
    assert_eq!(calls, Some(200.0));

    // The generated latency alert reads it: pending (its `for:` is 10 minutes).
    wait_for(
        "the latency alert on the native series",
        Duration::from_secs(30),
        async || {
            alerts(prom.addr)
                .await
                .iter()
                .any(|a| a["labels"]["alertname"] == "NhQueriesLatencyHigh")
        },
    )
    .await;
    let firing: Vec<String> = alerts(prom.addr)
        .await
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        firing.iter().all(|a| a != "NhBucketOnlyLatencyHigh"),
        "the control reading `_bucket` only cannot see a native histogram: {firing:?}"
    );
    let _ = std::fs::remove_file(&rules);

    // Exemplars travel on the protobuf buckets: Prometheus keeps them for the native series.
    let stored = stored_exemplars(prom.addr, "nh_queries_duration_seconds").await;
    let span_id = &stored[0]["exemplars"][0]["labels"]["span_id"];
    assert!(
        span_id.as_str().is_some_and(|id| id.len() == 16),
        "an exemplar with a span id: {stored:#?}"
    );

    // The rest of the exposition, read from the same protobuf scrapes: a counter, a gauge, and
    // a histogram that is not a duration, which keeps its fixed buckets (`+Inf` from the count).
    for (q, expected) in [
        (r#"nh_things_total{kind="a"}"#, 42.0),
        ("nh_level", 2.5),
        ("nh_payload_bytes_count", 2.0),
        (r#"nh_payload_bytes_bucket{le="0.0025"}"#, 1.0),
        (r#"nh_payload_bytes_bucket{le="+Inf"}"#, 2.0),
    ] {
        assert_eq!(value(prom.addr, q).await, Some(expected), "{q}");
    }
    assert_eq!(
        value(prom.addr, "histogram_count(nh_payload_bytes)").await,
        None,
        "not a native histogram"
    );
}
