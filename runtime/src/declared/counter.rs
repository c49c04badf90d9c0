//! A declared counter.

use std::marker::PhantomData;
use std::sync::Arc;

use metrics::{Key, Recorder};

use super::cell::Cell;
use super::cells::Cells;
use super::{LabelSet, MetricDescriptor};
use crate::storage::{METADATA, ShardedCounter};

/// A monotonic counter, a field of a `#[derive(MetricGroup)]` struct: `Counter` has one series,
/// `Counter<L>` one per label set `L` (a `#[derive(LabelValue)]` enum or a `#[derive(LabelSet)]`
/// struct), each at zero from `install()`.
pub struct Counter<L = ()> {
    cells: Cells<CounterCell>,
    labels: PhantomData<fn(L)>,
}

/// One series of a [`Counter`].
#[derive(Debug)]
pub(crate) enum CounterCell {
    Direct(Arc<ShardedCounter>),
    Facade(metrics::Counter),
}

impl CounterCell {
    #[inline]
    fn add(&self, n: u64) {
        match self {
            CounterCell::Direct(c) => c.add(n),
            CounterCell::Facade(c) => c.increment(n),
        }
    }
}

impl Cell for CounterCell {
    fn resolve(key: &Key) -> Self {
        match crate::storage::direct() {
            Some(storage) => CounterCell::Direct(storage.counter(key)),
            None => CounterCell::Facade(metrics::with_recorder(|r| {
                r.register_counter(key, &METADATA)
            })),
        }
    }

    fn unbound(recorder: &dyn Recorder, key: &Key) -> Self {
        CounterCell::Facade(recorder.register_counter(key, &METADATA))
    }
}

impl<L> Counter<L> {
    #[doc(hidden)]
    pub const fn __declared(desc: &'static MetricDescriptor) -> Self {
        Self {
            cells: Cells::new(desc),
            labels: PhantomData,
        }
    }
}

impl<L: LabelSet> Counter<L> {
    /// Adds `n` to the series of `labels`.
    #[inline]
    pub fn add_with(&self, labels: L, n: u64) {
        self.cells.with(labels.index(), |c| c.add(n));
    }

    /// Adds 1 to the series of `labels`.
    #[inline]
    pub fn increment_with(&self, labels: L) {
        self.add_with(labels, 1);
    }
}

impl Counter<super::Dynamic> {
    /// Adds `n` to the series of the label value `value` (folded into `__overflow__` past the
    /// declared `max_series`).
    #[inline]
    pub fn add_for(&self, value: &str, n: u64) {
        self.cells.with_value(value, |c| c.add(n));
    }

    /// Adds 1 to the series of the label value `value`.
    #[inline]
    pub fn increment_for(&self, value: &str) {
        self.add_for(value, 1);
    }
}

impl Counter {
    /// Adds 1.
    #[inline]
    pub fn increment(&self) {
        self.add(1);
    }

    /// Adds `n`.
    #[inline]
    pub fn add(&self, n: u64) {
        self.cells.with(0, |c| c.add(n));
    }
}

impl<L> std::fmt::Debug for Counter<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counter")
            .field("name", &self.cells.descriptor().name)
            .finish_non_exhaustive()
    }
}
