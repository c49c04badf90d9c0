//! The configuration file (YAML or TOML) and `VITALSIGN_*` environment overrides.
//!
//! Precedence, lowest first: the builder (the developer's defaults in code), the file (the
//! deployment's), the environment (the operator's last word, no rebuild or file edit needed).
//! Unknown keys and bad values are start-up errors naming the key, with the file position
//! where the parser knows it: values are checked while the file is read.
//!
//! The settings are declared once, with the builder (see [`Config::settings`]); the keys of the
//! file are their fields, and the environment variables come from those keys by one rule
//! ([`variable_of`]): `VITALSIGN_` and the key path in upper case, `_` for `.`. A variable's
//! value is read as that key's value in YAML (`true`, `5s`, `[0.001, 0.01]`,
//! `[{name: data, path: /var/lib/db}]`), through the same checks as the file.

use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

pub use crate::settings::schema::*;
pub use crate::settings::values::*;
pub use crate::settings::{ConfigError, Setting, variable_of};

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
        Self::parse_yaml(text).map_err(secret_hidden)
    }

    /// Parses TOML.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::parse_toml(text).map_err(secret_hidden)
    }

    fn parse_yaml(text: &str) -> Result<Self, ConfigError> {
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

    fn parse_toml(text: &str) -> Result<Self, ConfigError> {
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
        for setting in Config::settings() {
            let Some(raw) = var(&setting.variable).filter(|v| !v.is_empty()) else {
                continue;
            };
            let value = env_value(&setting.key, &setting.variable, &raw, setting.secret)
                .map_err(secret_hidden)?;
            put(&mut merged, &setting.key, value);
        }
        *self = serde_path_to_error::deserialize(merged).map_err(|e| {
            let key = key_of(e.path());
            secret_hidden(ConfigError {
                key: variable_of(&key),
                problem: e.into_inner().to_string(),
            })
        })?;
        Ok(())
    }
}

/// `e` without any value when it is about a secret setting (by its key or variable). A rule's
/// own message says it does not show the value and is kept; a parser's may quote it (`invalid
/// type: integer `1234``), so only its position is kept.
fn secret_hidden(e: ConfigError) -> ConfigError {
    const NOT_SHOWN: &str = "(the value is not shown)";
    let secret = Config::settings()
        .iter()
        .any(|s| s.secret && (e.key == s.key || e.key == s.variable));
    if !secret || e.problem.contains(NOT_SHOWN) {
        return e;
    }
    let position = e
        .problem
        .rfind(" at line ")
        .map_or("", |at| &e.problem[at..]);
    ConfigError {
        problem: format!("not a valid value for a secret {NOT_SHOWN}{position}"),
        key: e.key,
    }
}

fn to_value(config: &Config) -> Value {
    serde_yaml_ng::to_value(config).expect("the configuration serializes")
}

/// The value of a variable for `key`: as YAML, unless that reads as something else than the
/// text and the key wants text (a version `1.10`, a token with a `#`). Labels also take the
/// shorthand `region=eu-1,az=b`.
fn env_value(key: &str, name: &str, raw: &str, secret: bool) -> Result<Value, ConfigError> {
    let error = |problem: String| ConfigError {
        key: name.to_owned(),
        problem: if secret {
            problem
        } else {
            format!("`{raw}`: {problem}")
        },
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
            // A map (`metrics.global_labels`) is merged by key, as the file merges into the
            // builder's: the environment adds labels and replaces those it names.
            match (map.get_mut(part), value) {
                (Some(Value::Mapping(below)), Value::Mapping(top)) => below.extend(top),
                (_, value) => {
                    map.insert(part.into(), value);
                }
            }
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

    /// No error shows a refused token, from any source: the environment, a YAML or TOML file,
    /// whether the value is refused by its rule or by its type.
    #[test]
    fn no_error_shows_a_secret() {
        let env = |value: &'static str| {
            let mut config = Config::default();
            config
                .env_overrides(|n| (n == "VITALSIGN_METRICS_AUTH_TOKEN").then(|| value.to_owned()))
                .unwrap_err()
        };
        for (error, value) in [
            (env("abc123"), "abc123"),
            (env("12345"), "12345"),
            (env("has a space in it, long"), "has a space in it, long"),
            (
                Config::from_yaml("metrics:\n  auth_token: abc123\n").unwrap_err(),
                "abc123",
            ),
            (
                Config::from_yaml("metrics:\n  auth_token: 98765\n").unwrap_err(),
                "98765",
            ),
            (
                Config::from_toml("[metrics]\nauth_token = 98765\n").unwrap_err(),
                "98765",
            ),
            (
                Config::from_toml("[metrics]\nauth_token = \"abc123\"\n").unwrap_err(),
                "abc123",
            ),
        ] {
            let shown = error.to_string();
            assert!(!shown.contains(value), "{shown}");
            assert!(shown.contains("not shown"), "{shown}");
            assert!(
                shown.contains("auth_token") || shown.contains("AUTH_TOKEN"),
                "{shown}"
            );
        }
        // A value that is no secret is still shown, so that a typo can be found.
        let mut config = Config::default();
        let shown = config
            .env_overrides(|n| (n == "VITALSIGN_METRICS_BIND_ADDR").then(|| "nowhere".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(shown.contains("nowhere"), "{shown}");
    }

    /// The environment's labels merge with the file's by name, as the file's do with the
    /// builder's.
    #[test]
    fn environment_labels_merge_with_the_files() {
        let mut config =
            Config::from_yaml("metrics:\n  global_labels: {zone: file-zone, rack: r1}\n").unwrap();
        config
            .env_overrides(|n| {
                (n == "VITALSIGN_METRICS_GLOBAL_LABELS").then(|| "region=eu-1,rack=r2".to_owned())
            })
            .unwrap();
        let labels: Vec<(String, String)> = config
            .metrics
            .global_labels
            .iter()
            .map(|(k, v)| (k.0.clone(), v.0.clone()))
            .collect();
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            labels,
            [
                pair("rack", "r2"),
                pair("region", "eu-1"),
                pair("zone", "file-zone")
            ]
        );
    }

    #[test]
    fn keys_and_their_variables_follow_the_rule() {
        // No count to keep by hand: the docs' table is held to these keys (tests/env_variables.rs).
        let keys = Config::keys();
        let unique: std::collections::BTreeSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "a key declared twice: {keys:#?}");
        for (key, variable) in [
            (
                "metrics.created_timestamps",
                "VITALSIGN_METRICS_CREATED_TIMESTAMPS",
            ),
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
        assert_eq!(c.metrics.default_buckets, Some(Buckets(vec![0.001, 0.5])));
        let c = env("VITALSIGN_HEALTH_DISK", "[{name: data, path: /var/lib}]").unwrap();
        assert_eq!(c.health.disk[0].name.0, "data");
        // Text stays text where the key wants text, whatever YAML would make of it.
        let c = env("VITALSIGN_VERSION", "1.10").unwrap();
        assert_eq!(c.version.as_deref(), Some("1.10"));
        let c = env("VITALSIGN_METRICS_AUTH_TOKEN", "{an-odd#token,in-braces}").unwrap();
        assert_eq!(
            c.metrics.auth_token.map(|t| t.0).as_deref(),
            Some("{an-odd#token,in-braces}")
        );
        let e = env("VITALSIGN_METRICS_HEADER_READ_TIMEOUT", "5").unwrap_err();
        assert_eq!(e.key, "VITALSIGN_METRICS_HEADER_READ_TIMEOUT");
        let e = env("VITALSIGN_HEALTH_TCP", "[{name: Bad Name, address: x}]").unwrap_err();
        assert!(e.problem.contains("bad_name"), "{e}");
    }
}
