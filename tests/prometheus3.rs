//! Prometheus 3 conformance, held here because Prometheus 3 itself cannot be installed (Debian
//! ships 2.42): what the example serves on `/metrics` follows the rules Prometheus 3 applies,
//! and the generated rules select the series Prometheus 3 stores.
//!
//! - Every `le` value is in the form Prometheus 3 rewrites it to on ingestion
//!   (`FormatOpenMetricsFloat`), checked here against the definition, not against vitalsign's
//!   own formatter.
//! - OpenMetrics carries a `_created` sample right after each counter's `_total` and each
//!   histogram's `_count`, stable from one scrape to the next; the 0.0.4 text has none.
//! - The content type answers the `Accept` header Prometheus 2.42 and 3.x send, naming the
//!   version and, from 1.0.0 on, the escaping.
//! - A strict third-party parser (Python's `prometheus_client` OpenMetrics parser) reads the
//!   exposition whole.
//! - The burn-rate alert of a 1 s and of a 50 µs latency objective fires on input series
//!   written as Prometheus 3 stores them; fed the text Prometheus 2 stored before this form
//!   (`le="1"`), the same promtool test fails, which is the defect the form fixes.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use kvstore::{load, server};
use vitalsign::{RulesOptions, Vitals, instrumented};

/// A read with a 1 s latency objective: Prometheus 3 stores its bucket as `le="1.0"`.
#[instrumented(
    namespace = "pthree",
    name = "reads",
    labels(op = "slow_read"),
    slo(latency = "1s", latency_target = 99.0)
)]
fn slow_read() {}

/// A lookup with a 50 µs objective: Prometheus 3 stores its bucket as `le="5e-05"`.
#[instrumented(
    namespace = "pthree",
    name = "lookups",
    labels(op = "fast_lookup"),
    buckets = [0.00005, 0.001],
    slo(latency = "50us", latency_target = 99.0)
)]
fn fast_lookup() {}

/// The `Accept` headers scrapers send, and the content type each must be answered with. The
/// 3.x headers are those of its scrape content negotiation: every protocol of
/// `scrape_protocols` in order, qualities falling from 0.6, `escaping` on the text formats of
/// version 1.0.0, and `*/*` last.
const ACCEPTS: [(&str, Option<&str>, &str); 6] = [
    (
        "no Accept header",
        None,
        "text/plain; version=0.0.4; charset=utf-8",
    ),
    (
        "Prometheus 2.42",
        Some(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        ),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores",
    ),
    (
        "Prometheus 3.x, default scrape_protocols",
        Some(
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
        ),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores",
    ),
    (
        "Prometheus 3.x with native histograms (PrometheusProto first)",
        Some(
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
        ),
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
    ),
    (
        "Prometheus 3.x, scrape_protocols: [PrometheusText1.0.0]",
        Some("text/plain;version=1.0.0;escaping=underscores;q=0.6,*/*;q=0.5"),
        "text/plain; version=1.0.0; charset=utf-8; escaping=underscores",
    ),
    (
        "Prometheus 3.x, scrape_protocols: [PrometheusText0.0.4]",
        Some("text/plain;version=0.0.4;q=0.6,*/*;q=0.5"),
        "text/plain; version=0.0.4; charset=utf-8",
    ),
];

/// `GET path` with `accept`: the content type and the body.
async fn get(addr: std::net::SocketAddr, path: &str, accept: Option<&str>) -> (String, Vec<u8>) {
    let (content_type, body) = common::get_accepting(addr, path, accept).await;
    (content_type, body.to_vec())
}

/// Whether `text` is what Prometheus 3 stores for the float it denotes, by the definition: Go's
/// shortest `'g'` form (the fewest digits that read back as the value; an exponent, signed and
/// of at least two digits, exactly when the decimal exponent is below -4 or at least 6), then
/// `.0` when there is neither `.` nor `e`.
fn is_canonical(text: &str) -> Result<(), String> {
    if text == "+Inf" || text == "-Inf" || text == "NaN" {
        return Ok(());
    }
    let value: f64 = text.parse().map_err(|e| format!("{text}: {e}"))?;
    if value == 0.0 {
        return (text == "0.0")
            .then_some(())
            .ok_or(format!("{text}: zero is `0.0`"));
    }
    // Rust's `{:e}` writes the shortest digits that read back, with the decimal exponent.
    let shortest = format!("{:e}", value.abs());
    let (digits, exponent) = shortest.split_once('e').unwrap();
    let digits: String = digits.replace('.', "");
    let exponent: i32 = exponent.parse().unwrap();
    let unsigned = text.trim_start_matches('-');
    if let Some((mantissa, exp)) = unsigned.split_once('e') {
        let ok = !(-4..6).contains(&exponent)
            && mantissa.replace('.', "") == digits
            && (exp.starts_with('+') || exp.starts_with('-'))
            && exp.len() >= 3
            && exp[1..]
                .parse::<i32>()
                .ok()
                .map(|e| if exp.starts_with('-') { -e } else { e })
                == Some(exponent);
        return ok.then_some(()).ok_or(format!("{text}: not Go's `e` form"));
    }
    if !(-4..6).contains(&exponent) {
        return Err(format!(
            "{text}: Prometheus 3 writes this value with an exponent"
        ));
    }
    let (int, frac) = unsigned.split_once('.').ok_or(format!("{text}: no `.`"))?;
    let int_ok = int == "0" || (!int.is_empty() && !int.starts_with('0'));
    // `.0` marks a whole number; any other fraction has no trailing zero.
    let frac_ok = if frac == "0" {
        value.fract() == 0.0
    } else {
        !frac.is_empty() && !frac.ends_with('0')
    };
    let written = format!("{int}{frac}");
    let written = written.trim_start_matches('0').trim_end_matches('0');
    if !(int_ok && frac_ok && written == digits.trim_end_matches('0')) {
        return Err(format!("{text}: not the shortest `%f` form"));
    }
    Ok(())
}

/// Every `le` value of a text exposition.
fn le_values(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("le=\"").map(|(_, rest)| rest))
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

#[test]
fn the_conformance_check_knows_the_canonical_form() {
    for good in [
        "1.0", "10.0", "5e-05", "0.0001", "0.005", "2.5", "1e+06", "123456.0", "+Inf",
    ] {
        assert_eq!(is_canonical(good), Ok(()), "{good}");
    }
    // What Rust's `Display`, and vitalsign before Prometheus 3, wrote.
    for bad in [
        "1", "10", "0.00005", "1000000", "1e6", "5e-5", "2.50", "1.00",
    ] {
        assert!(is_canonical(bad).is_err(), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_serves_what_prometheus_3_reads() {
    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .expect("install");
    slow_read();
    fast_lookup();
    let config = server::Config::temporary("prometheus3");
    let data_dir = config.data_dir.clone();
    let running = server::start(&config, &vitals).await.expect("start");
    load::run(running.db_addr, 300, 2, 5).await.expect("load");
    let addr = running.metrics_addr;

    let mut bodies = BTreeMap::new();
    for (who, accept, content_type) in ACCEPTS {
        let (served, body) = get(addr, "/metrics", accept).await;
        assert_eq!(served, content_type, "answering {who}");
        bodies.insert(who, body);
    }

    // Canonical `le` in both text formats; the lookups' 50 µs bound among them.
    for who in [
        "no Accept header",
        "Prometheus 3.x, default scrape_protocols",
    ] {
        let text = String::from_utf8(bodies[who].clone()).unwrap();
        let les = le_values(&text);
        assert!(les.iter().any(|l| l == "5e-05"), "{who}: {les:?}");
        assert!(les.iter().any(|l| l == "1.0"), "{who}: {les:?}");
        for le in &les {
            assert_eq!(is_canonical(le), Ok(()), "{who}");
        }
    }

    // `_created` follows each counter's `_total` and each histogram's `_count`, with the
    // same labels; never in the 0.0.4 text.
    let om = String::from_utf8(bodies["Prometheus 3.x, default scrape_protocols"].clone()).unwrap();
    let created = created_samples(&om);
    assert!(
        created.contains_key("kvstore_requests_created{op=\"get\"}"),
        "{om}"
    );
    assert!(
        created.contains_key("kvstore_requests_duration_seconds_created{op=\"get\"}"),
        "{om}"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    for (series, at) in &created {
        assert!(*at <= now && *at > now - 600.0, "{series} created at {at}");
    }
    let text = String::from_utf8(bodies["no Accept header"].clone()).unwrap();
    assert!(
        !text.contains("_created"),
        "no `_created` in the 0.0.4 text"
    );
    // Stable for the life of each series: a later scrape gives the same times.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (_, again) = get(addr, "/metrics", ACCEPTS[2].1).await;
    let again = created_samples(&String::from_utf8(again).unwrap());
    for (series, at) in &created {
        assert_eq!(again.get(series), Some(at), "{series}");
    }

    // A strict third-party parser reads the OpenMetrics exposition whole.
    python_parses(&om);

    // A second scrape job may take a subset of the families, as client_golang serves it.
    let (_, subset) = get(
        addr,
        "/metrics?name[]=kvstore_requests_total&name%5B%5D=kvstore_requests_duration_seconds",
        None,
    )
    .await;
    let subset = String::from_utf8(subset).unwrap();
    let families: Vec<&str> = subset
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .collect();
    assert_eq!(
        families,
        [
            "kvstore_requests_duration_seconds histogram",
            "kvstore_requests_total counter"
        ],
        "{subset}"
    );

    running.shutdown().await;
    let _ = std::fs::remove_dir_all(data_dir);
}

/// Every `_created` sample of an OpenMetrics text, by series, after checking that each sits
/// right after the `_total` of its counter or the `_count` of its histogram, with its labels,
/// and that every series of a counter or histogram family has one.
fn created_samples(om: &str) -> BTreeMap<String, f64> {
    let lines: Vec<&str> = om.lines().collect();
    let mut kinds = BTreeMap::new();
    for l in &lines {
        if let Some(rest) = l.strip_prefix("# TYPE ") {
            let (family, kind) = rest.split_once(' ').unwrap();
            kinds.insert(family.to_owned(), kind.to_owned());
        }
    }
    let series_of = |line: &str| line.rsplit_once(' ').unwrap().0.to_owned();
    let mut created = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with('#') {
            continue;
        }
        let name = l.split(['{', ' ']).next().unwrap();
        let labels = &series_of(l)[name.len()..];
        let family = |suffix: &str| name.strip_suffix(suffix).map(str::to_owned);
        let owner = match (family("_total"), family("_count")) {
            (Some(f), _) if kinds.get(&f).map(String::as_str) == Some("counter") => Some(f),
            (_, Some(f)) if kinds.get(&f).map(String::as_str) == Some("histogram") => Some(f),
            _ => None,
        };
        if let Some(f) = owner {
            let next = lines[i + 1];
            assert_eq!(
                series_of(next),
                format!("{f}_created{labels}"),
                "`_created` follows {l}"
            );
            let at: f64 = next.rsplit_once(' ').unwrap().1.parse().unwrap();
            created.insert(series_of(next), at);
        }
    }
    created
}

/// Parses `om` with Python's `prometheus_client` OpenMetrics parser, which rejects what the
/// specification does not allow; skipped outside CI where the package is not installed.
fn python_parses(om: &str) {
    let script = "import sys\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
        families = list(text_string_to_metric_families(sys.stdin.read()))\n\
        print(len(families), sum(len(f.samples) for f in families))\n";
    let found = std::process::Command::new("python3")
        .args(["-c", "import prometheus_client"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "Python's prometheus_client is required in CI"
        );
        common::skipped(
            "python_parses",
            "python3 -m pip install prometheus-client: the third-party parse did not run",
        );
        return;
    }
    let out = common::output_within(
        std::process::Command::new("python3").args(["-c", script]),
        om.as_bytes(),
        common::CHILD_LIMIT,
    );
    assert!(
        out.status.success(),
        "prometheus_client refused the exposition: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = String::from_utf8(out.stdout).unwrap();
    let families: usize = counts.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(
        families,
        om.matches("\n# TYPE ").count() + usize::from(om.starts_with("# TYPE "))
    );
}

/// A promtool unit test of the generated latency alerts, fed bucket series whose `le` is
/// written as `slow_le` and `fast_le`.
fn latency_rule_test(rules: &std::path::Path, slow_le: &str, fast_le: &str) -> String {
    let mut alerts = String::new();
    for (family, op, name) in [
        ("reads", "slow_read", "PthreeReadsSlowRead"),
        ("lookups", "fast_lookup", "PthreeLookupsFastLookup"),
    ] {
        alerts.push_str(&format!(
            "      - eval_time: 75m
        alertname: {name}LatencyBudgetBurnFast
        exp_alerts:
          - exp_labels: {{severity: critical}}
            exp_annotations:
              summary: \"pthree_{family}: {op} burns its error budget at a fast rate\"
              description: \"{op} on pthree spends its error budget (1.000% of calls may miss the objective) fast enough to exhaust it early.\"
              runbook_url: \"https://runbooks.example.com/{name}LatencyBudgetBurnFast\"
"
        ));
    }
    format!(
        "rule_files:
  - {rules}
evaluation_interval: 1m
tests:
  # Every call is slower than its objective: 10 calls a second, none in the objective's bucket.
  - interval: 1m
    input_series:
      - series: 'pthree_reads_duration_seconds_bucket{{op=\"slow_read\",le=\"{slow_le}\"}}'
        values: '0+0x80'
      - series: 'pthree_reads_duration_seconds_count{{op=\"slow_read\"}}'
        values: '0+600x80'
      - series: 'pthree_lookups_duration_seconds_bucket{{op=\"fast_lookup\",le=\"{fast_le}\"}}'
        values: '0+0x80'
      - series: 'pthree_lookups_duration_seconds_count{{op=\"fast_lookup\"}}'
        values: '0+600x80'
    alert_rule_test:
{alerts}",
        rules = rules.display()
    )
}

#[test]
fn slo_alerts_select_the_bucket_prometheus_3_stores() {
    if !common::promtool() {
        return;
    }
    let vitals = Vitals::installed().unwrap_or_else(|| {
        Vitals::builder()
            .logging(false)
            .serve_metrics(false)
            .install()
            .expect("install")
    });
    let rules = vitals
        .catalogue()
        .prometheus_rules(&RulesOptions::new("pthree"));
    assert!(rules.contains("le=\"1.0\""), "{rules}");
    assert!(rules.contains("le=\"5e-05\""), "{rules}");
    let dir = std::env::temp_dir().join(format!("vitalsign-pthree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules_path = dir.join("rules.yaml");
    std::fs::write(&rules_path, rules).unwrap();
    let run = |slow_le: &str, fast_le: &str| {
        let test = dir.join(format!("test-{slow_le}.yaml"));
        std::fs::write(&test, latency_rule_test(&rules_path, slow_le, fast_le)).unwrap();
        common::output_within(
            std::process::Command::new("promtool").args(["test", "rules", test.to_str().unwrap()]),
            b"",
            common::CHILD_LIMIT,
        )
    };
    // As Prometheus 3 stores the buckets (and vitalsign now serves them): both alerts fire.
    let canonical = run("1.0", "5e-05");
    assert!(
        canonical.status.success(),
        "{}{}",
        String::from_utf8_lossy(&canonical.stdout),
        String::from_utf8_lossy(&canonical.stderr)
    );
    // Negative control: the text vitalsign served before (Rust's `Display`), which Prometheus 3
    // never stores; the rules cannot see those buckets, so neither alert can fire.
    let old = run("1", "0.00005");
    let said =
        String::from_utf8_lossy(&old.stdout).into_owned() + &String::from_utf8_lossy(&old.stderr);
    assert!(!old.status.success(), "{said}");
    for alert in [
        "PthreeReadsSlowReadLatencyBudgetBurnFast",
        "PthreeLookupsFastLookupLatencyBudgetBurnFast",
    ] {
        assert!(said.contains(alert), "{alert} did not fire: {said}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
