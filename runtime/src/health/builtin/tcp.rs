//! A dependency's TCP port accepts connections.

use std::time::Instant;

use crate::ErrorCode;
use crate::health::{BoxFuture, CheckSpec, HealthCheck, Outcome};

/// Healthy if a TCP connection to `address` opens within the check's timeout. For a
/// readiness check on a dependency; never use it for liveness (see `docs/health.md`).
#[derive(Debug, Clone)]
pub struct TcpConnect {
    spec: CheckSpec,
    address: String,
}

impl TcpConnect {
    /// Checks `address` (`host:port`).
    pub fn new(
        name: impl Into<std::borrow::Cow<'static, str>>,
        address: impl Into<String>,
    ) -> Self {
        let address = address.into();
        Self {
            spec: CheckSpec::new(name).description(format!("TCP connect to {address}")),
            address,
        }
    }

    /// Replaces the spec.
    pub fn with_spec(mut self, spec: CheckSpec) -> Self {
        self.spec = spec;
        self
    }
}

impl HealthCheck for TcpConnect {
    fn spec(&self) -> CheckSpec {
        self.spec.clone()
    }

    fn run(&self) -> BoxFuture<'_, Outcome> {
        Box::pin(async move {
            let started = Instant::now();
            match tokio::net::TcpStream::connect(&self.address).await {
                Ok(_) => Outcome::healthy()
                    .with_detail("address", &self.address)
                    .with_observed("connect_time", started.elapsed().as_secs_f64(), "seconds"),
                Err(e) => Outcome::unhealthy(format!("cannot connect to {}: {e}", self.address))
                    .with_detail("address", &self.address)
                    .with_detail("code", e.error_code()),
            }
        })
    }
}
