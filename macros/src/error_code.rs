//! `#[derive(ErrorCode)]`: parse the helper attributes, validate every code (all errors at
//! once), then write the impl. On error a fallback impl answering `"error"` is still emitted, so
//! the mistake does not cascade into "ErrorCode is not implemented" errors elsewhere.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;
use crate::symbol::{ERROR_CODE, TRANSPARENT};

/// How one variant (or the struct) gets its code.
enum Code {
    Literal(LitStr),
    /// Snake case of the name, spanned on the name.
    Default(String, Span),
    Transparent(syn::Type),
}

struct Case {
    /// `Self::Variant`, or `Self` for a struct.
    path: TokenStream,
    fields: Fields,
    code: Code,
}

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut cx = Ctxt::new();
    let cases = cases(&input, &mut cx);
    check_codes(&cases, &mut cx);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    match cx.finish() {
        Ok(()) => {
            let mut where_clause = where_clause
                .cloned()
                .unwrap_or_else(|| syn::parse_quote!(where));
            for case in &cases {
                if let Code::Transparent(ty) = &case.code {
                    where_clause
                        .predicates
                        .push(syn::parse_quote!(#ty: ::vitalsign::ErrorCode));
                }
            }
            let arms = cases.iter().map(arm);
            // An empty enum has no value to match on by reference.
            let scrutinee = if cases.is_empty() {
                quote!(*self)
            } else {
                quote!(self)
            };
            quote! {
                #[automatically_derived]
                impl #impl_generics ::vitalsign::ErrorCode for #name #ty_generics #where_clause {
                    fn error_code(&self) -> &'static str {
                        #[allow(unreachable_patterns)]
                        match #scrutinee {
                            #(#arms)*
                        }
                    }
                }
            }
        }
        Err(e) => {
            let errors = e.to_compile_error();
            quote! {
                #errors
                #[automatically_derived]
                impl #impl_generics ::vitalsign::ErrorCode for #name #ty_generics #where_clause {
                    fn error_code(&self) -> &'static str { "error" }
                }
            }
        }
    }
}

fn cases(input: &DeriveInput, cx: &mut Ctxt) -> Vec<Case> {
    match &input.data {
        Data::Enum(e) => e
            .variants
            .iter()
            .filter_map(|v| {
                let ident = &v.ident;
                let code = code_of(&v.attrs, &v.fields, ident, cx)?;
                Some(Case {
                    path: quote!(Self::#ident),
                    fields: v.fields.clone(),
                    code,
                })
            })
            .collect(),
        Data::Struct(s) => code_of(&input.attrs, &s.fields, &input.ident, cx)
            .map(|code| Case {
                path: quote!(Self),
                fields: s.fields.clone(),
                code,
            })
            .into_iter()
            .collect(),
        Data::Union(u) => {
            cx.spanned(u.union_token, "ErrorCode cannot be derived for a union\nhelp: derive it on an enum of the error cases, or on a struct");
            Vec::new()
        }
    }
}

/// Reads the `#[error_code(..)]` of a variant or struct.
fn code_of(
    attrs: &[syn::Attribute],
    fields: &Fields,
    ident: &syn::Ident,
    cx: &mut Ctxt,
) -> Option<Code> {
    let mut code = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(ERROR_CODE)) {
        if code.is_some() {
            cx.spanned(
                attr,
                "duplicate #[error_code]\nhelp: give one code per variant",
            );
            continue;
        }
        code = match attr.parse_args::<AttrArg>() {
            Ok(AttrArg::Literal(lit)) => Some(Code::Literal(lit)),
            Ok(AttrArg::Transparent(span)) => match fields.iter().collect::<Vec<_>>().as_slice() {
                [only] => Some(Code::Transparent(only.ty.clone())),
                other => {
                    cx.error(span, format_args!(
                        "#[error_code(transparent)] needs exactly one field to ask for the code, but `{ident}` has {}\nhelp: give it a code instead: #[error_code(\"...\")]",
                        other.len()
                    ));
                    return None;
                }
            },
            Err(e) => {
                cx.error(e.span(), "expected a code or `transparent`\nhelp: write #[error_code(\"invalid_transition\")] or #[error_code(transparent)]");
                return None;
            }
        };
    }
    Some(code.unwrap_or_else(|| {
        Code::Default(
            vitalsign_naming::to_snake_case(&ident.to_string()),
            ident.span(),
        )
    }))
}

enum AttrArg {
    Literal(LitStr),
    Transparent(Span),
}

impl syn::parse::Parse for AttrArg {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            Ok(AttrArg::Literal(input.parse()?))
        } else if lookahead.peek(syn::Ident) {
            let ident: syn::Ident = input.parse()?;
            if ident == TRANSPARENT {
                Ok(AttrArg::Transparent(ident.span()))
            } else {
                Err(syn::Error::new(
                    ident.span(),
                    "expected a string literal or `transparent`",
                ))
            }
        } else {
            Err(lookahead.error())
        }
    }
}

/// Every code valid, none used twice in one type.
fn check_codes(cases: &[Case], cx: &mut Ctxt) {
    let mut seen: Vec<(String, Span)> = Vec::new();
    for case in cases {
        let (code, span) = match &case.code {
            Code::Literal(lit) => (lit.value(), lit.span()),
            Code::Default(code, span) => (code.clone(), *span),
            Code::Transparent(_) => continue,
        };
        for problem in vitalsign_naming::check_error_code(&code) {
            cx.error(span, problem);
        }
        if seen.iter().any(|(c, _)| *c == code) {
            cx.error(span, format_args!(
                "duplicate error code `{code}` in this type: two variants would be indistinguishable on dashboards\nhelp: give one of them another code with #[error_code(\"...\")]"
            ));
        } else {
            seen.push((code, span));
        }
    }
}

fn arm(case: &Case) -> TokenStream {
    let path = &case.path;
    match &case.code {
        Code::Literal(lit) => quote!(#path { .. } => #lit,),
        Code::Default(code, span) => quote_spanned!(*span=> #path { .. } => #code,),
        Code::Transparent(_) => {
            let inner = format_ident!("__vitalsign_inner");
            let pattern = match &case.fields {
                Fields::Named(named) => {
                    let field = named.named.first().and_then(|f| f.ident.as_ref());
                    quote!(#path { #field: #inner })
                }
                _ => quote!(#path(#inner)),
            };
            quote_spanned!(case.fields.span()=> #pattern => ::vitalsign::ErrorCode::error_code(#inner),)
        }
    }
}
