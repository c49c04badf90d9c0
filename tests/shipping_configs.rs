//! The log-shipping examples in `docs/shipping/` parse, and read the fields our lines carry.

mod common;

use yaml_rust2::{Yaml, YamlLoader};

fn yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .remove(0)
}

#[test]
fn vector_toml_parses_and_reads_our_fields() {
    let text = std::fs::read_to_string("docs/shipping/vector.toml").unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    let remap = config["transforms"]["parse"]["source"].as_str().unwrap();
    assert!(remap.contains("parse_json!") && remap.contains(".timestamp"));
    let labels = config["sinks"]["loki"]["labels"].as_table().unwrap();
    assert_eq!(labels["level"].as_str(), Some("{{ level }}"));
    assert_eq!(labels["op"].as_str(), Some("{{ op }}"));
}

#[test]
fn promtail_yaml_parses_and_labels_bounded_fields() {
    let config = yaml("docs/shipping/promtail.yaml");
    let stages = &config["scrape_configs"][0]["pipeline_stages"];
    let json = &stages[0]["json"]["expressions"];
    for field in ["timestamp", "level", "op", "code"] {
        assert_eq!(json[field].as_str(), Some(field));
    }
    assert_eq!(
        stages[1]["timestamp"]["format"].as_str(),
        Some("RFC3339Nano")
    );
    let labels = stages[2]["labels"].as_hash().unwrap();
    assert!(
        labels
            .keys()
            .all(|k| ["level", "op", "code"].contains(&k.as_str().unwrap()))
    );
}

#[test]
fn fluentd_yaml_parses_as_json_lines() {
    let config = yaml("docs/shipping/fluentd.yaml");
    let parse = &config["config"][0]["source"]["parse"];
    assert_eq!(parse["$type"].as_str(), Some("json"));
    assert_eq!(parse["time_key"].as_str(), Some("timestamp"));
}
