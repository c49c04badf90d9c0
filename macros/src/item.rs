//! What `#[instrumented]` was put on.
//!
//! A function's body is kept as raw tokens and never parsed, so a body that does not compile
//! (or does not even parse) still expands, and rust-analyzer keeps working inside it.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Visibility, braced};

/// A function with an unparsed body.
#[derive(Clone)]
pub(crate) struct MaybeItemFn {
    pub outer_attrs: Vec<Attribute>,
    pub inner_attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub brace: syn::token::Brace,
    pub body: TokenStream,
}

impl Parse for MaybeItemFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let outer_attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        let brace = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let body = content.parse()?;
        Ok(Self {
            outer_attrs,
            inner_attrs,
            vis,
            sig,
            brace,
            body,
        })
    }
}

impl ToTokens for MaybeItemFn {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for a in &self.outer_attrs {
            a.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.brace.surround(tokens, |t| {
            for a in &self.inner_attrs {
                a.to_tokens(t);
            }
            self.body.to_tokens(t);
        });
    }
}

impl MaybeItemFn {
    /// The body as a block expression, with the user's brace spans.
    pub(crate) fn block(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        self.brace.surround(&mut tokens, |t| self.body.to_tokens(t));
        tokens
    }

    /// A method of a parsed impl block, as a function with a raw body.
    pub(crate) fn from_impl_fn(f: &syn::ImplItemFn) -> Self {
        let mut body = TokenStream::new();
        for stmt in &f.block.stmts {
            stmt.to_tokens(&mut body);
        }
        let (inner_attrs, outer_attrs) = f
            .attrs
            .iter()
            .cloned()
            .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
        Self {
            outer_attrs,
            inner_attrs,
            vis: f.vis.clone(),
            sig: f.sig.clone(),
            brace: f.block.brace_token,
            body,
        }
    }
}

/// The annotated item.
pub(crate) enum Annotated {
    Fn(Box<MaybeItemFn>),
    Impl(Box<syn::ItemImpl>),
    /// Anything else: the error to report on it.
    Unsupported(syn::Error),
    /// Tokens that do not parse as an item at all: rustc will report them itself.
    Unparsable,
}

/// Reads the item the attribute was placed on.
pub(crate) fn read(item: TokenStream) -> Annotated {
    if let Ok(f) = syn::parse2::<MaybeItemFn>(item.clone()) {
        return Annotated::Fn(Box::new(f));
    }
    if let Ok(f) = syn::parse2::<syn::TraitItemFn>(item.clone())
        && f.default.is_none()
    {
        return Annotated::Unsupported(syn::Error::new_spanned(
            &f.sig,
            "#[instrumented] needs a function body to measure\nhelp: put it on the method in each `impl` of the trait",
        ));
    }
    match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Impl(i)) => Annotated::Impl(Box::new(i)),
        Ok(syn::Item::Trait(t)) => Annotated::Unsupported(syn::Error::new_spanned(
            t.trait_token,
            "#[instrumented] cannot go on a trait definition\nhelp: put it on the `impl` block of each implementation, or on the methods there",
        )),
        Ok(other) => Annotated::Unsupported(syn::Error::new_spanned(
            keyword_of(&other),
            "#[instrumented] goes on a function, a method or an `impl` block",
        )),
        Err(_) => Annotated::Unparsable,
    }
}

/// The token that names an item's kind (`struct`, `enum`, ...), to put the error on.
fn keyword_of(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Struct(s) => s.struct_token.to_token_stream(),
        syn::Item::Enum(e) => e.enum_token.to_token_stream(),
        syn::Item::Union(u) => u.union_token.to_token_stream(),
        syn::Item::Const(c) => c.const_token.to_token_stream(),
        syn::Item::Static(s) => s.static_token.to_token_stream(),
        syn::Item::Mod(m) => m.mod_token.to_token_stream(),
        syn::Item::Type(t) => t.type_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}
