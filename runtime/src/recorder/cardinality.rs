//! A per-family series limit. Instrumented families are bounded by the code (fixed labels,
//! codes fixed by their types), but any code using `metrics::counter!` with label values from
//! data could otherwise grow the registry without end. Beyond the limit, new label sets of a
//! family fold into one series whose label values are all [`OVERFLOW`], and
//! `{ns}_cardinality_overflow_total{family}` counts what was folded.

use crate::catalogue::{MetricType, OwnSpec};
use crate::sync::MutexExt;
use std::collections::HashMap;
use std::sync::Mutex;

use metrics::{Key, Label};

/// The label value of a family's overflow series.
pub(crate) const OVERFLOW: &str = vitalsign_naming::OVERFLOW_VALUE;

#[derive(Debug)]
pub(crate) struct Cardinality {
    limit: usize,
    counter_name: String,
    series: Mutex<HashMap<String, usize>>,
}

/// What to register instead of a key.
pub(crate) enum Admission {
    /// The key itself.
    Key,
    /// The family is full: its overflow key, and the overflow counter's key to increment.
    Overflow { fold: Key, count: Key },
}

impl Cardinality {
    pub(crate) fn new(namespace: &str, limit: usize) -> Self {
        Self {
            limit,
            counter_name: CARDINALITY_OVERFLOW.name_in(namespace),
            series: Mutex::new(HashMap::new()),
        }
    }

    /// Decides for a key not yet registered.
    pub(crate) fn admit(&self, key: &Key) -> Admission {
        if key.labels().len() == 0 || key.name() == self.counter_name {
            return Admission::Key;
        }
        let mut series = self.series.lock_unpoisoned();
        let count = series.entry(key.name().to_owned()).or_default();
        if *count < self.limit {
            *count += 1;
            return Admission::Key;
        }
        let labels: Vec<Label> = key
            .labels()
            .map(|l| Label::new(l.key().to_owned(), OVERFLOW))
            .collect();
        Admission::Overflow {
            fold: Key::from_parts(key.name().to_owned(), labels),
            count: self.overflow_key(key.name()),
        }
    }

    /// The overflow counter's key for `family`.
    pub(crate) fn overflow_key(&self, family: &str) -> Key {
        Key::from_parts(
            self.counter_name.clone(),
            vec![Label::new(
                vitalsign_naming::FAMILY_LABEL,
                family.to_owned(),
            )],
        )
    }
}

/// `{ns}_cardinality_overflow_total{family}`.
const CARDINALITY_OVERFLOW: OwnSpec = OwnSpec::new(
    "cardinality_overflow_total",
    MetricType::Counter,
    &[vitalsign_naming::FAMILY_LABEL],
    "New label sets folded into a family's __overflow__ series by the series limit",
);

/// The catalogue's entry for the overflow counter.
pub(crate) fn own_families(namespace: &str) -> Vec<crate::catalogue::OwnFamily> {
    vec![CARDINALITY_OVERFLOW.in_namespace(namespace)]
}
