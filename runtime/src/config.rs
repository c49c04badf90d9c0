//! The configuration file (YAML or TOML) and `VITALSIGN_*` environment overrides.
//!
//! Precedence, lowest first: the builder (the developer's defaults in code), the file (the
//! deployment's), the environment (the operator's last word, no rebuild or file edit needed).
//! Unknown keys and bad values are start-up errors naming the key, with the file position
//! where the parser knows it: values are checked while the file is read.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::health::ShowDetails;
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The service's name (health bodies, log lines).
    pub service: Option<String>,
    /// The service's version (health bodies, log lines, `build_info`).
    pub version: Option<String>,
    /// Namespace of vitalsign's own metrics.
    pub namespace: Option<Namespace>,
    /// `/metrics`.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Logs.
    #[serde(default)]
    pub logging: LoggingConfig,
    /// Health endpoints and built-in checks.
    #[serde(default)]
    pub health: HealthConfig,
}

/// `metrics:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve `/metrics` (instrumentation records either way).
    pub enabled: Option<bool>,
    /// Address of the HTTP server.
    pub bind_addr: Option<SocketAddr>,
    /// Labels on every series.
    #[serde(default)]
    pub global_labels: BTreeMap<LabelName, String>,
    /// Default bucket bounds of duration histograms, seconds.
    pub default_buckets: Option<Vec<f64>>,
    /// Bearer token for `/metrics`, `/stats` and health details.
    pub auth_token: Option<String>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Series one family may have before new label sets fold into its overflow series.
    pub max_series_per_family: Option<usize>,
    /// How long a client may take to send its request headers (`"5s"`).
    pub header_read_timeout: Option<DurationText>,
}

/// `logging:`
#[derive(Debug, Clone, Default, Deserialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// `never`, `always` or `loopback`.
    pub show_details: Option<DetailsName>,
    /// HTTP status code per health status.
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

/// `health.status_codes:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCodesConfig {
    /// For healthy.
    pub healthy: Option<StatusCode>,
    /// For degraded.
    pub degraded: Option<StatusCode>,
    /// For unhealthy.
    pub unhealthy: Option<StatusCode>,
    /// For unknown.
    pub unknown: Option<StatusCode>,
}

/// `health.disk[]:`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskCheckConfig {
    /// Check name.
    pub name: CheckName,
    /// A path on the file system to watch.
    pub path: PathBuf,
    /// Degraded below this free ratio (0..1).
    pub degraded_below_ratio: Option<Ratio>,
    /// Unhealthy below this free ratio (0..1).
    pub unhealthy_below_ratio: Option<Ratio>,
}

/// `health.tcp[]:`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpCheckConfig {
    /// Check name.
    pub name: CheckName,
    /// `host:port`.
    pub address: String,
}

/// `health.memory:`
#[derive(Debug, Clone, Deserialize)]
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

        // The environment reads the same values through the same check.
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                Self::checked(text.parse().map_err(|e: <$inner as std::str::FromStr>::Err| e.to_string())?)
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
checked!(
    /// A health check name: snake_case.
    CheckName(String) => |v| vitalsign_naming::check_check_name(&v).map(|p| p.to_string())
);
checked!(
    /// An HTTP status code, 100 to 599.
    StatusCode(u16) => |v| (!(100..=599).contains(&v)).then(|| format!("{v} is not an HTTP status code"))
);
checked!(
    /// A duration as text (`"5s"`), parsed with the naming crate's rules.
    DurationText(String) => |v| vitalsign_naming::parse_duration(&v).err().map(|p| p.message)
);
checked!(
    /// A ratio between 0 and 1.
    Ratio(f64) => |v| (!(0.0..=1.0).contains(&v)).then(|| format!("{v} is not a ratio between 0 and 1"))
);

/// Names of enum values in the file.
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

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// Rotated files.
    File,
}

names!(
    /// `logging.format`.
    FormatName => LogFormat { "auto" => LogFormat::Auto, "json" => LogFormat::Json, "ecs" => LogFormat::Ecs, "pretty" => LogFormat::Pretty }
);
names!(
    /// `logging.output`.
    OutputName => Output { "stdout" => Output::Stdout, "stderr" => Output::Stderr, "file" => Output::File }
);
names!(
    /// `logging.rotation`.
    RotationName => Rotation { "hourly" => Rotation::Hourly, "daily" => Rotation::Daily, "never" => Rotation::Never }
);
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
    /// (`|n| std::env::var(n).ok()` in production; a map in tests).
    pub fn env_overrides(
        &mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e| ConfigError {
                key: name.to_owned(),
                problem: format!("`{value}`: {e}"),
            })
        }
        let get = |name: &str| {
            var(name)
                .filter(|v| !v.is_empty())
                .map(|v| (name.to_owned(), v))
        };
        if let Some((_, v)) = get("VITALSIGN_SERVICE") {
            self.service = Some(v);
        }
        if let Some((_, v)) = get("VITALSIGN_VERSION") {
            self.version = Some(v);
        }
        if let Some((n, v)) = get("VITALSIGN_NAMESPACE") {
            self.namespace = Some(parse(&n, &v)?);
        }
        if let Some((n, v)) = get("VITALSIGN_METRICS_ENABLED") {
            self.metrics.enabled = Some(parse(&n, &v)?);
        }
        if let Some((n, v)) = get("VITALSIGN_METRICS_BIND_ADDR") {
            self.metrics.bind_addr = Some(parse(&n, &v)?);
        }
        if let Some((_, v)) = get("VITALSIGN_METRICS_AUTH_TOKEN") {
            self.metrics.auth_token = Some(v);
        }
        if let Some((n, v)) = get("VITALSIGN_METRICS_MAX_CONNECTIONS") {
            self.metrics.max_connections = Some(parse(&n, &v)?);
        }
        if let Some((n, v)) = get("VITALSIGN_METRICS_GLOBAL_LABELS") {
            for pair in v.split(',').filter(|p| !p.trim().is_empty()) {
                let (k, value) = pair.split_once('=').ok_or_else(|| ConfigError {
                    key: n.clone(),
                    problem: format!("`{pair}` is not `name=value`"),
                })?;
                self.metrics
                    .global_labels
                    .insert(parse(&n, k.trim())?, value.trim().to_owned());
            }
        }
        if let Some((n, v)) = get("VITALSIGN_LOGGING_ENABLED") {
            self.logging.enabled = Some(parse(&n, &v)?);
        }
        if let Some((n, v)) = get("VITALSIGN_LOGGING_FORMAT") {
            self.logging.format = Some(parse(&n, &v)?);
        }
        if let Some((_, v)) = get("VITALSIGN_LOGGING_LEVEL") {
            self.logging.level = Some(v);
        }
        if let Some((n, v)) = get("VITALSIGN_LOGGING_OUTPUT") {
            self.logging.output = Some(parse(&n, &v)?);
        }
        if let Some((_, v)) = get("VITALSIGN_LOGGING_DIRECTORY") {
            self.logging.directory = Some(v.into());
        }
        if let Some((n, v)) = get("VITALSIGN_HEALTH_SHOW_DETAILS") {
            self.health.show_details = Some(parse(&n, &v)?);
        }
        Ok(())
    }
}

/// Splits a parser message into the key it names (when it says) and the problem.
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
