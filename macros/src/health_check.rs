//! `#[health_check(..)]` on a struct: parse the options, validate them (names with the metric
//! naming rules, durations parsed here so a typo is a compile error), then derive
//! `vitalsign::health::HealthCheck`. On error the struct is still emitted, unchanged.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Lit, LitStr, Meta, MetaNameValue, Token};

use crate::attr::expected_one_of;
use crate::ctxt::Ctxt;
use crate::valid::doc_summary;

const OPTIONS: &[&str] = &[
    "name",
    "liveness",
    "readiness",
    "startup",
    "critical",
    "non_critical",
    "timeout",
    "every",
    "failure_status",
    "composite",
];
const FIELD_ATTR: &str = "health";
const DEFAULT_TIMEOUT: &str = "2s";
const DEFAULT_EVERY: &str = "10s";

#[derive(Default)]
struct Options {
    name: Option<LitStr>,
    kinds: Vec<(&'static str, Span)>,
    critical: Option<(bool, Span)>,
    timeout: Option<LitStr>,
    every: Option<LitStr>,
    failure_status: Option<LitStr>,
    composite: Option<Span>,
    seen: Vec<String>,
}

/// One part of a composite check.
struct Part {
    member: TokenStream,
    name: String,
    critical: bool,
}

/// Said on an enum or a union: the check's state belongs in a struct.
const NOT_A_STRUCT: &str = "#[health_check] goes on a struct\nhelp: put the state the check needs in a struct and write `check` in its impl";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(i) => i,
        // Not even an item: let rustc report it.
        Err(_) => return item,
    };
    let options = parse(args, &mut cx);
    let mut strut = input.clone();
    let parts = match &mut strut.data {
        Data::Struct(s) if options.composite.is_some() => parts(&mut s.fields, &mut cx),
        Data::Struct(_) => Vec::new(),
        Data::Enum(syn::DataEnum {
            enum_token: token, ..
        }) => {
            cx.spanned(token, NOT_A_STRUCT);
            Vec::new()
        }
        Data::Union(syn::DataUnion {
            union_token: token, ..
        }) => {
            cx.spanned(token, NOT_A_STRUCT);
            Vec::new()
        }
    };
    let spec = spec(&options, &input, &mut cx);
    match cx.finish() {
        Ok(()) => {
            let run = if options.composite.is_some() {
                composite_run(&parts)
            } else {
                single_run(&input.ident)
            };
            let ident = &input.ident;
            let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
            quote! {
                #strut
                #[automatically_derived]
                impl #impl_generics ::vitalsign::health::HealthCheck for #ident #ty_generics #where_clause {
                    fn spec(&self) -> ::vitalsign::health::CheckSpec {
                        #spec
                    }
                    fn run(&self) -> ::vitalsign::health::BoxFuture<'_, ::vitalsign::health::Outcome> {
                        #run
                    }
                }
            }
        }
        Err(e) => {
            let errors = e.to_compile_error();
            // The struct without our field attributes, so they cause no further errors.
            quote!(#errors #strut)
        }
    }
}

fn parse(args: TokenStream, cx: &mut Ctxt) -> Options {
    let mut o = Options::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(m) => m,
        Err(e) => {
            cx.push(e);
            return o;
        }
    };
    for meta in metas {
        let key = meta
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !OPTIONS.contains(&key.as_str()) {
            let message = format!(
                "unknown option `{key}` of #[health_check]; {}",
                expected_one_of(&key, OPTIONS)
            );
            cx.spanned(meta.path(), message);
            continue;
        }
        if o.seen.contains(&key) {
            cx.spanned(
                meta.path(),
                format_args!("duplicate option `{key}`\nhelp: give each option once"),
            );
            continue;
        }
        o.seen.push(key.clone());
        let span = meta
            .path()
            .get_ident()
            .map_or_else(Span::call_site, syn::Ident::span);
        match key.as_str() {
            "name" => o.name = string(&meta, cx),
            "timeout" => o.timeout = string(&meta, cx),
            "every" => o.every = string(&meta, cx),
            "failure_status" => o.failure_status = string(&meta, cx),
            "liveness" | "readiness" | "startup" if flag(&meta, cx) => {
                let kind = match key.as_str() {
                    "liveness" => "Liveness",
                    "readiness" => "Readiness",
                    _ => "Startup",
                };
                o.kinds.push((kind, span));
            }
            "critical" | "non_critical" if flag(&meta, cx) => {
                let critical = key == "critical";
                if let Some((other, _)) = o.critical {
                    if other != critical {
                        cx.spanned(
                            meta.path(),
                            "a check is either `critical` or `non_critical`, not both",
                        );
                    }
                } else {
                    o.critical = Some((critical, span));
                }
            }
            "composite" if flag(&meta, cx) => o.composite = Some(span),
            _ => {}
        }
    }
    o
}

fn string(meta: &Meta, cx: &mut Ctxt) -> Option<LitStr> {
    let key = meta
        .path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    match meta {
        Meta::NameValue(MetaNameValue {
            value: Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }),
            ..
        }) => Some(s.clone()),
        _ => {
            cx.spanned(
                meta,
                format_args!("`{key}` takes a string\nhelp: write `{key} = \"...\"`"),
            );
            None
        }
    }
}

fn flag(meta: &Meta, cx: &mut Ctxt) -> bool {
    match meta {
        Meta::Path(_) => true,
        _ => {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            cx.spanned(
                meta,
                format_args!("`{key}` is a flag and takes no value\nhelp: write `{key}` alone"),
            );
            false
        }
    }
}

/// The `CheckSpec` expression, validating names and durations.
fn spec(o: &Options, input: &DeriveInput, cx: &mut Ctxt) -> TokenStream {
    let name = match &o.name {
        Some(lit) => {
            let value = lit.value();
            if let Some(problem) = vitalsign_naming::check_check_name(&value) {
                cx.spanned(lit, problem);
            }
            value
        }
        None => default_name(&input.ident.to_string()),
    };
    let duration =
        |lit: Option<&LitStr>, default: &str, cx: &mut Ctxt| -> Option<std::time::Duration> {
            let text = lit.map_or_else(|| default.to_owned(), LitStr::value);
            match vitalsign_naming::parse_duration(&text) {
                Ok(d) => Some(d),
                Err(p) => {
                    match lit {
                        Some(lit) => cx.spanned(lit, p),
                        None => cx.error(Span::call_site(), p),
                    }
                    None
                }
            }
        };
    let timeout = duration(o.timeout.as_ref(), DEFAULT_TIMEOUT, cx);
    let every = duration(o.every.as_ref(), DEFAULT_EVERY, cx);
    if let (Some(t), Some(e)) = (timeout, every)
        && t > e
    {
        let at = o
            .timeout
            .as_ref()
            .map(ToTokens::to_token_stream)
            .unwrap_or_else(|| quote!(#input));
        cx.spanned(at, format_args!(
            "timeout ({}) is longer than the interval ({}): a run could still be going when the next one starts\nhelp: make `timeout` at most `every`",
            humantime_like(t), humantime_like(e)
        ));
    }
    let failure = match o.failure_status.as_ref().map(|l| (l, l.value())) {
        None => quote!(Unhealthy),
        Some((_, v)) if v == "unhealthy" => quote!(Unhealthy),
        Some((_, v)) if v == "degraded" => quote!(Degraded),
        Some((lit, v)) => {
            cx.spanned(lit, format_args!(
                "`failure_status` is `unhealthy` or `degraded`, not `{v}`: it is what a timed-out or panicking run reports"
            ));
            quote!(Unhealthy)
        }
    };
    let mut kinds: Vec<&str> = o.kinds.iter().map(|(k, _)| *k).collect();
    kinds.dedup();
    if kinds.is_empty() {
        kinds.push("Readiness");
    }
    let kinds = kinds.iter().map(|k| format_ident!("{k}"));
    let critical = o.critical.is_none_or(|(c, _)| c);
    let doc = doc_summary(&input.attrs);
    let nanos = |d: Option<std::time::Duration>| d.map_or(0, |d| d.as_nanos() as u64);
    let (timeout, every) = (nanos(timeout), nanos(every));
    quote! {
        ::vitalsign::health::CheckSpec::new(#name)
            .description(#doc)
            .kinds(&[#(::vitalsign::health::Kind::#kinds),*])
            .critical(#critical)
            .timeout(::core::time::Duration::from_nanos(#timeout))
            .every(::core::time::Duration::from_nanos(#every))
            .failure_status(::vitalsign::health::Status::#failure)
    }
}

fn humantime_like(d: std::time::Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `WalHealth` → `wal`, `DiskCheck` → `disk`, `Replication` → `replication`.
fn default_name(ident: &str) -> String {
    let snake = vitalsign_naming::to_snake_case(ident);
    for suffix in ["_health_check", "_health", "_check"] {
        if let Some(stem) = snake.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            return stem.to_owned();
        }
    }
    snake
}

/// The parts of a composite check, removing our `#[health(..)]` field attributes.
fn parts(fields: &mut Fields, cx: &mut Ctxt) -> Vec<Part> {
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
            if !attr.path().is_ident(FIELD_ATTR) {
                keep.push(attr);
                continue;
            }
            let parsed = attr.parse_nested_meta(|m| {
                if m.path.is_ident("skip") {
                    skip = true;
                } else if m.path.is_ident("non_critical") {
                    critical = false;
                } else if m.path.is_ident("critical") {
                    critical = true;
                } else {
                    return Err(m.error("expected `skip`, `critical` or `non_critical`"));
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
        let member = quote_spanned!(field.ty.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span())=> self.#ident);
        parts.push(Part {
            member,
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

fn single_run(ident: &syn::Ident) -> TokenStream {
    // Spanned on the struct's name: a missing or mistyped `check` is reported there.
    let call = quote_spanned!(ident.span()=> self.check());
    let output =
        quote_spanned!(ident.span()=> ::vitalsign::__private::health::outcome!(__vitalsign_output));
    quote! {
        ::std::boxed::Box::pin(async move {
            let __vitalsign_pending = ::vitalsign::__private::health::awaitable!(#call);
            let __vitalsign_output = __vitalsign_pending.await;
            #output
        })
    }
}

fn composite_run(parts: &[Part]) -> TokenStream {
    let vars: Vec<_> = (0..parts.len())
        .map(|i| format_ident!("__vitalsign_part_{i}"))
        .collect();
    let runs = parts.iter().map(|p| {
        let member = &p.member;
        quote_spanned!(member.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span())=>
            ::vitalsign::health::HealthCheck::run(&#member))
    });
    let entries = parts.iter().zip(&vars).map(|(p, v)| {
        let (name, critical) = (&p.name, p.critical);
        quote!((#name, #critical, #v))
    });
    quote! {
        ::std::boxed::Box::pin(async move {
            let (#(#vars,)*) = ::vitalsign::__private::tokio::join!(#(#runs),*);
            ::vitalsign::__private::health::composite(&[#(#entries),*])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::default_name;

    #[test]
    fn default_names_drop_the_obvious_suffix() {
        assert_eq!(default_name("WalHealth"), "wal");
        assert_eq!(default_name("DiskCheck"), "disk");
        assert_eq!(default_name("ReplicationHealthCheck"), "replication");
        assert_eq!(default_name("Replication"), "replication");
        assert_eq!(default_name("Health"), "health");
    }
}
