//! The rules of declared metrics (fields of a `#[derive(MetricGroup)]` struct): the name says
//! the type and the unit, so a reader of a query knows both without the TYPE line.
//!
//! A counter's name ends in `_total`; a gauge's or histogram's never does. A unit, when the
//! metric has one, is the name's last word before `_total` (`_seconds`, `_bytes`, `_ratio`),
//! and a unit given with the field must be the one its name says.

use crate::Problem;
use crate::rules::{NameContext, check_metric_name, suggest_metric_name};

/// The type of a declared metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredType {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// A distribution in buckets.
    Histogram,
}

impl DeclaredType {
    fn word(self) -> &'static str {
        match self {
            DeclaredType::Counter => "counter",
            DeclaredType::Gauge => "gauge",
            DeclaredType::Histogram => "histogram",
        }
    }
}

/// The unit of a declared metric: a base unit, or none (a plain count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Durations.
    Seconds,
    /// Sizes.
    Bytes,
    /// Shares, 0 to 1.
    Ratio,
    /// A plain count: no unit word in the name.
    Count,
}

/// The unit words a declared metric's `unit = ".."` takes.
pub const UNIT_WORDS: &[&str] = &["seconds", "bytes", "ratio", "count"];

impl Unit {
    /// The unit named `word` (`seconds`, `bytes`, `ratio`, `count`).
    pub fn parse(word: &str) -> Option<Unit> {
        match word {
            "seconds" => Some(Unit::Seconds),
            "bytes" => Some(Unit::Bytes),
            "ratio" => Some(Unit::Ratio),
            "count" => Some(Unit::Count),
            _ => None,
        }
    }

    /// The unit's word in a name, if it has one (a count has none).
    pub fn suffix(self) -> Option<&'static str> {
        match self {
            Unit::Seconds => Some("seconds"),
            Unit::Bytes => Some("bytes"),
            Unit::Ratio => Some("ratio"),
            Unit::Count => None,
        }
    }

    /// The unit a name says: its last word before `_total`.
    pub fn of_name(name: &str) -> Unit {
        let stem = name.strip_suffix("_total").unwrap_or(name);
        [Unit::Seconds, Unit::Bytes, Unit::Ratio]
            .into_iter()
            .find(|u| {
                u.suffix()
                    .is_some_and(|s| stem == s || stem.ends_with(&format!("_{s}")))
            })
            .unwrap_or(Unit::Count)
    }

    /// Bucket bounds for a histogram of this unit that declares none. `None` for seconds: the
    /// runtime's default duration buckets, which the configuration may change.
    pub fn default_buckets(self) -> Option<&'static [f64]> {
        match self {
            Unit::Seconds => None,
            // 64 B to 1 GiB, by fours: a WAL record to a large compaction.
            Unit::Bytes => Some(&[
                64.0,
                256.0,
                1024.0,
                4096.0,
                16384.0,
                65536.0,
                262_144.0,
                1_048_576.0,
                4_194_304.0,
                16_777_216.0,
                67_108_864.0,
                268_435_456.0,
                1_073_741_824.0,
            ]),
            Unit::Ratio => Some(&[0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0]),
            Unit::Count => Some(&[
                1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
                10000.0,
            ]),
        }
    }
}

/// Checks the field name of a declared metric of type `ty`: the naming rules of any family, and
/// that the name says the type. Problems carry the whole corrected name.
pub fn check_declared_name(field: &str, ty: DeclaredType) -> Vec<Problem> {
    let stem = field.strip_suffix("_total");
    match (ty, stem) {
        (DeclaredType::Counter, Some(stem)) => check_metric_name(stem, NameContext::Plain)
            .into_iter()
            .map(|p| with_total(p, stem))
            .collect(),
        (DeclaredType::Counter, None) => {
            let base = suggest_metric_name(field, NameContext::Plain);
            let base = if base.is_empty() { field } else { &base };
            let mut problems = vec![
                Problem::new(format!(
                    "counter `{field}` must end in `_total`: that suffix is how a query's reader knows a counter"
                ))
                .help(format!("write `{base}_total`")),
            ];
            problems.extend(
                check_metric_name(field, NameContext::Plain)
                    .into_iter()
                    .filter(|p| p.message.contains("type word") || p.message.contains("unit")),
            );
            problems
        }
        (_, Some(stem)) => vec![
            Problem::new(format!(
                "{} `{field}` ends in `_total`, which marks a counter",
                ty.word()
            ))
            .help(format!(
                "write `{stem}`, or make the field a `Counter` if it only goes up"
            )),
        ],
        (_, None) => check_metric_name(field, NameContext::Plain),
    }
}

/// A problem the rules found in a counter's stem, its suggested name given the `_total` back.
fn with_total(mut p: Problem, stem: &str) -> Problem {
    p.message = p
        .message
        .replacen(&format!("`{stem}`"), &format!("`{stem}_total`"), 1);
    if let Some(help) = p.help.take() {
        let name = help.split('`').nth(1).unwrap_or("");
        p.help = Some(if name.is_empty() {
            help
        } else {
            help.replacen(&format!("`{name}`"), &format!("`{name}_total`"), 1)
        });
    }
    p
}

/// Checks that a unit given with a field is the one its name says. `None` when they agree;
/// else the problem, with the name to write.
pub fn check_declared_unit(field: &str, ty: DeclaredType, unit: Unit) -> Option<Problem> {
    let said = Unit::of_name(field);
    if said == unit {
        return None;
    }
    let total = if field.ends_with("_total") {
        "_total"
    } else {
        ""
    };
    let stem = field.strip_suffix("_total").unwrap_or(field);
    let base = said
        .suffix()
        .and_then(|s| stem.strip_suffix(s))
        .map_or(stem, |b| b.trim_end_matches('_'));
    let fixed = match unit.suffix() {
        Some(s) => format!("{base}_{s}{total}"),
        None => format!("{base}{total}"),
    };
    let message = match (unit.suffix(), said.suffix()) {
        (Some(u), Some(n)) => format!("a {} of {u} named `{field}`: the name says {n}", ty.word()),
        (Some(u), None) => format!(
            "a {} of {u} named `{field}`: the name must say its unit, `_{u}`",
            ty.word()
        ),
        (None, Some(n)) => format!(
            "a {} of a plain count named `{field}`: the name says {n}",
            ty.word()
        ),
        (None, None) => return None,
    };
    Some(Problem::new(message).help(format!("write `{fixed}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(field: &str, ty: DeclaredType) -> String {
        check_declared_name(field, ty)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    #[test]
    fn names_say_their_type() {
        assert!(check_declared_name("wal_writes_total", DeclaredType::Counter).is_empty());
        assert!(check_declared_name("wal_size_bytes", DeclaredType::Gauge).is_empty());
        assert!(check_declared_name("write_duration_seconds", DeclaredType::Histogram).is_empty());
        assert!(first("wal_writes", DeclaredType::Counter).contains("write `wal_writes_total`"));
        let gauge = first("connections_total", DeclaredType::Gauge);
        assert!(
            gauge.contains("marks a counter") && gauge.contains("write `connections`"),
            "{gauge}"
        );
        assert!(first("size_count", DeclaredType::Histogram).contains("reserve"));
        let unit = first("write_ms_total", DeclaredType::Counter);
        assert!(unit.contains("write `write_seconds_total`"), "{unit}");
    }

    #[test]
    fn units_agree_with_names() {
        assert_eq!(Unit::of_name("write_duration_seconds"), Unit::Seconds);
        assert_eq!(Unit::of_name("cpu_seconds_total"), Unit::Seconds);
        assert_eq!(Unit::of_name("batch_size"), Unit::Count);
        assert!(check_declared_unit("write_bytes", DeclaredType::Histogram, Unit::Bytes).is_none());
        let p = check_declared_unit("write_seconds", DeclaredType::Histogram, Unit::Bytes).unwrap();
        assert!(p.to_string().contains("write `write_bytes`"), "{p}");
        let p = check_declared_unit("batch", DeclaredType::Histogram, Unit::Ratio).unwrap();
        assert!(p.to_string().contains("write `batch_ratio`"), "{p}");
        let p = check_declared_unit("batch_seconds", DeclaredType::Histogram, Unit::Count).unwrap();
        assert!(p.to_string().contains("write `batch`"), "{p}");
    }
}
