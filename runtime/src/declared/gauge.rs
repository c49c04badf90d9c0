//! Declared gauges: `Gauge` holds an `f64`, `IntGauge` an `i64` (exact up to 2^53, as the
//! exposition's numbers are `f64`).

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use metrics::atomics::AtomicU64;
use metrics::{GaugeFn, Key, Recorder};

use super::cell::Cell;
use super::cells::Cells;
use super::{LabelSet, MetricDescriptor};
use crate::storage::METADATA;

/// One series of a gauge.
#[derive(Debug)]
pub(crate) enum GaugeCell {
    /// vitalsign's storage: the value's bits.
    Direct(Arc<AtomicU64>),
    Facade(metrics::Gauge),
}

impl GaugeCell {
    #[inline]
    fn set(&self, value: f64) {
        match self {
            GaugeCell::Direct(g) => g.store(value.to_bits(), Ordering::Relaxed),
            GaugeCell::Facade(g) => g.set(value),
        }
    }

    #[inline]
    fn add(&self, delta: f64) {
        match self {
            GaugeCell::Direct(g) => GaugeFn::increment(&**g, delta),
            GaugeCell::Facade(g) => g.increment(delta),
        }
    }
}

impl Cell for GaugeCell {
    fn resolve(key: &Key) -> Self {
        match crate::storage::direct() {
            Some(storage) => GaugeCell::Direct(storage.gauge(key)),
            None => GaugeCell::Facade(metrics::with_recorder(|r| r.register_gauge(key, &METADATA))),
        }
    }

    fn unbound(recorder: &dyn Recorder, key: &Key) -> Self {
        GaugeCell::Facade(recorder.register_gauge(key, &METADATA))
    }
}

macro_rules! gauge {
    ($(#[$doc:meta])* $name:ident($value:ty) as |$v:ident| $to_f64:expr) => {
        $(#[$doc])*
        pub struct $name<L = ()> {
            cells: Cells<GaugeCell>,
            labels: PhantomData<fn(L)>,
        }

        impl<L> $name<L> {
            #[doc(hidden)]
            pub const fn __declared(desc: &'static MetricDescriptor) -> Self {
                Self {
                    cells: Cells::new(desc),
                    labels: PhantomData,
                }
            }
        }

        impl<L: LabelSet> $name<L> {
            /// Sets the series of `labels` to `value`.
            #[inline]
            pub fn set_with(&self, labels: L, value: $value) {
                let $v = value;
                self.cells.with(labels.index(), |c| c.set($to_f64));
            }

            /// Adds `delta` (negative to lower it) to the series of `labels`.
            #[inline]
            pub fn add_with(&self, labels: L, delta: $value) {
                let $v = delta;
                self.cells.with(labels.index(), |c| c.add($to_f64));
            }
        }

        impl $name<super::Dynamic> {
            /// Sets the series of the label value `label` to `value` (folded into
            /// `__overflow__` past the declared `max_series`).
            #[inline]
            pub fn set_for(&self, label: &str, value: $value) {
                let $v = value;
                self.cells.with_value(label, |c| c.set($to_f64));
            }

            /// Adds `delta` to the series of the label value `label`.
            #[inline]
            pub fn add_for(&self, label: &str, delta: $value) {
                let $v = delta;
                self.cells.with_value(label, |c| c.add($to_f64));
            }
        }

        impl $name {
            /// Sets the value.
            #[inline]
            pub fn set(&self, value: $value) {
                self.set_with((), value);
            }

            /// Adds `delta` (negative to lower it).
            #[inline]
            pub fn add(&self, delta: $value) {
                self.add_with((), delta);
            }
        }

        impl<L> std::fmt::Debug for $name<L> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("name", &self.cells.descriptor().name)
                    .finish_non_exhaustive()
            }
        }
    };
}

gauge!(
    /// A value that goes up and down (`f64`), a field of a `#[derive(MetricGroup)]` struct:
    /// `Gauge` has one series, `Gauge<L>` one per label set.
    Gauge(f64) as |v| v
);

gauge!(
    /// An integer that goes up and down (connections open, keys stored), a field of a
    /// `#[derive(MetricGroup)]` struct: `IntGauge` has one series, `IntGauge<L>` one per label
    /// set.
    IntGauge(i64) as |v| {
        #[allow(clippy::cast_precision_loss)] // exact below 2^53, as the exposition's numbers
        let value = v as f64;
        value
    }
);
