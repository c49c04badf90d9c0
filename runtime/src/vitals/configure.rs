//! The configuration file and the environment, applied over the builder at `install()`. Each
//! room's settings are applied by its own function, compiled with its feature.

use crate::config::{Config, ConfigError};

use super::{Builder, InstallError};

impl Builder {
    /// The file (if any) and the environment, applied over this builder.
    pub(super) fn configured(self) -> Result<Self, InstallError> {
        let mut config = match &self.config_file {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        config.env_overrides(|name| std::env::var(name).ok())?;
        Ok(apply(self, config)?)
    }
}

/// What the configuration says replaces what the code said.
fn apply(mut b: Builder, config: Config) -> Result<Builder, ConfigError> {
    if let Some(v) = config.service {
        b = b.service(v);
    }
    if let Some(v) = config.version {
        b = b.version(v);
    }
    if let Some(v) = config.namespace {
        b = b.namespace(v.0);
    }
    let m = config.metrics;
    #[cfg(feature = "server")]
    {
        b = server(b, &m);
    }
    for (k, v) in m.global_labels {
        b = b.global_label(k.0, v);
    }
    if let Some(v) = m.default_buckets {
        b = b.default_buckets(&v);
    }
    if let Some(v) = m.max_series_per_family {
        b = b.max_series_per_family(v);
    }
    #[cfg(feature = "logging")]
    {
        b = logging(b, config.logging)?;
    }
    #[cfg(feature = "health")]
    {
        b = health(b, config.health);
    }
    Ok(b)
}

/// The server's part of `metrics:`.
#[cfg(feature = "server")]
fn server(mut b: Builder, m: &crate::config::MetricsConfig) -> Builder {
    if let Some(v) = m.enabled {
        b = b.serve_metrics(v);
    }
    if let Some(v) = m.bind_addr {
        b = b.bind_addr(v.to_string());
    }
    if let Some(v) = &m.auth_token {
        b = b.auth_token(v.clone());
    }
    if let Some(v) = m.max_connections {
        b = b.max_connections(v);
    }
    // Checked when read: a text that got here parses.
    if let Some(v) = &m.header_read_timeout
        && let Ok(d) = vitalsign_naming::parse_duration(&v.0)
    {
        b = b.header_read_timeout(d);
    }
    b
}

#[cfg(feature = "logging")]
fn logging(mut b: Builder, l: crate::config::LoggingConfig) -> Result<Builder, ConfigError> {
    use crate::config::Output;
    use crate::logging::{LogOutput, Rotation};
    if let Some(v) = l.enabled {
        b = b.logging(v);
    }
    if let Some(v) = l.format {
        b = b.log_format(v.0);
    }
    if let Some(v) = l.level {
        b = b.log_level(v);
    }
    match l.output.map(|o| o.0) {
        Some(Output::Stdout) => b = b.log_output(LogOutput::Stdout),
        Some(Output::Stderr) => b = b.log_output(LogOutput::Stderr),
        Some(Output::File) => {
            let directory = l.directory.ok_or_else(|| ConfigError {
                key: "logging.directory".into(),
                problem: "`output: file` needs a `directory`".into(),
            })?;
            b = b.log_output(LogOutput::File {
                directory,
                prefix: l.prefix.unwrap_or_else(|| "vitalsign.log".into()),
                rotation: l.rotation.map_or(Rotation::Daily, |r| r.0),
            });
        }
        None => {}
    }
    Ok(b)
}

#[cfg(feature = "health")]
fn health(mut b: Builder, h: crate::config::HealthConfig) -> Builder {
    use crate::health::builtin::{DiskSpace, ProcessMemory, TcpConnect, Threshold};
    #[cfg(feature = "server")]
    {
        use crate::health::Status;
        if let Some(v) = h.show_details {
            b = b.show_details(v.0);
        }
        let codes = [
            (Status::Healthy, h.status_codes.healthy),
            (Status::Degraded, h.status_codes.degraded),
            (Status::Unhealthy, h.status_codes.unhealthy),
            (Status::Unknown, h.status_codes.unknown),
        ];
        for (status, code) in codes {
            if let Some(code) = code {
                b = b.health_status_code(status, code.0);
            }
        }
    }
    for d in h.disk {
        let mut check = DiskSpace::new(d.name.0, d.path);
        if let Some(r) = d.degraded_below_ratio {
            check = check.degraded_below(Threshold::Ratio(r.0));
        }
        if let Some(r) = d.unhealthy_below_ratio {
            check = check.unhealthy_below(Threshold::Ratio(r.0));
        }
        b = b.health(check);
    }
    for t in h.tcp {
        b = b.health(TcpConnect::new(t.name.0, t.address));
    }
    if let Some(m) = h.memory {
        let mut check = ProcessMemory::new(m.name.map_or_else(|| "memory".to_owned(), |n| n.0));
        if let Some(limit) = m.limit_bytes {
            check = check.limit(limit);
        }
        b = b.health(check);
    }
    b
}
