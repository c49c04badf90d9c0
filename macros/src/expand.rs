//! Writing the instrumented item. Infallible: everything was validated before.
//!
//! Each function gets a `static CallSite` (its descriptor and cached metric handles) registered
//! in the catalogue (an `inventory` collection), and its body runs inside a guard that records
//! the call. The user's body tokens keep their spans, and the body is typed against the declared return type,
//! so rustc's inference and error locations are the same as without the attribute.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{self, Options};
use crate::ctxt::Ctxt;
use crate::item::{self, Annotated, MaybeItemFn};
use crate::shape::{self, Shape};
use crate::symbol::OP;
use crate::valid::{self, Resolved};

/// Entry point of `#[instrumented]`; `enabled` is the `metrics` feature.
pub(crate) fn instrumented(args: TokenStream, item: TokenStream, enabled: bool) -> TokenStream {
    let mut cx = Ctxt::new();
    let options = Options::parse(args, &mut cx).unwrap_or_else(|e| {
        cx.push(e);
        Options::default()
    });
    let expanded = match item::read(item.clone()) {
        Annotated::Fn(f) => function(*f, &options, None, &mut cx),
        Annotated::Impl(i) => impl_block(*i, &options, &mut cx),
        Annotated::Unsupported(e) => {
            cx.push(e);
            None
        }
        Annotated::Unparsable => None,
    };
    match (cx.finish(), expanded) {
        (Ok(()), Some(tokens)) if enabled => tokens,
        // Off means gone: validated all the same, then emitted unchanged.
        (Ok(()), _) => item,
        // The item is still emitted, unchanged, so one mistake does not cascade into errors
        // about the function being missing.
        (Err(e), _) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            out
        }
    }
}

/// Instruments one function; `owner` is the type name inside an instrumented impl block.
fn function(
    f: MaybeItemFn,
    options: &Options,
    owner: Option<&str>,
    cx: &mut Ctxt,
) -> Option<TokenStream> {
    if let Some(constness) = &f.sig.constness {
        cx.spanned(constness, "#[instrumented] cannot measure a `const fn`: it may run at compile time, where there is no clock or recorder\nhelp: remove `const`, or remove the attribute");
        return None;
    }
    if options.skip.is_some() {
        return Some(f.to_token_stream());
    }
    let op = match owner {
        Some(ty) => format!("{ty}::{}", f.sig.ident),
        None => f.sig.ident.to_string(),
    };
    let args = valid::argument_names(&f.sig);
    let resolved = valid::resolve(
        options,
        &op,
        valid::doc_summary(&f.outer_attrs),
        &args,
        Span::call_site(),
        cx,
    );
    Some(instrument(f, &resolved, &op))
}

fn impl_block(mut imp: syn::ItemImpl, options: &Options, cx: &mut Ctxt) -> Option<TokenStream> {
    if options.skip.is_some() {
        return Some(imp.to_token_stream());
    }
    let owner = match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| "Self".to_owned());
    for item in &mut imp.items {
        let syn::ImplItem::Fn(method) = item else {
            continue;
        };
        let mut own = Options::default();
        for (i, (attr_tokens, args)) in attr::take_method_attrs(&mut method.attrs)
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                cx.spanned(&attr_tokens, "duplicate #[instrumented] on this method\nhelp: merge the options into one attribute");
            }
            match Options::parse(args, cx) {
                Ok(parsed) => own = own.overridden_by(&parsed),
                Err(e) => cx.push(e),
            }
        }
        // A `const fn` in an instrumented block is left alone rather than refused: the block
        // asks for every method that can be measured.
        if method.sig.constness.is_some() && own.skip.is_none() {
            continue;
        }
        let merged = options.overridden_by(&own);
        let f = MaybeItemFn::from_impl_fn(method);
        if let Some(tokens) = function(f, &merged, Some(&owner), cx) {
            *item = syn::ImplItem::Verbatim(tokens);
        }
    }
    Some(imp.to_token_stream())
}

/// Locals of the generated code. Mixed-site hygiene makes them invisible to the user's body,
/// so they can neither shadow nor be shadowed by the user's names.
pub(crate) fn local(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

fn instrument(f: MaybeItemFn, r: &Resolved, op: &str) -> TokenStream {
    let shape = shape::of(&f);
    let output = shape::output_type(&f, &shape);
    let site = site_statics(&f, r, op);
    let guard = local("__vitalsign_guard");
    let ret = local("__vitalsign_ret");
    let fut = local("__vitalsign_future");
    let block = f.block();
    // Typing the result against the declared return type keeps `?` conversions and literal
    // inference working inside the wrapped body, with errors pointing at the user's code.
    let annotation = output.as_ref().map(|ty| quote_spanned!(ty.span()=> : #ty));
    let turbofish = output
        .as_ref()
        .map(|ty| quote_spanned!(ty.span()=> ::<#ty, _>));
    // The error's text is only looked at when failures are logged.
    let error = if r.log.errors {
        quote!(::vitalsign::__private::error_ref!(&#ret))
    } else {
        quote!(::core::option::Option::None)
    };
    // A successful call takes the inlined path; only a failure builds the error's reference
    // for its log line, out of line.
    let outcome = local("__vitalsign_outcome");
    let finish = quote! {
        match ::vitalsign::__private::classify!(&#ret) {
            ::vitalsign::__private::CallOutcome::Ok => #guard.finish_ok(),
            #outcome => #guard.finish(#outcome, #error),
        }
        #ret
    };
    // With `span` (or `fields`), the call runs inside a span named after the operation, created
    // from the arguments before the body takes them. Its name and `op` are the metric's `op`
    // label (the function's name unless `labels(op = ..)` says otherwise), so that spans, log
    // lines and series join on one value.
    let op = r
        .labels
        .iter()
        .find(|(k, _)| k == OP)
        .map_or(op, |(_, v)| v.as_str());
    let span = local("__vitalsign_span");
    let entered = local("__vitalsign_entered");
    let make_span = r.span.then(|| {
        // A `%` or `?` value is first borrowed as `&dyn Display` / `&dyn Debug` on its own
        // tokens: a type without the trait is one error on the user's expression, not three
        // inside tracing's macro spanning the attribute.
        let mut bindings = Vec::new();
        let fields: Vec<TokenStream> = r
            .fields
            .iter()
            .enumerate()
            .map(|(i, fo)| {
                let (name, sigil, value) = (&fo.name, &fo.sigil, &fo.value);
                let shown = match sigil.as_ref().map(ToString::to_string).as_deref() {
                    Some("%") => Some((quote!(Display), quote!(display))),
                    Some("?") => Some((quote!(Debug), quote!(debug))),
                    _ => None,
                };
                match shown {
                    Some((format, wrap)) => {
                        let bound = local(&format!("__vitalsign_field_{i}"));
                        bindings.push(quote_spanned! {value.span()=>
                            let #bound: &dyn ::core::fmt::#format = &(#value);
                        });
                        quote!(#name = ::vitalsign::__private::tracing::field::#wrap(#bound))
                    }
                    None => quote!(#name = #sigil #value),
                }
            })
            .collect();
        quote! {
            #(#bindings)*
            let #span = ::vitalsign::__private::tracing::span!(
                target: ::core::module_path!(),
                ::vitalsign::__private::tracing::Level::INFO,
                #op,
                op = #op
                #(, #fields)*
            );
        }
    });
    let in_span = |future: TokenStream| match r.span {
        true => quote!(::vitalsign::__private::tracing::Instrument::instrument(#future, #span)),
        false => future,
    };
    let enter_span = r.span.then(|| quote!(let #entered = #span.enter();));
    // A label from an argument is read before the body takes the arguments.
    let label = local("__vitalsign_label");
    let make_label = r.arg_label.as_ref().map(|(_, expr)| match r.max_series {
        Some(_) => quote_spanned!(expr.span()=>
            let #label = __VITALSIGN_SITE.text_label(::vitalsign::__private::text(&(#expr)));
        ),
        None => quote_spanned!(expr.span()=>
            let #label = ::vitalsign::__private::arg_label(&(#expr));
        ),
    });
    let start = match &r.arg_label {
        Some(_) => quote!(__VITALSIGN_SITE.start_labeled(#label)),
        None => quote!(__VITALSIGN_SITE.start()),
    };
    let timed_future = |future: TokenStream| {
        in_span(quote! {
            async move {
                let #guard = #start;
                let #ret #annotation = #future.await;
                #finish
            }
        })
    };
    let diverges = matches!(&f.sig.output, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Never(_)));
    let body = match shape {
        // No normal return to record: the guard sees the unwind (or nothing, for a loop that
        // runs until the process exits).
        Shape::Sync if diverges => quote! {
            #make_span
            #enter_span
            #make_label
            let #guard = #start;
            #block
        },
        Shape::Sync => quote! {
            #make_span
            #enter_span
            #make_label
            let #guard = #start;
            let #ret = ::vitalsign::__private::call_once #turbofish (move || #block);
            #finish
        },
        Shape::AsyncFn => {
            // The "fake return edge": a `return` of the declared type ahead of the body fixes
            // the inner block's output type, so a mistyped tail or `?` is reported on the
            // user's line rather than on the attribute.
            let fake_return = output.as_ref().map(|ty| {
                quote_spanned! {ty.span()=>
                    #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop, clippy::let_unit_value, clippy::needless_return)]
                    if false {
                        let __vitalsign_fake_return: #ty = loop {};
                        return __vitalsign_fake_return;
                    }
                }
            });
            let inner = &f.body;
            let inner_block =
                quote_spanned!(f.brace.span.join()=> async move { #fake_return #inner });
            let timed = quote! {
                #make_label
                let #guard = #start;
                let #ret #annotation = #inner_block.await;
                #finish
            };
            match r.span {
                // The span must wrap the timed part as one future (`Instrument`), entered on
                // every poll.
                true => {
                    let timed = in_span(quote!(async move { #timed }));
                    quote! {
                        #make_span
                        #timed.await
                    }
                }
                // Without one, the timed part is the function's own body: one state machine
                // fewer to move through on every call.
                false => timed,
            }
        }
        Shape::ImplFuture => {
            let timed = timed_future(fut.to_token_stream());
            quote! {
                #make_span
                #make_label
                let #fut = ::vitalsign::__private::call_once(move || #block);
                #timed
            }
        }
        Shape::BoxedFuture(Some(at)) => {
            let (leading, box_pin) = (&at.leading, &at.box_pin);
            let timed = timed_future(at.future.to_token_stream());
            quote! {
                #make_span
                #make_label
                #(#leading)*
                #box_pin(#timed)
            }
        }
        Shape::BoxedFuture(None) => {
            let timed = timed_future(fut.to_token_stream());
            quote! {
                #make_span
                #make_label
                let #fut = ::vitalsign::__private::call_once(move || #block);
                ::std::boxed::Box::pin(#timed)
            }
        }
    };
    let MaybeItemFn {
        outer_attrs,
        inner_attrs,
        vis,
        sig,
        ..
    } = f;
    quote! {
        #(#outer_attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #site
            #[allow(clippy::let_unit_value, clippy::redundant_closure_call, clippy::needless_return, unused_braces)]
            {
                #body
            }
        }
    }
}

/// The call site's static and its entry in the catalogue.
fn site_statics(f: &MaybeItemFn, r: &Resolved, op: &str) -> TokenStream {
    let (ns, name, doc) = (&r.namespace, &r.name, &r.doc);
    let (calls, duration, errors) = (&r.families.calls, &r.families.duration, &r.families.errors);
    let in_flight = if r.in_flight {
        let n = &r.families.in_flight;
        quote!(::core::option::Option::Some(#n))
    } else {
        quote!(::core::option::Option::None)
    };
    let labels = r
        .labels
        .iter()
        .map(|(k, v)| quote!(::vitalsign::__private::Label::from_static_parts(#k, #v)));
    let label_count = r.labels.len();
    let buckets = match &r.buckets {
        Some(b) => {
            let b = b.iter().map(|v| Literal::f64_suffixed(*v));
            quote!(::core::option::Option::Some(&[#(#b),*]))
        }
        None => quote!(::core::option::Option::None),
    };
    // `line!()` would give the attribute's line (for an impl block, the same line for every
    // method); the function name's own line is what a conflict message should point at.
    // (Unit tests expand outside the compiler, where there are no source locations.)
    let line = match proc_macro::is_available() {
        true => f.sig.ident.span().unwrap().line() as u32,
        false => 0,
    };
    let line = Literal::u32_unsuffixed(line);
    let site = format_ident!("__VITALSIGN_SITE");
    let log = crate::log_lines::log_hooks(r);
    let slo = match &r.slo {
        Some(s) => {
            let opt = |v: Option<f64>| match v {
                Some(v) => quote!(::core::option::Option::Some(#v)),
                None => quote!(::core::option::Option::None),
            };
            let (success, latency, target) = (opt(s.success), opt(s.latency), s.latency_target);
            quote!(::core::option::Option::Some(::vitalsign::__private::SloSpec {
                success: #success,
                latency: #latency,
                latency_target: #target,
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let op_given = r.op_given;
    let arg_label = match &r.arg_label {
        Some((key, _)) => quote!(::core::option::Option::Some(#key)),
        None => quote!(::core::option::Option::None),
    };
    let max_series = usize::try_from(r.max_series.unwrap_or(0)).unwrap_or(usize::MAX);
    quote! {
        // Its own static: `Label` has a destructor, so it cannot be a promoted temporary.
        static __VITALSIGN_LABELS: [::vitalsign::__private::Label; #label_count] = [#(#labels),*];
        static #site: ::vitalsign::__private::CallSite =
            ::vitalsign::__private::CallSite::new(::vitalsign::__private::SiteDescriptor {
                namespace: #ns,
                name: #name,
                calls: #calls,
                duration: #duration,
                errors: #errors,
                in_flight: #in_flight,
                labels: &__VITALSIGN_LABELS,
                arg_label: #arg_label,
                max_series: #max_series,
                doc: #doc,
                buckets: #buckets,
                function: #op,
                op_given: #op_given,
                module: ::core::module_path!(),
                file: ::core::file!(),
                line: #line,
                log: #log,
                slo: #slo,
            });
        ::vitalsign::__private::inventory::submit! {
            ::vitalsign::__private::Registered(&#site)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::instrumented;
    use quote::quote;

    #[test]
    fn off_means_the_item_unchanged() {
        let item = quote! {
            /// Docs stay.
            pub async fn handler(x: u32) -> Result<u32, E> { Ok(x) }
        };
        let out = instrumented(
            quote!(namespace = "db", name = "requests"),
            item.clone(),
            false,
        );
        assert_eq!(out.to_string(), item.to_string());
        let on = instrumented(
            quote!(namespace = "db", name = "requests"),
            item.clone(),
            true,
        );
        assert!(on.to_string().contains("__VITALSIGN_SITE"));
    }

    #[test]
    fn off_still_validates() {
        let item = quote!(
            fn handler() {}
        );
        let out = instrumented(quote!(name = "Requests_total"), item.clone(), false).to_string();
        assert!(out.starts_with(":: core :: compile_error !"), "{out}");
        assert!(
            out.ends_with(&item.to_string()),
            "the item is still emitted: {out}"
        );
    }

    #[test]
    fn every_error_is_emitted_next_to_the_item() {
        let item = quote!(
            fn handler() {}
        );
        let out = instrumented(
            quote!(namespace = "A", name = "b_total", nmae = "x"),
            item,
            true,
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(out.ends_with("fn handler () { }"), "{out}");
    }
}
