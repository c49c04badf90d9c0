//! A declared histogram: fixed buckets, declared with the field or chosen by its unit.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use metrics::{HistogramFn, Key, Recorder};

use super::cell::Cell;
use super::cells::Cells;
use super::{LabelSet, MetricDescriptor};
use crate::storage::{BucketHistogram, METADATA};

/// One series of a histogram.
#[derive(Debug)]
pub(crate) enum HistogramCell {
    Direct(Arc<BucketHistogram>),
    Facade(metrics::Histogram),
}

impl HistogramCell {
    #[inline]
    fn record(&self, value: f64) {
        match self {
            HistogramCell::Direct(h) => HistogramFn::record(&**h, value),
            HistogramCell::Facade(h) => h.record(value),
        }
    }
}

impl Cell for HistogramCell {
    fn resolve(key: &Key) -> Self {
        match crate::storage::direct() {
            Some(storage) => HistogramCell::Direct(storage.histogram(key)),
            None => HistogramCell::Facade(metrics::with_recorder(|r| {
                r.register_histogram(key, &METADATA)
            })),
        }
    }

    fn unbound(recorder: &dyn Recorder, key: &Key) -> Self {
        HistogramCell::Facade(recorder.register_histogram(key, &METADATA))
    }
}

/// A distribution of observed values in fixed buckets, a field of a `#[derive(MetricGroup)]`
/// struct. Its unit comes from its name (`_seconds`, `_bytes`, `_ratio`, else a plain count),
/// its buckets from `#[metric(buckets = [..])]` or that unit. `Histogram` has one series,
/// `Histogram<L>` one per label set.
pub struct Histogram<L = ()> {
    cells: Cells<HistogramCell>,
    labels: PhantomData<fn(L)>,
}

impl<L> Histogram<L> {
    #[doc(hidden)]
    pub const fn __declared(desc: &'static MetricDescriptor) -> Self {
        Self {
            cells: Cells::new(desc),
            labels: PhantomData,
        }
    }
}

impl<L: LabelSet> Histogram<L> {
    /// Records `value` into the series of `labels`, in the histogram's unit.
    #[inline]
    pub fn record_with(&self, labels: L, value: f64) {
        self.cells.with(labels.index(), |c| c.record(value));
    }

    /// Records a duration, in seconds, into the series of `labels`.
    #[inline]
    pub fn record_duration_with(&self, labels: L, duration: Duration) {
        self.record_with(labels, duration.as_secs_f64());
    }
}

impl Histogram<super::Dynamic> {
    /// Records `value` into the series of the label value `label` (folded into `__overflow__`
    /// past the declared `max_series`).
    #[inline]
    pub fn record_for(&self, label: &str, value: f64) {
        self.cells.with_value(label, |c| c.record(value));
    }
}

impl Histogram {
    /// Records `value`, in the histogram's unit.
    #[inline]
    pub fn record(&self, value: f64) {
        self.record_with((), value);
    }

    /// Records a duration, in seconds.
    #[inline]
    pub fn record_duration(&self, duration: Duration) {
        self.record_with((), duration.as_secs_f64());
    }
}

impl<L> std::fmt::Debug for Histogram<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("name", &self.cells.descriptor().name)
            .finish_non_exhaustive()
    }
}
