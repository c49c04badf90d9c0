//! The configuration file (YAML or TOML) and `VITALSIGN_*` environment overrides.
//!
//! Precedence, lowest first: the builder (the developer's defaults in code), the file (the
//! deployment's), the environment (the operator's last word, no rebuild or file edit needed).
//! Unknown keys and bad values are start-up errors naming the key, with the file position
//! where the parser knows it: values are checked while the file is read.
//!
//! The structs below are the one declaration of the settings: the keys of the file are their
//! fields, and the environment variables are derived from those keys by one rule
//! ([`variable_of`]): `VITALSIGN_` and the key path in upper case, `_` for `.`. A variable's
//! value is read as that key's value in YAML (`true`, `5s`, `[0.001, 0.01]`,
//! `[{name: data, path: /var/lib/db}]`), through the same checks as the file.

use std::collections::BTreeMap;
#[cfg(feature = "server")]
use std::net::SocketAddr;
use std::path::Path;
#[cfg(any(feature = "logging", feature = "health"))]
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_yaml_ng::{Mapping, Value};

#[cfg(feature = "server")]
use crate::health::ShowDetails;
#[cfg(feature = "logging")]
use crate::logging::{LogFormat, Rotation};

/// A problem with the configuration: the key (`metrics.bind_addr`, or the variable's name) and
/// what is wrong, with the file and position when known.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid configuration `{key}`: {problem}")]
pub struct ConfigError {
    /// The key, as in the file (`metrics.bind_addr`) or the environment variable's name.
    pub key: String,
    /// What is wrong, with the position in the file when known.
    pub problem: String,
}

/// The file's contents. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The service's name, shown in health bodies and log lines.
    pub service: Option<String>,
    /// The service's version, shown in health bodies, log lines and `{ns}_build_info`.
    pub version: Option<String>,
    /// Namespace of the metrics vitalsign defines itself (health, build, uptime).
    pub namespace: Option<Namespace>,
    /// The exposition and its HTTP server.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Log lines: whether, in which format, how much and where.
    #[cfg(feature = "logging")]
    #[serde(default)]
    pub logging: LoggingConfig,
    /// The health endpoints and the built-in checks.
    #[cfg(feature = "health")]
    #[serde(default)]
    pub health: HealthConfig,
}

/// `metrics:`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve `/metrics` (instrumentation records either way).
    #[cfg(feature = "server")]
    pub enabled: Option<bool>,
    /// Address of the HTTP server.
    #[cfg(feature = "server")]
    pub bind_addr: Option<SocketAddr>,
    /// Labels on every series.
    #[serde(default)]
    pub global_labels: BTreeMap<LabelName, String>,
    /// Default bucket bounds of duration histograms, seconds.
    pub default_buckets: Option<Vec<f64>>,
    /// Bearer token for `/metrics`, `/stats` and health details.
    #[cfg(feature = "server")]
    pub auth_token: Option<String>,
    /// Connections served at once.
    #[cfg(feature = "server")]
    pub max_connections: Option<usize>,
    /// Series one family may have before new label sets fold into its overflow series.
    pub max_series_per_family: Option<usize>,
    /// How long a client may take to send its request headers (`"5s"`).
    #[cfg(feature = "server")]
    pub header_read_timeout: Option<DurationText>,
}

/// `logging:`
#[cfg(feature = "logging")]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingConfig {
    /// Install the log subscriber.
    pub enabled: Option<bool>,
    /// `auto`, `json`, `ecs` or `pretty`.
    pub format: Option<FormatName>,
    /// Filter directives, `RUST_LOG` syntax.
    pub level: Option<String>,
    /// `stdout`, `stderr` or `file`.
    pub output: Option<OutputName>,
    /// With `output: file`: the directory.
    pub directory: Option<PathBuf>,
    /// With `output: file`: the file name prefix (default `vitalsign.log`).
    pub prefix: Option<String>,
    /// With `output: file`: `hourly`, `daily` or `never`.
    pub rotation: Option<RotationName>,
}

/// `health:`
#[cfg(feature = "health")]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// `never`, `always` or `loopback`.
    #[cfg(feature = "server")]
    pub show_details: Option<DetailsName>,
    /// HTTP status code per health status.
    #[cfg(feature = "server")]
    #[serde(default)]
    pub status_codes: StatusCodesConfig,
    /// Built-in disk space checks.
    #[serde(default)]
    pub disk: Vec<DiskCheckConfig>,
    /// Built-in TCP connect checks.
    #[serde(default)]
    pub tcp: Vec<TcpCheckConfig>,
    /// The built-in process memory check.
    pub memory: Option<MemoryCheckConfig>,
}

#[cfg(feature = "server")]
/// `health.status_codes:` the HTTP status a health endpoint answers for each status.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCodesConfig {
    /// Default 200.
    pub healthy: Option<StatusCode>,
    /// Default 200: a degraded service still serves.
    pub degraded: Option<StatusCode>,
    /// Default 503.
    pub unhealthy: Option<StatusCode>,
    /// Default 503: not known to be healthy yet.
    pub unknown: Option<StatusCode>,
}

#[cfg(feature = "health")]
/// `health.disk[]:` a built-in disk space check.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DiskCheckConfig {
    /// The `check` label and JSON key.
    pub name: CheckName,
    /// A path on the file system to watch.
    pub path: PathBuf,
    /// Degraded below this free ratio (0..1).
    pub degraded_below_ratio: Option<Ratio>,
    /// Unhealthy below this free ratio (0..1).
    pub unhealthy_below_ratio: Option<Ratio>,
}

#[cfg(feature = "health")]
/// `health.tcp[]:` a built-in TCP connect check.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TcpCheckConfig {
    /// The `check` label and JSON key.
    pub name: CheckName,
    /// `host:port`.
    pub address: String,
}

#[cfg(feature = "health")]
/// `health.memory:` the built-in process memory check.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryCheckConfig {
    /// Check name (default `memory`).
    pub name: Option<CheckName>,
    /// Limit in bytes (default: the cgroup's).
    pub limit_bytes: Option<u64>,
}

/// Values checked while the file is read, so their errors carry the position.
macro_rules! checked {
    ($(#[$doc:meta])* $name:ident($inner:ty) => |$v:ident| $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(pub $inner);

        impl $name {
            fn checked($v: $inner) -> Result<Self, String> {
                let problem: Option<String> = $check;
                match problem {
                    None => Ok(Self($v)),
                    Some(p) => Err(p),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::checked(<$inner>::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }
    };
}

checked!(
    /// A namespace, checked with the naming rules.
    Namespace(String) => |v| vitalsign_naming::check_namespace(&v).first().map(ToString::to_string)
);
checked!(
    /// A label name, checked with the naming rules.
    #[derive(Eq, PartialOrd, Ord)]
    LabelName(String) => |v| vitalsign_naming::check_label_name(&v).first().map(ToString::to_string)
);
#[cfg(feature = "health")]
checked!(
    /// A health check name: snake_case.
    CheckName(String) => |v| vitalsign_naming::check_check_name(&v).map(|p| p.to_string())
);
#[cfg(feature = "server")]
checked!(
    /// An HTTP status code, 100 to 599.
    StatusCode(u16) => |v| (!(100..=599).contains(&v)).then(|| format!("{v} is not an HTTP status code"))
);
#[cfg(feature = "server")]
checked!(
    /// A duration as text (`"5s"`), parsed with the naming crate's rules.
    DurationText(String) => |v| vitalsign_naming::parse_duration(&v).err().map(|p| p.message)
);
#[cfg(feature = "health")]
checked!(
    /// A ratio between 0 and 1.
    Ratio(f64) => |v| (!(0.0..=1.0).contains(&v)).then(|| format!("{v} is not a ratio between 0 and 1"))
);

/// Names of enum values in the file.
#[cfg(any(feature = "logging", feature = "server"))]
macro_rules! names {
    ($(#[$doc:meta])* $name:ident => $target:ty { $($word:literal => $value:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub $target);

        // The file and the environment read the same words.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let word = [$(($value, $word)),*]
                    .into_iter()
                    .find(|(value, _)| *value == self.0)
                    .map_or("", |(_, word)| word);
                s.serialize_str(word)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(word: &str) -> Result<Self, String> {
                match word {
                    $($word => Ok(Self($value)),)*
                    _ => Err(format!("`{word}` is not one of {}", [$(concat!("`", $word, "`")),*].join(", "))),
                }
            }
        }
    };
}

#[cfg(feature = "logging")]
/// Where log lines go, as the file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `stdout`, the default.
    Stdout,
    /// `stderr`.
    Stderr,
    /// `file`: in `logging.directory`, rotated by `logging.rotation`.
    File,
}

#[cfg(feature = "logging")]
names!(
    /// `logging.format`.
    FormatName => LogFormat { "auto" => LogFormat::Auto, "json" => LogFormat::Json, "ecs" => LogFormat::Ecs, "pretty" => LogFormat::Pretty }
);
#[cfg(feature = "logging")]
names!(
    /// `logging.output`.
    OutputName => Output { "stdout" => Output::Stdout, "stderr" => Output::Stderr, "file" => Output::File }
);
#[cfg(feature = "logging")]
names!(
    /// `logging.rotation`.
    RotationName => Rotation { "hourly" => Rotation::Hourly, "daily" => Rotation::Daily, "never" => Rotation::Never }
);
#[cfg(feature = "server")]
names!(
    /// `health.show_details`.
    DetailsName => ShowDetails { "never" => ShowDetails::Never, "always" => ShowDetails::Always, "loopback" => ShowDetails::Loopback }
);

impl Config {
    /// Reads a `.yaml`/`.yml` or `.toml` file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let error = |problem: String| ConfigError {
            key: file.clone(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read: {e}")))?;
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Self::from_yaml(&text).map_err(|e| located(e, &file)),
            Some("toml") => Self::from_toml(&text).map_err(|e| located(e, &file)),
            _ => Err(error(
                "the configuration file must end in .yaml, .yml or .toml".into(),
            )),
        }
    }

    /// Parses YAML.
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        let de = serde_yaml_ng::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = key_of(e.path());
            // The YAML error ends with its position: "... at line 3 column 14".
            let inner = e.into_inner().to_string();
            let problem = inner
                .split_once(": ")
                .filter(|(p, _)| !p.contains(' '))
                .map_or(inner.clone(), |(_, r)| r.to_owned());
            ConfigError { key, problem }
        })
    }

    /// Parses TOML.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| ConfigError {
            key: "(file)".into(),
            problem: e.to_string(),
        })?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = key_of(e.path());
            let inner = e.into_inner();
            let position = inner.span().map_or_else(String::new, |span| {
                let line = text[..span.start].matches('\n').count() + 1;
                let column = span.start - text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" at line {line} column {column}")
            });
            ConfigError {
                key,
                problem: format!("{}{position}", inner.message()),
            }
        })
    }

    /// Applies the `VITALSIGN_*` environment overrides, reading variables through `var`
    /// (`|n| std::env::var(n).ok()` in production; a map in tests). An empty variable is unset.
    pub fn env_overrides(
        &mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let mut merged = to_value(&*self);
        for key in keys() {
            let name = variable_of(&key);
            let Some(raw) = var(&name).filter(|v| !v.is_empty()) else {
                continue;
            };
            let value = env_value(&key, &name, &raw)?;
            put(&mut merged, &key, value);
        }
        *self = serde_path_to_error::deserialize(merged).map_err(|e| ConfigError {
            key: variable_of(&key_of(e.path())),
            problem: e.into_inner().to_string(),
        })?;
        Ok(())
    }

    /// Every key of the file, as dotted paths (`metrics.bind_addr`): the settings, each with
    /// its variable ([`variable_of`]) and a row in docs/operations.md.
    pub fn keys() -> Vec<String> {
        keys()
    }
}

/// The environment variable of a key: `VITALSIGN_` and the key path in upper case, with `_`
/// for `.` (`metrics.bind_addr` → `VITALSIGN_METRICS_BIND_ADDR`).
pub fn variable_of(key: &str) -> String {
    format!("VITALSIGN_{}", key.replace('.', "_").to_uppercase())
}

fn to_value(config: &Config) -> Value {
    serde_yaml_ng::to_value(config).expect("the configuration serializes")
}

/// The keys of the schema, read off a default configuration: a mapping that is not empty is a
/// section, anything else (a value, a list, a map of labels) a setting.
fn keys() -> Vec<String> {
    fn walk(prefix: &str, map: &Mapping, out: &mut Vec<String>) {
        for (k, v) in map {
            let key = match (prefix, k.as_str()) {
                ("", Some(k)) => k.to_owned(),
                (p, Some(k)) => format!("{p}.{k}"),
                (_, None) => continue,
            };
            match v {
                Value::Mapping(inner) if !inner.is_empty() => walk(&key, inner, out),
                _ => out.push(key),
            }
        }
    }
    let mut out = Vec::new();
    if let Value::Mapping(root) = to_value(&Config::default()) {
        walk("", &root, &mut out);
    }
    out
}

/// The value of a variable for `key`: as YAML, unless that reads as something else than the
/// text and the key wants text (a version `1.10`, a token with a `#`). Labels also take the
/// shorthand `region=eu-1,az=b`.
fn env_value(key: &str, name: &str, raw: &str) -> Result<Value, ConfigError> {
    let error = |problem: String| ConfigError {
        key: name.to_owned(),
        problem: format!("`{raw}`: {problem}"),
    };
    if key == "metrics.global_labels" && !raw.trim_start().starts_with('{') {
        let mut labels = Mapping::new();
        for pair in raw.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| error(format!("`{pair}` is not `name=value`")))?;
            labels.insert(k.trim().into(), v.trim().into());
        }
        return check(key, Value::Mapping(labels)).map_err(error);
    }
    let text = Value::String(raw.to_owned());
    let parsed = serde_yaml_ng::from_str::<Value>(raw).unwrap_or_else(|_| text.clone());
    if parsed == text {
        return check(key, text).map_err(error);
    }
    check(key, parsed)
        .or_else(|first| check(key, text).map_err(|_| first))
        .map_err(error)
}

/// `value` if it is a valid value for `key` alone.
fn check(key: &str, value: Value) -> Result<Value, String> {
    let mut tree = Value::Mapping(Mapping::new());
    put(&mut tree, key, value.clone());
    serde_yaml_ng::from_value::<Config>(tree)
        .map(|_| value)
        .map_err(|e| e.to_string())
}

/// Sets `key` (a dotted path) in `tree` to `value`, making the sections on the way.
fn put(tree: &mut Value, key: &str, value: Value) {
    let mut node = tree;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if !matches!(node, Value::Mapping(_)) {
            *node = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(map) = node else {
            unreachable!("made a mapping above")
        };
        if parts.peek().is_none() {
            map.insert(part.into(), value);
            return;
        }
        node = map
            .entry(part.into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
    }
}

/// The dotted key a deserialization error is at (`metrics.bind_addr`), or `(file)` at the top.
fn key_of(path: &serde_path_to_error::Path) -> String {
    match path.to_string() {
        p if p == "." || p.is_empty() => "(file)".to_owned(),
        p => p,
    }
}

fn located(mut e: ConfigError, file: &str) -> ConfigError {
    e.problem = format!("{} in {file}", e.problem);
    e
}

// The examples use every room's settings.
#[cfg(all(test, feature = "server", feature = "logging"))]
mod tests {
    use super::*;

    #[test]
    fn keys_and_their_variables_follow_the_rule() {
        let keys = Config::keys();
        assert_eq!(keys.len(), 26, "{keys:#?}");
        for (key, variable) in [
            ("metrics.bind_addr", "VITALSIGN_METRICS_BIND_ADDR"),
            (
                "health.status_codes.unknown",
                "VITALSIGN_HEALTH_STATUS_CODES_UNKNOWN",
            ),
            ("health.disk", "VITALSIGN_HEALTH_DISK"),
        ] {
            assert!(keys.iter().any(|k| k == key), "{key}");
            assert_eq!(variable_of(key), variable);
        }
    }

    #[test]
    fn variables_read_yaml_through_the_file_checks() {
        let env = |name: &str, value: &str| {
            let mut c = Config::default();
            let (name, value) = (name.to_owned(), value.to_owned());
            c.env_overrides(move |n| (n == name).then(|| value.clone()))
                .map(|()| c)
        };
        let c = env("VITALSIGN_METRICS_DEFAULT_BUCKETS", "[0.001, 0.5]").unwrap();
        assert_eq!(c.metrics.default_buckets, Some(vec![0.001, 0.5]));
        let c = env("VITALSIGN_HEALTH_DISK", "[{name: data, path: /var/lib}]").unwrap();
        assert_eq!(c.health.disk[0].name.0, "data");
        // Text stays text where the key wants text, whatever YAML would make of it.
        let c = env("VITALSIGN_VERSION", "1.10").unwrap();
        assert_eq!(c.version.as_deref(), Some("1.10"));
        let c = env("VITALSIGN_METRICS_AUTH_TOKEN", "a#token: with {odd} bits").unwrap();
        assert_eq!(
            c.metrics.auth_token.as_deref(),
            Some("a#token: with {odd} bits")
        );
        let e = env("VITALSIGN_METRICS_HEADER_READ_TIMEOUT", "5").unwrap_err();
        assert_eq!(e.key, "VITALSIGN_METRICS_HEADER_READ_TIMEOUT");
        let e = env("VITALSIGN_HEALTH_TCP", "[{name: Bad Name, address: x}]").unwrap_err();
        assert!(e.problem.contains("bad_name"), "{e}");
    }
}
