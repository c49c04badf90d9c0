//! Applying the naming rules to parsed options and resolving defaults. Every problem is
//! reported on the token that caused it, with what to write instead.

use proc_macro2::{Span, TokenStream};
use vitalsign_naming::{self as naming, FamilyNames, NameContext, Problem};

use crate::attr::LabelSource;
use crate::attr::{FieldOpt, Options};
use crate::ctxt::Ctxt;
use crate::namespace::default_namespace;
use crate::symbol::{LOG_LEVELS, LOG_MODES, MAX_DYNAMIC_SERIES, OP};

/// Everything expansion needs, validated.
pub(crate) struct Resolved {
    pub namespace: String,
    pub name: String,
    pub families: FamilyNames,
    /// Fixed labels, `op` first.
    pub labels: Vec<(String, String)>,
    /// A label from an argument: its key and the expression of a `LabelValue` type, or of text
    /// when `max_series` caps it.
    pub arg_label: Option<(String, syn::Expr)>,
    /// The cap of a text label from an argument.
    pub max_series: Option<u64>,
    /// Whether `op` was written in `labels(..)`: a site that shares its series with another
    /// on purpose says so.
    pub op_given: bool,
    pub buckets: Option<Vec<f64>>,
    pub in_flight: bool,
    /// `help = ".."`, else the first paragraph of the doc comment (possibly empty).
    pub doc: String,
    pub log: LogConfig,
    /// Run the call inside a `tracing` span named after the operation.
    pub span: bool,
    pub fields: Vec<FieldOpt>,
    pub slo: Option<SloResolved>,
}

/// A call site's objectives, validated.
pub(crate) struct SloResolved {
    /// Percentage of calls that must succeed.
    pub success: Option<f64>,
    /// Latency bound in seconds (a bucket bound of the site).
    pub latency: Option<f64>,
    /// Percentage of calls that must be faster than `latency`.
    pub latency_target: f64,
}

/// What a call site logs.
pub(crate) struct LogConfig {
    pub errors: bool,
    pub all: bool,
    /// `tracing::Level` constant name of "call failed" lines.
    pub level: &'static str,
    pub slow: Option<std::time::Duration>,
}

impl LogConfig {
    /// Whether the site logs anything at all.
    pub(crate) fn any(&self) -> bool {
        self.errors || self.all || self.slow.is_some()
    }
}

/// Name of the base family when `name` is not given.
pub(crate) const DEFAULT_NAME: &str = "calls";

pub(crate) fn report(cx: &mut Ctxt, span: Span, problems: Vec<Problem>) -> bool {
    let ok = problems.is_empty();
    for p in problems {
        cx.error(span, p);
    }
    ok
}

/// The cap of a text label from an argument: only with one, and between 1 and the most.
fn text_cap(options: &Options, has_arg_label: bool, cx: &mut Ctxt) -> Option<u64> {
    let (cap, span) = options.max_series?;
    if !has_arg_label {
        cx.error(span, "`max_series` caps a text label from an argument, and this function has none\nhelp: add one, e.g. `labels(tenant = tenant)`, or remove `max_series`");
        return None;
    }
    if cap == 0 || cap > MAX_DYNAMIC_SERIES {
        cx.error(
            span,
            format_args!(
                "`max_series` is between 1 and {MAX_DYNAMIC_SERIES}: every value is one more series"
            ),
        );
        return None;
    }
    Some(cap)
}

/// The bounds' values, each problem reported on its bound (or on `span`, for the list).
pub(crate) fn checked_buckets(
    bounds: &[crate::attr::Bound],
    span: Span,
    cx: &mut Ctxt,
) -> Vec<f64> {
    let values: Vec<f64> = bounds.iter().map(|b| b.value).collect();
    for (index, problem) in naming::check_buckets(&values) {
        match index {
            Some(i) => cx.spanned(&bounds[i].tokens, problem),
            None => cx.error(span, problem),
        }
    }
    values
}

/// The namespace given (checked), else the crate's default (checked, errors on `span`, whose
/// help says to write `fix`).
pub(crate) fn namespace(
    given: Option<&syn::LitStr>,
    span: Span,
    fix: &str,
    cx: &mut Ctxt,
) -> String {
    match given {
        Some(lit) => {
            report(cx, lit.span(), naming::check_namespace(&lit.value()));
            lit.value()
        }
        None => {
            let default = default_namespace();
            for p in naming::check_namespace(&default.value) {
                cx.error(span, format_args!(
                    "the default namespace from {} is not a valid metric namespace: {}\nhelp: set one with `{fix}`",
                    default.source, p.message
                ));
            }
            default.value.clone()
        }
    }
}

/// Validates `options` of a function whose default `op` label is `op`, whose doc comment's
/// first paragraph is `doc` and whose arguments are `args`. `attr_span` carries errors about
/// defaults.
pub(crate) fn resolve(
    options: &Options,
    op: &str,
    doc: String,
    args: &[String],
    attr_span: Span,
    cx: &mut Ctxt,
) -> Resolved {
    let namespace = namespace(
        options.namespace.as_ref(),
        attr_span,
        "namespace = \"...\"",
        cx,
    );
    let name = match &options.name {
        Some(lit) => {
            report(
                cx,
                lit.span(),
                naming::check_metric_name(&lit.value(), NameContext::Instrumented),
            );
            lit.value()
        }
        None => DEFAULT_NAME.to_owned(),
    };

    let mut labels = vec![(OP.to_owned(), op.to_owned())];
    let mut arg_label: Option<(String, syn::Expr)> = None;
    for label in &options.labels {
        let key = label.key.to_string();
        report(cx, label.key.span(), naming::check_label_name(&key));
        let value = match &label.value {
            LabelSource::Fixed(lit) => {
                let value = lit.value();
                report(cx, lit.span(), naming::check_label_value(&value));
                value
            }
            LabelSource::Arg(expr) => {
                if key == OP {
                    cx.spanned(expr, "`op` names the operation and is fixed: one function is one operation\nhelp: write `op = \"...\"`, and put what varies in another label");
                } else if arg_label.is_some() {
                    cx.spanned(expr, "one label per function comes from its arguments: each is one more dimension of series\nhelp: record the other on a declared metric (`#[derive(MetricGroup)]`)");
                } else if check_from_argument(expr, args, op, "a label", cx) {
                    arg_label = Some((key, expr.clone()));
                }
                continue;
            }
        };
        match labels.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => labels.push((key, value)),
        }
    }

    let buckets = options
        .buckets
        .as_ref()
        .map(|(span, bounds)| checked_buckets(bounds, *span, cx));

    let doc = options
        .help
        .as_ref()
        .map_or(doc, |h| h.value().trim().to_owned());
    let log = log_config(options, cx);
    let slo = options
        .slo
        .as_ref()
        .and_then(|o| slo_config(o, buckets.as_deref(), cx));
    check_fields(&options.fields, args, op, cx);
    Resolved {
        families: FamilyNames::new(&namespace, &name),
        namespace,
        name,
        labels,
        max_series: text_cap(options, arg_label.is_some(), cx),
        arg_label,
        op_given: options.labels.iter().any(|l| l.key == OP),
        buckets,
        in_flight: options.in_flight.is_some(),
        doc,
        log,
        span: options.span.is_some() || !options.fields.is_empty(),
        fields: options.fields.clone(),
        slo,
    }
}

/// Default latency target when `slo(latency = ..)` gives none.
const DEFAULT_LATENCY_TARGET: f64 = 99.0;

fn slo_config(
    o: &crate::attr::SloOpt,
    buckets: Option<&[f64]>,
    cx: &mut Ctxt,
) -> Option<SloResolved> {
    let percentage = |value: &Option<(f64, TokenStream)>, what: &str, cx: &mut Ctxt| {
        let (v, tokens) = value.as_ref()?;
        if *v > 0.0 && *v < 100.0 {
            Some(*v)
        } else {
            cx.spanned(tokens, format_args!(
                "`{what}` is a percentage above 0 and below 100 (`99.9` lets 0.1 % of calls miss)"
            ));
            None
        }
    };
    let success = percentage(&o.success, "success", cx);
    let latency_target = percentage(&o.latency_target, "latency_target", cx);
    let latency = o.latency.as_ref().and_then(|lit| match naming::parse_duration(&lit.value()) {
        Err(p) => {
            cx.spanned(lit, p);
            None
        }
        Ok(d) => {
            let seconds = d.as_secs_f64();
            let bounds = buckets.unwrap_or(naming::DEFAULT_BUCKETS);
            if bounds.iter().any(|b| (b - seconds).abs() < 1e-12) {
                Some(seconds)
            } else {
                let near: Vec<String> = bounds.iter().filter(|b| **b > seconds / 10.0 && **b < seconds * 10.0).map(|b| format!("{b}")).collect();
                cx.spanned(lit, format_args!(
                    "a latency objective of {seconds}s needs a bucket bound of {seconds}: the objective counts calls in the `le=\"{seconds}\"` bucket\nhelp: choose a bound ({}) or add {seconds} to `buckets`",
                    near.join(", ")
                ));
                None
            }
        }
    });
    if o.latency.is_none() && o.latency_target.is_some() {
        cx.spanned(&o.tokens, "`latency_target` needs a `latency` to be a target for\nhelp: add e.g. `latency = \"250ms\"`");
    }
    if o.keys == 0 {
        cx.spanned(
            &o.tokens,
            "`slo` needs an objective: `success = 99.9`, `latency = \"250ms\"` or both",
        );
        return None;
    }
    (success.is_some() || latency.is_some()).then_some(SloResolved {
        success,
        latency,
        latency_target: latency_target.unwrap_or(DEFAULT_LATENCY_TARGET),
    })
}

fn choice(
    lit: &syn::LitStr,
    what: &str,
    allowed: &[&'static str],
    cx: &mut Ctxt,
) -> Option<&'static str> {
    let value = lit.value();
    let found = allowed.iter().find(|a| **a == value).copied();
    if found.is_none() {
        cx.spanned(
            lit,
            format!(
                "`{value}` is not a {what}; {}",
                crate::attr::expected_one_of(&value, allowed)
            ),
        );
    }
    found
}

fn log_config(options: &Options, cx: &mut Ctxt) -> LogConfig {
    let mode = options
        .log
        .as_ref()
        .and_then(|l| choice(l, "log mode", LOG_MODES, cx))
        .unwrap_or("errors");
    let level = match options
        .log_level
        .as_ref()
        .and_then(|l| choice(l, "log level", LOG_LEVELS, cx))
    {
        Some("error") => "ERROR",
        Some("info") => "INFO",
        Some("debug") => "DEBUG",
        _ => "WARN",
    };
    let slow = options
        .slow
        .as_ref()
        .and_then(|lit| match naming::parse_duration(&lit.value()) {
            Ok(d) => Some(d),
            Err(p) => {
                cx.spanned(lit, p);
                None
            }
        });
    LogConfig {
        errors: mode != "off",
        all: mode == "all",
        level,
        slow,
    }
}

/// Each field has a fresh name and a value rooted in one of the function's arguments, so
/// nothing but what is named is captured.
fn check_fields(fields: &[FieldOpt], args: &[String], function: &str, cx: &mut Ctxt) {
    let mut seen: Vec<String> = Vec::new();
    for field in fields {
        let name = field.name.to_string();
        if name == OP {
            cx.spanned(&field.name, "`op` is set by #[instrumented] on the span and every line\nhelp: choose another field name");
        } else if seen.contains(&name) {
            cx.spanned(
                &field.name,
                format_args!("duplicate field `{name}`\nhelp: give each field once"),
            );
        } else if !naming::is_snake_identifier(&name) {
            let fixed = naming::to_snake_case(&name);
            cx.spanned(&field.name, format_args!("field name `{name}` must be snake_case, like the other keys of a log line\nhelp: write `{fixed}`"));
        }
        seen.push(name);
        check_from_argument(&field.value, args, function, "a field", cx);
    }
}

/// Whether `expr` starts from an argument of `function`, else an error saying which they are.
fn check_from_argument(
    expr: &syn::Expr,
    args: &[String],
    function: &str,
    what: &str,
    cx: &mut Ctxt,
) -> bool {
    match root(expr) {
        Some(ident) if args.iter().any(|a| ident == a) => true,
        Some(ident) => {
            let list = args
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let known = if list.is_empty() {
                "it has none".to_owned()
            } else {
                format!("they are {list}")
            };
            cx.spanned(ident, format_args!(
                "`{ident}` is not an argument of `{function}`: {what} may only name its arguments, so nothing else is captured by accident\nhelp: {known}"
            ));
            false
        }
        None => {
            let examples = if what == "a label" {
                "`kind = kind`, `machine = machine.kind()`"
            } else {
                "`id = %id`, `table = ?req.table`, `len = items.len()`"
            };
            cx.spanned(expr, format_args!("{what}'s value is an argument, a field of one, or a method call on one\nhelp: e.g. {examples}"));
            false
        }
    }
}

/// The argument an expression starts from: `id`, `req.table`, `items.len()`, `&x`.
fn root(expr: &syn::Expr) -> Option<&syn::Ident> {
    match expr {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(&p.path.segments[0].ident)
        }
        syn::Expr::Field(f) => root(&f.base),
        syn::Expr::MethodCall(m) => root(&m.receiver),
        syn::Expr::Reference(r) => root(&r.expr),
        syn::Expr::Index(i) => root(&i.expr),
        syn::Expr::Paren(p) => root(&p.expr),
        _ => None,
    }
}

/// The names an argument list binds: `self`, plain names and those inside patterns.
pub(crate) fn argument_names(sig: &syn::Signature) -> Vec<String> {
    fn walk(pat: &syn::Pat, out: &mut Vec<String>) {
        match pat {
            syn::Pat::Ident(i) => out.push(i.ident.to_string()),
            syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| walk(p, out)),
            syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| walk(p, out)),
            syn::Pat::Struct(s) => s.fields.iter().for_each(|f| walk(&f.pat, out)),
            syn::Pat::Reference(r) => walk(&r.pat, out),
            syn::Pat::Slice(s) => s.elems.iter().for_each(|p| walk(p, out)),
            syn::Pat::Type(t) => walk(&t.pat, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => out.push("self".to_owned()),
            syn::FnArg::Typed(t) => walk(&t.pat, &mut out),
        }
    }
    out
}

/// The first paragraph of a doc comment, on one line: what becomes the HELP text.
pub(crate) fn doc_summary(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }),
            ..
        }) = &attr.meta
        {
            let text = s.value();
            // A bare `///` is an empty string, which has no lines: it is the paragraph break.
            if text.trim().is_empty() {
                lines.push(String::new());
            }
            lines.extend(text.lines().map(|l| l.trim().to_owned()));
        }
    }
    let paragraph: Vec<String> = lines
        .into_iter()
        .skip_while(String::is_empty)
        .take_while(|l| !l.is_empty())
        .collect();
    paragraph.join(" ")
}

#[cfg(test)]
mod tests {
    use super::doc_summary;

    #[test]
    fn doc_summary_is_the_first_paragraph() {
        let item: syn::ItemFn = syn::parse_quote! {
            /// Rewrites the log
            /// as one line per key.
            ///
            /// Details that do not belong in HELP.
            fn f() {}
        };
        assert_eq!(
            doc_summary(&item.attrs),
            "Rewrites the log as one line per key."
        );
        let block: syn::ItemFn = syn::parse_quote! {
            #[doc = "\n  First.\n\n  Second.\n"]
            fn g() {}
        };
        assert_eq!(doc_summary(&block.attrs), "First.");
    }
}
