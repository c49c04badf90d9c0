//! The configuration file: errors name the key and the position; a valid file configures a
//! real install.

mod common;

use std::collections::HashMap;

use vitalsign::Vitals;
use vitalsign::config::{Config, Output};
use vitalsign::health::ShowDetails;
use vitalsign::logging::LogFormat;

#[test]
fn unknown_keys_name_the_key_and_line() {
    let e = Config::from_yaml("metrics:\n  bindaddr: 127.0.0.1:9090\n").unwrap_err();
    assert_eq!(e.key, "metrics.bindaddr");
    assert!(
        e.problem.contains("unknown field `bindaddr`") && e.problem.contains("line 2"),
        "{e}"
    );
    let e = Config::from_toml("[metrics]\nbindaddr = \"127.0.0.1:9090\"\n").unwrap_err();
    assert!(
        e.problem.contains("unknown field `bindaddr`") && e.problem.contains("line 2"),
        "{e}"
    );
    let e = Config::from_yaml("metric:\n  enabled: true\n").unwrap_err();
    assert!(e.problem.contains("unknown field `metric`"), "{e}");
}

#[test]
fn bad_values_name_the_key_and_line() {
    let e = Config::from_yaml("service: db\nmetrics:\n  bind_addr: localhost-9090\n").unwrap_err();
    assert_eq!(e.key, "metrics.bind_addr");
    assert!(
        e.problem.contains("line 3") && e.problem.contains("not an IP:port address"),
        "{e}"
    );
    // The rules of values the file used to pass on to `install()` now hold while it is read.
    for (yaml, key, words) in [
        (
            "metrics:\n  max_connections: 0\n",
            "metrics.max_connections",
            "at least 1",
        ),
        (
            "metrics:\n  auth_token: short\n",
            "metrics.auth_token",
            "16 characters",
        ),
        (
            "metrics:\n  default_buckets: [1, 0.5]\n",
            "metrics.default_buckets",
            "increasing",
        ),
        (
            "metrics:\n  global_labels: {az: ''}\n",
            "metrics.global_labels.az",
            "empty",
        ),
    ] {
        let e = Config::from_yaml(yaml).unwrap_err();
        assert_eq!(e.key, key, "{yaml}");
        assert!(
            e.problem.contains(words) && e.problem.contains("line 2"),
            "{e}"
        );
    }
    let e = Config::from_toml("service = \"db\"\n[metrics]\nbind_addr = \"localhost-9090\"\n")
        .unwrap_err();
    assert_eq!(e.key, "metrics.bind_addr");
    assert!(e.problem.contains("line 3"), "{e}");
    let e = Config::from_yaml("metrics:\n  global_labels:\n    Region: eu\n").unwrap_err();
    assert!(e.key.starts_with("metrics.global_labels"), "{e}");
    assert!(
        e.problem.contains("snake_case") && e.problem.contains("line 3"),
        "{e}"
    );
    let e = Config::from_yaml("logging:\n  format: xml\n").unwrap_err();
    assert_eq!(e.key, "logging.format");
    assert!(
        e.problem
            .contains("`xml` is not one of `auto`, `json`, `ecs`, `pretty`"),
        "{e}"
    );
    let e = Config::from_yaml("health:\n  status_codes:\n    degraded: 42\n").unwrap_err();
    assert_eq!(e.key, "health.status_codes.degraded");
    let e =
        Config::from_yaml("health:\n  disk:\n    - name: wal disk\n      path: /\n").unwrap_err();
    assert!(
        e.problem.contains("wal_disk"),
        "suggests the snake_case name: {e}"
    );
}

#[test]
fn environment_overrides_and_their_errors() {
    let env: HashMap<&str, &str> = [
        ("VITALSIGN_METRICS_BIND_ADDR", "127.0.0.1:9999"),
        ("VITALSIGN_METRICS_GLOBAL_LABELS", "region=eu-1, az=b"),
        ("VITALSIGN_LOGGING_LEVEL", "warn"),
    ]
    .into();
    let mut c = Config::from_yaml("metrics:\n  bind_addr: 127.0.0.1:1\n").unwrap();
    c.env_overrides(|k| env.get(k).map(|v| v.to_string()))
        .unwrap();
    assert_eq!(
        c.metrics.bind_addr.unwrap().0,
        "127.0.0.1:9999",
        "the environment wins over the file"
    );
    assert_eq!(c.metrics.global_labels.len(), 2);
    assert_eq!(c.logging.level.as_deref(), Some("warn"));

    let env: HashMap<&str, &str> = [
        ("VITALSIGN_SERVICE", "kv"),
        ("VITALSIGN_VERSION", "1.2.3"),
        ("VITALSIGN_NAMESPACE", "store"),
        ("VITALSIGN_METRICS_ENABLED", "false"),
        ("VITALSIGN_METRICS_AUTH_TOKEN", "s3cret-and-long-enough"),
        ("VITALSIGN_METRICS_MAX_CONNECTIONS", "7"),
        ("VITALSIGN_LOGGING_ENABLED", "false"),
        ("VITALSIGN_LOGGING_FORMAT", "ecs"),
        ("VITALSIGN_LOGGING_OUTPUT", "file"),
        ("VITALSIGN_LOGGING_DIRECTORY", "/var/log/kv"),
        ("VITALSIGN_HEALTH_SHOW_DETAILS", "always"),
    ]
    .into();
    let mut c = Config::default();
    c.env_overrides(|k| env.get(k).map(|v| v.to_string()))
        .unwrap();
    assert_eq!(c.service.as_deref(), Some("kv"));
    assert_eq!(c.version.as_deref(), Some("1.2.3"));
    assert_eq!(c.namespace.map(|n| n.0).as_deref(), Some("store"));
    assert_eq!(c.metrics.enabled, Some(false));
    assert_eq!(
        c.metrics.auth_token.map(|t| t.0).as_deref(),
        Some("s3cret-and-long-enough")
    );
    assert_eq!(c.metrics.max_connections.map(|m| m.0), Some(7));
    assert_eq!(c.logging.enabled, Some(false));
    assert_eq!(c.logging.format.map(|f| f.0), Some(LogFormat::Ecs));
    assert_eq!(c.logging.output.map(|o| o.0), Some(Output::File));
    assert_eq!(
        c.logging.directory.as_deref(),
        Some(std::path::Path::new("/var/log/kv"))
    );
    assert_eq!(
        c.health.show_details.map(|d| d.0),
        Some(ShowDetails::Always)
    );

    for (key, bad) in [
        ("VITALSIGN_NAMESPACE", "Bad-Namespace"),
        ("VITALSIGN_METRICS_GLOBAL_LABELS", "__reserved=x"),
        ("VITALSIGN_METRICS_GLOBAL_LABELS", "no_equals_sign"),
        ("VITALSIGN_METRICS_MAX_CONNECTIONS", "many"),
    ] {
        let e = Config::default()
            .env_overrides(|k| (k == key).then(|| bad.to_owned()))
            .unwrap_err();
        assert_eq!(e.key, key, "{bad}: {e}");
    }
    let mut c = Config::default();
    let e = c
        .env_overrides(|k| (k == "VITALSIGN_METRICS_BIND_ADDR").then(|| "nowhere".to_owned()))
        .unwrap_err();
    assert_eq!(e.key, "VITALSIGN_METRICS_BIND_ADDR");
    let e = c
        .env_overrides(|k| (k == "VITALSIGN_LOGGING_FORMAT").then(|| "xml".to_owned()))
        .unwrap_err();
    assert_eq!(e.key, "VITALSIGN_LOGGING_FORMAT");
}

#[tokio::test]
async fn a_yaml_file_configures_a_real_install() {
    let dir = std::env::temp_dir().join(format!("vitalsign-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vitalsign.yaml");
    std::fs::write(
        &path,
        r#"
service: kvstore
version: 2.0.0
namespace: kv
metrics:
  bind_addr: 127.0.0.1:0
  global_labels:
    region: eu-1
logging:
  enabled: false
health:
  show_details: always
  disk:
    - name: data_disk
      path: /
      degraded_below_ratio: 0.0
      unhealthy_below_ratio: 0.0
"#,
    )
    .unwrap();
    // Errors from a file name the file.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[metrics]\nbind_addr = 9090\n").unwrap();
    let err = Vitals::from_config_file(&bad)
        .install()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("metrics.bind_addr") && err.contains("bad.toml") && err.contains("line 2"),
        "{err}"
    );
    let err = Vitals::from_config_file(dir.join("vitalsign.ini"))
        .install()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read") || err.contains(".yaml, .yml or .toml"),
        "{err}"
    );
    // The code says port 1; the file says 0 and wins.
    let vitals = Vitals::from_config_file(&path)
        .bind_addr("127.0.0.1:1")
        .install()
        .expect("install");
    assert_eq!(vitals.bind_addr().port(), 0);
    let s = common::parse(&vitals.render()).unwrap();
    assert_eq!(
        s.get(
            "kv_build_info",
            &[
                ("region", "eu-1"),
                ("version", "2.0.0"),
                ("vitalsign_version", env!("CARGO_PKG_VERSION"))
            ]
        ),
        1.0
    );
    let report = vitals.health().report(vitalsign::health::Scope::All);
    assert_eq!(report.checks[0].spec.name, "data_disk");
    let _ = std::fs::remove_dir_all(dir);
}
