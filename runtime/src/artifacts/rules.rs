//! Prometheus alerting rules: per instrumented family, an error ratio and a p99 latency alert;
//! for the service, instance down and health checks failing.
//!
//! Error ratios and SLO success ratios count errors of class `failure` only: an `expected`
//! code (a missing key, a value that does not parse) is an outcome the caller asked for. The
//! expressions select series by their names alone, which carry the service's namespace, so
//! they work whatever job Prometheus scrapes the service under; `RulesOptions::selector` adds
//! matchers (a `job`, an environment) where the names are not enough.

use serde::Serialize;

use super::camel;
use crate::catalogue::Catalogue;

/// Thresholds and names of the generated rules.
#[derive(Debug, Clone)]
pub struct RulesOptions {
    /// The service's name: the prefix of the service's alert names and its rule group.
    pub service: String,
    /// Label matchers added to every expression, `job="kvstore"`; empty (the default) selects
    /// by the namespaced metric names alone, which works under any job name.
    pub selector: String,
    /// Ratio of failures (calls failed with a code of class `failure` / all calls, over 5
    /// minutes) above which a family alerts.
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
    /// Defaults for `service`: no extra matchers, 5 % failures, 1 s p99, runbooks under a
    /// placeholder address.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            selector: String::new(),
            error_ratio: 0.05,
            latency_p99_seconds: 1.0,
            runbook_base: "https://runbooks.example.com/".into(),
            no_latency_alert: Vec::new(),
        }
    }

    /// Adds label matchers to every expression: `selector(r#"job="kvstore""#)`.
    pub fn selector(mut self, matchers: impl Into<String>) -> Self {
        self.selector = matchers.into();
        self
    }

    /// The selector of an expression: the options' matchers and `extra`, in braces, or nothing.
    fn select(&self, extra: &[&str]) -> String {
        let matchers: Vec<&str> = std::iter::once(self.selector.as_str())
            .chain(extra.iter().copied())
            .filter(|m| !m.is_empty())
            .collect();
        if matchers.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", matchers.join(", "))
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
        let service = &options.service;
        let all = options.select(&[]);
        let failures = options.select(&[FAILURES]);
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
                    "sum by ({by}) (rate({errors}{failures}[5m]))\n  / sum by ({by}) (rate({calls}{all}[5m]))\n  > {ratio}",
                    errors = g.errors,
                    calls = g.calls,
                    ratio = options.error_ratio
                ),
                "10m",
                "warning",
                format!("{base}: {{{{ $labels.op }}}} calls fail too often"),
                format!(
                    "More than {}% of {{{{ $labels.op }}}} calls on {{{{ $labels.instance }}}} failed (codes of class failure) over the last 5 minutes.",
                    options.error_ratio * 100.0
                ),
            )];
            if !options.no_latency_alert.contains(base) {
                rules.push(
                alert(
                    format!("{}LatencyHigh", camel(base)),
                    format!(
                        "{}\n  > {p99}",
                        super::promql::quantile("0.99", &g.duration, by, &all, "5m"),
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
        // Without matchers, `up` alone would be every target's: the service's own targets are
        // those that exposed its build info over the last day.
        let down = if options.selector.is_empty() {
            let build = self
                .own_family(&crate::process::BUILD_INFO)
                .expect("every catalogue has its build info family");
            format!("up == 0 and on (job, instance) max_over_time({build}[1d])")
        } else {
            format!("up{all} == 0")
        };
        #[cfg_attr(not(feature = "health"), allow(unused_mut))]
        let mut rules = vec![alert(
            format!("{}InstanceDown", camel(service)),
            down,
            "1m",
            "critical",
            format!("{service}: {{{{ $labels.instance }}}} is down"),
            "Prometheus has failed to scrape {{ $labels.instance }} for a minute.".into(),
        )];
        // Without the `health` feature there are no health families.
        #[cfg(feature = "health")]
        if let Some(status) = self.own_family(&crate::health::HEALTH_CHECK_STATUS) {
            rules.push(alert(
                format!("{}HealthCheckFailing", camel(service)),
                format!("{status}{all} == 0"),
                "2m",
                "critical",
                format!("{service}: health check {{{{ $labels.check }}}} fails"),
                "Health check {{ $labels.check }} on {{ $labels.instance }} has been unhealthy for 2 minutes.".into(),
            ));
            rules.push(alert(
                format!("{}HealthCheckDegraded", camel(service)),
                format!("{status}{all} < 1"),
                "15m",
                "warning",
                format!("{service}: health check {{{{ $labels.check }}}} is not healthy"),
                "Health check {{ $labels.check }} on {{ $labels.instance }} has been degraded or worse for 15 minutes.".into(),
            ));
        }
        groups.push(RuleGroup {
            name: format!("{service}_service"),
            rules,
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

/// The matcher of errors that count against a ratio: real failures, not expected outcomes.
const FAILURES: &str = "class=\"failure\"";

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
        let service = &options.service;
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
            let op_matcher = format!("op={}", quoted(op));
            let sel = options.select(&[&op_matcher]);
            let failed = options.select(&[&op_matcher, FAILURES]);
            let name = format!(
                "{}{}",
                camel(base),
                camel(&op.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
            );
            let mut objectives = Vec::new();
            if let Some(success) = slo.success {
                let (errors, calls, sel, failed) = (
                    errors.to_owned(),
                    calls.to_owned(),
                    sel.clone(),
                    failed.clone(),
                );
                objectives.push(Objective {
                    alert: format!("{name}ErrorBudgetBurn"),
                    budget: budget_of(success),
                    ratio: Box::new(move |w| {
                        format!("(sum(rate({errors}{failed}[{w}])) / sum(rate({calls}{sel}[{w}])))")
                    }),
                });
            }
            if let Some(latency) = slo.latency {
                let (duration, sel) = (duration.to_owned(), sel.clone());
                objectives.push(Objective {
                    alert: format!("{name}LatencyBudgetBurn"),
                    budget: budget_of(slo.latency_target),
                    ratio: Box::new(move |w| {
                        let within = super::promql::fraction_at_most(latency, &duration, &sel, w);
                        format!("(1 - {within})")
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
                                "{op} on {service} spends its error budget ({:.3}% of calls may miss the objective) fast enough to exhaust it early.",
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
