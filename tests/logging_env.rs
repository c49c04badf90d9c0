//! `RUST_LOG` wins over the configured level, per module, for instrumented functions' lines
//! too; and the ECS format's key names.

mod common;

use serde_json::Value;
use vitalsign::Vitals;
use vitalsign::logging::{LogFormat, LogOutput, MemoryWriter};

mod noisy {
    pub(crate) fn chatter() {
        tracing::debug!(
            case = "module_debug",
            "detail from a module RUST_LOG opens up"
        );
    }

    /// Completed calls log at DEBUG, which RUST_LOG opens for this module.
    #[vitalsign::instrumented(namespace = "env", name = "noisy_ops", log = "all")]
    pub fn completes() {}
}

mod quiet {
    /// RUST_LOG turns this module off: its failures are counted, not logged.
    #[vitalsign::instrumented(namespace = "env", name = "quiet_ops")]
    pub fn fails() -> Result<(), std::io::Error> {
        Err(std::io::Error::other("quiet failure"))
    }

    /// DEBUG is below this module's level: no "call completed".
    #[vitalsign::instrumented(namespace = "env", name = "quiet_all", log = "all")]
    pub fn completes() {}
}

mod loud {
    /// At the default `warn`: its failures are logged.
    #[vitalsign::instrumented(namespace = "env", name = "loud_ops")]
    pub fn fails() -> Result<(), std::io::Error> {
        Err(std::io::Error::other("loud failure"))
    }
}

#[test]
fn rust_log_filters_and_ecs_names_keys() {
    // SAFETY: the only test of this binary, run before any thread that reads the environment.
    unsafe {
        std::env::set_var(
            "RUST_LOG",
            "warn,logging_env::noisy=debug,logging_env::quiet=off",
        );
    };
    let logs = MemoryWriter::new();
    let _vitals = Vitals::builder()
        .service("kvtest")
        .version("1.0.0")
        .log_format(LogFormat::Ecs)
        .log_level("trace") // overridden by RUST_LOG
        .log_output(LogOutput::Memory(logs.clone()))
        .install()
        .expect("install");

    tracing::info!(case = "filtered_info", "below the RUST_LOG level");
    tracing::warn!(case = "kept_warn", "at the RUST_LOG level");
    noisy::chatter();
    let _ = quiet::fails();
    quiet::completes();
    let _ = loud::fails();
    noisy::completes();

    let lines: Vec<Value> = logs
        .contents()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let cases: Vec<&str> = lines.iter().filter_map(|l| l["case"].as_str()).collect();
    assert_eq!(
        cases,
        ["kept_warn", "module_debug"],
        "RUST_LOG decides, not log_level"
    );
    // The instrumented functions' lines: built by the runtime, filtered by their own module.
    let calls: Vec<(&str, &str, &str)> = lines
        .iter()
        .filter(|l| l.get("op").is_some())
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default();
            (s("log.logger"), s("message"), s("op"))
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("logging_env::loud", "call failed", "fails"),
            ("logging_env::noisy", "call completed", "completes"),
        ]
    );

    let warn = &lines[0];
    assert!(
        warn.get("@timestamp")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(warn["log.level"], "warn");
    assert_eq!(warn["log.logger"], "logging_env");
    assert_eq!(warn["message"], "at the RUST_LOG level");
    assert_eq!(warn["service.name"], "kvtest");
    assert_eq!(warn["service.version"], "1.0.0");
    assert_eq!(warn["ecs.version"], "8.11.0");
    assert!(warn.get("timestamp").is_none() && warn.get("level").is_none());
    assert_eq!(lines[1]["log.level"], "debug");
}
