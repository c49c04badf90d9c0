//! Files generated from the catalogue, so the alerts, the dashboard and the reference can never
//! name a metric that does not exist: Prometheus alerting rules, a Grafana dashboard and a
//! Markdown metric reference.

mod dashboard;
mod reference;
mod rules;

pub use rules::RulesOptions;

use crate::catalogue::{Catalogue, Role};

/// One instrumented family group: the base name (`kvstore_requests`) and its family names.
/// The generated files and `/stats` read them.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub base: String,
    pub calls: String,
    pub errors: String,
    pub duration: String,
    pub in_flight: Option<String>,
}

impl Catalogue {
    /// The namespace of vitalsign's own families (health, build info), when installed.
    pub(crate) fn own_namespace(&self) -> Option<String> {
        self.families()
            .iter()
            .find(|f| f.role() == Role::BuildInfo)
            .and_then(|f| f.name().strip_suffix("_build_info").map(str::to_owned))
    }

    /// The instrumented family groups, sorted by base name.
    pub(crate) fn groups(&self) -> Vec<Group> {
        self.families()
            .iter()
            .filter(|f| f.role() == Role::Calls)
            .map(|f| {
                let base = f
                    .name()
                    .strip_suffix("_total")
                    .unwrap_or(f.name())
                    .to_owned();
                let in_flight = format!("{base}_in_flight");
                let has_in_flight = self.families().iter().any(|g| g.name() == in_flight);
                Group {
                    errors: format!("{base}_errors_total"),
                    duration: format!("{base}_duration_seconds"),
                    in_flight: has_in_flight.then_some(in_flight),
                    calls: f.name().to_owned(),
                    base,
                }
            })
            .collect()
    }
}

/// `KvstoreRequests` from `kvstore_requests`: alert names are CamelCase by convention.
pub(crate) fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
