//! `#[derive(ErrorCode)]`: parse the helper attributes, validate every code (all errors at
//! once), then write the impl. On error a fallback impl answering `"error"` is still emitted, so
//! the mistake does not cascade into "ErrorCode is not implemented" errors elsewhere.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;
use crate::symbol::{ERROR_CODE, EXPECTED, FAILURE, TRANSPARENT};

/// How one variant (or the struct) gets its code.
enum Code {
    Literal(LitStr),
    /// Snake case of the name, spanned on the name.
    Default(String, Span),
    Transparent(syn::Type),
}

/// The class a variant names: `expected` or `failure`.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Expected,
    Failure,
}

struct Case {
    /// `Self::Variant`, or `Self` for a struct.
    path: TokenStream,
    fields: Fields,
    code: Code,
    /// The class named, if any: else `failure`, or the field's for a transparent variant.
    class: Option<Class>,
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
            let class_arms = cases.iter().map(class_arm);
            // An empty enum has no value to match on by reference.
            let scrutinee = if cases.is_empty() {
                quote!(*self)
            } else {
                quote!(self)
            };
            let register = register(name, &cases);
            quote! {
                #register
                #[automatically_derived]
                impl #impl_generics ::vitalsign::ErrorCode for #name #ty_generics #where_clause {
                    fn error_code(&self) -> &'static str {
                        #[allow(unreachable_patterns)]
                        match #scrutinee {
                            #(#arms)*
                        }
                    }

                    fn error_class(&self) -> ::vitalsign::ErrorClass {
                        #[allow(unreachable_patterns)]
                        match #scrutinee {
                            #(#class_arms)*
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
                let (code, class) = code_of(&v.attrs, &v.fields, ident, cx)?;
                Some(Case {
                    path: quote!(Self::#ident),
                    fields: v.fields.clone(),
                    code,
                    class,
                })
            })
            .collect(),
        Data::Struct(s) => code_of(&input.attrs, &s.fields, &input.ident, cx)
            .map(|(code, class)| Case {
                path: quote!(Self),
                fields: s.fields.clone(),
                code,
                class,
            })
            .into_iter()
            .collect(),
        Data::Union(u) => {
            cx.spanned(u.union_token, "ErrorCode cannot be derived for a union\nhelp: derive it on an enum of the error cases, or on a struct");
            Vec::new()
        }
    }
}

/// What `#[error_code(..)]` takes.
const ACCEPTED: &str = "expected a code, `transparent`, `expected` or `failure`";
const ACCEPTED_HELP: &str = "help: write #[error_code(\"invalid_transition\")], #[error_code(transparent)] or #[error_code(expected)], or a code and a class: #[error_code(\"not_found\", expected)]";

/// Reads the `#[error_code(..)]` of a variant or struct: its code (else the name in snake
/// case) and the class it names.
fn code_of(
    attrs: &[syn::Attribute],
    fields: &Fields,
    ident: &syn::Ident,
    cx: &mut Ctxt,
) -> Option<(Code, Option<Class>)> {
    let mut seen = false;
    let mut code = None;
    let mut class = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(ERROR_CODE)) {
        if seen {
            cx.spanned(
                attr,
                "duplicate #[error_code]\nhelp: give one code per variant, and its class in the same attribute",
            );
            continue;
        }
        seen = true;
        let items = match attr.parse_args_with(
            syn::punctuated::Punctuated::<AttrArg, syn::Token![,]>::parse_terminated,
        ) {
            Ok(items) if !items.is_empty() => items,
            Ok(_) => {
                cx.spanned(attr, format_args!("{ACCEPTED}\n{ACCEPTED_HELP}"));
                return None;
            }
            Err(e) => {
                cx.error(e.span(), format_args!("{ACCEPTED}\n{ACCEPTED_HELP}"));
                return None;
            }
        };
        for item in items {
            match item {
                AttrArg::Literal(_) | AttrArg::Transparent(_) if code.is_some() => {
                    cx.error(
                        item.span(),
                        "two codes for one variant\nhelp: keep one: a code, or `transparent` to ask the field for its code",
                    );
                }
                AttrArg::Literal(lit) => code = Some(Code::Literal(lit)),
                AttrArg::Transparent(span) => match fields.iter().collect::<Vec<_>>().as_slice() {
                    [only] => code = Some(Code::Transparent(only.ty.clone())),
                    other => {
                        cx.error(span, format_args!(
                            "#[error_code(transparent)] needs exactly one field to ask for the code, but `{ident}` has {}\nhelp: give it a code instead: #[error_code(\"...\")]",
                            other.len()
                        ));
                        return None;
                    }
                },
                AttrArg::Class(..) if class.is_some() => {
                    cx.error(
                        item.span(),
                        "two classes for one variant\nhelp: keep one of `expected` and `failure`",
                    );
                }
                AttrArg::Class(named, _) => class = Some(named),
                AttrArg::Unknown(word) => {
                    let help = match vitalsign_naming::closest(
                        &word.to_string(),
                        &[TRANSPARENT, EXPECTED, FAILURE],
                    ) {
                        Some(near) => format!("help: did you mean `{near}`?"),
                        None => ACCEPTED_HELP.to_owned(),
                    };
                    cx.error(word.span(), format_args!("{ACCEPTED}\n{help}"));
                    return None;
                }
            }
        }
    }
    let code = code.unwrap_or_else(|| {
        Code::Default(
            vitalsign_naming::to_snake_case(&ident.to_string()),
            ident.span(),
        )
    });
    Some((code, class))
}

enum AttrArg {
    Literal(LitStr),
    Transparent(Span),
    Class(Class, Span),
    Unknown(syn::Ident),
}

impl AttrArg {
    fn span(&self) -> Span {
        match self {
            AttrArg::Literal(lit) => lit.span(),
            AttrArg::Transparent(span) | AttrArg::Class(_, span) => *span,
            AttrArg::Unknown(ident) => ident.span(),
        }
    }
}

impl syn::parse::Parse for AttrArg {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            Ok(AttrArg::Literal(input.parse()?))
        } else if lookahead.peek(syn::Ident) {
            let ident: syn::Ident = input.parse()?;
            let span = ident.span();
            Ok(if ident == TRANSPARENT {
                AttrArg::Transparent(span)
            } else if ident == EXPECTED {
                AttrArg::Class(Class::Expected, span)
            } else if ident == FAILURE {
                AttrArg::Class(Class::Failure, span)
            } else {
                AttrArg::Unknown(ident)
            })
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
            let (pattern, inner) = transparent_pattern(case);
            quote_spanned!(case.fields.span()=> #pattern => ::vitalsign::ErrorCode::error_code(#inner),)
        }
    }
}

fn class_arm(case: &Case) -> TokenStream {
    let path = &case.path;
    let class = |c: Class| match c {
        Class::Expected => quote!(::vitalsign::ErrorClass::Expected),
        Class::Failure => quote!(::vitalsign::ErrorClass::Failure),
    };
    match (&case.code, case.class) {
        (_, Some(named)) => {
            let named = class(named);
            quote!(#path { .. } => #named,)
        }
        (Code::Transparent(_), None) => {
            let (pattern, inner) = transparent_pattern(case);
            quote_spanned!(case.fields.span()=> #pattern => ::vitalsign::ErrorCode::error_class(#inner),)
        }
        (_, None) => {
            let failure = class(Class::Failure);
            quote!(#path { .. } => #failure,)
        }
    }
}

/// The pattern binding a transparent variant's one field, and the binding's name.
fn transparent_pattern(case: &Case) -> (TokenStream, syn::Ident) {
    let path = &case.path;
    let inner = format_ident!("__vitalsign_inner");
    let pattern = match &case.fields {
        Fields::Named(named) => {
            let field = named.named.first().and_then(|f| f.ident.as_ref());
            quote!(#path { #field: #inner })
        }
        _ => quote!(#path(#inner)),
    };
    (pattern, inner)
}

/// The type's codes and classes, submitted to the catalogue for the generated reference. The
/// table is plain data, so a generic type registers too.
fn register(name: &syn::Ident, cases: &[Case]) -> TokenStream {
    let class = |c: Option<Class>| match c {
        Some(Class::Expected) => quote!(::vitalsign::ErrorClass::Expected),
        Some(Class::Failure) | None => quote!(::vitalsign::ErrorClass::Failure),
    };
    let mut codes = Vec::new();
    let mut transparent = Vec::new();
    for case in cases {
        match &case.code {
            Code::Literal(lit) => {
                let class = class(case.class);
                codes.push(quote!((#lit, #class)));
            }
            Code::Default(code, _) => {
                let class = class(case.class);
                codes.push(quote!((#code, #class)));
            }
            Code::Transparent(ty) => {
                let ty = quote!(#ty).to_string().replace(' ', "");
                let named = match case.class {
                    Some(c) => {
                        let c = class(Some(c));
                        quote!(::core::option::Option::Some(#c))
                    }
                    None => quote!(::core::option::Option::None),
                };
                transparent.push(quote!((#ty, #named)));
            }
        }
    }
    let type_name = name.to_string();
    quote! {
        ::vitalsign::__private::inventory::submit! {
            ::vitalsign::__private::ErrorCodes {
                type_name: #type_name,
                module: ::core::module_path!(),
                codes: &[#(#codes),*],
                transparent: &[#(#transparent),*],
            }
        }
    }
}
