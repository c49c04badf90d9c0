//! A counter with a run per thread: a call site's error counters, and every counter registered
//! through vitalsign's recorder.

use std::sync::{Arc, OnceLock};

use super::histogram::BucketHistogram;
use super::shards::Sharded;

/// A counter with a run per thread.
#[derive(Debug)]
pub(crate) struct ShardedCounter {
    shards: Sharded,
    /// A call site's duration histogram, whose count this counter also reports: every finished
    /// call is one histogram record, so the call path need not add to a second series.
    calls_of: OnceLock<Arc<BucketHistogram>>,
}

impl ShardedCounter {
    pub(crate) fn new() -> Self {
        Self {
            shards: Sharded::new(1),
            calls_of: OnceLock::new(),
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
