//! Files generated from the catalogue, so the alerts, the dashboard and the reference can never
//! name a metric that does not exist: Prometheus alerting rules, a Grafana dashboard and a
//! Markdown metric reference.

mod dashboard;
mod promql;
mod reference;
mod rules;

pub use rules::RulesOptions;

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
