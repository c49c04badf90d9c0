//! A label whose values come from data (a state machine's name, a tenant), bounded by a cap the
//! declaration states. The first `max_series` values seen get a cell each; later values fold
//! into the family's `__overflow__` series and are counted in
//! `{ns}_cardinality_overflow_total{family}`.
//!
//! A value already seen is found without a lock, an allocation or a call: the cells sit in an
//! open-addressed table of twice the cap, each slot set once, probed from the value's hash. A
//! slot keeps its value's length and first and last eight bytes, so a value of up to 16 bytes is
//! hashed and compared from two words read once.

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
type Slot<T> = OnceLock<Entry<T>>;

/// A value seen and what it keeps. The value's first and last eight bytes sit in the slot
/// itself: a value of up to 16 bytes (most label values) is compared without reading its text.
#[derive(Debug)]
struct Entry<T> {
    key: Key,
    text: Box<str>,
    kept: T,
}

/// A value's length and its first and last eight bytes (zero-padded when shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

impl Key {
    /// The key of `value`: up to 16 bytes, its length and two words are the whole value; a
    /// longer one keeps its first and last eight bytes.
    #[inline]
    fn of(value: &str) -> Self {
        let b = value.as_bytes();
        let n = b.len();
        let u64_at = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let u32_at = |at: usize| {
            u64::from(u32::from_le_bytes(
                b[at..at + 4].try_into().expect("4 bytes"),
            ))
        };
        let (head, tail) = match n {
            8.. => (u64_at(0), u64_at(n - 8)),
            4..=7 => (u32_at(0) | (u32_at(n - 4) << 32), 0),
            1..=3 => (
                u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16),
                0,
            ),
            0 => (0, 0),
        };
        Self { len: n, head, tail }
    }

    /// Whether `value`, whose key this is, is the value `entry` holds.
    #[inline]
    fn matches<T>(self, entry: &Entry<T>, value: &str) -> bool {
        // Up to 16 bytes, the length and the two words are the whole value.
        self == entry.key && (self.len <= 16 || *entry.text == *value)
    }

    /// The table's starting slot of a value of up to 16 bytes: one folded multiply of the two
    /// words already read (rapidhash's own mixing step).
    #[inline]
    fn hash_short(self) -> usize {
        let [s0, s1, ..] = rapidhash::v3::DEFAULT_RAPID_SECRETS.secrets;
        let m = u128::from(self.head ^ s0) * u128::from(self.tail ^ s1 ^ self.len as u64);
        #[allow(clippy::cast_possible_truncation)] // the two halves folded; then a table index
        let h = ((m as u64) ^ ((m >> 64) as u64)) as usize;
        h
    }

    /// The starting slot of any value: a longer one, which may share both ends with another and
    /// differ in the middle, by rapidhash over every byte.
    fn hash(self, value: &str) -> usize {
        if self.len <= 16 {
            return self.hash_short();
        }
        #[allow(clippy::cast_possible_truncation)] // a table index: the low bits are the ones used
        let h = rapidhash::v3::rapidhash_v3_nano_inline::<false, false>(
            value.as_bytes(),
            &rapidhash::v3::DEFAULT_RAPID_SECRETS,
        ) as usize;
        h
    }
}

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
        match self.find(value) {
            Some(kept) => (kept, false),
            None => self.first_time(cap, value, &make),
        }
    }

    /// The entry of a value seen before, if it has one.
    #[inline]
    pub(crate) fn find(&self, value: &str) -> Option<&T> {
        let slots = self.slots.get()?;
        if value.len() > 16 {
            return Self::find_long(slots, value);
        }
        // No call on this path, for the short values labels mostly are: it needs few registers.
        let key = Key::of(value);
        Self::probe(slots, key.hash_short(), |entry| entry.key == key)
    }

    #[inline(never)]
    fn find_long<'a>(slots: &'a [Slot<T>], value: &str) -> Option<&'a T> {
        let key = Key::of(value);
        Self::probe(slots, key.hash(value), |entry| key.matches(entry, value))
    }

    /// Walks the slots from `hash`: a value seen before sits before the first empty slot of its
    /// probe, and there is always an empty slot (at most `cap` of at least `2 * cap` are set),
    /// so the walk ends.
    #[inline]
    fn probe(slots: &[Slot<T>], hash: usize, is: impl Fn(&Entry<T>) -> bool) -> Option<&T> {
        let mask = slots.len() - 1;
        let mut i = hash & mask;
        while let Some(entry) = slots[i].get() {
            if is(entry) {
                return Some(&entry.kept);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// A value not seen yet (or the table not made yet): takes a slot for it if there is room
    /// under `cap`, else the overflow entry. Out of line, so that the lookup of a value seen
    /// before stays small.
    #[cold]
    #[inline(never)]
    fn first_time(&self, cap: usize, value: &str, make: &dyn Fn(&str) -> T) -> (&T, bool) {
        let slots = self.slots.get_or_init(|| {
            (0..(cap * 2).next_power_of_two())
                .map(|_| OnceLock::new())
                .collect()
        });
        let key = Key::of(value);
        let mask = slots.len() - 1;
        let mut i = key.hash(value) & mask;
        for _ in 0..slots.len() {
            match slots[i].get() {
                Some(entry) if key.matches(entry, value) => return (&entry.kept, false),
                Some(_) => i = (i + 1) & mask,
                None => {
                    if self.taken.fetch_add(1, Ordering::Relaxed) >= cap {
                        break;
                    }
                    let made = slots[i].get_or_init(|| Entry {
                        key,
                        text: value.into(),
                        kept: make(value),
                    });
                    if *made.text == *value {
                        return (&made.kept, false);
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

    /// The cell of a value seen before: entries are only made once a recorder is bound, so
    /// finding one needs no other check.
    #[inline]
    pub(crate) fn seen(&self, value: &str) -> Option<&C> {
        self.table.find(value)
    }

    /// Runs `f` on the cell of `value`, making it if there is room.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_exactly_their_own_entry() {
        let values = [
            "",
            "a",
            "get",
            "get\0",
            "order_fs",
            "order_fsm",
            "order_fsn",
            "zrder_fsm",
            "0123456789abcdef",
            "0123456789abcdeg",
            "0123456789abcdefg",
            "0123456789Xbcdefg",
            "machine_order_fsm_v1_prod",
            "machine_order_fsm_v2_prod",
        ];
        for a in values {
            let entry = Entry {
                key: Key::of(a),
                text: a.into(),
                kept: (),
            };
            for b in values {
                assert_eq!(Key::of(b).matches(&entry, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn a_table_keeps_values_apart_and_folds_past_its_cap() {
        let table = DynamicTable::new();
        let values = [
            "a",
            "machine_order_fsm_v1_prod",
            "machine_order_fsm_v2_prod",
            "get",
        ];
        for (n, v) in values.iter().enumerate() {
            let (kept, overflowed) = table.get(4, v, |v| v.to_owned());
            assert_eq!((kept.as_str(), overflowed), (*v, false), "{n}");
        }
        for v in values {
            assert_eq!(table.get(4, v, |v| v.to_owned()).0, v, "found again");
        }
        let (kept, overflowed) = table.get(4, "fifth", |v| v.to_owned());
        assert_eq!((kept.as_str(), overflowed), (OVERFLOW_VALUE, true));
    }

    #[test]
    fn values_spread_over_the_table() {
        // 64 values into 128 slots: with a well-spread hash most land in a slot of their own.
        let mask = 127;
        let slots: std::collections::BTreeSet<usize> = (0..64)
            .map(|i| {
                let v = format!("tenant-{i}");
                Key::of(&v).hash(&v) & mask
            })
            .collect();
        assert!(slots.len() > 40, "{} distinct slots", slots.len());
    }
}
