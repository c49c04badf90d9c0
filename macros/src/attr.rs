//! Parsing `#[instrumented(..)]` options. Syntax errors stop parsing; everything else (unknown
//! option, duplicate, wrong value type) is collected so all of them are reported together.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, MetaNameValue, Token, UnOp};

use crate::ctxt::Ctxt;
use crate::symbol::{
    self, BUCKETS, FIELDS, HELP, IN_FLIGHT, LABELS, LOG, LOG_LEVEL, MAX_SERIES, NAME, NAMESPACE,
    OPTIONS, SKIP, SLO, SLOW, SPAN,
};

/// A label given in `labels(key = "value")` or `labels(key = arg.kind())`.
#[derive(Clone)]
pub(crate) struct LabelOpt {
    pub key: syn::Ident,
    pub value: LabelSource,
}

/// Where a label's value comes from.
#[derive(Clone)]
pub(crate) enum LabelSource {
    /// A string literal: the same on every call.
    Fixed(LitStr),
    /// An expression from an argument, of a `LabelValue` type: one series per value.
    Arg(Expr),
}

/// A field of `fields(name = %arg, other = ?arg.part, plain = arg)`.
#[derive(Clone)]
pub(crate) struct FieldOpt {
    pub name: syn::Ident,
    /// `%` (Display), `?` (Debug) or nothing (the value's own `tracing::Value`).
    pub sigil: Option<TokenStream>,
    pub value: Expr,
}

impl syn::parse::Parse for FieldOpt {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<Token![=]>()?;
        let sigil = if input.peek(Token![%]) {
            Some(input.parse::<Token![%]>()?.to_token_stream())
        } else if input.peek(Token![?]) {
            Some(input.parse::<Token![?]>()?.to_token_stream())
        } else {
            None
        };
        Ok(Self {
            name,
            sigil,
            value: input.parse()?,
        })
    }
}

/// `slo(success = 99.9, latency = "250ms", latency_target = 99.0)`, each value with its tokens.
#[derive(Clone, Default)]
pub(crate) struct SloOpt {
    pub success: Option<(f64, TokenStream)>,
    pub latency: Option<LitStr>,
    pub latency_target: Option<(f64, TokenStream)>,
    /// The whole `slo(..)`, for errors about it as a whole.
    pub tokens: TokenStream,
    /// How many keys were written, valid or not.
    pub keys: usize,
}

/// One bucket bound and the tokens it was written as (`-1.0` is two tokens).
#[derive(Clone)]
pub(crate) struct Bound {
    pub value: f64,
    pub tokens: TokenStream,
}

/// The options of one `#[instrumented(..)]`, each with its span.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub namespace: Option<LitStr>,
    pub name: Option<LitStr>,
    pub labels: Vec<LabelOpt>,
    /// Span of the whole `labels(..)`, to tell a repeated `labels` apart.
    pub labels_span: Option<Span>,
    pub buckets: Option<(Span, Vec<Bound>)>,
    pub in_flight: Option<Span>,
    pub skip: Option<Span>,
    pub help: Option<LitStr>,
    pub log: Option<LitStr>,
    pub log_level: Option<LitStr>,
    pub slow: Option<LitStr>,
    pub span: Option<Span>,
    pub fields: Vec<FieldOpt>,
    pub slo: Option<SloOpt>,
    /// `max_series = N`: the cap of a text label from an argument.
    pub max_series: Option<(u64, Span)>,
    /// Options already given, valid or not, to report repeats.
    seen: Vec<String>,
}

impl Options {
    /// Parses the attribute's arguments, reporting option-level mistakes into `cx`.
    pub(crate) fn parse(args: TokenStream, cx: &mut Ctxt) -> syn::Result<Self> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args).map_err(|e| {
            let list = OPTIONS.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ");
            syn::Error::new(e.span(), format!("{e}: #[instrumented] takes options such as `name = \"requests\"`, one of: {list}"))
        })?;
        let mut options = Options::default();
        for meta in metas {
            options.apply(meta, cx);
        }
        Ok(options)
    }

    fn apply(&mut self, meta: Meta, cx: &mut Ctxt) {
        let Some(ident) = meta.path().get_ident().cloned() else {
            cx.spanned(meta.path(), unknown_message(&path_text(meta.path())));
            return;
        };
        let key = ident.to_string();
        if !OPTIONS.contains(&key.as_str()) {
            cx.spanned(&ident, unknown_message(&key));
            return;
        }
        if self.seen.contains(&key) {
            cx.spanned(
                &ident,
                format_args!("duplicate option `{key}`\nhelp: give each option once"),
            );
            return;
        }
        self.seen.push(key.clone());
        match key.as_str() {
            NAMESPACE => self.namespace = string_value(&meta, cx),
            NAME => self.name = string_value(&meta, cx),
            HELP => self.help = string_value(&meta, cx),
            LOG => self.log = string_value(&meta, cx),
            LOG_LEVEL => self.log_level = string_value(&meta, cx),
            SLOW => self.slow = string_value(&meta, cx),
            SPAN => self.span = flag(&meta, cx),
            FIELDS => self.fields = fields_value(&meta, cx),
            SLO => self.slo = slo_value(&meta, cx),
            LABELS => {
                self.labels_span = Some(meta.span());
                self.labels = labels_value(&meta, cx);
            }
            BUCKETS => self.buckets = buckets_value(&meta, cx).map(|b| (meta.span(), b)),
            IN_FLIGHT => self.in_flight = flag(&meta, cx),
            SKIP => self.skip = flag(&meta, cx),
            MAX_SERIES => self.max_series = integer_value(&meta, cx),
            _ => unreachable!("checked above"),
        }
    }

    /// These options, with any option `method` sets taking its place (an impl block's
    /// options under a method's own).
    pub(crate) fn overridden_by(&self, method: &Options) -> Options {
        let mut labels = self.labels.clone();
        for label in &method.labels {
            labels.retain(|l| l.key != label.key);
            labels.push(label.clone());
        }
        Options {
            namespace: method.namespace.clone().or_else(|| self.namespace.clone()),
            name: method.name.clone().or_else(|| self.name.clone()),
            labels,
            labels_span: method.labels_span.or(self.labels_span),
            buckets: method.buckets.clone().or_else(|| self.buckets.clone()),
            in_flight: method.in_flight.or(self.in_flight),
            skip: method.skip,
            help: method.help.clone().or_else(|| self.help.clone()),
            log: method.log.clone().or_else(|| self.log.clone()),
            log_level: method.log_level.clone().or_else(|| self.log_level.clone()),
            slow: method.slow.clone().or_else(|| self.slow.clone()),
            span: method.span.or(self.span),
            // Fields name a function's own arguments, so they never carry over from a block.
            fields: method.fields.clone(),
            // An objective is a promise about one operation: never inherited from a block.
            slo: method.slo.clone(),
            // Like fields, it caps a label of the function's own arguments.
            max_series: method.max_series,
            seen: Vec::new(),
        }
    }
}

/// A whole number option, `key = 100`.
pub(crate) fn integer_value(meta: &Meta, cx: &mut Ctxt) -> Option<(u64, Span)> {
    let key = path_text(meta.path());
    if let Meta::NameValue(nv) = meta
        && let Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) = &nv.value
        && let Ok(v) = i.base10_parse::<u64>()
    {
        return Some((v, i.span()));
    }
    cx.spanned(
        meta,
        format_args!("`{key}` takes a whole number\nhelp: write `{key} = 100`"),
    );
    None
}

/// The options of every `#[name(..)]` among `attrs`, in order; an unparsable list is an error.
pub(crate) fn helper_metas(attrs: &[syn::Attribute], name: &str, cx: &mut Ctxt) -> Vec<Meta> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        match attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
            Ok(metas) => out.extend(metas),
            Err(e) => cx.push(e),
        }
    }
    out
}

pub(crate) fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn unknown_message(key: &str) -> String {
    format!(
        "unknown option `{key}` of #[instrumented]; {}",
        expected_one_of(key, OPTIONS)
    )
}

/// "expected one of: `a`, `b`", and the likely intended word when `word` is a near miss. Every
/// "unknown option / key / value" message of the macros ends with it.
pub(crate) fn expected_one_of(word: &str, candidates: &[&str]) -> String {
    let list = candidates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match vitalsign_naming::closest(word, candidates) {
        Some(close) => format!("expected one of: {list}\nhelp: did you mean `{close}`?"),
        None => format!("expected one of: {list}"),
    }
}

pub(crate) fn string_value(meta: &Meta, cx: &mut Ctxt) -> Option<LitStr> {
    let key = path_text(meta.path());
    match meta {
        Meta::NameValue(MetaNameValue {
            value: Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }),
            ..
        }) => Some(s.clone()),
        Meta::NameValue(nv) => {
            cx.spanned(
                &nv.value,
                format_args!("`{key}` takes a string literal\nhelp: write `{key} = \"...\"`"),
            );
            None
        }
        _ => {
            cx.spanned(
                meta,
                format_args!("`{key}` needs a value\nhelp: write `{key} = \"...\"`"),
            );
            None
        }
    }
}

/// A flag written alone: `critical`, never `critical = false`, where taking `false` for "not
/// given" would quietly keep the default.
pub(crate) fn bare_flag(meta: &Meta, cx: &mut Ctxt) -> Option<Span> {
    match meta {
        Meta::Path(p) => Some(p.span()),
        _ => {
            let key = path_text(meta.path());
            cx.spanned(
                meta,
                format_args!("`{key}` is a flag and takes no value\nhelp: write `{key}` alone"),
            );
            None
        }
    }
}

/// A flag, alone or as `= true`/`= false`.
pub(crate) fn flag(meta: &Meta, cx: &mut Ctxt) -> Option<Span> {
    match meta {
        Meta::NameValue(MetaNameValue {
            value: Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }),
            ..
        }) => b.value.then(|| b.span()),
        _ => bare_flag(meta, cx),
    }
}

fn labels_value(meta: &Meta, cx: &mut Ctxt) -> Vec<LabelOpt> {
    let Meta::List(list) = meta else {
        cx.spanned(
            meta,
            "`labels` takes a list\nhelp: write `labels(op = \"apply_event\", table = \"users\")`",
        );
        return Vec::new();
    };
    let pairs = match list.parse_args_with(Punctuated::<MetaNameValue, Token![,]>::parse_terminated)
    {
        Ok(pairs) => pairs,
        Err(e) => {
            cx.error(e.span(), "each label is written `name = \"value\"`");
            return Vec::new();
        }
    };
    let mut labels: Vec<LabelOpt> = Vec::new();
    for pair in pairs {
        let Some(key) = pair.path.get_ident().cloned() else {
            cx.spanned(&pair.path, "a label name is a single identifier");
            continue;
        };
        let value = match pair.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(value),
                ..
            }) => LabelSource::Fixed(value),
            Expr::Lit(other) => {
                cx.spanned(&other, format_args!("the value of label `{key}` is a string literal, or an expression from an argument whose type derives `LabelValue`\nhelp: write `{key} = \"...\"`"));
                continue;
            }
            expr => LabelSource::Arg(expr),
        };
        if labels.iter().any(|l| l.key == key) {
            cx.spanned(
                &key,
                format_args!("duplicate label `{key}`\nhelp: give each label once"),
            );
            continue;
        }
        labels.push(LabelOpt { key, value });
    }
    labels
}

fn slo_value(meta: &Meta, cx: &mut Ctxt) -> Option<SloOpt> {
    let help = "help: write `slo(success = 99.9, latency = \"250ms\", latency_target = 99.0)`";
    let Meta::List(list) = meta else {
        cx.spanned(meta, format_args!("`slo` takes a list\n{help}"));
        return None;
    };
    let pairs = match list.parse_args_with(Punctuated::<MetaNameValue, Token![,]>::parse_terminated)
    {
        Ok(p) => p,
        Err(e) => {
            cx.error(e.span(), format_args!("{e}\n{help}"));
            return None;
        }
    };
    let mut slo = SloOpt {
        tokens: meta.to_token_stream(),
        ..SloOpt::default()
    };
    slo.keys = pairs.len();
    for pair in pairs {
        let key = pair
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        match key.as_str() {
            "success" | "latency_target" => match number(&pair.value) {
                Some(v) => {
                    let slot = if key == "success" {
                        &mut slo.success
                    } else {
                        &mut slo.latency_target
                    };
                    *slot = Some((v, pair.value.to_token_stream()));
                }
                None => cx.spanned(
                    &pair.value,
                    format_args!("`{key}` is a percentage, e.g. `99.9`"),
                ),
            },
            "latency" => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => slo.latency = Some(s.clone()),
                other => cx.spanned(other, "`latency` is a duration, e.g. `latency = \"250ms\"`"),
            },
            _ => cx.spanned(
                &pair.path,
                format!(
                    "unknown key `{key}` of `slo`; {}",
                    expected_one_of(&key, symbol::SLO_KEYS)
                ),
            ),
        }
    }
    Some(slo)
}

fn fields_value(meta: &Meta, cx: &mut Ctxt) -> Vec<FieldOpt> {
    let help =
        "help: write `fields(instance_id = %id, table = ?table)`, naming arguments of the function";
    let Meta::List(list) = meta else {
        cx.spanned(meta, format_args!("`fields` takes a list\n{help}"));
        return Vec::new();
    };
    match list.parse_args_with(Punctuated::<FieldOpt, Token![,]>::parse_terminated) {
        Ok(fields) => fields.into_iter().collect(),
        Err(e) => {
            cx.error(e.span(), format_args!("{e}\n{help}"));
            Vec::new()
        }
    }
}

pub(crate) fn buckets_value(meta: &Meta, cx: &mut Ctxt) -> Option<Vec<Bound>> {
    let help = "help: write the upper bounds in seconds, e.g. `buckets = [0.001, 0.01, 0.1, 1.0]`";
    let Meta::NameValue(MetaNameValue {
        value: Expr::Array(array),
        ..
    }) = meta
    else {
        cx.spanned(
            meta,
            format_args!("`buckets` takes an array of numbers\n{help}"),
        );
        return None;
    };
    let mut bounds = Vec::new();
    let mut all_numbers = true;
    for element in &array.elems {
        match number(element) {
            Some(value) => bounds.push(Bound {
                value,
                tokens: element.to_token_stream(),
            }),
            None => {
                all_numbers = false;
                cx.spanned(
                    element,
                    format_args!("bucket bounds must be number literals\n{help}"),
                );
            }
        }
    }
    // With a bound unreadable, the rules about the list as a whole would only add noise.
    all_numbers.then_some(bounds)
}

fn number(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<u64>().ok().map(|v| v as f64),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => number(&u.expr).map(|v| -v),
        _ => None,
    }
}

/// Finds and removes `#[instrumented(..)]` attributes from a method inside an instrumented
/// impl block, returning their token arguments.
pub(crate) fn take_method_attrs(
    attrs: &mut Vec<syn::Attribute>,
) -> Vec<(TokenStream, TokenStream)> {
    let mut taken = Vec::new();
    attrs.retain(|a| {
        let is_ours = a
            .path()
            .segments
            .last()
            .is_some_and(|s| s.ident == symbol::INSTRUMENTED);
        if is_ours {
            let args = match &a.meta {
                Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            taken.push((a.to_token_stream(), args));
        }
        !is_ours
    });
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (Option<Options>, Vec<String>) {
        let mut cx = Ctxt::new();
        let options = Options::parse(tokens, &mut cx).ok();
        let errors = match cx.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (options, errors)
    }

    #[test]
    fn parses_every_option() {
        let (o, errors) = parse(quote!(
            namespace = "db",
            name = "requests",
            labels(op = "get", table = "t"),
            buckets = [0.001, 1, 2.5],
            in_flight,
            help = "Reads."
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let o = o.unwrap();
        assert_eq!(o.namespace.unwrap().value(), "db");
        assert_eq!(o.name.unwrap().value(), "requests");
        assert_eq!(o.labels.len(), 2);
        assert_eq!(
            o.buckets
                .unwrap()
                .1
                .iter()
                .map(|b| b.value)
                .collect::<Vec<_>>(),
            vec![0.001, 1.0, 2.5]
        );
        assert!(o.in_flight.is_some());
        assert_eq!(o.help.unwrap().value(), "Reads.");
    }

    #[test]
    fn reports_all_mistakes_at_once() {
        let (_, errors) = parse(quote!(
            nmae = "x",
            name = 5,
            name = "y",
            labels(a = 1),
            buckets = 3
        ));
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(
            errors[0].contains("unknown option `nmae`")
                && errors[0].contains("did you mean `name`?")
        );
        assert!(errors[1].contains("takes a string literal"));
        assert!(errors[2].contains("duplicate option `name`"));
        assert!(errors[3].contains("is a string literal, or an expression"));
        assert!(errors[4].contains("array of numbers"));
    }

    #[test]
    fn method_options_override_block_options() {
        let (block, _) = parse(quote!(name = "a", labels(x = "1", y = "2")));
        let (method, _) = parse(quote!(labels(y = "3")));
        let merged = block.unwrap().overridden_by(&method.unwrap());
        assert_eq!(merged.name.unwrap().value(), "a");
        let labels: Vec<(String, String)> = merged
            .labels
            .iter()
            .map(|l| match &l.value {
                LabelSource::Fixed(v) => (l.key.to_string(), v.value()),
                LabelSource::Arg(_) => (l.key.to_string(), String::new()),
            })
            .collect();
        assert_eq!(
            labels,
            vec![("x".into(), "1".into()), ("y".into(), "3".into())]
        );
    }
}
