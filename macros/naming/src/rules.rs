//! The rules themselves. Each `check_*` returns every problem it finds, with the whole
//! corrected name in `help`, so one fix of the user's resolves them all.

use crate::Problem;

/// Suffixes that Prometheus types reserve for their own series; a family's base name must not
/// end with them.
pub const RESERVED_SUFFIXES: &[&str] = &["total", "count", "sum", "bucket", "created", "info"];

/// Suffixes `#[instrumented]` appends itself (`_duration_seconds`, `_errors_total`,
/// `_in_flight`); a base name ending in one would render doubled.
pub const GENERATED_SUFFIXES: &[&str] = &["seconds", "duration", "errors", "in_flight"];

/// Metric type words, which never belong in a name: the TYPE line already says it.
pub const TYPE_WORDS: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// Label names that are taken: by the histogram/summary types, by `#[instrumented]`'s own
/// error counter, and by Prometheus for every scraped target.
pub const RESERVED_LABELS: &[(&str, &str)] = &[
    ("le", "it holds the bucket bound of every histogram series"),
    ("quantile", "it holds the quantile of every summary series"),
    (
        crate::CODE_LABEL,
        "#[instrumented] fills it with the error code on the errors counter",
    ),
    (
        crate::CLASS_LABEL,
        "#[instrumented] fills it with the error code's class (`expected` or `failure`) on the errors counter",
    ),
    ("job", "Prometheus attaches it to every scraped series"),
    ("instance", "Prometheus attaches it to every scraped series"),
];

/// Error codes that vitalsign records on its own, so a user's code must not mean something else.
pub const RESERVED_CODES: &[(&str, &str)] = &[
    (
        crate::PANIC_CODE,
        "vitalsign records it when an instrumented function panics",
    ),
    (
        crate::CANCELLED_CODE,
        "vitalsign records it when an instrumented future is dropped before completion",
    ),
];

/// Longest error code accepted; codes are label values shown on dashboards, not messages.
pub const MAX_CODE_LEN: usize = 64;

/// Default bucket bounds of duration histograms, in seconds: 1 µs (an in-memory lookup) to 5 s
/// (a slow scan or a stalled disk), three per decade. 21 bounds, so that a histogram's counts
/// and sums fill three cache lines per thread; a call slower than 5 s lands in `+Inf` (give
/// `buckets = [..]` for batch work).
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.000_001,
    0.000_002_5,
    0.000_005,
    0.000_01,
    0.000_025,
    0.000_05,
    0.000_1,
    0.000_25,
    0.000_5,
    0.001,
    0.002_5,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
];

/// Most buckets a histogram may have: each is one series per label set.
pub const MAX_BUCKETS: usize = 64;

/// Abbreviated or non-base unit segments and the base unit Prometheus expects instead.
const NON_BASE_UNITS: &[(&str, &str)] = &[
    ("ms", "seconds"),
    ("msec", "seconds"),
    ("millis", "seconds"),
    ("millisecond", "seconds"),
    ("milliseconds", "seconds"),
    ("us", "seconds"),
    ("usec", "seconds"),
    ("micros", "seconds"),
    ("microsecond", "seconds"),
    ("microseconds", "seconds"),
    ("ns", "seconds"),
    ("nsec", "seconds"),
    ("nanos", "seconds"),
    ("nanosecond", "seconds"),
    ("nanoseconds", "seconds"),
    ("s", "seconds"),
    ("sec", "seconds"),
    ("secs", "seconds"),
    ("second", "seconds"),
    ("minute", "seconds"),
    ("minutes", "seconds"),
    ("mins", "seconds"),
    ("hour", "seconds"),
    ("hours", "seconds"),
    ("day", "seconds"),
    ("days", "seconds"),
    ("kb", "bytes"),
    ("kib", "bytes"),
    ("kilobytes", "bytes"),
    ("kibibytes", "bytes"),
    ("mb", "bytes"),
    ("mib", "bytes"),
    ("megabytes", "bytes"),
    ("mebibytes", "bytes"),
    ("gb", "bytes"),
    ("gib", "bytes"),
    ("gigabytes", "bytes"),
    ("gibibytes", "bytes"),
    ("tb", "bytes"),
    ("terabytes", "bytes"),
    ("percent", "ratio"),
    ("pct", "ratio"),
];

/// Where a metric name is used, which decides what its suffixes and units may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameContext {
    /// The base name of an `#[instrumented]` family: the macro appends `_total`,
    /// `_duration_seconds`, `_errors_total` and `_in_flight`, so units and suffixes are its job.
    Instrumented,
    /// A complete family name chosen by hand (a gauge registered at run time, say).
    Plain,
}

/// The family names one `#[instrumented]` call site renders, from its namespace and base name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyNames {
    /// `{ns}_{name}_total`, a counter of completed calls.
    pub calls: String,
    /// `{ns}_{name}_duration_seconds`, a histogram of call durations.
    pub duration: String,
    /// `{ns}_{name}_errors_total`, a counter of failed calls by `code`.
    pub errors: String,
    /// `{ns}_{name}_in_flight`, a gauge of calls under way (opt-in).
    pub in_flight: String,
}

impl FamilyNames {
    /// Renders the family names of `namespace` and base `name`.
    pub fn new(namespace: &str, name: &str) -> Self {
        let base = format!("{namespace}_{name}");
        Self {
            calls: format!("{base}_total"),
            duration: format!("{base}_duration_seconds"),
            errors: format!("{base}_errors_total"),
            in_flight: format!("{base}_in_flight"),
        }
    }
}

/// `true` if `s` matches `^[a-z][a-z0-9_]*$` with no `__` run and no trailing `_`.
pub fn is_snake_identifier(s: &str) -> bool {
    let bytes = s.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && !s.contains("__")
        && !s.ends_with('_')
}

/// Converts `HttpRequests`, `http-requests`, `HTTP requests` or `_http__requests_` to
/// `http_requests`. Characters outside `[A-Za-z0-9]` become separators; a leading digit gets
/// an `n` so the result is always a valid identifier (or empty for input with no letters or
/// digits).
pub fn to_snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(char::is_ascii_lowercase));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    out
}

/// The namespace a crate gets by default: its name in snake case (`my-db` → `my_db`).
pub fn sanitize_namespace(crate_name: &str) -> String {
    to_snake_case(crate_name)
}

fn syntax_problem(what: &str, s: &str, suggestion: &str) -> Option<Problem> {
    if is_snake_identifier(s) {
        return None;
    }
    let why = if s.is_empty() {
        "must not be empty".to_owned()
    } else if s.starts_with('_') {
        "must not start with `_` (Prometheus reserves leading underscores)".to_owned()
    } else if s.contains(':') {
        "must not contain `:` (colons are reserved for recording rules)".to_owned()
    } else if s.chars().any(|c| c.is_ascii_uppercase()) {
        "must be snake_case (lower case letters, digits and `_`)".to_owned()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        "must start with a letter".to_owned()
    } else if s.contains("__") || s.ends_with('_') {
        "must not contain `__` or end with `_`".to_owned()
    } else {
        "may contain only lower case letters, digits and `_`".to_owned()
    };
    let problem = Problem::new(format!("{what} `{s}` {why}"));
    // A leading digit has no mechanical fix worth suggesting (`2xx` → `n2xx` helps nobody).
    let guessable = !s.starts_with(|c: char| c.is_ascii_digit());
    Some(if !guessable || suggestion.is_empty() || suggestion == s {
        problem
    } else {
        problem.help(format!("write `{suggestion}`"))
    })
}

/// Checks a namespace (`rstmdb`): a snake_case identifier.
pub fn check_namespace(s: &str) -> Vec<Problem> {
    syntax_problem("namespace", s, &to_snake_case(s))
        .into_iter()
        .collect()
}

/// The corrected form of a metric name: snake case, no type words, base units, and (for an
/// instrumented base name) no unit or suffix the macro adds itself.
pub fn suggest_metric_name(s: &str, ctx: NameContext) -> String {
    let snake = to_snake_case(s);
    let mut segments: Vec<&str> = Vec::new();
    for seg in snake.split('_') {
        if TYPE_WORDS.contains(&seg) {
            continue;
        }
        match unit_replacement(seg) {
            Some(_) if ctx == NameContext::Instrumented => continue,
            Some(base) => segments.push(base),
            None => segments.push(seg),
        }
    }
    loop {
        let joined = segments.join("_");
        let trailing = reserved_suffix(&joined, ctx);
        match trailing {
            Some(suffix) if joined.len() > suffix.len() => {
                let keep = suffix.split('_').count();
                segments.truncate(segments.len() - keep);
            }
            // Stripping may leave nothing usable (`s_0` → `0`): then no mechanical fix exists.
            _ if is_snake_identifier(&joined) => return joined,
            _ => return String::new(),
        }
    }
}

fn unit_replacement(segment: &str) -> Option<&'static str> {
    NON_BASE_UNITS
        .iter()
        .find(|(abbrev, _)| *abbrev == segment)
        .map(|(_, base)| *base)
}

fn reserved_suffix(name: &str, ctx: NameContext) -> Option<&'static str> {
    let generated: &[&'static str] = match ctx {
        NameContext::Instrumented => GENERATED_SUFFIXES,
        NameContext::Plain => &[],
    };
    RESERVED_SUFFIXES
        .iter()
        .chain(generated)
        .copied()
        .find(|suffix| {
            name == *suffix
                || name
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('_'))
        })
}

/// Checks a metric name. With [`NameContext::Instrumented`] it is the base name that
/// `#[instrumented(name = ..)]` takes; with [`NameContext::Plain`], a complete family name.
pub fn check_metric_name(s: &str, ctx: NameContext) -> Vec<Problem> {
    let suggestion = suggest_metric_name(s, ctx);
    let fix = |p: Problem| {
        if suggestion.is_empty() || suggestion == s {
            p
        } else {
            p.help(format!("write `{suggestion}`"))
        }
    };
    let mut problems = Vec::new();
    if let Some(p) = syntax_problem("metric name", s, &suggestion) {
        problems.push(p);
        // Further rules read segments of a valid identifier; the suggestion covers them too.
        return problems;
    }
    let what = match ctx {
        NameContext::Instrumented => "#[instrumented] adds",
        NameContext::Plain => "Prometheus types reserve",
    };
    if let Some(suffix) = reserved_suffix(s, ctx) {
        let who = if RESERVED_SUFFIXES.contains(&suffix) {
            "Prometheus types reserve"
        } else {
            what
        };
        problems.push(fix(Problem::new(format!(
            "metric name `{s}` ends with `{suffix}`, which {who} itself"
        ))));
    }
    for seg in s.split('_') {
        if TYPE_WORDS.contains(&seg) {
            problems.push(fix(Problem::new(format!(
                "metric name `{s}` contains the type word `{seg}`; the TYPE line already says it"
            ))));
        } else if let Some(base) = unit_replacement(seg) {
            let message = match ctx {
                NameContext::Instrumented => format!(
                    "metric name `{s}` contains the unit `{seg}`; #[instrumented] names its families' units itself (`_duration_seconds`), so a base name has none"
                ),
                NameContext::Plain => format!(
                    "metric name `{s}` uses the unit `{seg}`; Prometheus names use base units ({base})"
                ),
            };
            problems.push(fix(Problem::new(message)));
        }
    }
    problems
}

/// Checks a label name (`op`, `table`).
pub fn check_label_name(s: &str) -> Vec<Problem> {
    if let Some(p) = syntax_problem("label name", s, &to_snake_case(s)) {
        return vec![p];
    }
    RESERVED_LABELS
        .iter()
        .filter(|(name, _)| *name == s)
        .map(|(name, why)| {
            Problem::new(format!("label name `{name}` is reserved: {why}"))
                .help("choose a more specific name for this label")
        })
        .collect()
}

/// Checks a fixed label value: any text, but not empty (Prometheus treats an empty value as
/// the label being absent).
pub fn check_label_value(s: &str) -> Vec<Problem> {
    if s.is_empty() {
        vec![
            Problem::new("label value must not be empty; Prometheus treats it as a missing label")
                .help("give a value, or leave the label out"),
        ]
    } else {
        Vec::new()
    }
}

/// Checks an error code: a snake_case identifier of at most [`MAX_CODE_LEN`] bytes, and not
/// one of the [`RESERVED_CODES`].
pub fn check_error_code(s: &str) -> Vec<Problem> {
    if let Some(p) = syntax_problem("error code", s, &to_snake_case(s)) {
        return vec![p];
    }
    let mut problems = Vec::new();
    if s.len() > MAX_CODE_LEN {
        problems.push(
            Problem::new(format!(
                "error code `{s}` is {} bytes long; codes are label values, at most {MAX_CODE_LEN} bytes",
                s.len()
            ))
            .help("use a short stable code; put details in the error message"),
        );
    }
    for (code, why) in RESERVED_CODES {
        if *code == s {
            problems.push(
                Problem::new(format!("error code `{code}` is reserved: {why}"))
                    .help(format!("write a more specific code with #[error_code(\"...\")], e.g. `{code}_requested`")),
            );
        }
    }
    problems
}

/// Checks histogram bucket bounds: non-empty, at most [`MAX_BUCKETS`], finite, positive and
/// strictly increasing. Returns `(index, problem)` so a caller can point at the bad bound.
pub fn check_buckets(bounds: &[f64]) -> Vec<(Option<usize>, Problem)> {
    let mut problems = Vec::new();
    if bounds.is_empty() {
        problems.push((None, Problem::new("buckets must not be empty").help("list at least one upper bound in seconds, e.g. `buckets = [0.001, 0.01, 0.1, 1.0]`")));
    }
    if bounds.len() > MAX_BUCKETS {
        problems.push((
            None,
            Problem::new(format!(
                "{} buckets are too many: every bucket is one more series per label set (at most {MAX_BUCKETS})",
                bounds.len()
            )),
        ));
    }
    for (i, b) in bounds.iter().enumerate() {
        if !b.is_finite() {
            problems.push((
                Some(i),
                Problem::new(format!("bucket bound `{b}` is not finite"))
                    .help("the `+Inf` bucket is added automatically; leave it out"),
            ));
        } else if *b <= 0.0 {
            problems.push((
                Some(i),
                Problem::new(format!(
                    "bucket bound `{b}` must be greater than zero: durations are never negative"
                )),
            ));
        } else if i > 0 && bounds[i - 1].is_finite() && *b <= bounds[i - 1] {
            problems.push((
                Some(i),
                Problem::new(format!(
                    "bucket bounds must be strictly increasing, but `{b}` follows `{}`",
                    bounds[i - 1]
                ))
                .help("sort the bounds and remove duplicates"),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn identifier_grammar() {
        for ok in ["a", "requests", "http_requests", "v2", "a1_b2"] {
            assert!(is_snake_identifier(ok), "{ok}");
        }
        for bad in [
            "", "_a", "A", "aB", "1a", "a:b", "a-b", "a__b", "a_", "é", "a b",
        ] {
            assert!(!is_snake_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn snake_case_conversion() {
        assert_eq!(to_snake_case("HttpRequests"), "http_requests");
        assert_eq!(to_snake_case("HTTPRequests"), "http_requests");
        assert_eq!(to_snake_case("http-requests"), "http_requests");
        assert_eq!(to_snake_case("_http__requests_"), "http_requests");
        assert_eq!(to_snake_case("NotFound"), "not_found");
        assert_eq!(to_snake_case("Io"), "io");
        assert_eq!(to_snake_case("V2Api"), "v2_api");
        assert_eq!(to_snake_case("2fast"), "n2fast");
        assert_eq!(to_snake_case("a:b"), "a_b");
        assert_eq!(to_snake_case("--"), "");
    }

    #[test]
    fn namespace_rules() {
        assert!(check_namespace("rstmdb").is_empty());
        let p = check_namespace("RstmDb");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].help.as_deref(), Some("write `rstm_db`"));
        assert!(check_namespace("my:ns")[0].message.contains("`:`"));
        assert!(check_namespace("_x")[0].message.contains("start with `_`"));
    }

    #[test]
    fn metric_name_suffixes() {
        use NameContext::Instrumented as I;
        assert!(check_metric_name("requests", I).is_empty());
        assert!(check_metric_name("wal_writes", I).is_empty());
        for (bad, fixed) in [
            ("requests_total", "requests"),
            ("requests_count", "requests"),
            ("latency_seconds", "latency"),
            ("query_duration", "query"),
            ("db_errors", "db"),
            ("requests_in_flight", "requests"),
            ("build_info", "build"),
        ] {
            let p = check_metric_name(bad, I);
            assert_eq!(p.len(), 1, "{bad}: {:?}", messages(&p));
            assert_eq!(p[0].help, Some(format!("write `{fixed}`")), "{bad}");
        }
        // A whole name that is only a suffix cannot be shortened: no suggestion.
        assert_eq!(check_metric_name("total", I)[0].help, None);
        // Found by the property tests: stripping a unit must not leave an invalid suggestion.
        assert_eq!(suggest_metric_name("s_0", I), "");
        // The plain context only forbids what types reserve.
        assert!(check_metric_name("latency_seconds", NameContext::Plain).is_empty());
        assert_eq!(check_metric_name("x_total", NameContext::Plain).len(), 1);
    }

    #[test]
    fn metric_name_units_and_type_words() {
        use NameContext::{Instrumented as I, Plain as P};
        let p = check_metric_name("query_ms", I);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("unit `ms`"));
        assert_eq!(p[0].help.as_deref(), Some("write `query`"));
        let p = check_metric_name("payload_kb", P);
        assert_eq!(p[0].help.as_deref(), Some("write `payload_bytes`"));
        let p = check_metric_name("request_counter", I);
        assert!(p[0].message.contains("type word `counter`"));
        assert_eq!(p[0].help.as_deref(), Some("write `request`"));
        // Everything at once, one suggestion that fixes all of it.
        let p = check_metric_name("histogram_latency_ms_total", I);
        assert_eq!(p.len(), 3, "{:?}", messages(&p));
        assert!(
            p.iter()
                .all(|p| p.help.as_deref() == Some("write `latency`"))
        );
    }

    #[test]
    fn metric_name_syntax_suggests_snake_case() {
        let p = check_metric_name("HttpRequests", NameContext::Instrumented);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("snake_case"));
        assert_eq!(p[0].help.as_deref(), Some("write `http_requests`"));
        let p = check_metric_name("RequestsTotal", NameContext::Instrumented);
        assert_eq!(p[0].help.as_deref(), Some("write `requests`"));
    }

    #[test]
    fn label_rules() {
        assert!(check_label_name("op").is_empty());
        assert!(check_label_name("table").is_empty());
        for reserved in ["le", "quantile", "code", "class", "job", "instance"] {
            let p = check_label_name(reserved);
            assert_eq!(p.len(), 1, "{reserved}");
            assert!(p[0].message.contains("reserved"));
        }
        assert!(
            check_label_name("__name__")[0]
                .message
                .contains("start with `_`")
        );
        assert_eq!(
            check_label_name("Table")[0].help.as_deref(),
            Some("write `table`")
        );
        assert!(check_label_value("").len() == 1);
        assert!(check_label_value("apply_event").is_empty());
        assert!(check_label_value("Store::get").is_empty());
    }

    #[test]
    fn error_codes() {
        assert!(check_error_code("not_found").is_empty());
        assert_eq!(
            check_error_code("NotFound")[0].help.as_deref(),
            Some("write `not_found`")
        );
        assert!(check_error_code("panic")[0].message.contains("reserved"));
        assert!(
            check_error_code("cancelled")[0]
                .message
                .contains("reserved")
        );
        assert!(
            check_error_code(&"a".repeat(65))[0]
                .message
                .contains("65 bytes")
        );
    }

    #[test]
    fn bucket_rules() {
        assert!(check_buckets(&[0.001, 0.01, 1.0]).is_empty());
        assert_eq!(check_buckets(&[]).len(), 1);
        let p = check_buckets(&[0.1, 0.1, 0.05]);
        assert_eq!(
            p.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![Some(1), Some(2)]
        );
        assert_eq!(check_buckets(&[f64::INFINITY])[0].0, Some(0));
        assert_eq!(check_buckets(&[0.0, 1.0])[0].0, Some(0));
        assert_eq!(
            check_buckets(
                &[1.0; 65]
                    .iter()
                    .enumerate()
                    .map(|(i, _)| i as f64 + 1.0)
                    .collect::<Vec<_>>()
            )
            .len(),
            1
        );
    }

    #[test]
    fn family_names() {
        let f = FamilyNames::new("rstmdb", "requests");
        assert_eq!(f.calls, "rstmdb_requests_total");
        assert_eq!(f.duration, "rstmdb_requests_duration_seconds");
        assert_eq!(f.errors, "rstmdb_requests_errors_total");
        assert_eq!(f.in_flight, "rstmdb_requests_in_flight");
    }
}
