//! Declared metrics: counters, gauges and histograms that are not per-function, declared as
//! fields of a `#[derive(MetricGroup)]` struct and checked at compile time like
//! `#[instrumented]`'s families.
//!
//! A field keeps, once bound, one storage cell per label set (a typed label set indexes them,
//! no hashing), so a record is an atomic add into vitalsign's storage, or one call on a cached
//! `metrics` handle under another recorder. Each group registers its descriptor into the
//! catalogue before `main`, so `install()` creates every series at zero and checks the names
//! against every other family.

mod cell;
mod cells;
mod counter;
mod dynamic;
mod gauge;
mod histogram;
mod labels;

pub use counter::Counter;
pub use dynamic::Dynamic;
pub(crate) use dynamic::{DynamicTable, count_overflow};
pub use gauge::{Gauge, IntGauge};
pub use histogram::Histogram;
pub use labels::{LabelInfo, LabelSet, LabelValue, dynamic_label, label_info};

/// The Prometheus type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// A monotonic counter.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A histogram with `_bucket`, `_sum` and `_count` series.
    Histogram,
}

impl MetricType {
    /// The word on the family's `# TYPE` line.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }
}

/// One field of a metric group, as `#[derive(MetricGroup)]` writes it.
#[derive(Debug)]
pub struct MetricDescriptor {
    /// The family name: namespace, subsystem and field name.
    pub name: &'static str,
    /// The field.
    pub field: &'static str,
    /// Its type.
    pub kind: MetricType,
    /// The field's doc comment: the HELP text.
    pub help: &'static str,
    /// `seconds`, `bytes`, `ratio`, or empty for a plain count.
    pub unit: &'static str,
    /// Bucket bounds of a histogram.
    pub buckets: Option<&'static [f64]>,
    /// Its label set.
    pub labels: LabelInfo,
    /// For a label from data (`Dynamic`), how many values get a series of their own.
    pub max_series: usize,
    /// `line!()` of the field.
    pub line: u32,
}

impl MetricDescriptor {
    /// The series key of the label set at `index`.
    pub(crate) fn key(&self, index: usize) -> metrics::Key {
        let labels: Vec<metrics::Label> = self
            .labels
            .names
            .iter()
            .zip((self.labels.values)(index))
            .map(|(k, v)| metrics::Label::from_static_parts(k, v))
            .collect();
        metrics::Key::from_parts(self.name, labels)
    }

    /// The series key of a dynamic label's `value`.
    pub(crate) fn key_for(&self, value: &str) -> metrics::Key {
        let labels = self
            .labels
            .names
            .iter()
            .map(|k| metrics::Label::new(*k, value.to_owned()))
            .collect::<Vec<_>>();
        metrics::Key::from_parts(self.name, labels)
    }
}

/// A `#[derive(MetricGroup)]` struct, as registered into the catalogue.
#[derive(Debug)]
pub struct GroupDescriptor {
    /// The struct's name.
    pub name: &'static str,
    /// `module_path!()` of the struct.
    pub module: &'static str,
    /// `file!()` of the struct.
    pub file: &'static str,
    /// Its fields.
    pub fields: &'static [MetricDescriptor],
}

/// One metric group, as registered into the catalogue.
#[derive(Debug)]
pub struct RegisteredGroup(pub &'static GroupDescriptor);

inventory::collect!(RegisteredGroup);

/// Every metric group linked into the program.
pub(crate) fn groups() -> impl Iterator<Item = &'static GroupDescriptor> {
    inventory::iter::<RegisteredGroup>.into_iter().map(|r| r.0)
}

/// Creates every series of `metric` at zero in the recorder installed (its first record then
/// finds them), so `rate()` and absent-series alerts work from the first scrape.
#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
pub(crate) fn register(metric: &'static MetricDescriptor) {
    match metric.kind {
        MetricType::Counter => cells::register::<counter::CounterCell>(metric),
        MetricType::Gauge => cells::register::<gauge::GaugeCell>(metric),
        MetricType::Histogram => cells::register::<histogram::HistogramCell>(metric),
    }
}
