//! What `#[health_check]` generates calls to: the health room's part of the contract with
//! generated code, which names it as `::vitalsign::__private::health`.
//!
//! The macro sees the struct, not its `check` method, so whether `check` is `async` and what
//! it returns is decided on the real types by autoref specialization:
//!
//! - [`awaitable!`]: a future is awaited as is; any other value becomes a ready future;
//! - [`outcome!`]: `Outcome` as is; `Status` as an outcome; `Result<T, E>` healthy on `Ok`,
//!   unhealthy on `Err` with the error's `Display` as message (and its code as the `code`
//!   detail when `E: ErrorCode`).

use std::cell::Cell;
use std::fmt::Display;
use std::future::{Future, Ready, ready};

use super::{Outcome, Status};
use crate::ErrorCode;

pub use super::{BoxFuture, CheckSpec, HealthCheck, Kind};

/// Holds the value of `check()` for [`awaitable!`]. (Method lookup on `&&Pending` tries impls
/// on `&Pending` before impls on `Pending`: the most specific impl sits one reference up.)
#[allow(missing_debug_implementations)]
pub struct Pending<T>(pub Cell<Option<T>>);

/// A future, awaited as is.
pub trait PendingFuture {
    /// The future.
    type Fut;
    /// Takes it out.
    fn awaitable(&self) -> Self::Fut;
}

impl<F: Future> PendingFuture for &Pending<F> {
    type Fut = F;
    fn awaitable(&self) -> F {
        self.0.take().expect("taken once")
    }
}

/// Any other value, as a ready future.
pub trait PendingValue {
    /// The value's type.
    type Value;
    /// A future that is immediately ready with it.
    fn awaitable(&self) -> Ready<Self::Value>;
}

impl<T> PendingValue for Pending<T> {
    type Value = T;
    fn awaitable(&self) -> Ready<T> {
        ready(self.0.take().expect("taken once"))
    }
}

/// Turns the value of `check()` into something to `.await`.
#[doc(hidden)]
#[macro_export]
macro_rules! __vitalsign_awaitable {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::health::{PendingFuture as _, PendingValue as _};
        (&&$crate::__private::health::Pending(::core::cell::Cell::new(
            ::core::option::Option::Some($value),
        )))
            .awaitable()
    }};
}
pub use crate::__vitalsign_awaitable as awaitable;

/// Holds the output of `check()` for [`outcome!`].
#[allow(missing_debug_implementations)]
pub struct Output<T>(pub Cell<Option<T>>);

/// What `check()` may return, for the compiler's error message when it returns something else.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not something a health check can return",
    label = "`check` returns this",
    note = "`check` may return `Outcome`, `Status` or `Result<T, E>` with `E: Display`, or be an `async fn` returning one of them"
)]
pub trait CheckOutput {}

/// `Outcome` and `Status`.
pub trait OutputOutcome {
    /// The outcome.
    fn outcome(&self) -> Outcome;
}

impl OutputOutcome for &&&Output<Outcome> {
    fn outcome(&self) -> Outcome {
        self.0.take().expect("taken once")
    }
}

impl OutputOutcome for &&&Output<Status> {
    fn outcome(&self) -> Outcome {
        Outcome::new(self.0.take().expect("taken once"))
    }
}

/// `Result` whose error has a code.
pub trait OutputCoded {
    /// The outcome.
    fn outcome(&self) -> Outcome;
}

impl<T, E: Display + ErrorCode> OutputCoded for &&Output<Result<T, E>> {
    fn outcome(&self) -> Outcome {
        match self.0.take().expect("taken once") {
            Ok(_) => Outcome::healthy(),
            Err(e) => Outcome::unhealthy(e.to_string()).with_detail("code", e.error_code()),
        }
    }
}

/// Any other `Result` with a displayable error.
pub trait OutputResult {
    /// The outcome.
    fn outcome(&self) -> Outcome;
}

impl<T, E: Display> OutputResult for &Output<Result<T, E>> {
    fn outcome(&self) -> Outcome {
        match self.0.take().expect("taken once") {
            Ok(_) => Outcome::healthy(),
            Err(e) => Outcome::unhealthy(e.to_string()),
        }
    }
}

/// The last resort, which exists only to fail with [`CheckOutput`]'s message. The bound is on
/// the method, not the impl, so method lookup succeeds and the bound then fails with that
/// message (a bound on the impl would give "method exists but its trait bounds were not
/// satisfied" instead).
pub trait OutputOther {
    /// The type `check` returned.
    type Value;
    /// Never callable: no type implements `CheckOutput`.
    fn outcome(&self) -> Outcome
    where
        Self::Value: CheckOutput;
}

impl<T> OutputOther for Output<T> {
    type Value = T;
    fn outcome(&self) -> Outcome
    where
        T: CheckOutput,
    {
        unreachable!("no type implements CheckOutput")
    }
}

/// Turns the output of `check()` into an `Outcome`.
#[doc(hidden)]
#[macro_export]
macro_rules! __vitalsign_outcome {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::health::{
            OutputCoded as _, OutputOther as _, OutputOutcome as _, OutputResult as _,
        };
        (&&&&$crate::__private::health::Output(::core::cell::Cell::new(
            ::core::option::Option::Some($value),
        )))
            .outcome()
    }};
}
pub use crate::__vitalsign_outcome as outcome;

/// The outcome of a composite check: its parts' statuses aggregated, each part's status and
/// message in the details.
pub fn composite(parts: &[(&'static str, bool, Outcome)]) -> Outcome {
    let status = super::aggregate(parts.iter().map(|(_, critical, o)| (*critical, o.status)));
    let failing: Vec<String> = parts
        .iter()
        .filter(|(_, _, o)| o.status != Status::Healthy)
        .map(|(name, _, o)| match &o.message {
            Some(m) => format!("{name}: {} ({m})", o.status),
            None => format!("{name}: {}", o.status),
        })
        .collect();
    let mut outcome = Outcome::new(status);
    if !failing.is_empty() {
        outcome = outcome.with_message(failing.join("; "));
    }
    for (name, critical, part) in parts {
        let detail = serde_json::json!({
            "status": part.status,
            "critical": critical,
            "message": part.message,
        });
        outcome = outcome.with_detail(*name, detail);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Coded;
    impl Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("disk gone")
        }
    }
    impl ErrorCode for Coded {
        fn error_code(&self) -> &'static str {
            "disk_gone"
        }
    }

    #[tokio::test]
    async fn values_and_futures_alike() {
        let sync_value: Outcome = crate::__vitalsign_awaitable!(Outcome::degraded("x")).await;
        assert_eq!(sync_value.status, Status::Degraded);
        let from_future: Status = crate::__vitalsign_awaitable!(async { Status::Healthy }).await;
        assert_eq!(from_future, Status::Healthy);
    }

    #[test]
    fn outputs_become_outcomes() {
        assert_eq!(
            crate::__vitalsign_outcome!(Status::Degraded).status,
            Status::Degraded
        );
        assert_eq!(
            crate::__vitalsign_outcome!(Outcome::healthy()).status,
            Status::Healthy
        );
        let coded: Result<(), Coded> = Err(Coded);
        let o = crate::__vitalsign_outcome!(coded);
        assert_eq!(
            (o.status, o.message.as_deref()),
            (Status::Unhealthy, Some("disk gone"))
        );
        assert_eq!(o.details["code"], "disk_gone");
        let plain: Result<u8, String> = Err("nope".into());
        let o = crate::__vitalsign_outcome!(plain);
        assert_eq!(
            (o.status, o.message.as_deref()),
            (Status::Unhealthy, Some("nope"))
        );
        assert!(o.details.is_empty());
        let ok: Result<u8, String> = Ok(1);
        assert_eq!(crate::__vitalsign_outcome!(ok).status, Status::Healthy);
    }

    #[test]
    fn composite_aggregates() {
        let o = composite(&[
            ("wal", true, Outcome::healthy()),
            ("cache", false, Outcome::unhealthy("cold")),
        ]);
        assert_eq!(o.status, Status::Degraded);
        assert_eq!(o.message.as_deref(), Some("cache: unhealthy (cold)"));
        assert_eq!(o.details["cache"]["critical"], false);
    }
}
