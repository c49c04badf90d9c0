//! Every `VITALSIGN_*` variable, through a real install: one child process per variable (an
//! install is once per process), each installing with the builder saying otherwise and checking
//! that the variable won, by what the process then serves or writes. The declared settings
//! (key, variable, builder method), the table in docs/operations.md and the cases here are
//! checked against each other, so a setting without its documented row, or a variable without
//! its case, fails here.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use vitalsign::config::Config;
use vitalsign::instrumented;

/// The variable each case sets, and its value.
const CASES: &[(&str, &str)] = &[
    ("VITALSIGN_SERVICE", "from-env"),
    ("VITALSIGN_VERSION", "9.8.7"),
    ("VITALSIGN_NAMESPACE", "envns"),
    ("VITALSIGN_METRICS_ENABLED", "false"),
    ("VITALSIGN_METRICS_BIND_ADDR", "127.0.0.1:0"),
    ("VITALSIGN_METRICS_GLOBAL_LABELS", "region=eu-1, az=b"),
    (
        "VITALSIGN_METRICS_AUTH_TOKEN",
        "a-token-from-the-environment",
    ),
    ("VITALSIGN_METRICS_MAX_CONNECTIONS", "1"),
    ("VITALSIGN_METRICS_MAX_CONNECTIONS_PER_CLIENT", "1"),
    ("VITALSIGN_HEALTH_BIND_ADDR", "127.0.0.1:0"),
    ("VITALSIGN_LOGGING_ENABLED", "false"),
    ("VITALSIGN_LOGGING_FORMAT", "ecs"),
    ("VITALSIGN_LOGGING_LEVEL", "warn"),
    ("VITALSIGN_LOGGING_OUTPUT", "stderr"),
    ("VITALSIGN_LOGGING_DIRECTORY", "(a temporary directory)"),
    ("VITALSIGN_HEALTH_SHOW_DETAILS", "never"),
    ("VITALSIGN_METRICS_DEFAULT_BUCKETS", "[0.001, 0.5]"),
    ("VITALSIGN_METRICS_MAX_SERIES_PER_FAMILY", "2"),
    ("VITALSIGN_METRICS_HEADER_READ_TIMEOUT", "200ms"),
    ("VITALSIGN_LOGGING_PREFIX", "envlog"),
    ("VITALSIGN_LOGGING_ROTATION", "never"),
    ("VITALSIGN_HEALTH_STATUS_CODES_HEALTHY", "299"),
    ("VITALSIGN_HEALTH_STATUS_CODES_DEGRADED", "298"),
    ("VITALSIGN_HEALTH_STATUS_CODES_UNHEALTHY", "597"),
    ("VITALSIGN_HEALTH_STATUS_CODES_UNKNOWN", "596"),
    ("VITALSIGN_HEALTH_DISK", "[{name: env_disk, path: /}]"),
    (
        "VITALSIGN_HEALTH_TCP",
        "[{name: env_tcp, address: '127.0.0.1:1'}]",
    ),
    ("VITALSIGN_HEALTH_MEMORY", "{name: env_memory}"),
    ("VITALSIGN_STATUS_ENABLED", "false"),
    ("VITALSIGN_STATUS_HISTORY", "10s"),
    ("VITALSIGN_STATUS_SAMPLE_EVERY", "2s"),
    ("VITALSIGN_METRICS_NATIVE_HISTOGRAMS", "true"),
    ("VITALSIGN_METRICS_NATIVE_SCHEMA", "-1"),
    ("VITALSIGN_METRICS_NATIVE_MAX_BUCKETS", "8"),
    ("VITALSIGN_METRICS_CREATED_TIMESTAMPS", "false"),
];

/// The child's side: set by the parent to the variable under test.
const CASE: &str = "ENV_VARIABLES_CASE";

#[test]
fn every_key_has_its_documented_variable_and_a_case() {
    let docs = std::fs::read_to_string("docs/operations.md").unwrap();
    // Rows of the configuration table: | `key` | `VARIABLE` | `.builder()` or — | default |
    let documented: BTreeSet<(String, String, Option<String>)> = docs
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let key = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let variable = cells
                .get(2)?
                .strip_prefix("`VITALSIGN_")?
                .strip_suffix('`')?;
            let builder = cells
                .get(3)?
                .strip_prefix("`.")
                .and_then(|b| b.strip_suffix("()`"))
                .map(str::to_owned);
            Some((key.to_owned(), format!("VITALSIGN_{variable}"), builder))
        })
        .collect();
    // The default column says each declared default (numbers may have thousands separators).
    let defaults: std::collections::BTreeMap<String, String> = docs
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let key = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((key.to_owned(), cells.get(4)?.replace(',', "")))
        })
        .collect();
    let mut compared = 0;
    for s in Config::settings() {
        if let (Some(default), Some(cell)) = (&s.default, defaults.get(&s.key)) {
            compared += 1;
            assert!(
                cell.split(|c: char| c == '`' || c.is_whitespace())
                    .any(|word| word == default),
                "docs/operations.md says the default of `{}` is {cell:?}; it is declared as `{default}`",
                s.key
            );
        }
    }
    let with_default = Config::settings()
        .iter()
        .filter(|s| s.default.is_some())
        .count();
    assert!(with_default >= 15, "{with_default} declared defaults");
    assert_eq!(
        compared, with_default,
        "every declared default has its cell"
    );
    let declared: BTreeSet<(String, String, Option<String>)> = Config::settings()
        .into_iter()
        .map(|s| {
            assert_eq!(s.variable, vitalsign::config::variable_of(&s.key));
            assert!(!s.doc.is_empty(), "{} has no doc", s.key);
            (s.key, s.variable, s.builder.map(str::to_owned))
        })
        .collect();
    let missing: Vec<String> = declared
        .difference(&documented)
        .map(|(k, v, b)| {
            let b = b.as_ref().map_or("—".to_owned(), |b| format!("`.{b}()`"));
            format!("| `{k}` | `{v}` | {b} | (default) |")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/operations.md lacks these rows, as declared:\n{}",
        missing.join("\n")
    );
    assert_eq!(
        documented, declared,
        "docs/operations.md's table vs the declared settings"
    );
    let cased: BTreeSet<String> = CASES.iter().map(|(v, _)| (*v).to_owned()).collect();
    let variables: BTreeSet<String> = declared.into_iter().map(|(_, v, _)| v).collect();
    assert_eq!(
        variables, cased,
        "the settings' variables vs the cases here"
    );
}

#[test]
fn every_variable_wins_over_the_builder_in_a_real_install() {
    let me = std::env::current_exe().unwrap();
    for (variable, value) in CASES {
        let dir = std::env::temp_dir().join(format!(
            "vitalsign-env-{}-{}",
            std::process::id(),
            variable.to_lowercase()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let mut child = Command::new(&me);
        child
            .args(["--exact", "child", "--include-ignored", "--nocapture"])
            .env(CASE, variable)
            .env(common::KEEP_ENVIRONMENT, "1")
            .env("ENV_VARIABLES_DIR", &dir);
        match *variable {
            "VITALSIGN_LOGGING_DIRECTORY" => {
                child
                    .env(variable, &dir)
                    .env("VITALSIGN_LOGGING_OUTPUT", "file");
            }
            // Formats, levels and file names are read in a file the child then reads back.
            "VITALSIGN_LOGGING_FORMAT"
            | "VITALSIGN_LOGGING_LEVEL"
            | "VITALSIGN_LOGGING_PREFIX"
            | "VITALSIGN_LOGGING_ROTATION" => {
                child
                    .env(variable, value)
                    .env("VITALSIGN_LOGGING_OUTPUT", "file")
                    .env("VITALSIGN_LOGGING_DIRECTORY", &dir);
            }
            _ => {
                child.env(variable, value);
            }
        }
        let out = common::output_within(&mut child, b"", common::CHILD_LIMIT);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{variable}={value}: the child failed\n{}{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        if *variable == "VITALSIGN_LOGGING_OUTPUT" {
            let line = stderr
                .lines()
                .find(|l| l.contains("\"case\":\"to_stderr\""))
                .unwrap_or_else(|| panic!("no JSON line on the child's stderr:\n{stderr}"));
            let line: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(line["message"], "written where the environment said");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// One install under one variable; run by the parent, not alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run as a child process by every_variable_wins_over_the_builder_in_a_real_install"]
async fn child() {
    let case = std::env::var(CASE).expect("run by the parent test");
    let dir = std::path::PathBuf::from(std::env::var("ENV_VARIABLES_DIR").unwrap());
    let memory = vitalsign::logging::MemoryWriter::new();
    // The builder says otherwise on every point the variables decide.
    let vitals = vitalsign::Vitals::builder()
        .service("from-code")
        .version("0.0.1")
        .namespace("codens")
        .serve_metrics(true)
        // Port 0, except where the variable under test must be seen to replace it.
        .bind_addr(if case == "VITALSIGN_METRICS_BIND_ADDR" {
            "127.0.0.1:9"
        } else {
            "127.0.0.1:0"
        })
        .max_connections(100)
        .max_connections_per_client(100)
        .native_histograms(case != "VITALSIGN_METRICS_NATIVE_HISTOGRAMS")
        .native_schema(5)
        .native_max_buckets(100)
        .created_timestamps(true)
        .log_format(vitalsign::logging::LogFormat::Json)
        .log_level("info")
        .log_output(vitalsign::logging::LogOutput::Memory(memory.clone()))
        .show_details(vitalsign::health::ShowDetails::Always)
        .health(db_check(&case))
        .health(cache_check(&case))
        .install()
        .expect("install");
    if case == "VITALSIGN_HEALTH_BIND_ADDR" {
        return health_listener(&vitals).await;
    }
    let addr = common::serve(&vitals).await;
    let text = vitals.render();
    let file_lines = || -> Vec<serde_json::Value> {
        // Lines go through the writer thread's queue: out with them first.
        vitals.flush_logs();
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("the log directory") {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            lines.extend(
                text.lines()
                    .map(|l| serde_json::from_str(l).expect("JSON lines")),
            );
        }
        lines
    };
    match case.as_str() {
        "VITALSIGN_SERVICE"
        | "VITALSIGN_HEALTH_SHOW_DETAILS"
        | "VITALSIGN_METRICS_AUTH_TOKEN"
        | "VITALSIGN_METRICS_ENABLED"
        | "VITALSIGN_METRICS_MAX_CONNECTIONS"
        | "VITALSIGN_METRICS_MAX_CONNECTIONS_PER_CLIENT"
        | "VITALSIGN_METRICS_HEADER_READ_TIMEOUT"
        | "VITALSIGN_HEALTH_STATUS_CODES_HEALTHY"
        | "VITALSIGN_HEALTH_STATUS_CODES_DEGRADED"
        | "VITALSIGN_HEALTH_STATUS_CODES_UNHEALTHY"
        | "VITALSIGN_HEALTH_STATUS_CODES_UNKNOWN"
        | "VITALSIGN_HEALTH_DISK"
        | "VITALSIGN_HEALTH_TCP"
        | "VITALSIGN_HEALTH_MEMORY"
        | "VITALSIGN_STATUS_ENABLED"
        | "VITALSIGN_STATUS_HISTORY"
        | "VITALSIGN_STATUS_SAMPLE_EVERY" => {
            served(addr, &case).await;
        }
        "VITALSIGN_METRICS_NATIVE_HISTOGRAMS"
        | "VITALSIGN_METRICS_NATIVE_SCHEMA"
        | "VITALSIGN_METRICS_NATIVE_MAX_BUCKETS" => {
            // 1 µs and 1 s: 20 powers of two apart.
            let h = metrics::histogram!("env_native_seconds");
            h.record(1e-6);
            h.record(1.0);
            // The protobuf fields `schema` (5, zigzag) and `zero_threshold` (6, 2^-128),
            // adjacent as prost writes them: there only with native buckets.
            let native = |schema: u8| [0x28, schema, 0x31, 0, 0, 0, 0, 0, 0, 0xf0, 0x37];
            let wanted = match case.as_str() {
                // The builder's schema 5 coarsened to 2 (zigzag 4) to fit 100 buckets.
                "VITALSIGN_METRICS_NATIVE_HISTOGRAMS" => native(4),
                // Schema -1 (zigzag 1) from the start: 20 buckets fit 100.
                "VITALSIGN_METRICS_NATIVE_SCHEMA" => native(1),
                // 8 buckets: coarsened to schema -2 (zigzag 3).
                _ => native(3),
            };
            let body = vitals.render_protobuf();
            assert!(
                body.windows(wanted.len()).any(|w| w == wanted),
                "{case}: no native histogram laid out as {wanted:?}"
            );
        }
        "VITALSIGN_METRICS_CREATED_TIMESTAMPS" => {
            timed();
            let om = vitals.render_as(vitalsign::ExpositionFormat::OpenMetrics);
            assert!(om.contains("envt_calls_total{"), "{om}");
            assert!(!om.contains("_created"), "{om}");
        }
        "VITALSIGN_METRICS_DEFAULT_BUCKETS" => {
            timed();
            let text = vitals.render();
            assert!(
                text.contains(r#"envt_calls_duration_seconds_bucket{op="timed",le="0.5"}"#)
                    && !text.contains(r#"le="0.25""#),
                "{text}"
            );
        }
        "VITALSIGN_METRICS_MAX_SERIES_PER_FAMILY" => {
            for shard in ["a", "b", "c", "d"] {
                metrics::counter!("env_sharded_total", "shard" => shard).increment(1);
            }
            let text = vitals.render();
            assert!(
                text.contains(r#"env_sharded_total{shard="__overflow__"} 2"#),
                "{text}"
            );
        }
        "VITALSIGN_LOGGING_PREFIX" | "VITALSIGN_LOGGING_ROTATION" => {
            tracing::warn!(case = "named", "in a file named by the environment");
            let names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let expected = |name: &String| match case.as_str() {
                "VITALSIGN_LOGGING_PREFIX" => name.starts_with("envlog."),
                _ => name == "vitalsign.log",
            };
            assert!(names.len() == 1 && expected(&names[0]), "{names:?}");
        }
        "VITALSIGN_VERSION" => assert!(text.contains(r#"version="9.8.7""#), "{text}"),
        "VITALSIGN_NAMESPACE" => assert!(text.contains("envns_build_info{"), "{text}"),
        "VITALSIGN_METRICS_BIND_ADDR" => {
            assert_eq!(vitals.bind_addr().port(), 0, "not the builder's port 9");
            assert_ne!(addr.port(), 9);
        }
        "VITALSIGN_METRICS_GLOBAL_LABELS" => {
            assert!(
                text.contains(r#"region="eu-1""#) && text.contains(r#"az="b""#),
                "{text}"
            );
        }
        "VITALSIGN_LOGGING_ENABLED" => {
            tracing::error!("nowhere to go");
            assert!(
                !tracing::dispatcher::has_been_set(),
                "no subscriber installed"
            );
            assert_eq!(memory.contents(), "");
        }
        "VITALSIGN_LOGGING_FORMAT" => {
            tracing::warn!(case = "ecs", "in the ECS format");
            let line = file_lines()
                .into_iter()
                .find(|l| l["case"] == "ecs")
                .expect("the line");
            assert_eq!(line["log.level"], "warn", "{line}");
            assert!(line.get("@timestamp").is_some(), "{line}");
        }
        "VITALSIGN_LOGGING_LEVEL" => {
            tracing::info!(case = "below", "under the level");
            tracing::warn!(case = "at", "at the level");
            let cases: Vec<String> = file_lines()
                .iter()
                .filter_map(|l| l["case"].as_str().map(str::to_owned))
                .collect();
            assert!(cases.contains(&"at".to_owned()), "{cases:?}");
            assert!(!cases.contains(&"below".to_owned()), "{cases:?}");
        }
        "VITALSIGN_LOGGING_OUTPUT" => {
            tracing::warn!(case = "to_stderr", "written where the environment said");
            // Out of the writer thread's queue before the child exits, however busy the machine.
            vitals.flush_logs();
            assert_eq!(memory.contents(), "", "not to the builder's output");
        }
        "VITALSIGN_LOGGING_DIRECTORY" => {
            tracing::warn!(case = "in_dir", "in the directory");
            assert!(file_lines().iter().any(|l| l["case"] == "in_dir"));
        }
        other => panic!("no case for {other}"),
    }
}

/// `health.bind_addr` from the environment: a health-only listener beside the main one, which
/// the builder did not ask for.
async fn health_listener(vitals: &vitalsign::Vitals) {
    let server = vitals.bind().await.expect("bind");
    let health = server
        .health_addr()
        .expect("the environment's health listener");
    tokio::spawn(server.run_until(std::future::pending()));
    assert_eq!(
        common::request(health, "GET", "/health/live").await.status,
        200
    );
    assert_eq!(common::request(health, "GET", "/metrics").await.status, 404);
}

/// The cases checked over HTTP.
async fn served(server: std::net::SocketAddr, case: &str) {
    if case != "VITALSIGN_HEALTH_STATUS_CODES_UNKNOWN" {
        common::eventually("every check's first run", || async {
            let reply = common::request(server, "GET", "/health").await;
            (!reply.body.contains(r#""status":"unknown""#)).then_some(())
        })
        .await;
    }
    let health = || async { common::request(server, "GET", "/health").await };
    match case {
        "VITALSIGN_SERVICE" => {
            let body = common::request(server, "GET", "/health").await.body;
            assert!(body.contains(r#""service":"from-env""#), "{body}");
        }
        "VITALSIGN_HEALTH_SHOW_DETAILS" => {
            let body = common::request(server, "GET", "/health").await.body;
            assert!(!body.contains("secret detail"), "{body}");
        }
        "VITALSIGN_METRICS_AUTH_TOKEN" => {
            assert_eq!(common::request(server, "GET", "/metrics").await.status, 401);
            // The environment's token lets a request in; another is refused.
            let with = |token: &'static str| async move {
                let bearer = format!("Bearer {token}");
                common::request_with(server, "GET", "/metrics", &[("authorization", &bearer)])
                    .await
                    .0
            };
            assert_eq!(with("a-token-from-the-environment").await, 200);
            assert_eq!(with("not-the-token-from-the-environment").await, 401);
        }
        "VITALSIGN_METRICS_ENABLED" => {
            assert_eq!(common::request(server, "GET", "/metrics").await.status, 404);
        }
        "VITALSIGN_METRICS_MAX_CONNECTIONS" | "VITALSIGN_METRICS_MAX_CONNECTIONS_PER_CLIENT" => {
            // A connection that was answered and is kept alive holds the only place (the
            // probes above may still hold it for a moment: retried until one is answered);
            // the next connection from this address is then refused with a 503.
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let _held = common::eventually("a kept-alive connection", || async {
                let mut held = tokio::net::TcpStream::connect(server).await.ok()?;
                held.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                    .await
                    .ok()?;
                let mut buf = [0_u8; 512];
                let n = held.read(&mut buf).await.ok()?;
                buf[..n].starts_with(b"HTTP/1.1 200").then_some(held)
            })
            .await;
            let mut second = tokio::net::TcpStream::connect(server).await.unwrap();
            let _ = second
                .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                .await;
            let mut reply = Vec::new();
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(3),
                second.read_to_end(&mut reply),
            )
            .await;
            let reply = String::from_utf8_lossy(&reply);
            assert!(
                reply.starts_with("HTTP/1.1 503") && reply.contains("retry-after: 1"),
                "{reply}"
            );
        }
        "VITALSIGN_METRICS_HEADER_READ_TIMEOUT" => {
            // A client that sends nothing is cut at the environment's 200 ms, not the 5 s
            // default.
            use tokio::io::AsyncReadExt;
            let started = std::time::Instant::now();
            let mut silent = tokio::net::TcpStream::connect(server).await.unwrap();
            let mut buf = Vec::new();
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(4),
                silent.read_to_end(&mut buf),
            )
            .await;
            assert!(
                started.elapsed() < std::time::Duration::from_secs(3),
                "closed after {:?}",
                started.elapsed()
            );
        }
        "VITALSIGN_HEALTH_STATUS_CODES_HEALTHY" => assert_eq!(health().await.status, 299),
        "VITALSIGN_HEALTH_STATUS_CODES_DEGRADED" => assert_eq!(health().await.status, 298),
        "VITALSIGN_HEALTH_STATUS_CODES_UNHEALTHY" => assert_eq!(health().await.status, 597),
        "VITALSIGN_HEALTH_STATUS_CODES_UNKNOWN" => assert_eq!(health().await.status, 596),
        "VITALSIGN_HEALTH_DISK" | "VITALSIGN_HEALTH_TCP" | "VITALSIGN_HEALTH_MEMORY" => {
            let name = case
                .strip_prefix("VITALSIGN_HEALTH_")
                .unwrap()
                .to_lowercase();
            let body = health().await.body;
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(
                json["checks"][format!("env_{name}")]["status"].is_string(),
                "{body}"
            );
        }
        "VITALSIGN_STATUS_ENABLED" => {
            for path in ["/status", "/stats/history", "/status/page.js"] {
                assert_eq!(
                    common::request(server, "GET", path).await.status,
                    404,
                    "{path}"
                );
            }
            assert_eq!(common::request(server, "GET", "/stats").await.status, 200);
        }
        "VITALSIGN_STATUS_HISTORY" | "VITALSIGN_STATUS_SAMPLE_EVERY" => {
            let body = common::request(server, "GET", "/stats/history").await.body;
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            // 10 s at the default 5 s; the default 15 minutes at 2 s.
            let want = if case == "VITALSIGN_STATUS_HISTORY" {
                (2, 5.0)
            } else {
                (450, 2.0)
            };
            assert_eq!(
                (
                    json["max_points"].as_u64(),
                    json["sample_every_seconds"].as_f64()
                ),
                (Some(want.0), Some(want.1)),
                "{body}"
            );
        }
        other => panic!("no HTTP case for {other}"),
    }
}

#[instrumented(namespace = "envt")]
fn timed() {}

/// The critical check: unhealthy or never finishing its first run where the case needs the
/// whole unhealthy or unknown, else healthy with a detail to hide.
fn db_check(case: &str) -> impl vitalsign::health::HealthCheck {
    use std::time::Duration;
    use vitalsign::health::{CheckSpec, Outcome};
    let (every, behaviour) = match case {
        "VITALSIGN_HEALTH_STATUS_CODES_UNHEALTHY" => (50, 1),
        "VITALSIGN_HEALTH_STATUS_CODES_UNKNOWN" => (60_000, 2),
        _ => (50, 0),
    };
    let every = Duration::from_millis(every);
    vitalsign::health::from_fn(
        CheckSpec::new("db").every(every).timeout(every),
        move || async move {
            match behaviour {
                1 => Outcome::unhealthy("down"),
                2 => std::future::pending().await,
                _ => Outcome::healthy().with_message("secret detail"),
            }
        },
    )
}

/// A non-critical check, failing where the case needs the whole degraded.
fn cache_check(case: &str) -> impl vitalsign::health::HealthCheck {
    use vitalsign::health::{CheckSpec, Outcome};
    let fails = case == "VITALSIGN_HEALTH_STATUS_CODES_DEGRADED";
    vitalsign::health::from_fn(
        CheckSpec::new("cache")
            .critical(false)
            .every(std::time::Duration::from_millis(50)),
        move || async move {
            if fails {
                Outcome::unhealthy("cold")
            } else {
                Outcome::healthy()
            }
        },
    )
}
