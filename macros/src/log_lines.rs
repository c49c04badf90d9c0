//! The log options of an instrumented function, as the descriptor's hooks. The runtime writes
//! the lines ("call failed", "slow call", "call completed") from the descriptor, with the
//! function's module as their target: nothing per line kind is expanded into the user's crate.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::valid::Resolved;

/// The descriptor's log hooks.
pub(crate) fn log_hooks(r: &Resolved) -> TokenStream {
    if !r.log.any() {
        return quote!(::core::option::Option::None);
    }
    let (errors, all) = (r.log.errors, r.log.all);
    let slow = match r.log.slow {
        Some(d) => {
            let nanos = d.as_nanos() as u64;
            quote!(::core::option::Option::Some(::core::time::Duration::from_nanos(#nanos)))
        }
        None => quote!(::core::option::Option::None),
    };
    let level = format_ident!("{}", r.log.level);
    let hooks = quote! {
        ::core::option::Option::Some(::vitalsign::__private::LogHooks {
            errors: #errors,
            all: #all,
            slow: #slow,
            level: ::vitalsign::__private::tracing::Level::#level,
        })
    };
    hooks
}
