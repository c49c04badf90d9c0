//! The words of the attribute language, in one place.

pub(crate) const NAMESPACE: &str = "namespace";
pub(crate) const NAME: &str = "name";
pub(crate) const LABELS: &str = "labels";
pub(crate) const BUCKETS: &str = "buckets";
pub(crate) const IN_FLIGHT: &str = "in_flight";
pub(crate) const SKIP: &str = "skip";
pub(crate) const HELP: &str = "help";
pub(crate) const LOG: &str = "log";
pub(crate) const LOG_LEVEL: &str = "log_level";
pub(crate) const SLOW: &str = "slow";
pub(crate) const SPAN: &str = "span";
pub(crate) const FIELDS: &str = "fields";
pub(crate) const SLO: &str = "slo";
/// Caps a text label from an argument: `labels(tenant = tenant), max_series = 100`.
pub(crate) const MAX_SERIES: &str = "max_series";

/// Every option of `#[instrumented(..)]`, as listed in "expected one of" errors.
pub(crate) const OPTIONS: &[&str] = &[
    NAMESPACE, NAME, LABELS, BUCKETS, IN_FLIGHT, SKIP, HELP, LOG, LOG_LEVEL, SLOW, SPAN, FIELDS,
    SLO, MAX_SERIES,
];

/// Keys of `slo(..)`.
pub(crate) const SLO_KEYS: &[&str] = &["success", "latency", "latency_target"];

/// Values of `log = ".."`.
pub(crate) const LOG_MODES: &[&str] = &["errors", "all", "off"];
/// Values of `log_level = ".."`.
pub(crate) const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug"];

/// The helper attribute of `#[derive(ErrorCode)]`.
pub(crate) const ERROR_CODE: &str = "error_code";
pub(crate) const TRANSPARENT: &str = "transparent";
pub(crate) const EXPECTED: &str = vitalsign_naming::EXPECTED_CLASS;
pub(crate) const FAILURE: &str = vitalsign_naming::FAILURE_CLASS;

/// The label naming the operation, set by default to the function's name.
pub(crate) const OP: &str = vitalsign_naming::OP_LABEL;

/// The attribute itself, found again on methods of an instrumented impl block.
pub(crate) const INSTRUMENTED: &str = "instrumented";

/// `#[health_check]`'s options.
pub(crate) const HEALTH_OPTIONS: &[&str] = &[
    "name",
    "liveness",
    "readiness",
    "startup",
    "critical",
    "non_critical",
    "timeout",
    "every",
    "failure_status",
    "composite",
];
/// The field attribute of a composite check's parts, and its words.
pub(crate) const HEALTH_FIELD: &str = "health";
pub(crate) const HEALTH_FIELD_WORDS: &[&str; 3] = &["skip", "critical", "non_critical"];
/// A check's defaults, as written in its options.
pub(crate) const HEALTH_TIMEOUT: &str = "2s";
pub(crate) const HEALTH_EVERY: &str = "10s";

/// `#[derive(MetricGroup)]`'s struct attribute and its options.
pub(crate) const METRIC_GROUP: &str = "metric_group";
pub(crate) const SUBSYSTEM: &str = "subsystem";
pub(crate) const GROUP_OPTIONS: &[&str] = &[NAMESPACE, SUBSYSTEM];
/// The field attribute of a metric group, and its options.
pub(crate) const METRIC: &str = "metric";
pub(crate) const UNIT: &str = "unit";
pub(crate) const LABEL_NAME: &str = "label";
pub(crate) const METRIC_OPTIONS: &[&str] = &[UNIT, BUCKETS, LABEL_NAME, MAX_SERIES];
/// The marker of a label from data, and the most series one may have.
pub(crate) const DYNAMIC: &str = "Dynamic";
pub(crate) const MAX_DYNAMIC_SERIES: u64 = 10_000;
/// The field types of a metric group.
pub(crate) const METRIC_TYPES: &[&str] = &["Counter", "Gauge", "IntGauge", "Histogram"];

/// The helper attribute of `#[derive(LabelValue)]` and `#[derive(LabelSet)]`, and its keys.
pub(crate) const LABEL: &str = "label";
pub(crate) const RENAME: &str = "rename";
