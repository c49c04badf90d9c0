//! The settings, once checked, as the rooms take them: each room's options built from its
//! section, with the declared defaults where nothing set a value.

#[cfg(any(feature = "logging", feature = "server", feature = "health"))]
use super::Config;
#[cfg(feature = "logging")]
use super::ConfigError;
#[cfg(feature = "logging")]
use crate::logging::{LogOutput, LogSettings, MemoryWriter};

/// The logging room's options. `output: file` needs a directory.
#[cfg(feature = "logging")]
pub(crate) fn log_settings(
    config: &Config,
    memory: Option<MemoryWriter>,
) -> Result<LogSettings, ConfigError> {
    use super::Output;
    let l = &config.logging;
    let output = match (l.output.map(|o| o.0), memory) {
        (Some(Output::Stderr), _) => LogOutput::Stderr,
        (Some(Output::File), _) => LogOutput::File {
            directory: l.directory.clone().ok_or_else(|| ConfigError {
                key: "logging.directory".into(),
                problem: "`output: file` needs a `directory`".into(),
            })?,
            prefix: l.prefix(),
            rotation: l.rotation().0,
        },
        (None, Some(writer)) => LogOutput::Memory(writer),
        (Some(Output::Stdout) | None, _) => LogOutput::Stdout,
    };
    Ok(LogSettings {
        enabled: l.enabled(),
        format: l.format().0,
        filter: l.level(),
        output,
    })
}

/// The server's address and options.
#[cfg(feature = "server")]
pub(crate) fn http_options(
    config: &Config,
) -> Result<(crate::server::Address, crate::server::HttpOptions), super::ConfigError> {
    use crate::server::{Address, HttpOptions, Limits, StatusCodes};
    let (m, h) = (&config.metrics, &config.health);
    let address = |key: &str, addr: &super::BindAddr| {
        let at = super::BindAddr::parse(&addr.0).map_err(|problem| super::ConfigError {
            key: key.into(),
            problem,
        })?;
        let setting = Config::settings()
            .into_iter()
            .find(|s| s.key == key)
            .map(|s| match s.builder {
                Some(method) => format!("`{key}` ({}, Builder::{method})", s.variable),
                None => format!("`{key}` ({})", s.variable),
            })
            .unwrap_or_else(|| format!("`{key}`"));
        Ok::<_, super::ConfigError>(Address { at, setting })
    };
    let bind_addr = address("metrics.bind_addr", &m.bind_addr())?;
    let health_addr = h
        .bind_addr
        .as_ref()
        .map(|addr| address("health.bind_addr", addr))
        .transpose()?;
    let codes = &h.status_codes;
    let options = HttpOptions {
        limits: Limits {
            max_connections: m.max_connections().0,
            max_connections_per_client: m.max_connections_per_client().0,
            header_read_timeout: m.header_read_timeout().0,
        },
        health_addr,
        auth_token: m.auth_token.clone().map(|t| t.0),
        serve_metrics: m.enabled(),
        status_page: config.status.enabled(),
        show_details: h.show_details().0,
        codes: StatusCodes {
            healthy: codes.healthy().0,
            degraded: codes.degraded().0,
            unhealthy: codes.unhealthy().0,
            unknown: codes.unknown().0,
        },
        service: config.service.clone(),
        version: config.version.clone(),
        started: std::time::Instant::now(),
    };
    Ok((bind_addr, options))
}

/// The most points the history keeps per operation: a day at 5 s.
#[cfg(feature = "server")]
const MAX_HISTORY_POINTS: u128 = 17_280;

/// How the `/stats` sampler runs and how much history it keeps (`status.*`).
#[cfg(feature = "server")]
pub(crate) fn sampling(config: &Config) -> Result<crate::stats::Sampling, super::ConfigError> {
    use std::time::Duration;
    let s = &config.status;
    let (every, history) = (s.sample_every().0, s.history().0);
    let problem = |key: &str, problem: String| super::ConfigError {
        key: key.into(),
        problem,
    };
    if !(Duration::from_secs(1)..=Duration::from_secs(60)).contains(&every) {
        // Each sample walks every series; more often than a second costs CPU for nothing a
        // person can see, and past a minute `/stats`'s one-minute window stops being one.
        return Err(problem(
            "status.sample_every",
            "must be between `1s` and `60s`".into(),
        ));
    }
    let points = history.as_millis() / every.as_millis();
    if points == 0 {
        return Err(problem(
            "status.history",
            format!(
                "must be at least `status.sample_every` ({})",
                vitalsign_naming::format_duration(every)
            ),
        ));
    }
    if points > MAX_HISTORY_POINTS {
        return Err(problem(
            "status.history",
            format!(
                "keeps {points} points at `status.sample_every` {}; at most {MAX_HISTORY_POINTS}: \
                 shorten it or sample less often",
                vitalsign_naming::format_duration(every)
            ),
        ));
    }
    Ok(crate::stats::Sampling {
        every,
        points: points as usize,
    })
}

/// The built-in checks the settings ask for (`health.disk`, `health.tcp`, `health.memory`).
#[cfg(feature = "health")]
pub(crate) fn builtin_checks(
    config: &Config,
) -> Vec<std::sync::Arc<dyn crate::health::HealthCheck>> {
    use std::sync::Arc;

    use crate::health::HealthCheck;
    use crate::health::builtin::{DiskSpace, ProcessMemory, TcpConnect, Threshold};
    let h = &config.health;
    let mut checks: Vec<Arc<dyn HealthCheck>> = Vec::new();
    for d in &h.disk {
        let mut check = DiskSpace::new(d.name.0.clone(), d.path.clone());
        if let Some(r) = &d.degraded_below_ratio {
            check = check.degraded_below(Threshold::Ratio(r.0));
        }
        if let Some(r) = &d.unhealthy_below_ratio {
            check = check.unhealthy_below(Threshold::Ratio(r.0));
        }
        checks.push(Arc::new(check));
    }
    for t in &h.tcp {
        checks.push(Arc::new(TcpConnect::new(
            t.name.0.clone(),
            t.address.clone(),
        )));
    }
    if let Some(m) = &h.memory {
        let name = m.name.as_ref().map_or("memory", |n| &n.0);
        let mut check = ProcessMemory::new(name.to_owned());
        if let Some(limit) = m.limit_bytes {
            check = check.limit(limit);
        }
        checks.push(Arc::new(check));
    }
    checks
}
