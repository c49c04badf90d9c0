//! A counter with a run per thread: a call site's error counters, and every counter registered
//! through vitalsign's recorder.

use std::sync::{Arc, OnceLock};

use super::exemplar::{Exemplar, Exemplars};
use super::histogram::BucketHistogram;
use super::shards::{Run, Sharded};

/// A counter with a run per thread.
#[derive(Debug)]
pub(crate) struct ShardedCounter {
    shards: Sharded,
    /// A call site's duration histogram, whose count this counter also reports: every finished
    /// call is one histogram record, so the call path need not add to a second series.
    calls_of: OnceLock<Arc<BucketHistogram>>,
    /// A recent increment's call, for a call site's error counter (set when it is made).
    exemplar: OnceLock<Exemplars>,
    /// When the series came to exist, in Unix seconds.
    created: f64,
}

impl ShardedCounter {
    pub(crate) fn new() -> Self {
        Self {
            shards: Sharded::new(1),
            calls_of: OnceLock::new(),
            exemplar: OnceLock::new(),
            created: super::created_now(),
        }
    }

    /// When the series came to exist, in Unix seconds.
    pub(crate) fn created(&self) -> f64 {
        self.created
    }

    /// Keeps an exemplar from now on, replaced at most once per `every_ticks` of the call
    /// path's clock.
    pub(crate) fn keep_exemplar(&self, every_ticks: u64) {
        self.exemplar.get_or_init(|| Exemplars::new(1, every_ticks));
    }

    /// The exemplar, if one is kept and a call has left one.
    pub(crate) fn exemplar(&self) -> Option<Exemplar> {
        self.exemplar.get().and_then(|e| e.read()[0])
    }

    /// This thread's run and the exemplar, found ahead of an add: the call path finds them
    /// before it reads the clock at a call's end (see `BucketHistogram::record_call`).
    #[inline]
    pub(crate) fn prepare(&self) -> PreparedAdd<'_> {
        PreparedAdd {
            run: self.shards.local(),
            exemplar: self.exemplar.get(),
        }
    }

    /// The counter's value.
    pub(crate) fn value(&self) -> u64 {
        let mirrored = self.calls_of.get().map_or(0, |h| h.count());
        self.shards.sum(0).wrapping_add(mirrored)
    }

    /// Makes this counter count `histogram`'s records too (a call site's `_total` and its
    /// `_duration_seconds`). The first histogram given stays.
    pub(crate) fn count_records_of(&self, histogram: &Arc<BucketHistogram>) {
        let _ = self.calls_of.set(histogram.clone());
    }

    /// Adds `value`: the call path's error counters use this directly, without the `metrics`
    /// handle's dynamic dispatch.
    #[inline]
    pub(crate) fn add(&self, value: u64) {
        self.shards.local().add(0, value);
    }
}

/// A counter's add with its run already found: [`ShardedCounter::prepare`].
#[derive(Clone, Copy)]
pub(crate) struct PreparedAdd<'a> {
    run: Run<'a>,
    exemplar: Option<&'a Exemplars>,
}

impl PreparedAdd<'_> {
    /// Adds one for a call of `ticks` that ended at `now`, offering it as the exemplar.
    #[inline]
    pub(crate) fn add_call(self, ticks: u64, now: u64) {
        self.run.add(0, 1);
        if let Some(e) = self.exemplar {
            e.offer(0, now, ticks);
        }
    }
}

impl metrics::CounterFn for ShardedCounter {
    #[inline]
    fn increment(&self, value: u64) {
        self.add(value);
    }

    /// Raises the total to `value` (process collectors report totals this way).
    fn absolute(&self, value: u64) {
        let current = self.value();
        if value > current {
            self.add(value - current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::CounterFn;

    #[test]
    fn threads_add_into_their_shards_and_the_sum_is_exact() {
        let c = std::sync::Arc::new(ShardedCounter::new());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || (0..10_000).for_each(|_| c.increment(1)))
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(c.value(), 80_000);
        // Threads that come and go one after another take each other's numbers, and runs,
        // over: nothing is lost in the handover.
        for _ in 0..40 {
            let c = c.clone();
            std::thread::spawn(move || (0..500).for_each(|_| c.increment(1)))
                .join()
                .unwrap();
        }
        assert_eq!(c.value(), 100_000);
        c.absolute(120_000);
        assert_eq!(c.value(), 120_000);
        c.absolute(5);
        assert_eq!(c.value(), 120_000, "absolute never lowers a counter");
    }
}
