//! A label whose values come from data (a state machine's name, a tenant), bounded by a cap the
//! declaration states. The first `max_series` values seen get a cell each; later values fold
//! into the family's `__overflow__` series and are counted in
//! `{ns}_cardinality_overflow_total{family}`.
//!
//! A value already seen is found without a lock or an allocation: the cells sit in an
//! open-addressed table of twice the cap, each slot set once, probed from the value's hash.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use vitalsign_naming::OVERFLOW_VALUE;

use super::MetricDescriptor;
use super::cell::Cell;
use crate::storage::ShardedCounter;

/// The marker of a label from data: `Counter<Dynamic>` with `#[metric(label = "..",
/// max_series = N)]`.
#[derive(Debug, Clone, Copy)]
pub enum Dynamic {}

/// A slot of the table: set once, to a value and its cell.
type Slot<C> = OnceLock<(Box<str>, C)>;

/// The cells of a dynamic label's values.
#[derive(Debug)]
pub(crate) struct DynamicCells<C> {
    slots: OnceLock<Box<[Slot<C>]>>,
    taken: AtomicUsize,
    overflow: OnceLock<(C, Option<std::sync::Arc<ShardedCounter>>)>,
}

impl<C: Cell> DynamicCells<C> {
    pub(crate) const fn new() -> Self {
        Self {
            slots: OnceLock::new(),
            taken: AtomicUsize::new(0),
            overflow: OnceLock::new(),
        }
    }

    /// Runs `f` on the cell of `value`, making it if there is room.
    #[inline]
    pub(crate) fn with(&self, desc: &'static MetricDescriptor, value: &str, f: impl FnOnce(&C)) {
        let slots = self.slots.get_or_init(|| {
            (0..(desc.max_series * 2).next_power_of_two())
                .map(|_| OnceLock::new())
                .collect()
        });
        let mask = slots.len() - 1;
        let mut i = hash(value) & mask;
        for _ in 0..slots.len() {
            match slots[i].get() {
                Some((seen, cell)) if **seen == *value => return f(cell),
                Some(_) => i = (i + 1) & mask,
                None => {
                    if self.taken.fetch_add(1, Ordering::Relaxed) >= desc.max_series {
                        break;
                    }
                    let made =
                        slots[i].get_or_init(|| (value.into(), C::resolve(&desc.key_for(value))));
                    if *made.0 == *value {
                        return f(&made.1);
                    }
                    // Another value took the slot first: its count stands, ours was not used.
                    self.taken.fetch_sub(1, Ordering::Relaxed);
                    i = (i + 1) & mask;
                }
            }
        }
        let (cell, counter) = self.overflow.get_or_init(|| {
            let counter = crate::storage::direct().map(|s| s.overflow_counter(desc.name));
            (C::resolve(&desc.key_for(OVERFLOW_VALUE)), counter)
        });
        if let Some(c) = counter {
            c.add(1);
        }
        f(cell);
    }
}

/// FNV-1a: label values are short, and this needs no state or allocation.
#[inline]
fn hash(value: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in value.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    #[allow(clippy::cast_possible_truncation)] // a table index: the low bits are the ones used
    let h = h as usize;
    h
}
