//! What one series holds. Histograms are fixed buckets: a record is a bucket increment and a
//! sum update, so memory stays the same however many calls happen between scrapes.
//!
//! Call sites record durations in the call path's raw clock ticks ([`BucketHistogram::record_call`]):
//! the bucket is found by integer comparisons against bounds converted to ticks once, and the
//! sum is an integer add, where a value in seconds would need a compare-and-swap loop on the
//! sum's `f64` bits and a conversion per call. Values recorded through the `metrics` facade
//! keep their own `f64` sum, so any histogram, not only durations, stays exact. Where the
//! settings ask, a duration histogram also keeps native buckets (`native.rs`), fed the same
//! values.

use std::sync::{Arc, OnceLock};

use super::exemplar::{Exemplar, Exemplars};
use super::native::{NativeBuckets, NativeLayout, NativeSnapshot};
use super::owners;
use super::shards::{Run, Sharded};
use crate::clock;
use metrics::HistogramFn;

/// A histogram with fixed upper bounds (Prometheus `le`), counting each bucket separately.
#[derive(Debug)]
pub(crate) struct BucketHistogram {
    bounds: Arc<[f64]>,
    /// The bounds in the clock's ticks, for durations recorded as such: `t <= ticks[i]` exactly
    /// when `t` ticks, in whole nanoseconds, are `<= bounds[i]` seconds.
    ticks: Box<[u64]>,
    /// Per shard: slot `i` counts values in `(bounds[i-1], bounds[i]]`, slot `bounds.len()` the
    /// `+Inf` bucket, then the `f64` sum's bits and the sum of ticks.
    shards: Sharded,
    /// A recent call per bucket, for a call site's duration histogram (set when it binds).
    exemplars: OnceLock<Exemplars>,
    /// Native buckets beside the fixed ones, where the settings ask for them.
    native: Option<NativeBuckets>,
    /// When the series came to exist, in Unix seconds.
    created: f64,
}

/// Whole nanoseconds at or below `seconds` (`seconds >= 0`). A product within a millionth of a
/// nanosecond of an integer is that integer, so that bounds such as `0.005`, which are not exact
/// in binary, still hold exactly 5,000,000 ns.
fn nanos_at_most(seconds: f64) -> u64 {
    let exact = seconds * 1e9;
    let rounded = exact.round();
    // `as` saturates: an infinite or huge bound holds every duration.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    if (exact - rounded).abs() < 1e-6 {
        rounded as u64
    } else {
        exact.floor() as u64
    }
}

/// A consistent-enough reading of a histogram for one scrape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistogramSnapshot {
    /// `(le, cumulative count)` for each finite bound, in order.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum: f64,
    /// A recent call per bucket, `+Inf` last; empty where exemplars are not kept.
    pub exemplars: Vec<Option<Exemplar>>,
    /// The native buckets, where they are kept.
    pub native: Option<NativeSnapshot>,
    /// When the series came to exist, in Unix seconds, where that is known.
    pub created: Option<f64>,
}

impl BucketHistogram {
    /// A histogram with `bounds`, and native buckets laid out as `native` says, if at all.
    pub(crate) fn new(bounds: Arc<[f64]>, native: Option<NativeLayout>) -> Self {
        // 0.0_f64 is all zero bits, so zeroed slots are zero counts and zero sums.
        let shards = Sharded::new(bounds.len() + 3);
        // Every bound reaching here passed `naming::check_buckets` (finite, positive, sorted),
        // at compile time or at install.
        debug_assert!(bounds.iter().all(|b| *b >= 0.0), "{bounds:?}");
        let ticks = bounds
            .iter()
            .map(|b| clock::ticks_at_most(nanos_at_most(*b)))
            .collect();
        Self {
            bounds,
            ticks,
            shards,
            exemplars: OnceLock::new(),
            native: native.map(NativeBuckets::new),
            created: super::created_now(),
        }
    }

    /// Keeps an exemplar per bucket from now on, replaced at most once per `every_ticks` of
    /// the call path's clock.
    pub(crate) fn keep_exemplars(&self, every_ticks: u64) {
        self.exemplars
            .get_or_init(|| Exemplars::new(self.bounds.len() + 1, every_ticks));
    }

    #[inline]
    fn f64_sum_slot(&self) -> usize {
        self.bounds.len() + 1
    }

    #[inline]
    fn ticks_sum_slot(&self) -> usize {
        self.bounds.len() + 2
    }

    /// Records a duration of `ticks` of the call path's clock, with no exemplar.
    #[cfg(test)]
    pub(crate) fn record_ticks(&self, ticks: u64) {
        let n = owners::mine();
        self.count_in(self.shards.run(n), ticks);
        if let Some(native) = &self.native {
            native.record_nanos(n, clock::nanos(ticks));
        }
    }

    /// Records a call that began at `start` (the call path's raw clock), offering it as its
    /// bucket's exemplar; returns its duration in ticks and the clock's reading at its end.
    /// Inlined into the call path (it is a few instructions): a call would cost as much as the
    /// work. The clock is read once this thread's run is found: the loads that find it then
    /// overlap the reading instead of following it, which on the machines measured (see
    /// docs/performance.md) is most of what recording costs. The duration recorded takes in
    /// those few loads.
    #[inline(always)]
    pub(crate) fn record_call(&self, start: u64) -> (u64, u64) {
        // This thread's number, read once for both kinds of buckets.
        let n = owners::mine();
        let run = self.shards.run(n);
        let (ticks, end) = clock::since(start);
        let index = self.count_in(run, ticks);
        if let Some(exemplars) = self.exemplars.get() {
            exemplars.offer(index, end, ticks);
        }
        if let Some(native) = &self.native {
            native.record_nanos(n, clock::nanos(ticks));
        }
        (ticks, end)
    }

    /// Counts `ticks` in its bucket and the sum, in `run`; returns the bucket's index.
    #[inline(always)]
    fn count_in(&self, run: Run<'_>, ticks: u64) -> usize {
        // A linear scan from the smallest bound: its length grows with the logarithm of the
        // duration (bounds are roughly geometric), so a fast call pays one or two comparisons
        // and a slow one a few more, next to its milliseconds.
        let mut index = 0;
        while index < self.ticks.len() && ticks > self.ticks[index] {
            index += 1;
        }
        run.add(index, 1);
        run.add(self.ticks_sum_slot(), ticks);
        index
    }

    /// Values recorded, over every bucket and shard.
    pub(crate) fn count(&self) -> u64 {
        self.shards.sums()[..=self.bounds.len()]
            .iter()
            .fold(0, |a, b| a.wrapping_add(*b))
    }

    /// A reading for one scrape; with `native`, the native buckets too (only the protobuf
    /// exposition carries them, and merging the threads' windows is a scrape's work).
    pub(crate) fn snapshot(&self, native: bool) -> HistogramSnapshot {
        let sums = self.shards.sums();
        let mut cumulative = 0_u64;
        let buckets = self
            .bounds
            .iter()
            .zip(&sums)
            .map(|(bound, n)| {
                cumulative = cumulative.wrapping_add(*n);
                (*bound, cumulative)
            })
            .collect();
        let count = cumulative.wrapping_add(sums[self.bounds.len()]);
        let f64_sum = self.shards.sum_f64(self.f64_sum_slot());
        #[allow(clippy::cast_precision_loss)]
        let ticks_sum = clock::nanos(sums[self.ticks_sum_slot()]) as f64 / 1e9;
        let sum = f64_sum + ticks_sum;
        HistogramSnapshot {
            buckets,
            count,
            sum,
            exemplars: self
                .exemplars
                .get()
                .map(Exemplars::read)
                .unwrap_or_default(),
            native: self
                .native
                .as_ref()
                .filter(|_| native)
                .map(NativeBuckets::snapshot),
            created: Some(self.created),
        }
    }
}

impl HistogramFn for BucketHistogram {
    #[inline]
    fn record(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let index = self.bounds.partition_point(|b| *b < value);
        let n = owners::mine();
        let run = self.shards.run(n);
        run.add(index, 1);
        run.update(self.f64_sum_slot(), |bits| {
            (f64::from_bits(bits) + value).to_bits()
        });
        if let Some(native) = &self.native {
            native.record(n, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_le_buckets() {
        let h = BucketHistogram::new(Arc::from([0.1, 1.0, 10.0]), None);
        for v in [0.05, 0.1, 0.5, 1.0, 5.0, 50.0, f64::NAN] {
            h.record(v);
        }
        let s = h.snapshot(false);
        assert_eq!(s.buckets, vec![(0.1, 2), (1.0, 4), (10.0, 5)]);
        assert_eq!(s.count, 6);
        assert!((s.sum - 56.65).abs() < 1e-9);
    }

    #[test]
    fn tick_records_land_in_the_same_buckets_as_seconds() {
        let bounds: Arc<[f64]> = Arc::from([0.0, 0.000_05, 0.005, 0.1, 2.5]);
        let by_ticks = BucketHistogram::new(bounds.clone(), None);
        let by_seconds = BucketHistogram::new(bounds, None);
        for nanos in [
            0,
            1,
            49_999,
            50_000,
            50_001,
            4_999_999,
            5_000_000,
            5_000_001,
            100_000_000,
            2_500_000_000,
            2_500_000_001,
            1_000_000_000_000,
        ] {
            // The most ticks at a duration, and one more: the two sides of a bound.
            let at = clock::ticks_at_most(nanos);
            for ticks in [at, at + 1] {
                by_ticks.record_ticks(ticks);
                #[allow(clippy::cast_precision_loss)]
                by_seconds.record(clock::nanos(ticks) as f64 / 1e9);
            }
        }
        let (t, s) = (by_ticks.snapshot(false), by_seconds.snapshot(false));
        assert_eq!(t.buckets, s.buckets);
        assert_eq!(t.count, 24);
        assert_eq!(by_ticks.count(), 24);
        // The ticks are summed before their conversion: at most a nanosecond more per record
        // than the sum of the converted records.
        assert!(
            (t.sum - s.sum).abs() <= 24e-9 + s.sum * 1e-14,
            "{} {}",
            t.sum,
            s.sum
        );
    }

    #[test]
    fn facade_and_tick_sums_add_up() {
        let h = BucketHistogram::new(Arc::from([1.0]), None);
        h.record(0.25);
        h.record_ticks(clock::ticks_at_most(500_000_000));
        let s = h.snapshot(false);
        assert_eq!(s.count, 2);
        assert!((s.sum - 0.75).abs() < 1e-9);
    }

    #[test]
    fn bounds_convert_to_whole_nanoseconds_at_or_below() {
        assert_eq!(nanos_at_most(0.005), 5_000_000);
        assert_eq!(nanos_at_most(0.1), 100_000_000);
        assert_eq!(nanos_at_most(1.5e-9), 1);
        assert_eq!(nanos_at_most(f64::INFINITY), u64::MAX);
    }
}
