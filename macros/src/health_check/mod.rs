//! `#[health_check(..)]` on a struct, in the same stages as `#[instrumented]`: `attr` parses
//! the options and a composite's field attributes, `valid` applies the naming rules and parses
//! the durations (so a typo is a compile error), `expand` derives
//! `vitalsign::health::HealthCheck`. Every error is collected; on error the struct is still
//! emitted, without our field attributes, so one mistake does not cascade.

mod attr;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::{Data, DeriveInput};

use crate::ctxt::Ctxt;

/// Said on an enum or a union: the check's state belongs in a struct.
const NOT_A_STRUCT: &str = "#[health_check] goes on a struct\nhelp: put the state the check needs in a struct and write `check` in its impl";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(i) => i,
        // Not even an item: let rustc report it.
        Err(_) => return item,
    };
    let options = attr::Options::parse(args, &mut cx);
    // The struct as emitted: a composite's `#[health(..)]` attributes are taken off it.
    let mut strut = input.clone();
    let parts = match &mut strut.data {
        Data::Struct(s) if options.composite.is_some() => attr::parts(&mut s.fields, &mut cx),
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
    let check = valid::resolve(&options, &input, &mut cx);
    match cx.finish() {
        Ok(()) => expand::health_check(&strut, &check, options.composite.is_some(), &parts),
        Err(e) => {
            let errors = e.to_compile_error();
            quote::quote!(#errors #strut)
        }
    }
}
