//! The current values of the declared metrics (`#[derive(MetricGroup)]` fields), for the
//! status page: what `/metrics` exposes of them, read from the same series.

use std::collections::BTreeMap;

use crate::catalogue::Declared;
use crate::recorder::{FamilySeries, Labels, Value};

/// The most series of one family the page lists; the rest are counted. Declared labels are
/// capped, but a cap can be thousands, and a page is read by a person.
pub(crate) const SHOWN_SERIES: usize = 50;

/// One declared family and its series.
#[derive(Debug, Clone)]
pub(crate) struct DeclaredFamily {
    /// The struct deriving `MetricGroup` that declares it.
    pub group: &'static str,
    /// `Group::field`.
    pub field: String,
    pub name: String,
    /// `counter`, `gauge` or `histogram`.
    pub kind: &'static str,
    pub help: Option<String>,
    /// At most [`SHOWN_SERIES`], in the exposition's order.
    pub series: Vec<(Labels, Reading)>,
    /// Series past [`SHOWN_SERIES`].
    pub more: usize,
}

/// One series' value as a person reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reading {
    Counter(u64),
    Gauge(f64),
    Histogram { count: u64, sum: f64 },
}

/// The `declared` families' series among `families`, in the order given; a family with no
/// series yet is listed empty, so the page shows that it exists.
pub(crate) fn declared(
    families: &BTreeMap<String, FamilySeries>,
    declared: &[Declared],
) -> Vec<DeclaredFamily> {
    declared
        .iter()
        .map(|d| {
            let family = families.get(d.family());
            let all = family.map(|f| f.series.as_slice()).unwrap_or_default();
            DeclaredFamily {
                group: d.group(),
                field: d.field(),
                name: d.family().to_owned(),
                kind: d.kind().as_str(),
                help: family.and_then(|f| f.help.clone()),
                series: all
                    .iter()
                    .take(SHOWN_SERIES)
                    .map(|(labels, value)| {
                        let reading = match value {
                            Value::Counter(n, ..) => Reading::Counter(*n),
                            Value::Gauge(g) => Reading::Gauge(*g),
                            Value::Histogram(h) => Reading::Histogram {
                                count: h.count,
                                sum: h.sum,
                            },
                        };
                        (labels.clone(), reading)
                    })
                    .collect(),
                more: all.len().saturating_sub(SHOWN_SERIES),
            }
        })
        .collect()
}
