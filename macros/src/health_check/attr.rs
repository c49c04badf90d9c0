//! Parsing `#[health_check]`'s options and a composite check's `#[health(..)]` field
//! attributes, with the option helpers `#[instrumented]` uses.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Fields, LitStr, Meta, Token};

use crate::attr::{bare_flag, expected_one_of, path_text, string_value};
use crate::ctxt::Ctxt;
use crate::symbol::{HEALTH_FIELD, HEALTH_FIELD_WORDS, HEALTH_OPTIONS};

/// The options as written; `valid` checks their values.
#[derive(Default)]
pub(super) struct Options {
    pub(super) name: Option<LitStr>,
    pub(super) kinds: Vec<&'static str>,
    pub(super) critical: Option<bool>,
    pub(super) timeout: Option<LitStr>,
    pub(super) every: Option<LitStr>,
    pub(super) failure_status: Option<LitStr>,
    pub(super) composite: Option<Span>,
}

impl Options {
    /// Every option, each at most once; unknown and duplicate options are errors on their
    /// token.
    pub(super) fn parse(args: TokenStream, cx: &mut Ctxt) -> Self {
        let mut o = Self::default();
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(m) => m,
            Err(e) => {
                cx.push(e);
                return o;
            }
        };
        let mut seen: Vec<String> = Vec::new();
        for meta in metas {
            let key = path_text(meta.path());
            if !HEALTH_OPTIONS.contains(&key.as_str()) {
                cx.spanned(
                    meta.path(),
                    format_args!(
                        "unknown option `{key}` of #[health_check]; {}",
                        expected_one_of(&key, HEALTH_OPTIONS)
                    ),
                );
                continue;
            }
            if seen.contains(&key) {
                cx.spanned(
                    meta.path(),
                    format_args!("duplicate option `{key}`\nhelp: give each option once"),
                );
                continue;
            }
            seen.push(key.clone());
            match key.as_str() {
                "name" => o.name = string_value(&meta, cx),
                "timeout" => o.timeout = string_value(&meta, cx),
                "every" => o.every = string_value(&meta, cx),
                "failure_status" => o.failure_status = string_value(&meta, cx),
                "liveness" | "readiness" | "startup" => {
                    if bare_flag(&meta, cx).is_some() {
                        o.kinds.push(match key.as_str() {
                            "liveness" => "Liveness",
                            "readiness" => "Readiness",
                            _ => "Startup",
                        });
                    }
                }
                "critical" | "non_critical" => {
                    if bare_flag(&meta, cx).is_some() {
                        let critical = key == "critical";
                        match o.critical {
                            Some(other) if other != critical => cx.spanned(
                                meta.path(),
                                "a check is either `critical` or `non_critical`, not both",
                            ),
                            _ => o.critical = Some(critical),
                        }
                    }
                }
                _ => o.composite = bare_flag(&meta, cx),
            }
        }
        o
    }
}

/// One part of a composite check: a field that is itself a health check.
pub(super) struct Part {
    /// `self.field`, spanned on the field's type, where a type that is no check is reported.
    pub(super) member: TokenStream,
    pub(super) name: String,
    pub(super) critical: bool,
}

/// The parts of a composite check, taking our `#[health(..)]` attributes off the fields.
pub(super) fn parts(fields: &mut Fields, cx: &mut Ctxt) -> Vec<Part> {
    let Fields::Named(named) = fields else {
        cx.spanned(
            &*fields,
            "a composite check needs named fields: their names are the parts' names",
        );
        return Vec::new();
    };
    let mut parts = Vec::new();
    for field in &mut named.named {
        let mut skip = false;
        let mut critical = true;
        let mut keep = Vec::new();
        for attr in std::mem::take(&mut field.attrs) {
            if !attr.path().is_ident(HEALTH_FIELD) {
                keep.push(attr);
                continue;
            }
            let parsed = attr.parse_nested_meta(|m| {
                match m.path.get_ident().map(ToString::to_string).as_deref() {
                    Some("skip") => skip = true,
                    Some("non_critical") => critical = false,
                    Some("critical") => critical = true,
                    _ => {
                        let [a, b, c] = HEALTH_FIELD_WORDS;
                        return Err(m.error(format_args!("expected `{a}`, `{b}` or `{c}`")));
                    }
                }
                Ok(())
            });
            if let Err(e) = parsed {
                cx.push(e);
            }
        }
        field.attrs = keep;
        if skip {
            continue;
        }
        let ident = field.ident.clone().expect("named field");
        let at = field
            .ty
            .to_token_stream()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span());
        parts.push(Part {
            member: quote_spanned!(at=> self.#ident),
            name: ident.to_string(),
            critical,
        });
    }
    if parts.is_empty() {
        cx.spanned(
            &*named,
            "a composite check needs at least one field that is a health check",
        );
    }
    parts
}
