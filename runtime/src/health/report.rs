//! A snapshot of health for one probe, and its JSON bodies.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::model::{CheckSpec, CheckState, Kind, Status};

/// Which checks a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every check, plus the manual switches and the startup gate (`/health`).
    All,
    /// Liveness checks and the live switch (`/health/live`).
    Liveness,
    /// Readiness checks, the ready switch and the startup gate (`/health/ready`).
    Readiness,
    /// Startup checks; healthy for good once they have all passed (`/health/startup`).
    Startup,
}

impl Scope {
    pub(crate) fn kind(self) -> Option<Kind> {
        match self {
            Scope::All => None,
            Scope::Liveness => Some(Kind::Liveness),
            Scope::Readiness => Some(Kind::Readiness),
            Scope::Startup => Some(Kind::Startup),
        }
    }
}

/// One check in a report.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// What the check is.
    pub spec: CheckSpec,
    /// Its last result.
    pub state: CheckState,
}

/// The health of one scope, read from the cache.
#[derive(Debug, Clone)]
pub struct Report {
    /// Which probe this report answers.
    pub scope: Scope,
    /// The checks' statuses combined (see `aggregate`), then the switches and the startup
    /// gate.
    pub status: Status,
    /// Why the status is worse than the checks' (a switch, the startup gate).
    pub reasons: Vec<String>,
    /// The checks in scope, in registration order.
    pub checks: Vec<CheckReport>,
}

/// Service facts the bodies carry.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServiceInfo {
    pub service: Option<String>,
    pub version: Option<String>,
    pub uptime_seconds: f64,
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

impl Report {
    /// The default body: `{"status", "version", "uptime_seconds", "checks": {name: {..}}}`.
    /// Without `details`, messages, details and observed values are left out.
    pub(crate) fn to_json(&self, info: &ServiceInfo, details: bool) -> Value {
        let mut checks = Map::new();
        for c in &self.checks {
            let o = &c.state.outcome;
            let mut entry = Map::new();
            entry.insert("status".into(), json!(o.status));
            entry.insert("critical".into(), json!(c.spec.critical));
            entry.insert("kinds".into(), json!(c.spec.kinds));
            if details {
                if let Some(m) = &o.message {
                    entry.insert("message".into(), json!(m));
                }
                if !o.details.is_empty() {
                    entry.insert("details".into(), json!(o.details));
                }
                if let Some(obs) = &o.observed {
                    entry.insert("observed".into(), json!(obs));
                }
            }
            if let Some(d) = c.state.duration {
                entry.insert(
                    "duration_ms".into(),
                    json!(vitalsign_naming::duration_ms(d)),
                );
            }
            if let Some(t) = c.state.last_check {
                entry.insert("last_check".into(), json!(rfc3339(t)));
            }
            checks.insert(c.spec.name.to_string(), Value::Object(entry));
        }
        let mut body = Map::new();
        body.insert("status".into(), json!(self.status));
        if let Some(s) = &info.service {
            body.insert("service".into(), json!(s));
        }
        if let Some(v) = &info.version {
            body.insert("version".into(), json!(v));
        }
        body.insert("uptime_seconds".into(), json!(info.uptime_seconds));
        if !self.reasons.is_empty() {
            body.insert("reasons".into(), json!(self.reasons));
        }
        body.insert("checks".into(), Value::Object(checks));
        Value::Object(body)
    }

    /// The IETF health-check draft's body (`application/health+json`): `pass`/`warn`/`fail`,
    /// checks keyed `component:measurement`.
    pub(crate) fn to_health_json(&self, info: &ServiceInfo, details: bool) -> Value {
        let mut checks = Map::new();
        for c in &self.checks {
            let o = &c.state.outcome;
            let measurement = o
                .observed
                .as_ref()
                .map_or("status", |obs| obs.measurement.as_str());
            let mut item = Map::new();
            item.insert("componentId".into(), json!(c.spec.name));
            item.insert("componentType".into(), json!("component"));
            item.insert("status".into(), json!(o.status.ietf()));
            if let Some(t) = c.state.last_check {
                item.insert("time".into(), json!(rfc3339(t)));
            }
            if details {
                if let Some(obs) = &o.observed {
                    item.insert("observedValue".into(), json!(obs.value));
                    item.insert("observedUnit".into(), json!(obs.unit));
                }
                if let Some(m) = &o.message {
                    item.insert("output".into(), json!(m));
                }
            }
            checks.insert(
                format!("{}:{measurement}", c.spec.name),
                json!([Value::Object(item)]),
            );
        }
        let mut body = Map::new();
        body.insert("status".into(), json!(self.status.ietf()));
        if let Some(v) = &info.version {
            body.insert("version".into(), json!(v));
        }
        if let Some(s) = &info.service {
            body.insert("serviceId".into(), json!(s));
        }
        if !self.reasons.is_empty() {
            body.insert("output".into(), json!(self.reasons.join("; ")));
        }
        body.insert("checks".into(), Value::Object(checks));
        Value::Object(body)
    }
}
