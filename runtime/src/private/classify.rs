//! Turning a return value into an [`CallOutcome`] without knowing its type in the macro.
//!
//! `#[instrumented]` sees only syntax, and a `Result` may hide behind an alias
//! (`io::Result<T>`), so the choice is made by method resolution on the real type
//! ("autoref specialization"): the most specific applicable impl wins, tried in this order.
//!
//! 1. `Result<T, E>` with `E: ErrorCode` → `Err(e.error_code(), e.error_class())`
//! 2. any other `Result<T, E>` → `Err("error", Failure)`
//! 3. anything else → `Ok`

use super::descriptor::CallOutcome;
use crate::{ErrorClass, ErrorCode};
use vitalsign_naming::UNCLASSIFIED_CODE as UNCLASSIFIED;

/// Wraps a reference to a return value for classification.
#[derive(Debug)]
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// Step 1: results whose error has a code.
pub trait ClassifyCoded {
    /// The call's outcome.
    fn outcome(&self) -> CallOutcome;
}

impl<T, E: ErrorCode> ClassifyCoded for &&Probe<'_, Result<T, E>> {
    #[inline]
    fn outcome(&self) -> CallOutcome {
        match self.0 {
            Ok(_) => CallOutcome::Ok,
            Err(e) => CallOutcome::Err(e.error_code(), e.error_class()),
        }
    }
}

/// Step 2: results whose error has no code.
pub trait ClassifyResult {
    /// The call's outcome.
    fn outcome(&self) -> CallOutcome;
}

impl<T, E> ClassifyResult for &Probe<'_, Result<T, E>> {
    #[inline]
    fn outcome(&self) -> CallOutcome {
        match self.0 {
            Ok(_) => CallOutcome::Ok,
            Err(_) => CallOutcome::Err(UNCLASSIFIED, ErrorClass::Failure),
        }
    }
}

/// Step 3: every other type.
pub trait ClassifyAny {
    /// The call's outcome.
    fn outcome(&self) -> CallOutcome;
}

impl<T: ?Sized> ClassifyAny for Probe<'_, T> {
    #[inline]
    fn outcome(&self) -> CallOutcome {
        CallOutcome::Ok
    }
}

/// Classifies `&value`. A macro so that the borrow juggling sits in an external macro, where
/// the user's lints do not look.
#[doc(hidden)]
#[macro_export]
macro_rules! __vitalsign_classify {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ClassifyAny as _, ClassifyCoded as _, ClassifyResult as _};
        (&&&$crate::__private::Probe($value)).outcome()
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Coded;
    impl ErrorCode for Coded {
        fn error_code(&self) -> &'static str {
            "coded"
        }

        fn error_class(&self) -> ErrorClass {
            ErrorClass::Expected
        }
    }

    #[test]
    fn picks_the_most_specific() {
        let coded: Result<u8, Coded> = Err(Coded);
        let plain: Result<u8, String> = Err("x".into());
        let ok: Result<u8, Coded> = Ok(1);
        let io: std::io::Result<()> = Err(std::io::ErrorKind::NotFound.into());
        assert_eq!(
            crate::__vitalsign_classify!(&coded),
            CallOutcome::Err("coded", ErrorClass::Expected)
        );
        assert_eq!(
            crate::__vitalsign_classify!(&plain),
            CallOutcome::Err("error", ErrorClass::Failure)
        );
        assert_eq!(crate::__vitalsign_classify!(&ok), CallOutcome::Ok);
        assert_eq!(
            crate::__vitalsign_classify!(&io),
            CallOutcome::Err("not_found", ErrorClass::Failure)
        );
        assert_eq!(crate::__vitalsign_classify!(&5_u32), CallOutcome::Ok);
        assert_eq!(crate::__vitalsign_classify!(&()), CallOutcome::Ok);
    }

    fn generic<E>(r: &Result<(), E>) -> CallOutcome {
        crate::__vitalsign_classify!(r)
    }

    #[test]
    fn generic_errors_fall_back() {
        assert_eq!(
            generic::<Coded>(&Err(Coded)),
            CallOutcome::Err("error", ErrorClass::Failure)
        );
    }
}
