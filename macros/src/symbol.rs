//! The words of the attribute language, in one place.

pub const NAMESPACE: &str = "namespace";
pub const NAME: &str = "name";
pub const LABELS: &str = "labels";
pub const BUCKETS: &str = "buckets";
pub const IN_FLIGHT: &str = "in_flight";
pub const SKIP: &str = "skip";
pub const HELP: &str = "help";

/// Every option of `#[instrumented(..)]`, as listed in "expected one of" errors.
pub const OPTIONS: &[&str] = &[NAMESPACE, NAME, LABELS, BUCKETS, IN_FLIGHT, SKIP, HELP];

/// The helper attribute of `#[derive(ErrorCode)]`.
pub const ERROR_CODE: &str = "error_code";
pub const TRANSPARENT: &str = "transparent";

/// The label naming the operation, set by default to the function's name.
pub const OP: &str = "op";

/// The attribute itself, found again on methods of an instrumented impl block.
pub const INSTRUMENTED: &str = "instrumented";
