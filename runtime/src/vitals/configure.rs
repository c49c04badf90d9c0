//! The configuration file and the environment, applied over the builder's settings at
//! `install()`: the environment over the file, the file over the code.

use crate::config::Config;
use crate::settings::{Builder, Field};

use super::InstallError;

/// The builder with the file (if any) and the environment applied over its settings.
pub(super) fn configured(mut b: Builder) -> Result<Builder, InstallError> {
    let mut config = match &b.config_file {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    config.env_overrides(|name| std::env::var(name).ok())?;
    b.settings.overlay(config);
    Ok(b)
}
