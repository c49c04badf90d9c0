//! `#[derive(LabelValue)]` on a field-less enum (one value per variant) and `#[derive(LabelSet)]`
//! on a struct of label values (one label per field). Values and names follow the naming rules;
//! every mistake is reported on its own token.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};
use vitalsign_naming::{self as naming, to_snake_case};

use crate::attr::{expected_one_of, helper_metas, path_text, string_value};
use crate::ctxt::Ctxt;
use crate::symbol::{LABEL, NAME, RENAME};
use crate::valid::report;

/// `#[label(name = "..")]` or `#[label(rename = "..")]`: the one key `allowed` of an item.
fn label_attr(attrs: &[syn::Attribute], allowed: &str, cx: &mut Ctxt) -> Option<LitStr> {
    let mut value = None;
    for meta in helper_metas(attrs, LABEL, cx) {
        let key = path_text(meta.path());
        if key == allowed {
            value = string_value(&meta, cx);
        } else {
            cx.spanned(
                meta.path(),
                format_args!(
                    "unknown key `{key}` of #[label] here; {}",
                    expected_one_of(&key, &[allowed])
                ),
            );
        }
    }
    value
}

/// A name or value as written (`#[label(..)]`) or by default (snake case), with its span.
fn chosen(lit: Option<LitStr>, default: &syn::Ident) -> (String, Span) {
    match lit {
        Some(l) => (l.value(), l.span()),
        None => (to_snake_case(&default.to_string()), default.span()),
    }
}

fn no_generics(input: &DeriveInput, what: &str, cx: &mut Ctxt) {
    if !input.generics.params.is_empty() {
        cx.spanned(
            &input.generics,
            format_args!("{what} cannot be generic: its values are fixed when it is declared"),
        );
    }
}

pub(crate) fn derive_value(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    no_generics(&input, "a label value", &mut cx);
    let (label, span) = chosen(label_attr(&input.attrs, NAME, &mut cx), &input.ident);
    report(&mut cx, span, naming::check_label_name(&label));
    let mut values: Vec<(syn::Ident, String)> = Vec::new();
    match &input.data {
        Data::Enum(e) => {
            if e.variants.is_empty() {
                cx.spanned(&input.ident, "a label value needs at least one variant: each is one value of the label");
            }
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    cx.spanned(&v.fields, format_args!(
                        "variant `{}` carries data, but a label takes one of a fixed set of values\nhelp: keep the data elsewhere; a label value is a field-less variant",
                        v.ident
                    ));
                }
                let (value, span) = chosen(label_attr(&v.attrs, RENAME, &mut cx), &v.ident);
                report(&mut cx, span, naming::check_label_value(&value));
                if let Some((first, _)) = values.iter().find(|(_, seen)| *seen == value) {
                    cx.error(span, format_args!(
                        "variant `{}` has the label value `{value}` of variant `{first}`: their series would merge\nhelp: give one of them another value with #[label(rename = \"...\")]",
                        v.ident
                    ));
                }
                values.push((v.ident.clone(), value));
            }
        }
        Data::Struct(s) => cx.spanned(s.struct_token, "LabelValue is derived on a field-less enum, one value per variant\nhelp: for a struct of several labels, derive `LabelSet`"),
        Data::Union(u) => cx.spanned(u.union_token, "LabelValue is derived on a field-less enum, one value per variant"),
    }
    if let Err(e) = cx.finish() {
        return fallback(&input.ident, e, true);
    }
    let name = &input.ident;
    let idents = values.iter().map(|(i, _)| i);
    let indexes = 0..values.len();
    let words = values.iter().map(|(_, w)| w);
    let count = values.len();
    quote! {
        #[automatically_derived]
        impl ::vitalsign::LabelValue for #name {
            const NAME: &'static str = #label;
            const VALUES: &'static [&'static str] = &[#(#words),*];
            #[inline]
            fn index(&self) -> usize {
                match self {
                    #(Self::#idents => #indexes,)*
                }
            }
        }

        #[automatically_derived]
        impl ::vitalsign::LabelSet for #name {
            const NAMES: &'static [&'static str] = &[#label];
            const CARDINALITY: usize = #count;
            #[inline]
            fn index(&self) -> usize {
                ::vitalsign::LabelValue::index(self)
            }
            fn values(index: usize) -> ::std::vec::Vec<&'static str> {
                ::std::vec![<Self as ::vitalsign::LabelValue>::VALUES[index]]
            }
        }
    }
}

pub(crate) fn derive_set(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    no_generics(&input, "a label set", &mut cx);
    let mut labels: Vec<(syn::Ident, String, syn::Type)> = Vec::new();
    match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => {
                if named.named.is_empty() {
                    cx.spanned(&input.ident, "a label set needs at least one field: each is one label");
                }
                for f in &named.named {
                    let Some(ident) = f.ident.clone() else { continue };
                    let (label, span) = chosen(label_attr(&f.attrs, NAME, &mut cx), &ident);
                    report(&mut cx, span, naming::check_label_name(&label));
                    if labels.iter().any(|(_, seen, _)| *seen == label) {
                        cx.error(span, format_args!("label `{label}` is given twice"));
                    }
                    labels.push((ident, label, f.ty.clone()));
                }
            }
            other => cx.spanned(other, "a label set has named fields: each field's name is its label's name\nhelp: write `struct Transition { from: State, to: State }`"),
        },
        Data::Enum(e) => cx.spanned(e.enum_token, "LabelSet is derived on a struct of label values\nhelp: for an enum of values, derive `LabelValue`"),
        Data::Union(u) => cx.spanned(u.union_token, "LabelSet is derived on a struct of label values"),
    }
    if let Err(e) = cx.finish() {
        return fallback(&input.ident, e, false);
    }
    let name = &input.ident;
    let names = labels.iter().map(|(_, l, _)| l);
    let sizes: Vec<TokenStream> = labels
        .iter()
        .map(|(_, _, ty)| quote!(<#ty as ::vitalsign::LabelValue>::VALUES.len()))
        .collect();
    let fields: Vec<&syn::Ident> = labels.iter().map(|(i, _, _)| i).collect();
    let types: Vec<&syn::Type> = labels.iter().map(|(_, _, t)| t).collect();
    // Mixed radix, the first field most significant.
    let locals: Vec<syn::Ident> = fields
        .iter()
        .map(|f| quote::format_ident!("__vitalsign_{}", f))
        .collect();
    let decode = locals.iter().zip(&types).rev().map(|(local, ty)| {
        quote! {
            let __vitalsign_n = <#ty as ::vitalsign::LabelValue>::VALUES.len();
            let #local = <#ty as ::vitalsign::LabelValue>::VALUES[__vitalsign_rest % __vitalsign_n];
            __vitalsign_rest /= __vitalsign_n;
        }
    });
    quote! {
        #[automatically_derived]
        impl ::vitalsign::LabelSet for #name {
            const NAMES: &'static [&'static str] = &[#(#names),*];
            const CARDINALITY: usize = 1 #(* #sizes)*;
            #[inline]
            fn index(&self) -> usize {
                let mut __vitalsign_index = 0;
                #(
                    __vitalsign_index = __vitalsign_index * <#types as ::vitalsign::LabelValue>::VALUES.len()
                        + ::vitalsign::LabelValue::index(&self.#fields);
                )*
                __vitalsign_index
            }
            fn values(index: usize) -> ::std::vec::Vec<&'static str> {
                let mut __vitalsign_rest = index;
                #(#decode)*
                ::std::vec![#(#locals),*]
            }
        }
    }
}

/// The errors, and impls with no values, so that uses of the type elsewhere do not add errors of
/// their own ("not a label set") to the one mistake.
fn fallback(name: &syn::Ident, errors: syn::Error, value: bool) -> TokenStream {
    let errors = errors.to_compile_error();
    let value_impl = value.then(|| {
        quote! {
            impl ::vitalsign::LabelValue for #name {
                const NAME: &'static str = "";
                const VALUES: &'static [&'static str] = &[];
                fn index(&self) -> usize { 0 }
            }
        }
    });
    quote! {
        #errors
        #value_impl
        impl ::vitalsign::LabelSet for #name {
            const NAMES: &'static [&'static str] = &[];
            const CARDINALITY: usize = 0;
            fn index(&self) -> usize { 0 }
            fn values(_: usize) -> ::std::vec::Vec<&'static str> { ::std::vec::Vec::new() }
        }
    }
}
