//! The words of the attribute language, in one place.

pub const NAMESPACE: &str = "namespace";
pub const NAME: &str = "name";
pub const LABELS: &str = "labels";
pub const BUCKETS: &str = "buckets";
pub const IN_FLIGHT: &str = "in_flight";
pub const SKIP: &str = "skip";
pub const HELP: &str = "help";
pub const LOG: &str = "log";
pub const LOG_LEVEL: &str = "log_level";
pub const SLOW: &str = "slow";
pub const SPAN: &str = "span";
pub const FIELDS: &str = "fields";
pub const SLO: &str = "slo";

/// Every option of `#[instrumented(..)]`, as listed in "expected one of" errors.
pub const OPTIONS: &[&str] = &[
    NAMESPACE, NAME, LABELS, BUCKETS, IN_FLIGHT, SKIP, HELP, LOG, LOG_LEVEL, SLOW, SPAN, FIELDS,
    SLO,
];

/// Keys of `slo(..)`.
pub const SLO_KEYS: &[&str] = &["success", "latency", "latency_target"];

/// Values of `log = ".."`.
pub const LOG_MODES: &[&str] = &["errors", "all", "off"];
/// Values of `log_level = ".."`.
pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug"];

/// The helper attribute of `#[derive(ErrorCode)]`.
pub const ERROR_CODE: &str = "error_code";
pub const TRANSPARENT: &str = "transparent";

/// The label naming the operation, set by default to the function's name.
pub const OP: &str = vitalsign_naming::OP_LABEL;

/// The attribute itself, found again on methods of an instrumented impl block.
pub const INSTRUMENTED: &str = "instrumented";
