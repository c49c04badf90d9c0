//! The words vitalsign itself puts into an exposition: label names and error codes it fills,
//! written once here for the macros and the runtime.

use crate::Problem;
use crate::rules::{is_snake_identifier, to_snake_case};

/// The label naming the operation: `op = "<fn name>"` unless given.
pub const OP_LABEL: &str = "op";
/// The label of `*_errors_total` holding the error code.
pub const CODE_LABEL: &str = "code";
/// The label of `*_errors_total` holding the error code's class: [`EXPECTED_CLASS`] or
/// [`FAILURE_CLASS`].
pub const CLASS_LABEL: &str = "class";
/// The class of an error the caller asked for, like an HTTP 4xx: a missing key, a value that
/// does not parse. Counted, but left out of error-ratio alerts and SLO success ratios.
pub const EXPECTED_CLASS: &str = "expected";
/// The class of a real failure, like an HTTP 5xx: the default.
pub const FAILURE_CLASS: &str = "failure";
/// The label of the health families naming the check.
pub const CHECK_LABEL: &str = "check";
/// The label of the log events counter naming the level.
pub const LEVEL_LABEL: &str = "level";
/// The label of the series-limit counter naming the family that overflowed.
pub const FAMILY_LABEL: &str = "family";
/// The label of the refused connections counter saying which limit refused it.
pub const REASON_LABEL: &str = "reason";

/// Code recorded when an instrumented function panics (the panic then continues).
pub const PANIC_CODE: &str = "panic";
/// Code recorded when an instrumented future is dropped before it completes.
pub const CANCELLED_CODE: &str = "cancelled";
/// Code recorded for an error whose type does not implement `ErrorCode`.
pub const UNCLASSIFIED_CODE: &str = "error";

/// The label value that series past a family's series limit fold into.
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// The rule for a health check's name: snake_case, since it is the `check` label's value and a
/// key of the JSON bodies. Applied by `#[health_check]`, the configuration file and the registry.
pub fn check_check_name(name: &str) -> Option<Problem> {
    (!is_snake_identifier(name)).then(|| {
        Problem::new(format!(
            "health check name `{name}` must be snake_case: it becomes the `check` label and a JSON key"
        ))
        .help(format!("write `{}`", to_snake_case(name)))
    })
}
