//! A Grafana dashboard (JSON model, importable): the datasource, `job`, `instance` and `op` are
//! template variables, each defaulting to every value, so the dashboard shows data whatever job
//! name Prometheus scrapes the service under; one row of panels per instrumented family, one
//! panel per declared metric (counters as rates and gauges as values, by their labels;
//! histograms as quantiles), then health and process.

use serde_json::{Value, json};

use crate::catalogue::{Catalogue, Declared, MetricType};

struct Panels {
    list: Vec<Value>,
    y: u32,
}

impl Panels {
    fn add(&mut self, title: &str, unit: &str, targets: &[(&str, String)], kind: &str) {
        let id = self.list.len() + 1;
        let x = if self.list.len().is_multiple_of(2) {
            0
        } else {
            12
        };
        let targets: Vec<Value> = targets
            .iter()
            .enumerate()
            .map(|(i, (legend, expr))| {
                json!({
                    "refId": char::from(b'A' + i as u8).to_string(),
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "expr": expr,
                    "legendFormat": legend,
                })
            })
            .collect();
        self.list.push(json!({
            "id": id,
            "type": kind,
            "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": 12, "x": x, "y": self.y},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": targets,
        }));
        if x == 12 {
            self.y += 8;
        }
    }
}

/// Every series of the service on the chosen targets: what each query selects.
const TARGETS: &str = "job=~\"$job\", instance=~\"$instance\"";

/// A query variable over the values of `label`, all selected by default. `allValue` is a regex
/// that matches every value: without it Grafana's "All" would list only the values it loaded,
/// and an operation of another family, or one first seen after the dashboard loaded, would be
/// hidden.
fn variable(name: &str, label: &str, query: String) -> Value {
    json!({
        "name": name, "type": "query", "label": label,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": query, "refId": format!("{name}-values")},
        "definition": query,
        "includeAll": true, "multi": true, "allValue": ".*", "refresh": 2, "sort": 1,
        "current": {"selected": true, "text": ["All"], "value": ["$__all"]},
    })
}

impl Catalogue {
    /// A Grafana dashboard for `service`: its title and uid. Which Prometheus jobs and
    /// instances it shows are the dashboard's variables, from the targets that expose the
    /// service's build info, so it works under any scrape job name.
    pub fn grafana_dashboard(&self, service: &str) -> String {
        let sel = TARGETS;
        let mut p = Panels {
            list: Vec::new(),
            y: 0,
        };
        let mut calls_families = Vec::new();
        for g in self.groups() {
            let ops = format!("{sel}, op=~\"$op\"");
            calls_families.push(g.calls.clone());
            p.add(
                &format!("{}: calls per second by op", g.base),
                "reqps",
                &[(
                    "{{op}}",
                    format!("sum by (op) (rate({}{{{ops}}}[$__rate_interval]))", g.calls),
                )],
                "timeseries",
            );
            p.add(
                &format!("{}: errors per second by code and class", g.base),
                "reqps",
                &[(
                    "{{op}} {{code}} ({{class}})",
                    format!(
                        "sum by (op, code, class) (rate({}{{{ops}}}[$__rate_interval]))",
                        g.errors
                    ),
                )],
                "timeseries",
            );
            let quantile = |q: &str| {
                super::promql::quantile(
                    q,
                    &g.duration,
                    "op",
                    &format!("{{{ops}}}"),
                    "$__rate_interval",
                )
            };
            p.add(
                &format!("{}: latency p50 / p95 / p99", g.base),
                "s",
                &[
                    ("p50 {{op}}", quantile("0.5")),
                    ("p95 {{op}}", quantile("0.95")),
                    ("p99 {{op}}", quantile("0.99")),
                ],
                "timeseries",
            );
            if let Some(in_flight) = &g.in_flight {
                p.add(
                    &format!("{}: calls in flight", g.base),
                    "short",
                    &[("{{op}}", format!("sum by (op) ({in_flight}{{{ops}}})"))],
                    "timeseries",
                );
            }
        }
        for d in self.declared() {
            declared_panel(&mut p, d, sel);
        }
        // Without the `health` feature there are no health families.
        #[cfg(feature = "health")]
        if let Some(status) = self.own_family(&crate::health::HEALTH_CHECK_STATUS) {
            p.add(
                "Health check status (1 healthy, 0.5 degraded, 0 unhealthy)",
                "short",
                &[("{{instance}} {{check}}", format!("{status}{{{sel}}}"))],
                "timeseries",
            );
        }
        if let Some(uptime) = self.own_family(&crate::process::UPTIME) {
            p.add(
                "Uptime",
                "s",
                &[("{{instance}}", format!("{uptime}{{{sel}}}"))],
                "stat",
            );
        }
        p.add(
            "Process CPU",
            "percentunit",
            &[(
                "{{instance}}",
                format!("rate(process_cpu_seconds_total{{{sel}}}[$__rate_interval])"),
            )],
            "timeseries",
        );
        p.add(
            "Process resident memory",
            "bytes",
            &[(
                "{{instance}}",
                format!("process_resident_memory_bytes{{{sel}}}"),
            )],
            "timeseries",
        );
        let build = self
            .own_family(&crate::process::BUILD_INFO)
            .expect("every catalogue has its build info family");
        // Every family's operations, not the first family's only.
        let ops = if calls_families.is_empty() {
            format!("label_values({build}{{{sel}}}, op)")
        } else {
            format!(
                "label_values({{__name__=~\"{}\", {sel}}}, op)",
                calls_families.join("|")
            )
        };
        let dashboard = json!({
            "title": format!("{service} (vitalsign)"),
            "uid": format!("vitalsign-{service}"),
            "tags": ["vitalsign", service],
            "timezone": "browser",
            "schemaVersion": 39,
            "version": 1,
            "refresh": "30s",
            "time": {"from": "now-1h", "to": "now"},
            "templating": {"list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
                variable("job", "Job", format!("label_values({build}, job)")),
                variable("instance", "Instance", format!("label_values({build}{{job=~\"$job\"}}, instance)")),
                variable("op", "Operation", ops),
            ]},
            "panels": p.list,
        });
        serde_json::to_string_pretty(&dashboard).expect("dashboard serializes") + "\n"
    }
}

/// The panel of one declared metric, by its labels.
fn declared_panel(p: &mut Panels, d: &Declared, sel: &str) {
    let name = d.family();
    let by = d.label_keys().join(", ");
    let legend = if d.label_keys().is_empty() {
        "{{instance}}".to_owned()
    } else {
        d.label_keys()
            .iter()
            .map(|l| format!("{{{{{l}}}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let value_unit = match d.unit() {
        "seconds" => "s",
        "bytes" => "bytes",
        "ratio" => "percentunit",
        _ => "short",
    };
    match d.kind() {
        MetricType::Counter => {
            let unit = match d.unit() {
                "bytes" => "Bps",
                "seconds" => "percentunit",
                _ => "cps",
            };
            p.add(
                &format!("{name}: per second"),
                unit,
                &[(
                    &legend,
                    format!("sum by ({by}) (rate({name}{{{sel}}}[$__rate_interval]))"),
                )],
                "timeseries",
            );
        }
        MetricType::Gauge => {
            let expr = if by.is_empty() {
                format!("{name}{{{sel}}}")
            } else {
                format!("sum by ({by}) ({name}{{{sel}}})")
            };
            p.add(name, value_unit, &[(&legend, expr)], "timeseries");
        }
        MetricType::Histogram => {
            let quantile = |q: &str| {
                super::promql::quantile(q, name, &by, &format!("{{{sel}}}"), "$__rate_interval")
            };
            let with = |p: &str| format!("{p} {legend}");
            p.add(
                &format!("{name}: p50 / p95 / p99"),
                value_unit,
                &[
                    (&with("p50"), quantile("0.5")),
                    (&with("p95"), quantile("0.95")),
                    (&with("p99"), quantile("0.99")),
                ],
                "timeseries",
            );
        }
    }
}
