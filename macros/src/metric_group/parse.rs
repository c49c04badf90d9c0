//! Reads a `#[derive(MetricGroup)]` struct and applies the naming rules to each field.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, LitStr, PathArguments, Type};
use vitalsign_naming::{
    self as naming, DeclaredType, UNIT_WORDS, Unit, check_declared_name, check_declared_unit,
};

use crate::attr::{
    buckets_value, expected_one_of, helper_metas, integer_value, path_text, string_value,
};
use crate::ctxt::Ctxt;
use crate::symbol::{
    BUCKETS, DYNAMIC, GROUP_OPTIONS, LABEL_NAME, MAX_DYNAMIC_SERIES, MAX_SERIES, METRIC,
    METRIC_GROUP, METRIC_OPTIONS, METRIC_TYPES, NAMESPACE, SUBSYSTEM, UNIT,
};
use crate::valid::{checked_buckets, doc_summary, namespace as namespace_of, report};

/// A valid group.
pub(super) struct Group {
    pub metrics: Vec<Metric>,
}

/// One field: a declared metric.
pub(super) struct Metric {
    pub ident: syn::Ident,
    pub ty: Type,
    /// `{namespace}_{subsystem}_{field}`.
    pub family: String,
    pub kind: DeclaredType,
    pub help: String,
    pub unit: Unit,
    pub buckets: Option<Vec<f64>>,
    /// The label set type, `()` without one.
    pub labels: Type,
    /// A label from data (`Dynamic`): its name and cap.
    pub dynamic: Option<(String, u64)>,
}

/// `#[metric(..)]` of a field.
#[derive(Default)]
struct FieldOptions {
    unit: Option<(String, Span)>,
    buckets: Option<Vec<f64>>,
    label: Option<LitStr>,
    max_series: Option<(u64, Span)>,
}

pub(super) fn group(input: &DeriveInput, cx: &mut Ctxt) -> Option<Group> {
    if !input.generics.params.is_empty() {
        cx.spanned(
            &input.generics,
            "a metric group cannot be generic: it is kept in a `static`, and its families are named once\nhelp: remove the type parameters",
        );
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
            other => {
                cx.spanned(other, "a metric group has named fields: each field's name is its metric's name\nhelp: write `struct Group { requests_total: Counter, .. }`");
                return None;
            }
        },
        Data::Enum(e) => {
            cx.spanned(e.enum_token, "MetricGroup is derived on a struct whose fields are metrics\nhelp: write `struct Group { requests_total: Counter, .. }`");
            return None;
        }
        Data::Union(u) => {
            cx.spanned(u.union_token, "MetricGroup is derived on a struct whose fields are metrics\nhelp: write `struct Group { requests_total: Counter, .. }`");
            return None;
        }
    };
    if fields.is_empty() {
        cx.spanned(
            &input.ident,
            "a metric group needs at least one metric field",
        );
    }
    let prefix = prefix(input, cx);
    let metrics = fields
        .into_iter()
        .filter_map(|f| metric(f, &prefix, cx))
        .collect();
    Some(Group { metrics })
}

/// `{namespace}` or `{namespace}_{subsystem}`, from `#[metric_group(..)]`.
fn prefix(input: &DeriveInput, cx: &mut Ctxt) -> String {
    let mut namespace: Option<LitStr> = None;
    let mut subsystem: Option<LitStr> = None;
    for meta in helper_metas(&input.attrs, METRIC_GROUP, cx) {
        let key = path_text(meta.path());
        match key.as_str() {
            NAMESPACE => namespace = string_value(&meta, cx),
            SUBSYSTEM => subsystem = string_value(&meta, cx),
            _ => cx.spanned(
                meta.path(),
                format_args!(
                    "unknown option `{key}` of #[metric_group]; {}",
                    expected_one_of(&key, GROUP_OPTIONS)
                ),
            ),
        }
    }
    let namespace = namespace_of(
        namespace.as_ref(),
        input.ident.span(),
        "#[metric_group(namespace = \"...\")]",
        cx,
    );
    match subsystem {
        Some(lit) => {
            let problems = naming::check_namespace(&lit.value())
                .into_iter()
                .map(|p| naming::Problem {
                    message: p.message.replace("namespace", "subsystem"),
                    help: p.help,
                })
                .collect();
            report(cx, lit.span(), problems);
            format!("{namespace}_{}", lit.value())
        }
        None => namespace,
    }
}

fn metric(field: &syn::Field, prefix: &str, cx: &mut Ctxt) -> Option<Metric> {
    let ident = field.ident.clone()?;
    let name = ident.to_string();
    let (kind, labels) = metric_type(&field.ty, cx)?;
    let FieldOptions {
        unit: unit_lit,
        buckets,
        label,
        max_series,
    } = options(field, cx);
    let dynamic = dynamic_label(&ident, &labels, label, max_series, cx);
    report(cx, ident.span(), check_declared_name(&name, kind));
    let unit = match &unit_lit {
        Some((word, span)) => match Unit::parse(word) {
            Some(unit) => {
                if let Some(p) = check_declared_unit(&name, kind, unit) {
                    cx.error(*span, p);
                }
                unit
            }
            None => {
                cx.error(
                    *span,
                    format_args!(
                        "unknown unit `{word}`; {}",
                        expected_one_of(word, UNIT_WORDS)
                    ),
                );
                Unit::of_name(&name)
            }
        },
        None => Unit::of_name(&name),
    };
    let buckets = match (kind, buckets) {
        (DeclaredType::Histogram, Some(b)) => Some(b),
        (DeclaredType::Histogram, None) => unit.default_buckets().map(<[f64]>::to_vec),
        (_, Some(_)) => {
            cx.spanned(&ident, "only a histogram has buckets\nhelp: remove `buckets = [..]`, or make the field a `Histogram`");
            None
        }
        (_, None) => None,
    };
    let help = doc_summary(&field.attrs);
    if help.is_empty() {
        cx.spanned(
            &ident,
            format_args!(
                "metric `{name}` has no doc comment: it becomes the HELP text that tells a reader what it measures\nhelp: add `/// What `{name}` measures.` above the field"
            ),
        );
    }
    Some(Metric {
        family: format!("{prefix}_{name}"),
        ident,
        ty: field.ty.clone(),
        kind,
        help,
        unit,
        buckets,
        labels,
        dynamic,
    })
}

/// The name and cap of a label from data; errors when the field's options and label type
/// disagree about whether it has one.
fn dynamic_label(
    ident: &syn::Ident,
    labels: &Type,
    label: Option<LitStr>,
    max_series: Option<(u64, Span)>,
    cx: &mut Ctxt,
) -> Option<(String, u64)> {
    let is_dynamic = matches!(labels, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == DYNAMIC));
    if !is_dynamic {
        if let Some(l) = &label {
            cx.spanned(l, "only a label from data (`Dynamic`) is named here: a typed label set names its labels itself");
        }
        if let Some((_, span)) = max_series {
            cx.error(span, "only a label from data (`Dynamic`) takes `max_series`: a typed label set has a fixed number of series");
        }
        return None;
    }
    let help = "help: write `#[metric(label = \"name\", max_series = 100)]` above the field: the label's name, and the most values that get a series of their own";
    let (Some(label), Some((cap, cap_span))) = (label, max_series) else {
        cx.spanned(
            ident,
            format_args!("`{ident}` has a label from data: it needs a name and a cap (`max_series`), so that unexpected values cannot grow it without end\n{help}"),
        );
        return None;
    };
    report(cx, label.span(), naming::check_label_name(&label.value()));
    if cap == 0 || cap > MAX_DYNAMIC_SERIES {
        cx.error(
            cap_span,
            format_args!(
                "`max_series` is between 1 and {MAX_DYNAMIC_SERIES}: every value is one more series"
            ),
        );
    }
    Some((label.value(), cap))
}

/// The metric type of a field and its label set, `()` without one.
fn metric_type(ty: &Type, cx: &mut Ctxt) -> Option<(DeclaredType, Type)> {
    let not_a_metric = |cx: &mut Ctxt| {
        cx.spanned(
            ty,
            format_args!(
                "a field of a metric group is a metric: {}\nhelp: a label set goes in the type, `Counter<Op>` (an enum with `#[derive(LabelValue)]`)",
                METRIC_TYPES.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ),
        );
        None
    };
    let Type::Path(path) = ty else {
        return not_a_metric(cx);
    };
    let Some(last) = path.path.segments.last() else {
        return not_a_metric(cx);
    };
    let kind = match last.ident.to_string().as_str() {
        "Counter" => DeclaredType::Counter,
        "Gauge" | "IntGauge" => DeclaredType::Gauge,
        "Histogram" => DeclaredType::Histogram,
        _ => return not_a_metric(cx),
    };
    let labels = match &last.arguments {
        PathArguments::None => syn::parse_quote!(()),
        PathArguments::AngleBracketed(args) => {
            let mut types = args.args.iter().filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            });
            match (types.next(), types.next(), args.args.len()) {
                (Some(t), None, 1) => t,
                _ => {
                    cx.spanned(args, "a metric takes one label set: `Counter<Op>`, or a struct with `#[derive(LabelSet)]` for several labels");
                    return None;
                }
            }
        }
        PathArguments::Parenthesized(p) => {
            cx.spanned(
                p,
                "a metric takes its label set in angle brackets: `Counter<Op>`",
            );
            return None;
        }
    };
    Some((kind, labels))
}

/// `#[metric(..)]` of a field.
fn options(field: &syn::Field, cx: &mut Ctxt) -> FieldOptions {
    let mut options = FieldOptions::default();
    for meta in helper_metas(&field.attrs, METRIC, cx) {
        let key = path_text(meta.path());
        match key.as_str() {
            UNIT => {
                options.unit = string_value(&meta, cx).map(|lit| (lit.value(), lit.span()));
            }
            LABEL_NAME => options.label = string_value(&meta, cx),
            MAX_SERIES => options.max_series = integer_value(&meta, cx),
            BUCKETS => {
                if let Some(bounds) = buckets_value(&meta, cx) {
                    options.buckets = Some(checked_buckets(&bounds, meta.span(), cx));
                }
            }
            _ => cx.spanned(
                meta.path(),
                format_args!(
                    "unknown option `{key}` of #[metric]; {}",
                    expected_one_of(&key, METRIC_OPTIONS)
                ),
            ),
        }
    }
    options
}
