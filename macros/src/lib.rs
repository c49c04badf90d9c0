//! Procedural macros of vitalsign. Use them through the `vitalsign` crate, which re-exports
//! them and documents them in full; generated code calls only `::vitalsign::__private`.
//!
//! Pipeline: `attr` parses options → `valid` applies the naming rules and resolves defaults →
//! `item`/`shape` read what was annotated → `expand` writes the tokens. Parsing and validation
//! collect every error (`ctxt`); on error the user's item is still emitted, unchanged, next to
//! the errors, so one mistake does not cascade.

mod attr;
mod ctxt;
mod error_code;
mod expand;
mod health_check;
mod item;
mod label;
mod log_lines;
mod metric_group;
mod namespace;
mod shape;
mod symbol;
mod valid;

use proc_macro::TokenStream;

/// Instruments a function, method, `async fn` or every method of an `impl` block with a call
/// counter, a duration histogram and an errors-by-code counter. See `vitalsign::instrumented`.
#[proc_macro_attribute]
pub fn instrumented(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::instrumented(args.into(), item.into(), cfg!(feature = "metrics")).into()
}

/// Derives `vitalsign::ErrorCode`: a stable snake_case code per variant. See
/// `vitalsign::ErrorCode`.
#[proc_macro_derive(ErrorCode, attributes(error_code))]
pub fn derive_error_code(input: TokenStream) -> TokenStream {
    error_code::derive(input.into()).into()
}

/// Derives `vitalsign::health::HealthCheck` for a struct with a `check` method. See
/// `vitalsign::health_check`.
#[proc_macro_attribute]
pub fn health_check(args: TokenStream, item: TokenStream) -> TokenStream {
    health_check::expand(args.into(), item.into()).into()
}

/// Derives a metric group: a struct whose every field is a declared metric (`Counter`, `Gauge`,
/// `IntGauge`, `Histogram`, each optionally by a label set), named
/// `{namespace}_{subsystem}_{field}` from `#[metric_group(namespace = "..", subsystem = "..")]`,
/// its HELP text the field's doc comment. The name must say the type (`_total` for a counter,
/// and only for one) and the unit (`_seconds`, `_bytes`, `_ratio`); `#[metric(unit = "..",
/// buckets = [..])]` sets a histogram's unit and buckets, `#[metric(label = "..", max_series =
/// N)]` names and caps a label from data (`Counter<Dynamic>`). Adds `const fn new()`: keep the
/// group in a `static`. Every series exists at zero from `install()`. See `docs/metrics.md`.
#[proc_macro_derive(MetricGroup, attributes(metric_group, metric))]
pub fn derive_metric_group(input: TokenStream) -> TokenStream {
    metric_group::derive(input.into()).into()
}

/// Derives a label value for a field-less enum: one snake_case value per variant
/// (`#[label(rename = "..")]` to choose another), the label's name from `#[label(name = "..")]`
/// or the type's name in snake_case. A metric keyed by it (`Counter<Command>`) has one series
/// per variant, found by index.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    label::derive_value(input.into()).into()
}

/// Derives a label set for a struct of label values: one label per field, named by the field
/// (`#[label(name = "..")]` to choose another). A metric keyed by it has one series per
/// combination, found by an index computed from the variants.
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    label::derive_set(input.into()).into()
}
