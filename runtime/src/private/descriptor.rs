//! What `#[instrumented]` writes about one call site, and what became of one call: plain data,
//! read by the call path, the log lines and the catalogue.

use metrics::Label;

use super::call_log::LogHooks;
use crate::ErrorClass;

/// The static description of one call site, written by `#[instrumented]`.
#[derive(Debug)]
pub struct SiteDescriptor {
    /// Namespace, validated at compile time.
    pub namespace: &'static str,
    /// Base name, validated at compile time.
    pub name: &'static str,
    /// `{ns}_{name}_total`.
    pub calls: &'static str,
    /// `{ns}_{name}_duration_seconds`.
    pub duration: &'static str,
    /// `{ns}_{name}_errors_total`.
    pub errors: &'static str,
    /// `{ns}_{name}_in_flight`, when opted in.
    pub in_flight: Option<&'static str>,
    /// Fixed labels of every series of this site (`op` first).
    pub labels: &'static [Label],
    /// The key of the label whose value comes from an argument, if any.
    pub arg_label: Option<&'static str>,
    /// For a text label from an argument, how many values get series of their own (else 0).
    pub max_series: usize,
    /// First paragraph of the function's doc comment; empty if it has none.
    pub doc: &'static str,
    /// Bucket bounds given with `buckets = [..]`, if any.
    pub buckets: Option<&'static [f64]>,
    /// The function's name as written (`Type::method` inside an instrumented impl block).
    pub function: &'static str,
    /// Whether `op` was given in `labels(..)`: sites that share their series must all say so.
    pub op_given: bool,
    /// `module_path!()` of the function.
    pub module: &'static str,
    /// `file!()` of the function.
    pub file: &'static str,
    /// `line!()` of the function's name.
    pub line: u32,
    /// What it logs, if anything.
    pub log: Option<LogHooks>,
    /// Its objectives, if declared.
    pub slo: Option<SloSpec>,
}

impl SiteDescriptor {
    /// The `op` label's value: what log lines and spans name the operation by, so that they
    /// join with the series.
    pub fn op(&self) -> &'static str {
        let labels: &'static [Label] = self.labels;
        labels
            .iter()
            .find(|l| l.key() == vitalsign_naming::OP_LABEL)
            .map_or(self.function, Label::value)
    }
}

/// Objectives declared with `slo(..)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SloSpec {
    /// Percentage of calls that must succeed.
    pub success: Option<f64>,
    /// Latency bound in seconds: a bucket bound of the site.
    pub latency: Option<f64>,
    /// Percentage of calls that must be faster than `latency`.
    pub latency_target: f64,
}

/// What became of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// Returned normally (for `Result`s: `Ok`).
    Ok,
    /// Failed with this code, of this class.
    Err(&'static str, ErrorClass),
}
