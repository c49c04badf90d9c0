//! The files generated from the example's catalogue (`docs/generated/`) are up to date, the
//! rules pass `promtool check rules` and their unit tests (`promtool test rules`), and every
//! dashboard query is valid PromQL.

mod common;

use vitalsign::Vitals;

fn vitals() -> Vitals {
    Vitals::installed().unwrap_or_else(|| {
        Vitals::builder()
            .logging(false)
            .serve_metrics(false)
            .install()
            .expect("install")
    })
}

fn checked_in(name: &str, generated: &str) {
    let path = format!("docs/generated/{name}");
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(
        on_disk == generated,
        "{path} is out of date: regenerate it with `cargo run -p kvstore -- --emit ...` (see docs/operations.md)"
    );
}

#[test]
fn generated_files_match_the_code() {
    // kvstore's own functions are linked into this test through its library.
    let _ = kvstore::rules_options;
    let catalogue = vitals().catalogue().clone();
    assert!(
        catalogue.sites().iter().any(|s| s.function() == "get"),
        "kvstore's catalogue is linked"
    );
    checked_in(
        "kvstore-rules.yaml",
        &catalogue.prometheus_rules(&kvstore::rules_options()),
    );
    checked_in(
        "kvstore-dashboard.json",
        &catalogue.grafana_dashboard("kvstore"),
    );
    checked_in("kvstore-metrics.md", &catalogue.markdown_reference());
}

#[test]
fn rules_pass_promtool_and_their_unit_tests() {
    common::promtool_ok(&["check", "rules", "docs/generated/kvstore-rules.yaml"]);
    common::promtool_ok(&["test", "rules", "docs/generated/kvstore-rules.test.yaml"]);
}

#[test]
fn dashboard_queries_are_valid_promql() {
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("docs/generated/kvstore-dashboard.json").unwrap(),
    )
    .unwrap();
    let vars: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(vars, ["datasource", "job", "instance", "op"]);
    let panels = dashboard["panels"].as_array().unwrap();
    assert!(panels.len() >= 8);
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let mut n = 0;
    for panel in panels {
        assert_eq!(panel["datasource"]["uid"], "${datasource}");
        assert!(panel["gridPos"]["w"].as_u64().is_some());
        for target in panel["targets"].as_array().unwrap() {
            // Grafana's own variable becomes a plain duration; `$job`, `$instance` and `$op`
            // sit inside regex strings and are valid as they are.
            let expr = target["expr"]
                .as_str()
                .unwrap()
                .replace("$__rate_interval", "5m");
            // No query pins a job: the service may be scraped under any job name.
            assert!(!expr.contains("job=\""), "{expr}");
            n += 1;
            rules.push_str(&format!(
                "      - record: dashboard:query_{n}\n        expr: {}\n",
                serde_json::to_string(&expr).unwrap()
            ));
        }
    }
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for wanted in [
        "kvstore_requests: calls per second by op",
        "kvstore_requests: latency p50 / p95 / p99",
        "Process CPU",
    ] {
        assert!(titles.contains(&wanted), "{wanted} in {titles:?}");
    }
    let path = std::env::temp_dir().join(format!(
        "vitalsign-dashboard-{}.rules.yaml",
        std::process::id()
    ));
    std::fs::write(&path, rules).unwrap();
    common::promtool_ok(&["check", "rules", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(path);
}

#[test]
fn reference_lists_every_family_with_its_source() {
    let text = std::fs::read_to_string("docs/generated/kvstore-metrics.md").unwrap();
    for row in [
        "| `kvstore_requests_total` | counter | `op` |",
        "| `kvstore_requests_duration_seconds` | histogram | `op`, `le` | seconds |",
        "| `kvstore_health_check_status` | gauge | `check` |",
        "| `process_resident_memory_bytes` | gauge |  | bytes |",
    ] {
        assert!(text.contains(row), "missing {row}");
    }
    assert!(
        text.contains("`examples/kvstore/src/store.rs:"),
        "source locations"
    );
}
