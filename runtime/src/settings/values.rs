//! The values settings take, each with its one rule. The rule runs when a file or a variable is
//! read (so its error carries the position) and again at `install()` over whatever the builder,
//! the file and the environment left, so a value set in code is held to the same rule.

use std::time::Duration;

use super::{Shown, Value};
#[cfg(feature = "server")]
use crate::health::ShowDetails;
#[cfg(feature = "logging")]
use crate::logging::{LogFormat, Rotation};

/// A value whose rule is a function of its inner value: `problem` says what is wrong, if anything.
macro_rules! checked {
    ($(#[$doc:meta])* $name:ident($inner:ty) => |$v:ident| $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "config", derive(serde::Serialize))]
        #[cfg_attr(feature = "config", serde(transparent))]
        pub struct $name(pub $inner);

        impl Value for $name {
            fn problem(&self) -> Option<String> {
                let $v = &self.0;
                $check
            }
        }

        #[cfg(feature = "config")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = Self(<$inner as serde::Deserialize>::deserialize(d)?);
                match value.problem() {
                    None => Ok(value),
                    Some(p) => Err(serde::de::Error::custom(p)),
                }
            }
        }
    };
}

checked!(
    /// A namespace, checked with the naming rules.
    Namespace(String) => |v| vitalsign_naming::check_namespace(v).first().map(ToString::to_string)
);
checked!(
    /// A label name, checked with the naming rules.
    #[derive(Eq, PartialOrd, Ord)]
    LabelName(String) => |v| vitalsign_naming::check_label_name(v).first().map(ToString::to_string)
);
checked!(
    /// A global label's value, checked with the naming rules.
    LabelText(String) => |v| vitalsign_naming::check_label_value(v).first().map(ToString::to_string)
);
checked!(
    /// Histogram bucket bounds: finite, positive, increasing.
    Buckets(Vec<f64>) => |v| vitalsign_naming::check_buckets(v).first().map(|(_, p)| p.to_string())
);
checked!(
    /// A count that must be at least 1.
    AtLeastOne(usize) => |v| (*v == 0).then(|| "must be at least 1".to_owned())
);
checked!(
    /// The finest schema of native histogram buckets: Prometheus takes -4 to 8.
    NativeSchema(i8) => |v| {
        use crate::storage::{MAX_SCHEMA, MIN_SCHEMA};
        (!(MIN_SCHEMA..=MAX_SCHEMA).contains(v)).then(|| {
            format!("{v} is not a native histogram schema: between -4 (coarsest) and 8 (finest)")
        })
    }
);
checked!(
    /// Native buckets per series and recording thread: at least 8, so that any durations fit
    /// at the coarsest schema; at most 16,384, which hold every duration at the finest.
    NativeMaxBuckets(usize) => |v| {
        use crate::storage::{MAX_NATIVE_BUCKETS as MAX, MIN_NATIVE_BUCKETS as MIN};
        (!(MIN..=MAX).contains(v))
            .then(|| format!("{v} is not between {MIN} and {MAX} (every duration at the finest schema)"))
    }
);
#[cfg(feature = "health")]
checked!(
    /// A health check name: snake_case.
    CheckName(String) => |v| vitalsign_naming::check_check_name(v).map(|p| p.to_string())
);
#[cfg(feature = "health")]
checked!(
    /// A ratio between 0 and 1.
    Ratio(f64) => |v| (!(0.0..=1.0).contains(v)).then(|| format!("{v} is not a ratio between 0 and 1"))
);
#[cfg(feature = "server")]
checked!(
    /// An HTTP status code, 100 to 599.
    StatusCode(u16) => |v| (!(100..=599).contains(v)).then(|| format!("{v} is not an HTTP status code"))
);
#[cfg(feature = "server")]
checked!(
    /// The server's address, `IP:port`.
    BindAddr(String) => |v| BindAddr::parse(v).err()
);

#[cfg(feature = "server")]
impl BindAddr {
    /// The address, or why the text is none.
    pub(crate) fn parse(text: &str) -> Result<std::net::SocketAddr, String> {
        text.parse()
            .map_err(|e| format!("`{text}` is not an IP:port address ({e})"))
    }
}

/// A bearer token: at least 16 characters, no whitespace. Its value is never shown, not in
/// errors and not in `Debug`.
#[cfg(feature = "server")]
#[derive(Clone, PartialEq)]
#[cfg_attr(feature = "config", derive(serde::Serialize))]
#[cfg_attr(feature = "config", serde(transparent))]
pub struct Token(pub String);

#[cfg(feature = "server")]
impl Value for Token {
    const SECRET: bool = true;

    fn problem(&self) -> Option<String> {
        (self.0.len() < 16 || self.0.chars().any(char::is_whitespace)).then(|| {
            "a token is at least 16 characters without spaces (the value is not shown)".to_owned()
        })
    }
}

#[cfg(feature = "server")]
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

#[cfg(all(feature = "server", feature = "config"))]
impl<'de> serde::Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let token = Self(String::deserialize(d)?);
        match token.problem() {
            None => Ok(token),
            Some(p) => Err(serde::de::Error::custom(p)),
        }
    }
}

/// A positive duration, written as text (`"5s"`, `"1m 30s"`) in files and variables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval(pub Duration);

impl Value for Interval {
    fn problem(&self) -> Option<String> {
        self.0
            .is_zero()
            .then(|| "must be greater than zero".to_owned())
    }
}

#[cfg(feature = "config")]
impl<'de> serde::Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        vitalsign_naming::parse_duration(&text)
            .map(Self)
            .map_err(|p| serde::de::Error::custom(p.message))
    }
}

#[cfg(feature = "config")]
impl serde::Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&vitalsign_naming::format_duration(self.0))
    }
}

/// A choice among words: the file, the environment and `Debug` use the same words.
#[cfg(any(feature = "logging", feature = "server"))]
macro_rules! words {
    ($(#[$doc:meta])* $name:ident => $target:ty { $($word:literal => $value:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub $target);

        impl Value for $name {}

        impl Shown for $name {
            fn shown(&self) -> Option<String> {
                [$(($value, $word)),*]
                    .into_iter()
                    .find(|(value, _)| *value == self.0)
                    .map(|(_, word)| word.to_owned())
            }
        }

        #[cfg(feature = "config")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "config")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.shown().unwrap_or_default())
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

/// Where log lines go, as the file names it.
#[cfg(feature = "logging")]
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
words!(
    /// `logging.format`.
    FormatName => LogFormat { "auto" => LogFormat::Auto, "json" => LogFormat::Json, "ecs" => LogFormat::Ecs, "pretty" => LogFormat::Pretty }
);
#[cfg(feature = "logging")]
words!(
    /// `logging.output`.
    OutputName => Output { "stdout" => Output::Stdout, "stderr" => Output::Stderr, "file" => Output::File }
);
#[cfg(feature = "logging")]
words!(
    /// `logging.rotation`.
    RotationName => Rotation { "hourly" => Rotation::Hourly, "daily" => Rotation::Daily, "never" => Rotation::Never }
);
#[cfg(feature = "server")]
words!(
    /// `health.show_details`.
    DetailsName => ShowDetails { "never" => ShowDetails::Never, "always" => ShowDetails::Always, "loopback" => ShowDetails::Loopback }
);

/// Numbers are shown as they are written.
macro_rules! shown_as_written {
    ($($name:ident),*) => {$(
        impl Shown for $name {
            fn shown(&self) -> Option<String> {
                Some(self.0.to_string())
            }
        }
    )*};
}

shown_as_written!(AtLeastOne, NativeSchema, NativeMaxBuckets);

/// A list of bounds is described in words in the docs, not spelled out.
impl Shown for Buckets {
    fn shown(&self) -> Option<String> {
        None
    }
}

impl Shown for Interval {
    fn shown(&self) -> Option<String> {
        Some(vitalsign_naming::format_duration(self.0))
    }
}

#[cfg(feature = "server")]
impl Shown for BindAddr {
    fn shown(&self) -> Option<String> {
        Some(self.0.clone())
    }
}

#[cfg(feature = "server")]
impl Shown for StatusCode {
    fn shown(&self) -> Option<String> {
        Some(self.0.to_string())
    }
}
