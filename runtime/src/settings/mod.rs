//! Every setting of an install, declared once.
//!
//! Each setting is one line of a [`section!`] in `schema.rs`: its key, its doc, its value type
//! with that type's rule, its default and, when code may set it, its `Builder` method. From that
//! line come the builder method, the file key, the `VITALSIGN_*` variable (the key path in upper
//! case, see [`Config::settings`]), the check at `install()` and the list the docs table is
//! held to. Precedence, lowest first: the builder (the developer's defaults in code), the file
//! (the deployment's), the environment (the operator's last word).

mod builder;
mod resolve;
pub(crate) mod schema;
pub(crate) mod values;

use std::collections::BTreeMap;

#[cfg(feature = "server")]
pub use builder::DEFAULT_BIND_ADDR;
pub use builder::{Builder, DEFAULT_BUCKETS};
#[cfg(feature = "health")]
pub(crate) use resolve::builtin_checks;
#[cfg(feature = "logging")]
pub(crate) use resolve::log_settings;
#[cfg(feature = "server")]
pub(crate) use resolve::{http_options, sampling};
pub(crate) use schema::*;
pub(crate) use values::*;

pub use crate::setting_error::ConfigError;

/// One setting, as the docs table and the environment see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key path in the file (`metrics.bind_addr`).
    pub key: String,
    /// The environment variable that overrides it (`VITALSIGN_METRICS_BIND_ADDR`).
    pub variable: String,
    /// The `Builder` method that sets it in code, if code may.
    pub builder: Option<&'static str>,
    /// What it means, from its declaration.
    pub doc: String,
    /// Its declared default, as the file would write it (`None` when it has none, or when it
    /// is not one word: a default bucket list).
    pub default: Option<String>,
    /// Whether its value is a secret (a token), which no error shows.
    pub secret: bool,
}

/// A default as the file would write it.
pub(crate) trait Shown {
    fn shown(&self) -> Option<String>;
}

impl Shown for bool {
    fn shown(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl Shown for String {
    fn shown(&self) -> Option<String> {
        Some(self.clone())
    }
}

/// The environment variable of a key: `VITALSIGN_` and the key path in upper case, with `_`
/// for `.` (`metrics.bind_addr` → `VITALSIGN_METRICS_BIND_ADDR`).
pub fn variable_of(key: &str) -> String {
    format!("VITALSIGN_{}", key.replace('.', "_").to_uppercase())
}

/// A value a setting takes. `problem` is its rule; most values have none beyond their type.
pub(crate) trait Value {
    /// A secret (a token): no error, from any source, shows the value.
    const SECRET: bool = false;

    /// What is wrong with the value, if anything.
    fn problem(&self) -> Option<String> {
        None
    }

    /// The rule, run with the key the value sits at (entries of a list check their fields).
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        match self.problem() {
            None => Ok(()),
            Some(problem) => Err(ConfigError {
                key: key.to_owned(),
                problem,
            }),
        }
    }
}

impl Value for bool {}
impl Value for String {}
impl Value for usize {}
impl Value for u64 {}
impl Value for std::path::PathBuf {}

/// A field of a section: a setting (an optional value, a list, a map) or a section below.
pub(crate) trait Field {
    /// Whether the setting's value is a secret, which no error shows.
    const SECRET: bool = false;
    /// Runs the rule of every value set under `key`.
    fn check(&self, key: &str) -> Result<(), ConfigError>;
    /// `top` replaces what it sets: what the file says replaces what the code said.
    fn overlay(&mut self, top: Self);
    /// The settings under `key`.
    fn describe(
        key: &str,
        builder: Option<&'static str>,
        doc: &str,
        default: Option<String>,
        out: &mut Vec<Setting>,
    ) {
        out.push(Setting {
            key: key.to_owned(),
            variable: variable_of(key),
            builder,
            doc: doc.trim().to_owned(),
            default,
            secret: Self::SECRET,
        });
    }
}

impl<T: Value> Field for Option<T> {
    const SECRET: bool = T::SECRET;

    fn check(&self, key: &str) -> Result<(), ConfigError> {
        self.as_ref().map_or(Ok(()), |v| v.check(key))
    }

    fn overlay(&mut self, top: Self) {
        if top.is_some() {
            *self = top;
        }
    }
}

/// A list is replaced as a whole: a list in the file says which entries there are.
impl<T: Value> Field for Vec<T> {
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        self.iter()
            .enumerate()
            .try_for_each(|(i, v)| v.check(&format!("{key}[{i}]")))
    }

    fn overlay(&mut self, top: Self) {
        if !top.is_empty() {
            *self = top;
        }
    }
}

/// A map is merged by key: the file adds labels and replaces those it names.
impl Field for BTreeMap<LabelName, LabelText> {
    fn check(&self, key: &str) -> Result<(), ConfigError> {
        self.iter().try_for_each(|(k, v)| {
            let key = format!("{key}.{}", k.0);
            k.check(&key)?;
            v.check(&key)
        })
    }

    fn overlay(&mut self, top: Self) {
        self.extend(top);
    }
}

/// A setting with a declared default.
pub(crate) trait Defaulted {
    type Of;
    fn or(&self, default: Self::Of) -> Self::Of;
}

impl<T: Clone> Defaulted for Option<T> {
    type Of = T;
    fn or(&self, default: T) -> T {
        self.clone().unwrap_or(default)
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Declares a section of the settings. Each field is one setting (or a section below):
///
/// ```text
/// /// Doc: the docs table, the file's schema and the builder method share it.
/// #[cfg(feature = "server")]                      // the room the setting belongs to
/// max_connections: Option<AtLeastOne> = AtLeastOne(512),   // type, and the default
///     set max_connections(max: usize) => AtLeastOne(max);  // the builder method
/// ```
///
/// A setting that code sets through a hand-written builder method (a composite such as
/// `log_output`) names it with `by log_output`; one with neither is set only by the file and the
/// environment (built-in checks).
macro_rules! section {
    (@getter [$($cfg:tt)*] $field:ident $ty:ty = $default:expr) => {
        $($cfg)*
        #[doc = concat!("`", stringify!($field), "`, or its default.")]
        pub(crate) fn $field(&self) -> <$ty as $crate::settings::Defaulted>::Of {
            $crate::settings::Defaulted::or(&self.$field, $default)
        }
    };
    (@getter [$($cfg:tt)*] $field:ident $ty:ty) => {};
    (@setter [$($path:ident).+] [$($attrs:tt)*] $field:ident, $setter:ident($arg:ident: $argty:ty) => $conv:expr) => {
        $($attrs)*
        pub fn $setter(mut self, $arg: $argty) -> Self {
            self.$($path).+.$field = Some($conv);
            self
        }
    };
    (@setter [$($path:ident).+] [$($attrs:tt)*] $field:ident) => {};
    (@name $setter:ident) => { Some(stringify!($setter)) };
    (@name) => { None };
    (@shown $default:expr) => { $crate::settings::Shown::shown(&$default) };
    (@shown) => { None };
    (
        $(#[doc = $sdoc:literal])*
        $(#[cfg($scfg:meta)])?
        pub struct $name:ident at $path:tt {
            $(
                $(#[doc = $doc:literal])+
                $(#[cfg($cfg:meta)])?
                $field:ident: $ty:ty $(= $default:expr)?
                    $(, set $setter:ident($arg:ident: $argty:ty) => $conv:expr)?
                    $(, by $by:ident)?;
            )*
        }
    ) => {
        $(#[doc = $sdoc])*
        $(#[cfg($scfg)])?
        #[derive(Debug, Clone, Default)]
        #[cfg_attr(feature = "config", derive(serde::Deserialize, serde::Serialize))]
        #[cfg_attr(feature = "config", serde(default, deny_unknown_fields))]
        pub struct $name {
            $(
                $(#[doc = $doc])+
                $(#[cfg($cfg)])?
                pub $field: $ty,
            )*
        }

        $(#[cfg($scfg)])?
        impl $crate::settings::Field for $name {
            fn check(&self, key: &str) -> Result<(), $crate::settings::ConfigError> {
                $(
                    $(#[cfg($cfg)])?
                    $crate::settings::Field::check(&self.$field, &$crate::settings::join(key, stringify!($field)))?;
                )*
                Ok(())
            }

            fn overlay(&mut self, top: Self) {
                $(
                    $(#[cfg($cfg)])?
                    $crate::settings::Field::overlay(&mut self.$field, top.$field);
                )*
            }

            fn describe(
                key: &str,
                _: Option<&'static str>,
                _: &str,
                _: Option<String>,
                out: &mut Vec<$crate::settings::Setting>,
            ) {
                $(
                    $(#[cfg($cfg)])?
                    <$ty as $crate::settings::Field>::describe(
                        &$crate::settings::join(key, stringify!($field)),
                        section!(@name $($setter)? $($by)?),
                        concat!($($doc),+),
                        section!(@shown $($default)?),
                        out,
                    );
                )*
            }
        }

        $(#[cfg($scfg)])?
        impl $name {
            $(
                section!(@getter [$(#[cfg($cfg)])?] $field $ty $(= $default)?);
            )*
        }

        $(#[cfg($scfg)])?
        impl $crate::settings::Builder {
            $(
                section!(@setter $path [$(#[doc = $doc])+ $(#[cfg($cfg)])?] $field $(, $setter($arg: $argty) => $conv)?);
            )*
        }
    };
}

pub(crate) use section;
