//! The log lines of an instrumented function: the descriptor's hooks and the small function,
//! written into the user's crate, that emits "call failed", "slow call" and "call completed".

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::expand::local;
use crate::valid::Resolved;

/// The descriptor's log hooks and the function that writes the site's log lines. The lines are
/// `tracing` events written here, in the user's crate, so their target is the user's module.
pub fn log_items(r: &Resolved, op: &str) -> (TokenStream, TokenStream) {
    if !r.log.any() {
        return (quote!(::core::option::Option::None), TokenStream::new());
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
    let line = local("__vitalsign_line");
    let tracing = quote!(::vitalsign::__private::tracing);
    let hooks = quote! {
        ::core::option::Option::Some(::vitalsign::__private::LogHooks {
            errors: #errors,
            all: #all,
            slow: #slow,
            emit: __vitalsign_log,
        })
    };
    let emit = quote! {
        fn __vitalsign_log(#line: &::vitalsign::__private::CallLog<'_>) {
            match #line.kind {
                ::vitalsign::__private::CallLogKind::Failed => #tracing::event!(
                    target: ::core::module_path!(),
                    #tracing::Level::#level,
                    op = #op,
                    code = #line.code,
                    duration_ms = #line.duration_ms(),
                    error = #line.error.map(#tracing::field::display),
                    suppressed = #line.suppressed(),
                    "call failed"
                ),
                ::vitalsign::__private::CallLogKind::Slow => #tracing::event!(
                    target: ::core::module_path!(),
                    #tracing::Level::WARN,
                    op = #op,
                    duration_ms = #line.duration_ms(),
                    threshold_ms = #line.threshold_ms(),
                    suppressed = #line.suppressed(),
                    "slow call"
                ),
                ::vitalsign::__private::CallLogKind::Completed => #tracing::event!(
                    target: ::core::module_path!(),
                    #tracing::Level::DEBUG,
                    op = #op,
                    duration_ms = #line.duration_ms(),
                    suppressed = #line.suppressed(),
                    "call completed"
                ),
            }
        }
    };
    (hooks, emit)
}
