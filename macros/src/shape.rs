//! How a function returns, which decides how its call is timed. Detection reads the shape of
//! the syntax tree, never strings, so an `#[async_trait]` method is recognised whether that
//! attribute ran before this one or after it.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Expr, GenericArgument, PathArguments, ReturnType, Stmt, Type, TypeParamBound};

use crate::item::MaybeItemFn;

/// The shapes `#[instrumented]` times differently.
pub(crate) enum Shape {
    /// A plain function: timed around the body.
    Sync,
    /// `async fn`: timed from first poll to completion.
    AsyncFn,
    /// `-> impl Future<Output = T>`: the returned future is wrapped, timed from first poll.
    ImplFuture,
    /// `-> Pin<Box<dyn Future<Output = T> ..>>` (what `#[async_trait]` produces).
    BoxedFuture(Option<Box<AsyncTraitBody>>),
}

/// The body `#[async_trait]` writes: statements, then `Box::pin(async move { .. })`.
pub(crate) struct AsyncTraitBody {
    pub leading: Vec<Stmt>,
    pub box_pin: Expr,
    pub future: Expr,
}

/// The type of the value the caller receives when the call completes (the future's output for
/// async shapes), when it can be written in a `let` (no `impl Trait`, no `!`).
pub(crate) fn output_type(f: &MaybeItemFn, shape: &Shape) -> Option<Type> {
    let ty = match (&f.sig.output, shape) {
        (ReturnType::Default, Shape::Sync | Shape::AsyncFn) => return Some(syn::parse_quote!(())),
        (ReturnType::Default, _) => return None,
        (ReturnType::Type(_, ty), Shape::Sync | Shape::AsyncFn) => (**ty).clone(),
        (ReturnType::Type(_, ty), Shape::BoxedFuture(_)) => future_output(boxed_dyn_bounds(ty)?)?,
        (ReturnType::Type(_, _), Shape::ImplFuture) => return None,
    };
    (!matches!(ty, Type::Never(_)) && !mentions_impl(ty.to_token_stream())).then_some(ty)
}

/// Reads the function's shape.
pub(crate) fn of(f: &MaybeItemFn) -> Shape {
    if f.sig.asyncness.is_some() {
        return Shape::AsyncFn;
    }
    let ReturnType::Type(_, ty) = &f.sig.output else {
        return Shape::Sync;
    };
    if let Type::ImplTrait(imp) = &**ty {
        let is_future = future_output(imp.bounds.iter()).is_some();
        let is_unpin = imp.bounds.iter().any(|b| bound_is(b, "Unpin"));
        // An `async` block is never `Unpin`, so such a future is timed like a plain function.
        return if is_future && !is_unpin {
            Shape::ImplFuture
        } else {
            Shape::Sync
        };
    }
    if boxed_dyn_bounds(ty).and_then(future_output).is_some() {
        return Shape::BoxedFuture(async_trait_body(f).map(Box::new));
    }
    Shape::Sync
}

fn bound_is(bound: &TypeParamBound, name: &str) -> bool {
    matches!(bound, TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == name))
}

/// The `Output = T` of a `Future` bound among `bounds`.
fn future_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Type> {
    bounds.find_map(|b| {
        let TypeParamBound::Trait(t) = b else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

/// The bounds of `dyn ..` inside `Pin<Box<dyn ..>>`.
fn boxed_dyn_bounds(ty: &Type) -> Option<impl Iterator<Item = &TypeParamBound>> {
    let pin = single_generic(ty, "Pin")?;
    let boxed = single_generic(pin, "Box")?;
    match boxed {
        Type::TraitObject(obj) => Some(obj.bounds.iter()),
        _ => None,
    }
}

fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Recognises `..stmts; Box::pin(async move { .. })`.
fn async_trait_body(f: &MaybeItemFn) -> Option<AsyncTraitBody> {
    let block: syn::Block = syn::parse2(f.block()).ok()?;
    let mut stmts = block.stmts;
    let Some(Stmt::Expr(Expr::Call(call), None)) = stmts.pop() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let segments: Vec<_> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    let future = call.args.first()?.clone();
    if !matches!(future, Expr::Async(_)) {
        return None;
    }
    Some(AsyncTraitBody {
        leading: stmts,
        box_pin: (*call.func).clone(),
        future,
    })
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}
