//! `Builder`: the settings of an install, set in code. The file and the environment apply
//! over them at `install()`. The methods of plain settings come from their declarations in
//! `schema.rs`; the ones here set composite settings or hold what no file can say (a check
//! object, an in-memory log).

#[cfg(feature = "health")]
use std::sync::Arc;

use super::{Config, LabelName, LabelText};
#[cfg(feature = "health")]
use crate::health::HealthCheck;
#[cfg(feature = "server")]
use crate::health::Status;
#[cfg(feature = "logging")]
use crate::logging::{LogOutput, MemoryWriter};

/// Default bucket bounds of duration histograms, in seconds: 50 µs (a cached read) to 10 s (a
/// slow scan or a stalled disk), about three per decade.
pub const DEFAULT_BUCKETS: &[f64] = vitalsign_naming::DEFAULT_BUCKETS;

/// Default address of the metrics server: loopback only, so nothing is exposed by accident; on
/// a port no Prometheus component takes by default (9090 the server, 9091 the Pushgateway,
/// 9093/9094 the Alertmanager, 9100 node_exporter), so the two run side by side on one host.
#[cfg(feature = "server")]
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:9898";

/// Options for [`Vitals`](crate::Vitals); see [`Vitals::builder`](crate::Vitals::builder).
#[derive(Clone, Default)]
pub struct Builder {
    pub(crate) settings: Config,
    #[cfg(feature = "config")]
    pub(crate) config_file: Option<std::path::PathBuf>,
    #[cfg(feature = "health")]
    pub(crate) checks: Vec<Arc<dyn HealthCheck>>,
    /// Log lines kept in memory (tests): no file or variable can name one.
    #[cfg(feature = "logging")]
    pub(crate) log_memory: Option<MemoryWriter>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Builder");
        d.field("settings", &self.settings);
        #[cfg(feature = "health")]
        {
            let checks: Vec<String> = self
                .checks
                .iter()
                .map(|c| c.spec().name.to_string())
                .collect();
            d.field("checks", &checks);
        }
        d.finish_non_exhaustive()
    }
}

impl Builder {
    /// A label added to every series (`region="eu-1"`), the setting `metrics.global_labels`.
    /// Its name and value follow the label rules; the same name again replaces the value.
    pub fn global_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings
            .metrics
            .global_labels
            .insert(LabelName(key.into()), LabelText(value.into()));
        self
    }

    /// A YAML or TOML configuration file, read at `install()`: what it sets replaces what the
    /// code set, and `VITALSIGN_*` environment variables replace both (see `docs/operations.md`).
    #[cfg(feature = "config")]
    pub fn config_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Registers a health check. Checks start running in the background at `install()` when
    /// called inside a tokio runtime, else when the server is bound.
    #[cfg(feature = "health")]
    pub fn health(mut self, check: impl HealthCheck) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// Where log lines go (default: standard output): the settings `logging.output`,
    /// `logging.directory`, `logging.prefix` and `logging.rotation`.
    #[cfg(feature = "logging")]
    pub fn log_output(mut self, output: LogOutput) -> Self {
        use super::{Output, OutputName, RotationName};
        let logging = &mut self.settings.logging;
        self.log_memory = None;
        logging.output = match output {
            LogOutput::Stdout => Some(OutputName(Output::Stdout)),
            LogOutput::Stderr => Some(OutputName(Output::Stderr)),
            LogOutput::File {
                directory,
                prefix,
                rotation,
            } => {
                logging.directory = Some(directory);
                logging.prefix = Some(prefix);
                logging.rotation = Some(RotationName(rotation));
                Some(OutputName(Output::File))
            }
            LogOutput::Memory(writer) => {
                self.log_memory = Some(writer);
                None
            }
        };
        self
    }

    /// The HTTP status code health endpoints answer for `status` (defaults: healthy and
    /// degraded 200, unhealthy and unknown 503): the settings `health.status_codes.*`.
    #[cfg(feature = "server")]
    pub fn health_status_code(mut self, status: Status, code: u16) -> Self {
        let codes = &mut self.settings.health.status_codes;
        let slot = match status {
            Status::Healthy => &mut codes.healthy,
            Status::Degraded => &mut codes.degraded,
            Status::Unhealthy => &mut codes.unhealthy,
            Status::Unknown => &mut codes.unknown,
        };
        *slot = Some(super::StatusCode(code));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_set_again_replaces_its_value() {
        let b = Builder::default()
            .global_label("az", "a")
            .global_label("region", "eu")
            .global_label("az", "b");
        let labels: Vec<(&str, &str)> = b
            .settings
            .metrics
            .global_labels
            .iter()
            .map(|(k, v)| (k.0.as_str(), v.0.as_str()))
            .collect();
        assert_eq!(labels, [("az", "b"), ("region", "eu")]);
    }
}
