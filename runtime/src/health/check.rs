//! The `HealthCheck` trait that `#[health_check]` derives and the built-in checks implement.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::model::{CheckSpec, Outcome};

/// A boxed, sendable future: what [`HealthCheck::run`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something whose health can be checked. Derive it with `#[health_check]` on a struct with a
/// `check` method, or implement it by hand.
pub trait HealthCheck: Send + Sync + 'static {
    /// What the check is and how it is scheduled.
    fn spec(&self) -> CheckSpec;
    /// Runs the check once. The runner applies the timeout and catches panics.
    fn run(&self) -> BoxFuture<'_, Outcome>;
}

impl<T: HealthCheck + ?Sized> HealthCheck for Arc<T> {
    fn spec(&self) -> CheckSpec {
        (**self).spec()
    }
    fn run(&self) -> BoxFuture<'_, Outcome> {
        (**self).run()
    }
}

impl<T: HealthCheck + ?Sized> HealthCheck for Box<T> {
    fn spec(&self) -> CheckSpec {
        (**self).spec()
    }
    fn run(&self) -> BoxFuture<'_, Outcome> {
        (**self).run()
    }
}

/// A check made of a spec and an async closure, for checks that need no struct.
///
/// ```
/// use vitalsign::health::{CheckSpec, Outcome, from_fn};
///
/// let check = from_fn(CheckSpec::new("upstream"), || async { Outcome::healthy() });
/// # let _ = check;
/// ```
pub fn from_fn<F, Fut>(spec: CheckSpec, f: F) -> FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    FnCheck { spec, f }
}

/// See [`from_fn`].
pub struct FnCheck<F> {
    spec: CheckSpec,
    f: F,
}

impl<F> std::fmt::Debug for FnCheck<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnCheck")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl<F, Fut> HealthCheck for FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    fn spec(&self) -> CheckSpec {
        self.spec.clone()
    }
    fn run(&self) -> BoxFuture<'_, Outcome> {
        Box::pin((self.f)())
    }
}
