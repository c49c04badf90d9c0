//! `#[derive(MetricGroup)]`: a struct whose fields are declared metrics. `parse.rs` reads and
//! validates the struct (every naming rule, each error on the token it is about); this file
//! writes the descriptors, their registration into the catalogue and `const fn new()`.
//!
//! On error only the errors are emitted: a `new()` over fields that failed their checks could
//! not be built anyway, and the struct itself, untouched by a derive, still type-checks.

mod parse;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;

use crate::ctxt::Ctxt;
use parse::{Group, Metric};

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let group = parse::group(&input, &mut cx);
    match (cx.finish(), group) {
        (Ok(()), Some(group)) => expand(&input, &group),
        (Err(e), _) => {
            let errors = e.to_compile_error();
            quote!(#errors)
        }
        (Ok(()), None) => TokenStream::new(),
    }
}

fn expand(input: &DeriveInput, group: &Group) -> TokenStream {
    let name = &input.ident;
    let vis = &input.vis;
    let descriptors = group.metrics.iter().map(descriptor);
    let inits = group.metrics.iter().enumerate().map(|(i, m)| {
        let (field, ty) = (&m.ident, &m.ty);
        quote_spanned!(m.ident.span()=> #field: <#ty>::__declared(&__VITALSIGN_METRICS[#i]))
    });
    let count = group.metrics.len();
    let group_name = name.to_string();
    let new_doc = format!(
        "Every metric of `{group_name}`, unbound: each binds to the installed recorder on its first record. Keep one in a `static`."
    );
    quote! {
        const _: () = {
            static __VITALSIGN_METRICS: [::vitalsign::__private::MetricDescriptor; #count] = [#(#descriptors),*];
            static __VITALSIGN_GROUP: ::vitalsign::__private::GroupDescriptor =
                ::vitalsign::__private::GroupDescriptor {
                    name: #group_name,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    fields: &__VITALSIGN_METRICS,
                };
            ::vitalsign::__private::inventory::submit! {
                ::vitalsign::__private::RegisteredGroup(&__VITALSIGN_GROUP)
            }

            #[automatically_derived]
            impl #name {
                #[doc = #new_doc]
                #[allow(dead_code)]
                #vis const fn new() -> Self {
                    Self { #(#inits),* }
                }
            }

            #[automatically_derived]
            impl ::core::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        };
    }
}

fn descriptor(m: &Metric) -> TokenStream {
    let Metric {
        family,
        ident,
        kind,
        help,
        unit,
        buckets,
        labels,
        dynamic,
        ..
    } = m;
    let field = ident.to_string();
    let kind = match kind {
        vitalsign_naming::DeclaredType::Counter => quote!(Counter),
        vitalsign_naming::DeclaredType::Gauge => quote!(Gauge),
        vitalsign_naming::DeclaredType::Histogram => quote!(Histogram),
    };
    let unit = unit.suffix().unwrap_or("");
    let buckets = match buckets {
        Some(bounds) => quote!(::core::option::Option::Some(&[#(#bounds),*])),
        None => quote!(::core::option::Option::None),
    };
    let (label_info, max_series) = match dynamic {
        Some((name, cap)) => {
            let cap = usize::try_from(*cap).unwrap_or(usize::MAX);
            (
                quote!(::vitalsign::__private::dynamic_label(&[#name])),
                quote!(#cap),
            )
        }
        None => (
            quote!(::vitalsign::__private::label_info::<#labels>()),
            quote!(0),
        ),
    };
    // `line!()` spanned on the field's name: the line the catalogue shows.
    let line = quote_spanned!(ident.span()=> ::core::line!());
    quote! {
        ::vitalsign::__private::MetricDescriptor {
            name: #family,
            field: #field,
            kind: ::vitalsign::__private::MetricType::#kind,
            help: #help,
            unit: #unit,
            buckets: #buckets,
            labels: #label_info,
            max_series: #max_series,
            line: #line,
        }
    }
}
