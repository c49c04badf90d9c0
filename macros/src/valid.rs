//! Applying the naming rules to parsed options and resolving defaults. Every problem is
//! reported on the token that caused it, with what to write instead.

use proc_macro2::Span;
use vitalsign_naming::{self as naming, FamilyNames, NameContext, Problem};

use crate::attr::Options;
use crate::ctxt::Ctxt;
use crate::namespace::default_namespace;
use crate::symbol::OP;

/// Everything expansion needs, validated.
pub struct Resolved {
    pub namespace: String,
    pub name: String,
    pub families: FamilyNames,
    /// Fixed labels, `op` first.
    pub labels: Vec<(String, String)>,
    pub buckets: Option<Vec<f64>>,
    pub in_flight: bool,
    /// `help = ".."`, else the first paragraph of the doc comment (possibly empty).
    pub doc: String,
}

/// Name of the base family when `name` is not given.
pub const DEFAULT_NAME: &str = "calls";

fn report(cx: &mut Ctxt, span: Span, problems: Vec<Problem>) -> bool {
    let ok = problems.is_empty();
    for p in problems {
        cx.error(span, p);
    }
    ok
}

/// Validates `options` of a function whose default `op` label is `op` and whose doc comment's
/// first paragraph is `doc`. `attr_span` carries errors about defaults.
pub fn resolve(
    options: &Options,
    op: &str,
    doc: String,
    attr_span: Span,
    cx: &mut Ctxt,
) -> Resolved {
    let namespace = match &options.namespace {
        Some(lit) => {
            report(cx, lit.span(), naming::check_namespace(&lit.value()));
            lit.value()
        }
        None => {
            let default = default_namespace();
            for p in naming::check_namespace(&default.value) {
                cx.error(attr_span, format_args!(
                    "the default namespace from {} is not a valid metric namespace: {}\nhelp: set one with `namespace = \"...\"`",
                    default.source, p.message
                ));
            }
            default.value.clone()
        }
    };
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
    for label in &options.labels {
        let key = label.key.to_string();
        let value = label.value.value();
        report(cx, label.key.span(), naming::check_label_name(&key));
        report(cx, label.value.span(), naming::check_label_value(&value));
        match labels.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => labels.push((key, value)),
        }
    }

    let buckets = options.buckets.as_ref().map(|(span, bounds)| {
        let values: Vec<f64> = bounds.iter().map(|b| b.value).collect();
        for (index, problem) in naming::check_buckets(&values) {
            match index {
                Some(i) => cx.spanned(&bounds[i].tokens, problem),
                None => cx.error(*span, problem),
            }
        }
        values
    });

    let doc = options
        .help
        .as_ref()
        .map_or(doc, |h| h.value().trim().to_owned());
    Resolved {
        families: FamilyNames::new(&namespace, &name),
        namespace,
        name,
        labels,
        buckets,
        in_flight: options.in_flight.is_some(),
        doc,
    }
}

/// The first paragraph of a doc comment, on one line: what becomes the HELP text.
pub fn doc_summary(attrs: &[syn::Attribute]) -> String {
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
            lines.extend(
                s.value()
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .collect::<Vec<_>>(),
            );
        }
    }
    let paragraph: Vec<String> = lines
        .into_iter()
        .skip_while(String::is_empty)
        .take_while(|l| !l.is_empty())
        .collect();
    paragraph.join(" ")
}
