//! The status page (`/status`): every operation's rate, errors and latency with plots of the
//! recent past, the health checks, the process and the declared metrics, as one HTML document
//! drawn on the server. It reads without script; its script (`page.js`) only fetches the page
//! again every `status.sample_every` and swaps the new `<main>` in, keeping the reader's sort.

mod format;
mod plot;

use std::collections::BTreeMap;
use std::time::SystemTime;

use maud::{DOCTYPE, Markup, html};

use crate::health::Report;
use crate::stats::{
    DeclaredFamily, History, OperationStats, Point, Reading, SHOWN_SERIES, Snapshot,
};
use plot::{Line, plot};

/// The page's stylesheet and script, served at [`STYLE_PATH`] and [`SCRIPT_PATH`] so that the
/// page's content security policy can forbid every inline script and style.
pub(super) const STYLE: &str = include_str!("page.css");
pub(super) const SCRIPT: &str = include_str!("page.js");
pub(super) const STYLE_PATH: &str = "/status/page.css";
pub(super) const SCRIPT_PATH: &str = "/status/page.js";

/// What the page shows.
pub(super) struct Page {
    pub snapshot: Snapshot,
    pub history: History,
    /// `None` when `/metrics` is not served: the page shows no more than the endpoints do.
    pub declared: Option<Vec<DeclaredFamily>>,
    pub health: Report,
    /// Whether this reader sees check messages and observed values (`health.show_details`).
    pub details: bool,
    pub service: Option<String>,
    pub version: Option<String>,
    /// How often the script fetches the page again, in milliseconds.
    pub refresh_ms: u128,
}

/// The worst operation first: the highest failure ratio, then the slowest p99. Errors of class
/// `expected` (a missing key the caller asked for) never make an operation look worse: with no
/// failures anywhere, the slowest comes first, not the one whose callers ask for missing keys.
fn worst_first(a: &OperationStats, b: &OperationStats) -> std::cmp::Ordering {
    let key = |o: &OperationStats| {
        (
            o.window.failure_ratio.unwrap_or(0.0),
            o.window.p99_seconds.map_or(0.0, |q| q.seconds()),
        )
    };
    key(b)
        .partial_cmp(&key(a))
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The times a plot spans: up to the newest point, back over the history's length, or from the
/// oldest point while the history is younger than that, so that plots fill their width.
fn span(history: &History, ends: impl IntoIterator<Item = (f64, f64)>) -> (f64, f64) {
    let (oldest, newest) = ends
        .into_iter()
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), (a, b)| {
            (lo.min(a), hi.max(b))
        });
    let length = history.sample_every_seconds * history.max_points as f64;
    (oldest.max(newest - length).min(newest), newest)
}

/// How long ago `t` was, as a person reads it: `4s ago`, `2m 5s ago`.
fn ago(t: SystemTime) -> String {
    let elapsed = SystemTime::now().duration_since(t).unwrap_or_default();
    format!("{} ago", format::duration(elapsed.as_secs_f64()))
}

/// An observed value in its unit, as a person reads it.
fn observed(value: f64, unit: &str) -> String {
    match unit {
        "bytes" => format::bytes(value),
        "ratio" => format::percent(value),
        "seconds" => format::seconds(value),
        _ => format!("{} {unit}", format::number(value)),
    }
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

impl Page {
    pub(super) fn render(mut self) -> String {
        self.snapshot.operations.sort_by(worst_first);
        let title = match &self.service {
            Some(service) => format!("{service} status"),
            None => "status".to_owned(),
        };
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) }
                    link rel="stylesheet" href=(STYLE_PATH);
                    // Without script the browser reloads the whole page instead.
                    noscript { meta http-equiv="refresh" content=((self.refresh_ms / 1000).max(1)); }
                }
                body data-refresh-ms=(self.refresh_ms) data-refreshes="0" {
                    header {
                        h1 { (title) }
                        p #refresh-state role="status" {}
                    }
                    main #live {
                        (self.summary())
                        (self.operations())
                        (self.health())
                        (self.process())
                        @if let Some(declared) = &self.declared {
                            (declared_section(declared))
                        }
                    }
                    script src=(SCRIPT_PATH) {}
                }
            }
        }
        .into_string()
    }

    /// The line under the title: overall health, versions, uptime, when this was drawn.
    fn summary(&self) -> Markup {
        let status = self.health.status;
        let drawn = rfc3339(SystemTime::now());
        html! {
            p.summary {
                span.badge.(status.as_str()) { (status.as_str()) }
                @if let Some(v) = &self.version { " · version " (v) }
                " · vitalsign " (env!("CARGO_PKG_VERSION"))
                " · up " (format::duration(self.snapshot.uptime_seconds))
                " · drawn " time datetime=(drawn) { (drawn) }
            }
        }
    }

    fn operations(&self) -> Markup {
        let by_op: BTreeMap<(&str, &str), &[Point]> = self
            .history
            .operations
            .iter()
            .map(|o| ((o.family.as_str(), o.op.as_str()), o.points.as_slice()))
            .collect();
        let ends = self
            .history
            .operations
            .iter()
            .filter_map(|o| Some((o.points.first()?.at, o.points.last()?.at)));
        let (from, to) = span(&self.history, ends);
        let window = format::duration(self.snapshot.window_seconds.round());
        html! {
            section #operations {
                h2 { "Operations" }
                p.note {
                    "Figures over the last " (window) "; plots over the last "
                    (format::duration((to - from).round())) ". The worst operation comes first; "
                    "click a heading to sort."
                }
                @if self.snapshot.operations.is_empty() {
                    p.empty { "No instrumented operation has been called yet." }
                } @else {
                    table #operations-table {
                        thead { tr {
                            th data-sort="text" { "Operation" }
                            th data-sort="number" { "Calls/s" }
                            th { "Rate" }
                            th data-sort="number" { "Failure ratio" }
                            th { "Errors by code" }
                            th { "Error ratio" }
                            th data-sort="number" { "p50 · p95 · p99" }
                            th { "Latency" }
                        } }
                        tbody {
                            @for op in &self.snapshot.operations {
                                (operation_row(op, by_op.get(&(op.family.as_str(), op.op.as_str())).copied().unwrap_or_default(), (from, to)))
                            }
                        }
                    }
                    p.legend {
                        span.key.failures { "failures" } " "
                        span.key.errors { "all errors" } " "
                        span.key.p50 { "p50" } " "
                        span.key.p95 { "p95" } " "
                        span.key.p99 { "p99" }
                    }
                }
            }
        }
    }

    fn health(&self) -> Markup {
        let report = &self.health;
        html! {
            section #health {
                h2 { "Health " span.badge.(report.status.as_str()) { (report.status.as_str()) } }
                @for reason in &report.reasons { p.reason { (reason) } }
                @if !self.details {
                    p.note { "Messages and observed values are hidden from this address (`health.show_details`)." }
                }
                @if report.checks.is_empty() {
                    p.empty { "No health check is registered." }
                } @else {
                    table #health-table {
                        thead { tr {
                            th { "Check" } th { "Status" } th { "Probes" } th { "Message" }
                            th { "Observed" } th { "Last run" } th { "Took" }
                        } }
                        tbody {
                            @for c in &report.checks {
                                @let o = &c.state.outcome;
                                tr data-check=(c.spec.name) data-status=(o.status.as_str()) {
                                    td { (c.spec.name) @if !c.spec.critical { " " small { "(not critical)" } } }
                                    td { span.badge.(o.status.as_str()) { (o.status.as_str()) } }
                                    td { (c.spec.kinds.iter().map(|k| format!("{k:?}").to_lowercase()).collect::<Vec<_>>().join(", ")) }
                                    @if self.details {
                                        td { (o.message.as_deref().unwrap_or("")) }
                                        td { @if let Some(obs) = &o.observed {
                                            (obs.measurement) " " (observed(obs.value, &obs.unit))
                                        } }
                                    } @else {
                                        td.hidden { "hidden" } td.hidden { "hidden" }
                                    }
                                    td { @if let Some(t) = c.state.last_check {
                                        time datetime=(rfc3339(t)) title=(rfc3339(t)) { (ago(t)) }
                                    } @else { "not yet" } }
                                    td { @if let Some(d) = c.state.duration { (format::seconds(d.as_secs_f64())) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn process(&self) -> Markup {
        let p = &self.snapshot.process;
        let h = &self.history;
        let (from, to) = span(
            h,
            h.process
                .first()
                .zip(h.process.last())
                .map(|(a, b)| (a.at, b.at)),
        );
        let cpu = Line {
            class: "calls",
            points: h.process.iter().map(|p| (p.at, p.cpu_cores)).collect(),
        };
        let memory = Line {
            class: "calls",
            points: h
                .process
                .iter()
                .map(|p| (p.at, p.resident_memory_bytes))
                .collect(),
        };
        let cpu_now = h.process.last().and_then(|p| p.cpu_cores);
        html! {
            section #process {
                h2 { "Process" }
                dl.facts {
                    @if let Some(s) = &self.service { dt { "Service" } dd { (s) } }
                    dt { "Version" } dd { (self.version.as_deref().unwrap_or("not set")) }
                    dt { "Uptime" } dd { (format::duration(self.snapshot.uptime_seconds)) }
                    dt { "CPU" } dd {
                        @if let Some(c) = cpu_now { (format::number(c)) " cores " } @else { "unknown " }
                        (plot("CPU cores used", &[cpu], (from, to), format::number))
                    }
                    dt { "Resident memory" } dd {
                        @if let Some(m) = p.resident_memory_bytes { (format::bytes(m)) " " } @else { "unknown " }
                        (plot("resident memory", &[memory], (from, to), format::bytes))
                    }
                    dt { "Open files" } dd {
                        @match (p.open_fds, p.max_fds) {
                            (Some(open), Some(max)) => { (format::number(open)) " of " (format::number(max)) }
                            (Some(open), None) => { (format::number(open)) }
                            _ => { "unknown" }
                        }
                    }
                    dt { "Threads" } dd { @if let Some(t) = p.threads { (format::number(t)) } @else { "unknown" } }
                }
            }
        }
    }
}

fn operation_row(op: &OperationStats, points: &[Point], x: (f64, f64)) -> Markup {
    let w = &op.window;
    let line = |class, value: fn(&Point) -> Option<f64>| Line {
        class,
        points: points.iter().map(|p| (p.at, value(p))).collect(),
    };
    let rate = [line("calls", |p| Some(p.figures.calls_per_second))];
    let errors = [
        line("errors", |p| p.figures.error_ratio),
        line("failures", |p| p.figures.failure_ratio),
    ];
    let latency = [
        line("p50", |p| p.figures.p50_seconds.map(|q| q.seconds())),
        line("p95", |p| p.figures.p95_seconds.map(|q| q.seconds())),
        line("p99", |p| p.figures.p99_seconds.map(|q| q.seconds())),
    ];
    let failure = w.failure_ratio.unwrap_or(0.0);
    let quantile = |q: Option<crate::stats::Quantile>| match q {
        Some(crate::stats::Quantile::Seconds(s)) => format::seconds(s),
        Some(crate::stats::Quantile::Below { below_seconds }) => {
            format!("< {}", format::seconds(below_seconds))
        }
        Some(crate::stats::Quantile::Above { above_seconds }) => {
            format!("> {}", format::seconds(above_seconds))
        }
        None => "–".to_owned(),
    };
    let name = format!("{}/{}", op.family, op.op);
    html! {
        tr data-operation=(name) {
            td data-value=(name) { small { (op.family) } br; strong { (op.op) } }
            td.number data-value=(w.calls_per_second) {
                (format::number(w.calls_per_second)) br; small { (op.calls) " calls" }
            }
            td { (plot(&format!("{name}: calls per second"), &rate, x, |v| format!("{}/s", format::number(v)))) }
            td.number data-value=(failure) .bad[failure > 0.0] {
                (format::percent(failure))
                br; small { (format::percent(w.error_ratio.unwrap_or(0.0))) " all errors" }
            }
            td {
                @if op.codes.is_empty() { small { "none" } }
                ul.codes {
                    @for c in &op.codes {
                        li data-code=(c.code) data-class=(c.class) .(c.class) {
                            code { (c.code) } " "
                            @if w.calls > 0 { (format::percent(c.window as f64 / w.calls as f64)) } @else { (c.window) }
                            " " small { (c.class) }
                        }
                    }
                }
            }
            td { (plot(&format!("{name}: error ratio"), &errors, x, format::percent)) }
            td.number data-value=(w.p99_seconds.map_or(0.0, |q| q.seconds())) {
                (quantile(w.p50_seconds)) br; (quantile(w.p95_seconds)) br; strong { (quantile(w.p99_seconds)) }
            }
            td { (plot(&format!("{name}: p50, p95 and p99 latency"), &latency, x, format::seconds)) }
        }
    }
}

fn declared_section(families: &[DeclaredFamily]) -> Markup {
    // By group, in the catalogue's order of their first family.
    let mut groups: Vec<(&str, Vec<&DeclaredFamily>)> = Vec::new();
    for f in families {
        match groups.iter_mut().find(|(g, _)| *g == f.group) {
            Some((_, members)) => members.push(f),
            None => groups.push((f.group, vec![f])),
        }
    }
    html! {
        section #declared {
            h2 { "Declared metrics" }
            @if families.is_empty() {
                p.empty { "No metric group is declared." }
            }
            @for (group, members) in &groups {
                h3 data-group=(group) { code { (group) } }
                @for f in members {
                    (declared_family(f))
                }
            }
        }
    }
}

fn declared_family(f: &DeclaredFamily) -> Markup {
    html! {
        details open[f.series.len() <= 12] data-family=(f.name) {
            summary {
                code { (f.name) } " " small { (f.kind) " · " (f.field) }
                @if let Some(h) = &f.help { " · " (h) }
            }
            @if f.series.is_empty() {
                p.empty { "No value recorded yet." }
            } @else {
                table.declared {
                    tbody {
                        @for (labels, reading) in &f.series {
                            tr {
                                td { @if labels.is_empty() { small { "(no labels)" } }
                                    @for (k, v) in labels { code { (k) "=" (v) } " " } }
                                td.number { @match reading {
                                    Reading::Counter(n) => { (n) }
                                    Reading::Gauge(g) => { (format::number(*g)) }
                                    Reading::Histogram { count, sum } => {
                                        (count) " observations"
                                        @if *count > 0 { ", mean " (format::number(sum / *count as f64)) }
                                    }
                                } }
                            }
                        }
                    }
                }
                @if f.more > 0 { p.note { (f.more) " more series, not shown (the page lists " (SHOWN_SERIES) ")." } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Quantile, WindowStats};

    fn op(name: &str, failure: f64, error: f64, p99: f64) -> OperationStats {
        OperationStats {
            family: "x".into(),
            op: name.into(),
            calls: 100,
            errors: BTreeMap::new(),
            failures: 0,
            codes: Vec::new(),
            window: WindowStats {
                calls: 100,
                calls_per_second: 1.0,
                error_ratio: Some(error),
                failure_ratio: Some(failure),
                p50_seconds: None,
                p95_seconds: None,
                p99_seconds: Some(Quantile::Seconds(p99)),
            },
        }
    }

    #[test]
    fn expected_errors_never_make_an_operation_look_worst() {
        // A healthy `del` with half its calls `not_found` (expected), a slower `set`, and a
        // `get` failing for real.
        let mut ops = [
            op("del", 0.0, 0.51, 0.001),
            op("set", 0.0, 0.0, 0.004),
            op("get", 0.02, 0.02, 0.0001),
        ];
        ops.sort_by(worst_first);
        let order: Vec<&str> = ops.iter().map(|o| o.op.as_str()).collect();
        assert_eq!(order, ["get", "set", "del"]);
    }
}
