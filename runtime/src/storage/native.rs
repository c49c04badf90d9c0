//! Native histogram buckets: Prometheus's sparse exponential buckets, kept beside a duration
//! histogram's fixed ones, so that no bounds need choosing in advance.
//!
//! At schema `s`, bucket `k` holds the values in `(2^((k-1)/2^s), 2^(k/2^s)]`: each bucket is
//! `2^(2^-s)` times as wide as the one before (schema 3: 9 %). Schemas nest: bucket `k` at
//! schema `s` is buckets `2k-1` and `2k` at `s+1`, so counts move to a coarser schema exactly.
//!
//! Each thread that records keeps a window of `max_buckets` consecutive buckets of its own
//! (allocated at its first record, so memory grows with the threads that record, never with
//! the calls), written by that thread alone like the fixed buckets' runs. A value outside the
//! window moves it, and when the values seen no longer fit `max_buckets` buckets, halves the
//! resolution (the schema goes down by one) until they do: that rare rewrite is done by the
//! thread that owns the window, under a sequence lock that a scrape reading it retries on.
//! Threads past the owned runs share one window behind a mutex.

use std::sync::atomic::{Ordering, fence};
use std::sync::{LazyLock, Mutex, OnceLock};

use metrics::atomics::AtomicU64;

use super::owners;
use crate::sync::MutexExt;

/// The finest schema Prometheus takes.
pub(crate) const MAX_SCHEMA: i8 = 8;
/// The coarsest: each bucket 2^16 times as wide as the one before.
pub(crate) const MIN_SCHEMA: i8 = -4;
/// At schema -4, every duration from a nanosecond to 584 years falls in 5 buckets: the fewest
/// `max_buckets` may be so that any values fit at the coarsest schema.
pub(crate) const MIN_NATIVE_BUCKETS: usize = 8;
/// The schema-8 keys of 2^-30 s (below a nanosecond) and 2^35 s (above 2^64 ns): every
/// duration in nanoseconds falls between, and at schema -4 the two are 4 buckets apart.
const MIN_KEY8: i32 = -30 * 256;
const MAX_KEY8: i32 = 35 * 256;
/// At schema 8, 256 buckets per power of two: every duration in nanoseconds (64 powers of two)
/// fits this many, so a window never needs more.
pub(crate) const MAX_NATIVE_BUCKETS: usize = 64 * 256;
/// Values at or below it are counted in the zero bucket: client_golang's default, 2^-128.
pub(crate) const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// How a histogram's native buckets start and how many they may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NativeLayout {
    /// The schema a window starts at (its finest).
    pub schema: i8,
    /// Buckets per window, and at most in a scrape.
    pub max_buckets: usize,
}

/// Bucket keys at schema 8 from an `f64`'s bits: its exponent gives 256 buckets per power of
/// two, and within one, the top 10 bits of the mantissa give a cell narrower than any bucket,
/// so one comparison with the one bucket bound inside the cell settles the key. Per cell, one
/// word: the key of the cell's smallest mantissa (within a power of two, 0 to 256) above the
/// mantissa bits of its bucket's upper bound, so the call path makes a single table load and
/// compares integers.
///
/// A duration in whole nanoseconds takes a second table, of the same shape over the integer
/// shifted so that its leading one is the top bit: its key comes from a leading-zero count, a
/// shift and the one load, with no conversion to `f64`; the bounds of that table are the
/// bucket bounds in seconds expressed in nanoseconds (`1e9 * 2^(k/256)`).
struct Tables {
    cells: [u64; 1 << CELL_BITS],
    nanos: [u64; 1 << CELL_BITS],
}

/// `256 * log2(1e9)`: schema-8 buckets between a nanosecond and a second. Its integer part is
/// subtracted from a nanosecond key; the cells' bounds hold its fraction.
const NANOS_SHIFT: f64 = 7_653.722_330_620_483;
/// Bits of the shifted integer kept for the comparison: 53, as an `f64` mantissa with its
/// leading one, exact for any duration below 2^53 ns (104 days).
const KEPT_BITS: u32 = 53;
const KEPT: u64 = (1 << KEPT_BITS) - 1;

const CELL_BITS: u32 = 10;
const MANTISSA_BITS: u32 = 52;
const MANTISSA: u64 = (1 << MANTISSA_BITS) - 1;

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    // `2^(k/256)` for `k` in `0..=256`: bucket `k`'s upper bound within a power of two.
    let mut bounds = [0.0_f64; 257];
    for (k, b) in bounds.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let e = k as f64 / 256.0;
        *b = e.exp2();
    }
    // Exact at the ends: the bucket of a power of two is the one it bounds.
    bounds[0] = 1.0;
    bounds[256] = 2.0;
    let mut cells = [0_u64; 1 << CELL_BITS];
    for (cell, word) in cells.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let m = 1.0 + cell as f64 / f64::from(1_u32 << CELL_BITS);
        // The smallest `k` with `m <= 2^(k/256)`.
        let key = bounds.partition_point(|b| *b < m);
        // Within `[1, 2)` every mantissa is at or below 2's: all ones never compares above.
        let bound = if key == 256 {
            MANTISSA
        } else {
            bounds[key].to_bits() & MANTISSA
        };
        *word = ((key as u64) << MANTISSA_BITS) | bound;
    }
    // Within a power of two of nanoseconds, `mu` in `[1, 2)`: the key past the power's first is
    // the smallest `j` with `mu <= 2^((j + fraction) / 256)`.
    let fraction = NANOS_SHIFT - NANOS_SHIFT.floor();
    let mut bounds = [0.0_f64; 257];
    for (j, b) in bounds.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let e = (j as f64 + fraction) / 256.0;
        *b = e.exp2();
    }
    // Exact where a bound is a power of two seconds, `1e9 / 2^29 * 2^p` ns (the key a multiple
    // of 256), so that 1 s, 0.5 s, 2 s... land in the bucket they bound, as in seconds.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = NANOS_SHIFT.floor() as usize;
    bounds[whole % 256] = 1e9 / f64::from(1_u32 << 29);
    let mut nanos = [0_u64; 1 << CELL_BITS];
    for (cell, word) in nanos.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let mu = 1.0 + cell as f64 / f64::from(1_u32 << CELL_BITS);
        let key = bounds.partition_point(|b| *b < mu);
        // As the kept bits of the shifted integer: `mu * 2^52`, the leading one included.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bound = if bounds[key] >= 2.0 {
            KEPT
        } else {
            (bounds[key] * f64::from(KEPT_BITS - 1).exp2()).floor() as u64
        };
        *word = ((key as u64) << KEPT_BITS) | bound;
    }
    Tables { cells, nanos }
});

impl Tables {
    /// The schema-8 key of `v` (positive, normal).
    #[inline(always)]
    fn key8(&self, v: f64) -> i32 {
        let bits = v.to_bits();
        let mantissa = bits & MANTISSA;
        #[allow(clippy::cast_possible_truncation)]
        let cell = (mantissa >> (MANTISSA_BITS - CELL_BITS)) as usize;
        let word = self.cells[cell];
        #[allow(clippy::cast_possible_truncation)]
        let key = (word >> MANTISSA_BITS) as i32 + i32::from(mantissa > word & MANTISSA);
        #[allow(clippy::cast_possible_truncation)]
        let exponent = ((bits >> MANTISSA_BITS) & 0x7ff) as i32 - 1023;
        exponent * 256 + key
    }

    /// The schema-8 key of `nanos` nanoseconds as seconds (`nanos >= 1`).
    #[inline(always)]
    fn key8_nanos(&self, nanos: u64) -> i32 {
        let zeros = nanos.leading_zeros();
        let shifted = nanos << zeros;
        #[allow(clippy::cast_possible_truncation)]
        let cell = ((shifted >> (64 - 1 - CELL_BITS)) & ((1 << CELL_BITS) - 1)) as usize;
        let word = self.nanos[cell];
        let kept = shifted >> (64 - KEPT_BITS);
        #[allow(clippy::cast_possible_truncation)]
        let key = (word >> KEPT_BITS) as i32 + i32::from(kept > word & KEPT);
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let power = 63 - zeros as i32;
        #[allow(clippy::cast_possible_truncation)]
        let whole = NANOS_SHIFT as i32;
        power * 256 - whole + key
    }
}

/// `key` at a schema `shift` steps coarser: `ceil(key / 2^shift)`.
#[inline(always)]
fn coarser(key: i32, shift: u32) -> i32 {
    (key + (1 << shift) - 1) >> shift
}

/// A window's words: the sequence lock; the layout, as the call path uses it (the key of the
/// first bucket at the window's schema, how many steps the schema is below 8, and the bias that
/// makes the shift round up); the zero bucket; then the buckets.
const SEQ: usize = 0;
const OFFSET: usize = 1;
const SHIFT: usize = 2;
const BIAS: usize = 3;
const ZERO: usize = 4;
const FIRST: usize = 5;
/// The offset of a window with no bucket yet: every key is out of it, by far.
#[allow(clippy::cast_sign_loss)]
const UNPLACED: u64 = (i64::MIN / 2) as u64;

/// A window's schema and first key, if it has been placed.
fn layout(window: &[AtomicU64]) -> Option<(i8, i32)> {
    let offset = window[OFFSET].load(Ordering::Relaxed);
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    (offset != UNPLACED).then(|| {
        let shift = window[SHIFT].load(Ordering::Relaxed) as i8;
        (MAX_SCHEMA - shift, offset as i64 as i32)
    })
}

fn set_layout(window: &[AtomicU64], schema: i8, offset: i32) {
    #[allow(clippy::cast_sign_loss)]
    let shift = (MAX_SCHEMA - schema) as u64;
    #[allow(clippy::cast_sign_loss)]
    window[OFFSET].store(i64::from(offset) as u64, Ordering::Relaxed);
    window[SHIFT].store(shift, Ordering::Relaxed);
    window[BIAS].store((1 << shift) - 1, Ordering::Relaxed);
}

/// One reading of native buckets: what a scrape exposes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct NativeSnapshot {
    pub schema: i8,
    pub zero_count: u64,
    /// `(key, count)` of each bucket with a count, by key.
    pub buckets: Vec<(i32, u64)>,
}

/// The native buckets of one histogram series.
pub(crate) struct NativeBuckets {
    layout: NativeLayout,
    tables: &'static Tables,
    /// One window per owned thread number, each allocated at its first record.
    windows: Box<[OnceLock<Box<[AtomicU64]>>]>,
    /// The window of the threads past the owned numbers.
    shared_window: OnceLock<Box<[AtomicU64]>>,
    /// Held by every writer of the shared window, and by a scrape reading it.
    shared: Mutex<()>,
}

impl std::fmt::Debug for NativeBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeBuckets")
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl NativeBuckets {
    pub(crate) fn new(layout: NativeLayout) -> Self {
        debug_assert!((MIN_SCHEMA..=MAX_SCHEMA).contains(&layout.schema));
        debug_assert!(layout.max_buckets >= MIN_NATIVE_BUCKETS);
        Self {
            layout,
            tables: &TABLES,
            windows: (0..owners::owned()).map(|_| OnceLock::new()).collect(),
            shared_window: OnceLock::new(),
            shared: Mutex::new(()),
        }
    }

    /// Counts a duration of `nanos` nanoseconds, in the window of thread number `n`
    /// ([`owners::mine`]).
    #[inline(always)]
    pub(crate) fn record_nanos(&self, n: usize, nanos: u64) {
        if nanos == 0 {
            self.slow(n, None);
        } else {
            self.add_at(n, self.tables.key8_nanos(nanos));
        }
    }

    /// Counts `value` (seconds) in the window of thread number `n`: at or below the zero
    /// threshold (a zero duration, or a negative or NaN value that a duration never is) in the
    /// zero bucket.
    #[inline]
    pub(crate) fn record(&self, n: usize, value: f64) {
        // `!(v > t)` also sends NaN to the zero bucket, so that the count still adds up.
        if value > ZERO_THRESHOLD && value.is_finite() {
            // Within the range of durations in nanoseconds, so that any values fit
            // `MIN_NATIVE_BUCKETS` buckets at the coarsest schema; a value from the facade
            // beyond it (1e300 seconds) is counted at its edge.
            let key8 = self.tables.key8(value).clamp(MIN_KEY8, MAX_KEY8);
            self.add_at(n, key8);
        } else {
            self.slow(n, None);
        }
    }

    /// Counts `key8` (schema 8) in thread `n`'s window: the call path's few instructions when
    /// the thread owns a window that holds the key.
    #[inline(always)]
    fn add_at(&self, n: usize, key8: i32) {
        // A thread past the owned numbers (its `n` is the shared run's) finds none here.
        if let Some(window) = self.windows.get(n).and_then(OnceLock::get)
            && let Some([_, offset, shift, bias, _]) = window.first_chunk::<FIRST>()
        {
            let offset = offset.load(Ordering::Relaxed);
            let shift = shift.load(Ordering::Relaxed);
            let bias = bias.load(Ordering::Relaxed);
            // In `u64`, wrapping: a key below the window becomes a huge index.
            #[allow(clippy::cast_sign_loss)]
            let key = ((i64::from(key8) as u64).wrapping_add(bias) as i64 >> shift) as u64;
            let i = key.wrapping_sub(offset);
            #[allow(clippy::cast_possible_truncation)]
            if let Some(slot) = window[FIRST..].get(i as usize) {
                bump(slot);
                return;
            }
        }
        self.slow(n, Some(key8));
    }

    /// Everything off the call path: the zero bucket, a window's first record, a key outside
    /// the window, the shared window.
    #[cold]
    #[inline(never)]
    fn slow(&self, n: usize, key8: Option<i32>) {
        let (cell, shared) = match self.windows.get(n) {
            Some(cell) => (cell, false),
            None => (&self.shared_window, true),
        };
        let window = cell.get_or_init(|| {
            let window: Box<[AtomicU64]> = (0..FIRST + self.layout.max_buckets)
                .map(|_| AtomicU64::new(0))
                .collect();
            window[OFFSET].store(UNPLACED, Ordering::Relaxed);
            window
        });
        let _guard = shared.then(|| self.shared.lock_unpoisoned());
        match key8 {
            None => bump(&window[ZERO]),
            Some(key8) => self.add_locked(window, key8),
        }
    }

    /// Adds one to `key8`'s bucket, moving the window first if it must. Only one thread at a
    /// time calls it per window: its owner, or the shared window's lock holder.
    fn add_locked(&self, window: &[AtomicU64], key8: i32) {
        if let Some((schema, offset)) = layout(window) {
            #[allow(clippy::cast_sign_loss)]
            let key = coarser(key8, (MAX_SCHEMA - schema) as u32);
            if let Some(slot) = key
                .checked_sub(offset)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| window[FIRST..].get(i))
            {
                bump(slot);
                return;
            }
        }
        self.rewrite(window, key8);
    }

    /// Moves the window, and coarsens it as much as needed, so that it holds `key8` and every
    /// count it has; then counts `key8`.
    #[cold]
    #[inline(never)]
    fn rewrite(&self, window: &[AtomicU64], key8: i32) {
        let max = self.layout.max_buckets;
        let old = layout(window);
        let mut counts: Vec<(i32, u64)> = match old {
            Some((_, offset)) => window[FIRST..]
                .iter()
                .zip(offset..)
                .map(|(c, k)| (k, c.load(Ordering::Relaxed)))
                .filter(|(_, c)| *c > 0)
                .collect(),
            None => Vec::new(),
        };
        let mut schema = old.map_or(self.layout.schema, |(s, _)| s);
        #[allow(clippy::cast_sign_loss)]
        let mut key = coarser(key8, (MAX_SCHEMA - schema) as u32);
        counts.push((key, 0));
        let (lo, hi) = fit(&mut counts, &mut schema, max);
        #[allow(clippy::cast_sign_loss)]
        {
            key = coarser(key8, (MAX_SCHEMA - schema) as u32);
        }
        // The values seen in the middle, room to move on either side.
        let free = i32::try_from(max).unwrap_or(i32::MAX) - (hi - lo + 1);
        let offset = lo - free / 2;
        let seq = window[SEQ].load(Ordering::Relaxed);
        window[SEQ].store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        for slot in &window[FIRST..] {
            slot.store(0, Ordering::Relaxed);
        }
        for (k, c) in counts {
            #[allow(clippy::cast_sign_loss)]
            window[FIRST + (k - offset) as usize].fetch_add(c, Ordering::Relaxed);
        }
        #[allow(clippy::cast_sign_loss)]
        bump(&window[FIRST + (key - offset) as usize]);
        set_layout(window, schema, offset);
        window[SEQ].store(seq.wrapping_add(2), Ordering::Release);
    }

    /// Every window's buckets at one schema, coarsened until they fit `max_buckets`.
    pub(crate) fn snapshot(&self) -> NativeSnapshot {
        // One list for every window's non-empty buckets, each window's part at its own schema.
        let mut buckets = Vec::new();
        let mut parts = Vec::new();
        let mut zero_count = 0_u64;
        let mut take = |window: &[AtomicU64], buckets: &mut Vec<(i32, u64)>| {
            let start = buckets.len();
            let (schema, zero) = read(window, buckets);
            zero_count = zero_count.wrapping_add(zero);
            if let Some(schema) = schema {
                parts.push((schema, start..buckets.len()));
            }
        };
        for window in self.windows.iter().filter_map(OnceLock::get) {
            take(window, &mut buckets);
        }
        if let Some(window) = self.shared_window.get() {
            let _guard = self.shared.lock_unpoisoned();
            take(window, &mut buckets);
        }
        let mut schema = parts
            .iter()
            .map(|(s, _)| *s)
            .min()
            .unwrap_or(self.layout.schema);
        for (s, range) in parts {
            #[allow(clippy::cast_sign_loss)]
            let shift = (s - schema) as u32;
            for (k, _) in &mut buckets[range] {
                *k = coarser(*k, shift);
            }
        }
        if !buckets.is_empty() {
            fit(&mut buckets, &mut schema, self.layout.max_buckets);
        }
        NativeSnapshot {
            schema,
            zero_count,
            buckets,
        }
    }
}

/// A plain add: one thread at a time writes a window.
#[inline(always)]
fn bump(slot: &AtomicU64) {
    slot.store(
        slot.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Coarsens `(key, count)` pairs at `schema` until their keys span at most `max` buckets;
/// merges equal keys and sorts them. Returns the lowest and highest key.
fn fit(counts: &mut Vec<(i32, u64)>, schema: &mut i8, max: usize) -> (i32, i32) {
    loop {
        counts.sort_unstable_by_key(|(k, _)| *k);
        counts.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 = a.1.wrapping_add(b.1);
            }
            same
        });
        let (lo, hi) = (counts[0].0, counts[counts.len() - 1].0);
        #[allow(clippy::cast_sign_loss)]
        if ((hi - lo) as usize) < max || *schema == MIN_SCHEMA {
            return (lo, hi);
        }
        *schema -= 1;
        for (k, _) in counts.iter_mut() {
            *k = coarser(*k, 1);
        }
    }
}

/// Appends `window`'s non-empty buckets, `(key, count)` at its schema, to `out`, read under its
/// sequence lock; returns the schema (if the window is placed) and the zero bucket's count.
fn read(window: &[AtomicU64], out: &mut Vec<(i32, u64)>) -> (Option<i8>, u64) {
    let start = out.len();
    loop {
        let before = window[SEQ].load(Ordering::Acquire);
        if before % 2 == 1 {
            std::hint::spin_loop();
            continue;
        }
        let layout = layout(window);
        let zero = window[ZERO].load(Ordering::Relaxed);
        if let Some((_, offset)) = layout {
            out.extend(
                window[FIRST..]
                    .iter()
                    .zip(offset..)
                    .map(|(c, k)| (k, c.load(Ordering::Relaxed)))
                    .filter(|(_, c)| *c > 0),
            );
        }
        fence(Ordering::Acquire);
        if window[SEQ].load(Ordering::Relaxed) == before {
            return (layout.map(|(schema, _)| schema), zero);
        }
        out.truncate(start);
    }
}

/// The upper bound of bucket `key` at `schema`, in seconds.
#[cfg(test)]
fn upper_bound(schema: i8, key: i32) -> f64 {
    (f64::from(key) * (-f64::from(schema)).exp2()).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(schema: i8, max_buckets: usize) -> NativeLayout {
        NativeLayout {
            schema,
            max_buckets,
        }
    }

    /// The key by definition: the smallest `k` with `v <= 2^(k/2^schema)`.
    fn key_by_log(v: f64, schema: i8) -> i32 {
        let scaled = v.log2() * f64::from(schema).exp2();
        #[allow(clippy::cast_possible_truncation)]
        let mut k = scaled.ceil() as i32;
        // `log2` rounds: settle the edges against the bounds themselves.
        while upper_bound(schema, k - 1) >= v {
            k -= 1;
        }
        while upper_bound(schema, k) < v {
            k += 1;
        }
        k
    }

    #[test]
    fn keys_match_their_definition() {
        let mut v = 1e-9;
        while v < 1e4 {
            assert_eq!(TABLES.key8(v), key_by_log(v, 8), "{v}");
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let nanos = (v * 1e9).round() as u64;
            #[allow(clippy::cast_precision_loss)]
            let exact = key_by_log(nanos as f64 * 1e-9, 8);
            assert_eq!(TABLES.key8_nanos(nanos), exact, "{nanos} ns");
            for schema in MIN_SCHEMA..=MAX_SCHEMA {
                #[allow(clippy::cast_sign_loss)]
                let shift = (MAX_SCHEMA - schema) as u32;
                assert_eq!(coarser(TABLES.key8(v), shift), key_by_log(v, schema));
            }
            v *= 1.000_7;
        }
        // A power of two is its bucket's upper bound.
        assert_eq!(TABLES.key8(1.0), 0);
        assert_eq!(TABLES.key8(0.5), -256);
        assert_eq!(TABLES.key8(0.500_000_1), -255);
        // In nanoseconds too, from 2^-9 s to 2^20 s.
        for p in -9..=20 {
            let nanos = (1e9 * f64::from(p).exp2()) as u64;
            assert_eq!(TABLES.key8_nanos(nanos), p * 256, "{nanos} ns");
            assert_eq!(TABLES.key8_nanos(nanos + 1), p * 256 + 1, "{nanos} + 1 ns");
        }
    }

    #[test]
    fn counts_land_in_their_buckets_and_zero() {
        let h = NativeBuckets::new(layout(3, 160));
        for v in [0.0, -1.0, f64::NAN, 1.0, 1.0, 0.1, 2.5] {
            h.record(owners::mine(), v);
        }
        let s = h.snapshot();
        assert_eq!(s.schema, 3);
        assert_eq!(s.zero_count, 3);
        assert_eq!(
            s.buckets,
            vec![(key_by_log(0.1, 3), 1), (0, 2), (key_by_log(2.5, 3), 1)]
        );
    }

    #[test]
    fn nanoseconds_land_where_their_seconds_do() {
        let h = NativeBuckets::new(layout(8, 4096));
        let n = owners::mine();
        for nanos in [
            0,
            1,
            999,
            1_000_000,
            1_000_000_000,
            1_000_000_001,
            3_600_000_000_000,
        ] {
            h.record_nanos(n, nanos);
        }
        let s = h.snapshot();
        assert_eq!(s.zero_count, 1);
        let keys: Vec<i32> = s.buckets.iter().map(|(k, _)| *k).collect();
        #[allow(clippy::cast_precision_loss)]
        let mut expected: Vec<i32> = [
            1,
            999,
            1_000_000,
            1_000_000_000,
            1_000_000_001,
            3_600_000_000_000_u64,
        ]
        .iter()
        .map(|n| key_by_log(*n as f64 * 1e-9, s.schema))
        .collect();
        expected.dedup();
        assert_eq!(keys, expected);
        assert_eq!(keys[3], 0, "1 s bounds bucket 0");
        // 1 ns to an hour is 42 powers of two: 4,096 buckets hold them at schema 6.
        assert_eq!(s.schema, 6);
    }

    #[test]
    fn any_values_fit_the_fewest_buckets() {
        let h = NativeBuckets::new(layout(8, MIN_NATIVE_BUCKETS));
        let n = owners::mine();
        for v in [1e-300, 1e-30, 1e-9, 1.0, 1e9, 1e300, f64::MAX] {
            h.record(n, v);
        }
        h.record_nanos(n, 1);
        h.record_nanos(n, u64::MAX);
        let s = h.snapshot();
        assert_eq!(s.schema, MIN_SCHEMA);
        // 1e-300 is below the zero threshold.
        assert_eq!(s.zero_count, 1);
        assert_eq!(s.buckets.iter().map(|(_, c)| c).sum::<u64>(), 8);
        let (lo, hi) = (s.buckets[0].0, s.buckets[s.buckets.len() - 1].0);
        assert!(
            usize::try_from(hi - lo).unwrap() < MIN_NATIVE_BUCKETS,
            "{s:?}"
        );
    }

    #[test]
    fn a_wide_range_halves_the_resolution_until_it_fits() {
        let h = NativeBuckets::new(layout(8, 16));
        // 1 ns to 100 s: 37 powers of two, which 16 buckets hold from schema -2 on.
        let values = [1e-9, 1e-6, 1e-3, 1.0, 100.0];
        for v in values {
            h.record(owners::mine(), v);
        }
        let s = h.snapshot();
        assert_eq!(s.schema, -2);
        let expected: Vec<(i32, u64)> = values.iter().map(|v| (key_by_log(*v, -2), 1)).collect();
        assert_eq!(s.buckets, expected);
        let (lo, hi) = (s.buckets[0].0, s.buckets[s.buckets.len() - 1].0);
        assert!(usize::try_from(hi - lo).unwrap() < 16);
    }

    #[test]
    fn the_window_moves_to_follow_values_without_losing_counts() {
        let h = NativeBuckets::new(layout(3, 8));
        for _ in 0..5 {
            h.record(owners::mine(), 1.0);
        }
        // 1.0 and 2.0 are 8 buckets apart at schema 3, 4 at schema 2: the window halves.
        h.record(owners::mine(), 2.0);
        h.record(owners::mine(), 0.6);
        let s = h.snapshot();
        assert_eq!(s.schema, 2);
        assert_eq!(s.buckets, vec![(key_by_log(0.6, 2), 1), (0, 5), (4, 1)]);
    }

    #[test]
    fn threads_merge_at_the_coarsest_schema_among_them() {
        let h = std::sync::Arc::new(NativeBuckets::new(layout(4, 10)));
        let wide = {
            let h = h.clone();
            std::thread::spawn(move || {
                h.record(owners::mine(), 0.001);
                h.record(owners::mine(), 1.0);
            })
        };
        wide.join().unwrap();
        h.record(owners::mine(), 0.5);
        let s = h.snapshot();
        // 1 ms to 1 s is 10 powers of two: 10 buckets hold them at schema 0, not finer; this
        // thread's window, at schema 4, is coarsened to it.
        assert_eq!(s.schema, 0);
        assert_eq!(s.buckets, vec![(key_by_log(0.001, 0), 1), (-1, 1), (0, 1)]);
    }

    #[test]
    fn memory_is_one_window_per_recording_thread() {
        let h = NativeBuckets::new(layout(3, 160));
        assert!(h.windows.iter().all(|w| w.get().is_none()) && h.shared_window.get().is_none());
        h.record(owners::mine(), 1.0);
        h.record(owners::mine(), 2.0);
        // What docs/performance.md states: 160 buckets and 5 words, 1,320 bytes, per thread
        // that records; nothing for the others.
        let allocated: Vec<usize> = h
            .windows
            .iter()
            .chain([&h.shared_window])
            .filter_map(|w| w.get())
            .map(|w| std::mem::size_of_val(&**w))
            .collect();
        assert_eq!(allocated, vec![1_320]);
        assert_eq!(h.windows.len(), owners::owned());
    }

    #[test]
    fn concurrent_records_and_scrapes_lose_no_count() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        // More threads than owned numbers, so the shared window is written too; values spread
        // over 13 powers of two in 16 buckets, so windows move and coarsen while being read.
        let threads = owners::owned() + 4;
        let per_thread = 200_000_u64;
        let h = Arc::new(NativeBuckets::new(layout(8, 16)));
        let done = Arc::new(AtomicBool::new(false));
        let scraper = {
            let (h, done) = (h.clone(), done.clone());
            std::thread::spawn(move || {
                let mut scrapes = 0;
                while !done.load(Ordering::Relaxed) {
                    let s = h.snapshot();
                    let total: u64 = s.zero_count + s.buckets.iter().map(|(_, c)| c).sum::<u64>();
                    assert!(total <= threads as u64 * per_thread);
                    assert!(
                        s.buckets.windows(2).all(|w| w[0].0 < w[1].0),
                        "sorted, merged"
                    );
                    scrapes += 1;
                }
                scrapes
            })
        };
        // All alive at once before any records: the ones past the owned numbers share.
        let barrier = Arc::new(std::sync::Barrier::new(threads));
        let writers: Vec<_> = (0..threads)
            .map(|t| {
                let (h, barrier) = (h.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let n = owners::mine();
                    barrier.wait();
                    for i in 0..per_thread {
                        // 1 µs to 8 ms, a different walk per thread; every 1000th a zero.
                        let nanos = if i % 1000 == 0 {
                            0
                        } else {
                            1_000 << ((i + t as u64) % 13)
                        };
                        h.record_nanos(n, nanos);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        assert!(scraper.join().unwrap() > 0);
        assert!(
            h.shared_window.get().is_some(),
            "the shared window was written"
        );
        let s = h.snapshot();
        let total: u64 = s.zero_count + s.buckets.iter().map(|(_, c)| c).sum::<u64>();
        assert_eq!(total, threads as u64 * per_thread);
        assert_eq!(s.zero_count, threads as u64 * per_thread / 1000);
        let (lo, hi) = (s.buckets[0].0, s.buckets[s.buckets.len() - 1].0);
        assert!(usize::try_from(hi - lo).unwrap() < 16, "{s:?}");
    }
}
