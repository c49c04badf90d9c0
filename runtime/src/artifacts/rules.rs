//! Prometheus alerting rules: per instrumented family, an error ratio and a p99 latency alert;
//! for the service, instance down and health checks failing.

use serde::Serialize;

use super::camel;
use crate::catalogue::{Catalogue, Role};

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
            if !options.no_latency_alert.contains(base) {
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
            }
            rules.extend(self.slo_rules(base, &g.calls, &g.errors, &g.duration, options));
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
        if let Some(status) = self.own_family(Role::HealthStatus) {
            service.push(alert(
                format!("{}HealthCheckFailing", camel(job)),
                format!("{status}{{job=\"{job}\"}} == 0"),
                "2m",
                "critical",
                format!("{job}: health check {{{{ $labels.check }}}} fails"),
                "Health check {{ $labels.check }} on {{ $labels.instance }} has been unhealthy for 2 minutes.".into(),
            ));
            service.push(alert(
                format!("{}HealthCheckDegraded", camel(job)),
                format!("{status}{{job=\"{job}\"}} < 1"),
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

/// The burn-rate windows of the SRE workbook: (long window, short window, burn rate) pairs, a
/// page when either pair of the first two burns, a ticket for the last two.
const PAGE: [(&str, &str, f64); 2] = [("1h", "5m", 14.4), ("6h", "30m", 6.0)];
const TICKET: [(&str, &str, f64); 2] = [("1d", "2h", 3.0), ("3d", "6h", 1.0)];

/// The error budget of a percentage objective, `99.9` → `0.001`, without float noise (a
/// percentage carries at most nine decimals here).
fn budget_of(percentage: f64) -> f64 {
    ((100.0 - percentage) * 1e9).round() / 1e11
}

/// A PromQL string literal.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One objective of one operation: the alert name, the error budget, and the bad-call ratio
/// over a window.
struct Objective {
    alert: String,
    budget: f64,
    ratio: Box<dyn Fn(&str) -> String>,
}

impl Catalogue {
    /// Multi-window, multi-burn-rate alerts for every site of family `base` with objectives.
    fn slo_rules(
        &self,
        base: &str,
        calls: &str,
        errors: &str,
        duration: &str,
        options: &RulesOptions,
    ) -> Vec<Rule> {
        let job = &options.job;
        let mut sites: Vec<_> = self
            .sites()
            .iter()
            .filter(|s| s.calls_family() == calls)
            .filter_map(|s| {
                s.slo().map(|slo| {
                    (
                        s.labels()
                            .find(|(k, _)| *k == vitalsign_naming::OP_LABEL)
                            .map_or("", |(_, v)| v),
                        slo,
                    )
                })
            })
            .collect();
        sites.sort_by(|a, b| a.0.cmp(b.0));
        sites.dedup_by(|a, b| a.0 == b.0);
        let mut rules = Vec::new();
        for (op, slo) in sites {
            let sel = format!("job={}, op={}", quoted(job), quoted(op));
            let name = format!(
                "{}{}",
                camel(base),
                camel(&op.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
            );
            let mut objectives = Vec::new();
            if let Some(success) = slo.success {
                let (errors, calls, sel) = (errors.to_owned(), calls.to_owned(), sel.clone());
                objectives.push(Objective {
                    alert: format!("{name}ErrorBudgetBurn"),
                    budget: budget_of(success),
                    ratio: Box::new(move |w| {
                        format!(
                            "(sum(rate({errors}{{{sel}}}[{w}])) / sum(rate({calls}{{{sel}}}[{w}])))"
                        )
                    }),
                });
            }
            if let Some(latency) = slo.latency {
                let (duration, sel) = (duration.to_owned(), sel.clone());
                objectives.push(Objective {
                    alert: format!("{name}LatencyBudgetBurn"),
                    budget: budget_of(slo.latency_target),
                    ratio: Box::new(move |w| {
                        format!(
                            "(1 - sum(rate({duration}_bucket{{{sel}, le=\"{latency}\"}}[{w}])) / sum(rate({duration}_count{{{sel}}}[{w}])))"
                        )
                    }),
                });
            }
            for o in objectives {
                for (severity, windows, for_, speed, suffix) in [
                    ("critical", PAGE, "2m", "fast", "Fast"),
                    ("warning", TICKET, "15m", "steady", "Slow"),
                ] {
                    let budget = o.budget;
                    let burn = |(long, short, rate): (&str, &str, f64)| {
                        format!(
                            "({} > ({rate} * {budget})\n  and {} > ({rate} * {budget}))",
                            (o.ratio)(long),
                            (o.ratio)(short)
                        )
                    };
                    let alert = format!("{}{suffix}", o.alert);
                    rules.push(Rule {
                        expr: format!("{}\nor\n{}", burn(windows[0]), burn(windows[1])),
                        for_,
                        labels: Labels { severity },
                        annotations: Annotations {
                            summary: format!("{base}: {op} burns its error budget at a {speed} rate"),
                            description: format!(
                                "{op} on {job} spends its error budget ({:.3}% of calls may miss the objective) fast enough to exhaust it early.",
                                budget * 100.0
                            ),
                            runbook_url: format!("{}{alert}", options.runbook_base),
                        },
                        alert,
                    });
                }
            }
        }
        rules
    }
}
