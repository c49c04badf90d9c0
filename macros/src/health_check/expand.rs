//! The tokens of `#[health_check]`: the struct, and its `HealthCheck` impl with the checked
//! spec and a `run` that calls `check` (or, for a composite, every part at once).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;

use super::attr::Part;
use super::valid::Check;

pub(super) fn health_check(
    strut: &DeriveInput,
    check: &Check,
    composite: bool,
    parts: &[Part],
) -> TokenStream {
    let spec = spec(check);
    let run = if composite {
        composite_run(parts)
    } else {
        single_run(&strut.ident)
    };
    let ident = &strut.ident;
    let (impl_generics, ty_generics, where_clause) = strut.generics.split_for_impl();
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

fn spec(c: &Check) -> TokenStream {
    let Check {
        name,
        description,
        critical,
        ..
    } = c;
    let kinds = c.kinds.iter().map(|k| format_ident!("{k}"));
    let failure = format_ident!("{}", c.failure);
    let nanos = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    let (timeout, every) = (nanos(c.timeout), nanos(c.every));
    quote! {
        ::vitalsign::health::CheckSpec::new(#name)
            .description(#description)
            .kinds(&[#(::vitalsign::health::Kind::#kinds),*])
            .critical(#critical)
            .timeout(::core::time::Duration::from_nanos(#timeout))
            .every(::core::time::Duration::from_nanos(#every))
            .failure_status(::vitalsign::health::Status::#failure)
    }
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
