//! Error accumulation, so the user sees every mistake of an attribute at once.

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collected errors. Must be consumed with [`Ctxt::finish`]: dropping it unchecked is a bug in
/// the macro (a validation whose result nobody looked at), caught in debug builds.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
    finished: bool,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn error(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// All errors combined into one, or `Ok` if there were none.
    pub(crate) fn finish(mut self) -> syn::Result<()> {
        self.finished = true;
        let mut errors = std::mem::take(&mut self.errors).into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                errors.for_each(|e| first.combine(e));
                Err(first)
            }
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !self.finished && !std::thread::panicking() {
            debug_assert!(false, "Ctxt dropped without finish(): errors would be lost");
        }
    }
}
