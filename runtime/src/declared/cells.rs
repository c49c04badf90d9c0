//! What every declared metric shares: its descriptor and, once bound, one cell per label set.
//! A cell is either vitalsign's own storage (recorded into directly) or a `metrics` handle of
//! another recorder. Before a recorder is bound for good, records go through the `metrics`
//! facade uncached, as call sites' do.

use std::sync::OnceLock;

use super::MetricDescriptor;
use super::cell::Cell;
use super::dynamic::DynamicCells;

/// A declared metric's cells.
#[derive(Debug)]
pub(crate) struct Cells<C> {
    desc: &'static MetricDescriptor,
    cells: OnceLock<Box<[C]>>,
    /// The cells of a label from data (`Dynamic`); unused by a fixed label set.
    dynamic: DynamicCells<C>,
}

impl<C: Cell> Cells<C> {
    pub(crate) const fn new(desc: &'static MetricDescriptor) -> Self {
        Self {
            desc,
            cells: OnceLock::new(),
            dynamic: DynamicCells::new(),
        }
    }

    /// Runs `f` on the cell of a dynamic label's `value`.
    #[inline]
    pub(crate) fn with_value(&self, value: &str, f: impl FnOnce(&C)) {
        match self.dynamic.seen(value) {
            Some(cell) => f(cell),
            None => self.new_value(value, f),
        }
    }

    /// A value without a cell yet: one is made if a recorder is bound and there is room.
    #[cold]
    #[inline(never)]
    fn new_value(&self, value: &str, f: impl FnOnce(&C)) {
        if crate::storage::is_bound() {
            self.dynamic.with(self.desc, value, f);
        } else {
            metrics::with_recorder(|r| f(&C::unbound(r, &self.desc.key_for(value))));
        }
    }

    pub(crate) fn descriptor(&self) -> &'static MetricDescriptor {
        self.desc
    }

    /// Runs `f` on the cell of the set at `index`.
    #[inline]
    pub(crate) fn with(&self, index: usize, f: impl FnOnce(&C)) {
        match self.cells.get() {
            Some(cells) => {
                if let Some(cell) = cells.get(index) {
                    f(cell);
                }
            }
            None => self.slow(index, f),
        }
    }

    #[cold]
    fn slow(&self, index: usize, f: impl FnOnce(&C)) {
        if crate::storage::is_bound() {
            let cells = self.cells.get_or_init(|| {
                (0..self.desc.labels.cardinality)
                    .map(|i| C::resolve(&self.desc.key(i)))
                    .collect()
            });
            if let Some(cell) = cells.get(index) {
                f(cell);
            }
        } else if index < self.desc.labels.cardinality {
            metrics::with_recorder(|r| f(&C::unbound(r, &self.desc.key(index))));
        }
    }
}

/// Creates every series of `desc` at zero in the storage installed.
#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
pub(crate) fn register<C: Cell>(desc: &'static MetricDescriptor) {
    for i in 0..desc.labels.cardinality {
        let _ = C::resolve(&desc.key(i));
    }
}
