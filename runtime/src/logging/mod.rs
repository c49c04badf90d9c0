//! Structured logs through `tracing`: one flat JSON object per line (or ECS key names, or a
//! human format on a terminal), filtered by `RUST_LOG` or the configured level, with a counter
//! of events by level. `Vitals::install` sets it all up unless `.logging(false)`.

mod counter;
mod fields;
mod json;
mod pipe;
mod writer;

use crate::catalogue::{MetricType, OwnSpec};
use crate::setting_error::ConfigError;
use metrics::Counter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;

pub use counter::EventCounter;
pub use json::JsonLayer;
pub use writer::{LogOutput, MemoryWriter, Rotation};

use json::Schema;
pub(crate) use pipe::LogPipe;

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `Pretty` when the output is a terminal, else `Json` (the default).
    #[default]
    Auto,
    /// One flat JSON object per line.
    Json,
    /// JSON with Elastic Common Schema key names.
    Ecs,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Logging options; see the `log_*` methods of `Builder`.
#[derive(Debug, Clone)]
pub(crate) struct LogSettings {
    pub enabled: bool,
    pub format: LogFormat,
    pub filter: String,
    pub output: LogOutput,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            format: LogFormat::Auto,
            filter: "info".into(),
            output: LogOutput::Stdout,
        }
    }
}

/// The filter: `RUST_LOG` when set (it wins), else the configured directives. An invalid
/// directive is an error that quotes it.
///
/// Directives that name only targets and levels (`kvstore=debug,info`, the usual case) filter
/// through `Targets`; `EnvFilter` is kept for those that filter on spans or fields
/// (`[span{field=..}]`). The two agree on static directives, but `EnvFilter` also looks every
/// span up in a locked map on each enter, exit and close, a cost paid by every call with
/// `fields(..)` whether a line is written or not.
pub(crate) fn filter(configured: &str) -> Result<Filter, ConfigError> {
    let (key, directives) = match std::env::var("RUST_LOG") {
        Ok(env) if !env.trim().is_empty() => ("RUST_LOG", env),
        _ => ("logging.level", configured.to_owned()),
    };
    filter_of(key, &directives)
}

/// The filter of `directives`, read from the setting `key`.
fn filter_of(key: &str, directives: &str) -> Result<Filter, ConfigError> {
    let invalid = |e: &dyn std::fmt::Display| {
        ConfigError::new(key, format!("invalid filter directive `{directives}`: {e}"))
    };
    let env_filter = EnvFilter::builder()
        .parse(directives)
        .map_err(|e| invalid(&e))?;
    if directives.contains('[') || directives.trim().is_empty() {
        return Ok(Filter {
            dynamic: Some(env_filter),
            targets: None,
        });
    }
    Ok(Filter {
        dynamic: None,
        targets: Some(directives.parse().map_err(|e| invalid(&e))?),
    })
}

/// One of the two filters; both are layers, the absent one a no-op, so the subscriber's type
/// is the same whichever the directives need (and dispatch stays static).
#[derive(Debug)]
pub(crate) struct Filter {
    dynamic: Option<EnvFilter>,
    targets: Option<tracing_subscriber::filter::Targets>,
}

/// Checks the options and that no subscriber is installed yet, before anything is installed.
pub(crate) fn check(settings: &LogSettings) -> Result<(), ConfigError> {
    if !settings.enabled {
        return Ok(());
    }
    filter(&settings.filter)?;
    if tracing::dispatcher::has_been_set() {
        return Err(ConfigError::new(
            "logging",
            "a tracing subscriber is already installed; call `.logging(false)` and add `vitalsign::logging::JsonLayer` to yours",
        ));
    }
    Ok(())
}

/// Installs the global subscriber and the `log` bridge. `check` has run. Returns the queue in
/// front of the output, which the handle flushes and whose dropped lines it reports.
pub(crate) fn install(
    settings: &LogSettings,
    namespace: &str,
    service: Option<String>,
    version: Option<String>,
) -> Result<Option<LogPipe>, ConfigError> {
    if !settings.enabled {
        return Ok(None);
    }
    let pipe = LogPipe::new(&settings.output, dropped_counter(namespace));
    let make_writer = || match &pipe {
        Some(pipe) => pipe.make_writer(),
        None => settings.output.make_writer(),
    };
    let filter = filter(&settings.filter)?;
    let counter = EventCounter::new(namespace);
    let format = match settings.format {
        LogFormat::Auto if settings.output.is_terminal() => LogFormat::Pretty,
        LogFormat::Auto => LogFormat::Json,
        other => other,
    };
    let registry = tracing_subscriber::registry()
        .with(filter.dynamic)
        .with(filter.targets)
        .with(counter);
    let installed = match format {
        LogFormat::Pretty => {
            let fmt = tracing_subscriber::fmt::layer()
                .with_writer(make_writer())
                .with_ansi(settings.output.is_terminal());
            tracing::subscriber::set_global_default(registry.with(fmt))
        }
        json => {
            let schema = if json == LogFormat::Ecs {
                Schema::Ecs
            } else {
                Schema::Plain
            };
            let mut layer = JsonLayer::new(&settings.output)
                .with_schema(schema)
                .service(service, version);
            if let Some(pipe) = &pipe {
                layer = layer.through(pipe);
            }
            tracing::subscriber::set_global_default(registry.with(layer))
        }
    };
    installed.map_err(|e| ConfigError::new("logging", e.to_string()))?;
    // Records of the `log` crate go to the same output; an application that installed its own
    // `log` logger keeps it.
    let _ = tracing_log::LogTracer::init();
    Ok(pipe)
}

/// `{ns}_log_events_total{level}`.
const LOG_EVENTS: OwnSpec = OwnSpec::new(
    "log_events_total",
    MetricType::Counter,
    &[vitalsign_naming::LEVEL_LABEL],
    "Log events written, by level",
);

/// `{ns}_log_lines_dropped_total`.
const LOG_LINES_DROPPED: OwnSpec = OwnSpec::new(
    "log_lines_dropped_total",
    MetricType::Counter,
    &[],
    "Log lines dropped because the queue to the output was full (a stalled pipe or disk)",
);

/// The catalogue's entries for the log events and dropped lines counters.
pub(crate) fn own_families(namespace: &str) -> Vec<crate::catalogue::OwnFamily> {
    vec![
        LOG_EVENTS.in_namespace(namespace),
        LOG_LINES_DROPPED.in_namespace(namespace),
    ]
}

fn dropped_counter(namespace: &str) -> Counter {
    let key = metrics::Key::from_name(LOG_LINES_DROPPED.name_in(namespace));
    metrics::with_recorder(|r| r.register_counter(&key, &crate::__private::METADATA))
}

fn level_counter(namespace: &str, level: &'static str) -> Counter {
    let key = metrics::Key::from_parts(
        LOG_EVENTS.name_in(namespace),
        vec![metrics::Label::new(vitalsign_naming::LEVEL_LABEL, level)],
    );
    metrics::with_recorder(|r| r.register_counter(&key, &crate::__private::METADATA))
}

#[cfg(test)]
mod tests {
    use super::filter_of;

    #[test]
    fn static_directives_filter_by_target_and_dynamic_ones_keep_env_filter() {
        for static_one in [
            "info",
            "kvstore=debug,info",
            "warn,kvstore::wal=trace",
            "off",
        ] {
            let f = filter_of("logging.level", static_one).expect(static_one);
            assert!(f.targets.is_some() && f.dynamic.is_none(), "{static_one}");
        }
        for dynamic in ["[get]=debug", "info,kvstore[get{key=a}]=trace", ""] {
            let f = filter_of("logging.level", dynamic).expect(dynamic);
            assert!(f.dynamic.is_some() && f.targets.is_none(), "{dynamic:?}");
        }
        let crate::setting_error::ConfigError { key, problem } =
            filter_of("RUST_LOG", "kvstore=loud").unwrap_err();
        assert_eq!(key, "RUST_LOG");
        assert!(problem.contains("`kvstore=loud`"), "{problem}");
    }
}
