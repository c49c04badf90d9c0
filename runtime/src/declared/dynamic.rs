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

/// A slot of the table: set once, to a value and what it keeps.
type Slot<T> = OnceLock<(Box<str>, T)>;

/// What a label from data keeps per value, under a cap: the first `cap` values seen get their
/// own entry; later values share the overflow entry. Declared metrics keep a cell per value;
/// call sites with a text label from an argument keep their handles.
#[derive(Debug)]
pub(crate) struct DynamicTable<T> {
    slots: OnceLock<Box<[Slot<T>]>>,
    taken: AtomicUsize,
    overflow: OnceLock<T>,
}

impl<T> DynamicTable<T> {
    pub(crate) const fn new() -> Self {
        Self {
            slots: OnceLock::new(),
            taken: AtomicUsize::new(0),
            overflow: OnceLock::new(),
        }
    }

    /// The entry of `value`, made by `make` if there is room under `cap`; else the overflow
    /// entry, made by `make` for [`OVERFLOW_VALUE`], and `true`.
    #[inline]
    pub(crate) fn get(&self, cap: usize, value: &str, make: impl Fn(&str) -> T) -> (&T, bool) {
        let slots = self.slots.get_or_init(|| {
            (0..(cap * 2).next_power_of_two())
                .map(|_| OnceLock::new())
                .collect()
        });
        let mask = slots.len() - 1;
        let mut i = hash(value) & mask;
        for _ in 0..slots.len() {
            match slots[i].get() {
                Some((seen, entry)) if same(seen, value) => return (entry, false),
                Some(_) => i = (i + 1) & mask,
                None => {
                    if self.taken.fetch_add(1, Ordering::Relaxed) >= cap {
                        break;
                    }
                    let made = slots[i].get_or_init(|| (value.into(), make(value)));
                    if *made.0 == *value {
                        return (&made.1, false);
                    }
                    // Another value took the slot first: its count stands, ours was not used.
                    self.taken.fetch_sub(1, Ordering::Relaxed);
                    i = (i + 1) & mask;
                }
            }
        }
        (self.overflow.get_or_init(|| make(OVERFLOW_VALUE)), true)
    }
}

/// The cells of a declared metric's label from data.
#[derive(Debug)]
pub(crate) struct DynamicCells<C> {
    table: DynamicTable<C>,
    /// `{ns}_cardinality_overflow_total{family}`, once a value overflowed.
    overflowed: OnceLock<Option<std::sync::Arc<ShardedCounter>>>,
}

impl<C: Cell> DynamicCells<C> {
    pub(crate) const fn new() -> Self {
        Self {
            table: DynamicTable::new(),
            overflowed: OnceLock::new(),
        }
    }

    /// Runs `f` on the cell of `value`, making it if there is room.
    #[inline]
    pub(crate) fn with(&self, desc: &'static MetricDescriptor, value: &str, f: impl FnOnce(&C)) {
        let (cell, overflowed) = self
            .table
            .get(desc.max_series, value, |v| C::resolve(&desc.key_for(v)));
        if overflowed {
            count_overflow(&self.overflowed, desc.name);
        }
        f(cell);
    }
}

/// Adds one to the overflow counter of `family`, in vitalsign's storage when it is installed.
#[cold]
pub(crate) fn count_overflow(
    counter: &OnceLock<Option<std::sync::Arc<ShardedCounter>>>,
    family: &str,
) {
    let counter =
        counter.get_or_init(|| crate::storage::direct().map(|s| s.overflow_counter(family)));
    if let Some(c) = counter {
        c.add(1);
    }
}

/// `a == b`, without a call to `memcmp` for the short values labels mostly are: a value of 8 to
/// 16 bytes is compared as two (overlapping) words.
#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        let word = |s: &[u8], at: usize| {
            let mut w = [0_u8; 8];
            w.copy_from_slice(&s[at..at + 8]);
            u64::from_ne_bytes(w)
        };
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    a == b
}

/// rapidhash (already in the tree through `metrics`), in its variant for short inputs and without
/// the final avalanche step (the table takes the low bits of a multiply-mixed word, which are
/// well spread already): label values are short, and it reads them eight bytes at a time with no
/// state to set up or allocate.
#[inline]
fn hash(value: &str) -> usize {
    #[allow(clippy::cast_possible_truncation)] // a table index: the low bits are the ones used
    let h = rapidhash::v3::rapidhash_v3_nano_inline::<false, false>(
        value.as_bytes(),
        &rapidhash::v3::DEFAULT_RAPID_SECRETS,
    ) as usize;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_compare_like_strings() {
        let values = [
            "",
            "a",
            "get",
            "order_fs",
            "order_fsm",
            "order_fsn",
            "zrder_fsm",
            "0123456789abcdef",
            "0123456789abcdeg",
            "0123456789abcdefg",
        ];
        for a in values {
            for b in values {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn values_spread_over_the_table() {
        // 64 values into 128 slots: with a well-spread hash most land in a slot of their own.
        let mask = 127;
        let slots: std::collections::BTreeSet<usize> = (0..64)
            .map(|i| hash(&format!("tenant-{i}")) & mask)
            .collect();
        assert!(slots.len() > 40, "{} distinct slots", slots.len());
    }
}
