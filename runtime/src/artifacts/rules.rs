//! Prometheus alerting rules: per instrumented family, an error ratio and a p99 latency alert;
//! for the service, instance down and health checks failing.

use serde::Serialize;

use super::camel;
use crate::catalogue::Catalogue;

/// Thresholds and names of the generated rules.
#[derive(Debug, Clone)]
pub struct RulesOptions {
    /// The `job` label Prometheus gives this service's targets.
    pub job: String,
    /// Error ratio (failed / all calls over 5 minutes) above which a family alerts.
    pub error_ratio: f64,
    /// p99 latency in seconds above which a family alerts.
    pub latency_p99_seconds: f64,
    /// Prefix of the `runbook_url` annotations (the alert name is appended).
    pub runbook_base: String,
    /// Families (base names) that get no latency alert: those whose duration is a lifetime
    /// (a connection, a session), not a response time.
    pub no_latency_alert: Vec<String>,
}

impl RulesOptions {
    /// Defaults for `job`: 5 % errors, 1 s p99, runbooks under a placeholder address.
    pub fn new(job: impl Into<String>) -> Self {
        Self {
            job: job.into(),
            error_ratio: 0.05,
            latency_p99_seconds: 1.0,
            runbook_base: "https://runbooks.example.com/".into(),
            no_latency_alert: Vec::new(),
        }
    }

    /// No latency alert for the family `base` (`kvstore_connections`).
    pub fn without_latency_alert(mut self, base: impl Into<String>) -> Self {
        self.no_latency_alert.push(base.into());
        self
    }
}

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

#[derive(Serialize)]
struct RuleGroup {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    alert: String,
    expr: String,
    #[serde(rename = "for")]
    for_: &'static str,
    labels: Labels,
    annotations: Annotations,
}

#[derive(Serialize)]
struct Labels {
    severity: &'static str,
}

#[derive(Serialize)]
struct Annotations {
    summary: String,
    description: String,
    runbook_url: String,
}

impl Catalogue {
    /// Prometheus alerting rules (YAML) for the instrumented families and the service.
    pub fn prometheus_rules(&self, options: &RulesOptions) -> String {
        let job = &options.job;
        let alert =
            |name: String, expr: String, for_, severity, summary: String, description: String| {
                Rule {
                    alert: name.clone(),
                    expr,
                    for_,
                    labels: Labels { severity },
                    annotations: Annotations {
                        summary,
                        description,
                        runbook_url: format!("{}{name}", options.runbook_base),
                    },
                }
            };
        let mut groups = Vec::new();
        for g in self.groups() {
            let base = &g.base;
            let by = "job, instance, op";
            let mut rules = vec![alert(
                format!("{}ErrorRatioHigh", camel(base)),
                format!(
                    "sum by ({by}) (rate({errors}{{job=\"{job}\"}}[5m]))\n  / sum by ({by}) (rate({calls}{{job=\"{job}\"}}[5m]))\n  > {ratio}",
                    errors = g.errors,
                    calls = g.calls,
                    ratio = options.error_ratio
                ),
                "10m",
                "warning",
                format!("{base}: {{{{ $labels.op }}}} calls fail too often"),
                format!(
                    "More than {}% of {{{{ $labels.op }}}} calls on {{{{ $labels.instance }}}} failed over the last 5 minutes.",
                    options.error_ratio * 100.0
                ),
            )];
            if options.no_latency_alert.contains(base) {
                groups.push(RuleGroup {
                    name: base.clone(),
                    rules,
                });
                continue;
            }
            rules.push(
                alert(
                    format!("{}LatencyHigh", camel(base)),
                    format!(
                        "histogram_quantile(0.99, sum by ({by}, le) (rate({duration}_bucket{{job=\"{job}\"}}[5m])))\n  > {p99}",
                        duration = g.duration,
                        p99 = options.latency_p99_seconds
                    ),
                    "10m",
                    "warning",
                    format!("{base}: {{{{ $labels.op }}}} calls are slow"),
                    format!(
                        "The 99th percentile of {{{{ $labels.op }}}} calls on {{{{ $labels.instance }}}} is above {}s.",
                        options.latency_p99_seconds
                    ),
                ),
            );
            groups.push(RuleGroup {
                name: base.clone(),
                rules,
            });
        }
        let mut service = vec![alert(
            format!("{}InstanceDown", camel(job)),
            format!("up{{job=\"{job}\"}} == 0"),
            "1m",
            "critical",
            format!("{job}: {{{{ $labels.instance }}}} is down"),
            "Prometheus has failed to scrape {{ $labels.instance }} for a minute.".into(),
        )];
        if let Some(ns) = self.own_namespace() {
            service.push(alert(
                format!("{}HealthCheckFailing", camel(job)),
                format!("{ns}_health_check_status{{job=\"{job}\"}} == 0"),
                "2m",
                "critical",
                format!("{job}: health check {{{{ $labels.check }}}} fails"),
                "Health check {{ $labels.check }} on {{ $labels.instance }} has been unhealthy for 2 minutes.".into(),
            ));
            service.push(alert(
                format!("{}HealthCheckDegraded", camel(job)),
                format!("{ns}_health_check_status{{job=\"{job}\"}} < 1"),
                "15m",
                "warning",
                format!("{job}: health check {{{{ $labels.check }}}} is not healthy"),
                "Health check {{ $labels.check }} on {{ $labels.instance }} has been degraded or worse for 15 minutes.".into(),
            ));
        }
        groups.push(RuleGroup {
            name: format!("{job}_service"),
            rules: service,
        });
        let file = RuleFile { groups };
        let yaml = serde_yaml_ng::to_string(&file).expect("rules serialize");
        format!(
            "# Generated by vitalsign from the metric catalogue. Do not edit: regenerate.\n{yaml}"
        )
    }
}
