//! Every `VITALSIGN_*` variable that docs/operations.md documents, through a real install: one
//! child process per variable (an install is once per process), each installing with the
//! builder saying otherwise and checking that the variable won, by what the process then
//! serves or writes. The list of cases is checked against the docs, so a documented variable
//! without a case fails here.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

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
    ("VITALSIGN_LOGGING_ENABLED", "false"),
    ("VITALSIGN_LOGGING_FORMAT", "ecs"),
    ("VITALSIGN_LOGGING_LEVEL", "warn"),
    ("VITALSIGN_LOGGING_OUTPUT", "stderr"),
    ("VITALSIGN_LOGGING_DIRECTORY", "(a temporary directory)"),
    ("VITALSIGN_HEALTH_SHOW_DETAILS", "never"),
];

/// The child's side: set by the parent to the variable under test.
const CASE: &str = "ENV_VARIABLES_CASE";

#[test]
fn every_documented_variable_has_a_case() {
    let docs = std::fs::read_to_string("docs/operations.md").unwrap();
    let documented: BTreeSet<&str> = docs
        .split('`')
        .filter(|w| {
            w.starts_with("VITALSIGN_")
                && w[10..].chars().all(|c| c.is_ascii_uppercase() || c == '_')
                && w.len() > 10
        })
        .collect();
    let cased: BTreeSet<&str> = CASES.iter().map(|(v, _)| *v).collect();
    assert_eq!(documented, cased, "documented variables vs the cases here");
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
            // Formats and levels are read in a file the child then reads back.
            "VITALSIGN_LOGGING_FORMAT" | "VITALSIGN_LOGGING_LEVEL" => {
                child
                    .env(variable, value)
                    .env("VITALSIGN_LOGGING_OUTPUT", "file")
                    .env("VITALSIGN_LOGGING_DIRECTORY", &dir);
            }
            _ => {
                child.env(variable, value);
            }
        }
        let out = child.output().unwrap();
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
        .log_format(vitalsign::logging::LogFormat::Json)
        .log_level("info")
        .log_output(vitalsign::logging::LogOutput::Memory(memory.clone()))
        .show_details(vitalsign::health::ShowDetails::Always)
        .health(vitalsign::health::from_fn(
            vitalsign::health::CheckSpec::new("db").every(std::time::Duration::from_millis(50)),
            || async { vitalsign::health::Outcome::healthy().with_message("secret detail") },
        ))
        .install()
        .expect("install");
    let addr = common::serve(&vitals).await;
    let text = vitals.render();
    let file_lines = || -> Vec<serde_json::Value> {
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
        | "VITALSIGN_METRICS_MAX_CONNECTIONS" => {
            served(addr, &case).await;
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
            assert_eq!(memory.contents(), "", "not to the builder's output");
        }
        "VITALSIGN_LOGGING_DIRECTORY" => {
            tracing::warn!(case = "in_dir", "in the directory");
            assert!(file_lines().iter().any(|l| l["case"] == "in_dir"));
        }
        other => panic!("no case for {other}"),
    }
}

/// The cases checked over HTTP.
async fn served(server: std::net::SocketAddr, case: &str) {
    common::eventually("the check's first run", || async {
        let reply = common::request(server, "GET", "/health").await;
        (!reply.body.contains(r#""status":"unknown""#)).then_some(())
    })
    .await;
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
        }
        "VITALSIGN_METRICS_ENABLED" => {
            assert_eq!(common::request(server, "GET", "/metrics").await.status, 404);
        }
        "VITALSIGN_METRICS_MAX_CONNECTIONS" => {
            // A connection that was answered and is kept alive holds the only slot (the
            // probes above may still hold it for a moment: retried until one is answered);
            // the next connection is then closed unanswered.
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
            assert!(reply.is_empty(), "{}", String::from_utf8_lossy(&reply));
        }
        other => panic!("no HTTP case for {other}"),
    }
}
