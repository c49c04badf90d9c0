//! Reads a `#[derive(MetricGroup)]` struct and applies the naming rules to each field.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, LitStr, Meta, PathArguments, Type};
use vitalsign_naming::{
    self as naming, DeclaredType, UNIT_WORDS, Unit, check_declared_name, check_declared_unit,
};

use crate::attr::{buckets_value, expected_one_of, path_text, string_value};
use crate::ctxt::Ctxt;
use crate::namespace::default_namespace;
use crate::symbol::{
    BUCKETS, GROUP_OPTIONS, METRIC, METRIC_GROUP, METRIC_OPTIONS, METRIC_TYPES, NAMESPACE,
    SUBSYSTEM, UNIT,
};
use crate::valid::{doc_summary, report};

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
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident(METRIC_GROUP))
    {
        let metas = match attr
            .parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
        {
            Ok(m) => m,
            Err(e) => {
                cx.push(e);
                continue;
            }
        };
        for meta in metas {
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
    }
    let namespace = match namespace {
        Some(lit) => {
            report(cx, lit.span(), naming::check_namespace(&lit.value()));
            lit.value()
        }
        None => {
            let default = default_namespace();
            for p in naming::check_namespace(&default.value) {
                cx.spanned(&input.ident, format_args!(
                    "the default namespace from {} is not a valid metric namespace: {}\nhelp: set one with `#[metric_group(namespace = \"...\")]`",
                    default.source, p.message
                ));
            }
            default.value.clone()
        }
    };
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
    let (unit_lit, buckets) = options(field, cx);
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
    })
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

/// `#[metric(unit = "..", buckets = [..])]` of a field.
fn options(field: &syn::Field, cx: &mut Ctxt) -> (Option<(String, Span)>, Option<Vec<f64>>) {
    let mut unit = None;
    let mut buckets = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident(METRIC)) {
        let metas = match attr
            .parse_args_with(syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated)
        {
            Ok(m) => m,
            Err(e) => {
                cx.push(e);
                continue;
            }
        };
        for meta in metas {
            let key = path_text(meta.path());
            match key.as_str() {
                UNIT => {
                    unit = string_value(&meta, cx).map(|lit| (lit.value(), lit.span()));
                }
                BUCKETS => {
                    if let Some(bounds) = buckets_value(&meta, cx) {
                        let values: Vec<f64> = bounds.iter().map(|b| b.value).collect();
                        for (index, problem) in naming::check_buckets(&values) {
                            match index {
                                Some(i) => cx.spanned(&bounds[i].tokens, problem),
                                None => cx.error(meta.span(), problem),
                            }
                        }
                        buckets = Some(values);
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
    }
    (unit, buckets)
}
