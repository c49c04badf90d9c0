//! Per-thread shards, so that threads recording into one series do not fight over one cache
//! line. A series keeps one slot run per shard in a single allocation, each run followed by a
//! cache line of padding; a thread always writes the shard it was given on first use, and a
//! render sums the shards.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use metrics::atomics::AtomicU64;

use super::storage::BucketHistogram;

/// Words (of 8 bytes) kept between two shards' slots: one 64-byte cache line.
const GAP_WORDS: usize = 8;

/// Shards per series: twice the machine's parallelism, as a power of two, at most 16 (twice, so
/// that two busy threads rarely share one).
pub(crate) fn count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        (cores * 2).next_power_of_two().min(16)
    })
}

/// This thread's number, given on first use; a series maps it onto its shards.
#[inline]
fn mine() -> usize {
    // Const-initialized and without a destructor, so a read is one thread-local load: no lazy
    // initialization state to check on every call.
    thread_local! {
        static MINE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    let i = MINE.get();
    if i == usize::MAX { assign(&MINE) } else { i }
}

#[cold]
fn assign(key: &'static std::thread::LocalKey<Cell<usize>>) -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    // Never `usize::MAX`, the "not yet" mark.
    let i = NEXT.fetch_add(1, Ordering::Relaxed) & (usize::MAX >> 1);
    key.set(i);
    i
}

/// `slots` words per shard, shards apart by at least a cache line.
pub(crate) struct Sharded {
    words: Box<[AtomicU64]>,
    stride: usize,
    slots: usize,
    /// `count() - 1`, kept here so that finding a shard reads nothing global.
    mask: usize,
}

impl std::fmt::Debug for Sharded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharded")
            .field("slots", &self.slots)
            .field("shards", &count())
            .finish()
    }
}

impl Sharded {
    pub(crate) fn new(slots: usize, initial: u64) -> Self {
        let stride = slots + GAP_WORDS;
        let words = (0..stride * count())
            .map(|_| AtomicU64::new(initial))
            .collect();
        Self {
            words,
            stride,
            slots,
            mask: count() - 1,
        }
    }

    /// This thread's run of slots.
    #[inline]
    pub(crate) fn local(&self) -> &[AtomicU64] {
        let start = (mine() & self.mask) * self.stride;
        &self.words[start..start + self.slots]
    }

    /// Every shard's run of slots.
    pub(crate) fn all(&self) -> impl Iterator<Item = &[AtomicU64]> {
        self.words.chunks(self.stride).map(|run| &run[..self.slots])
    }

    /// Slot `i` summed over the shards.
    pub(crate) fn sum(&self, i: usize) -> u64 {
        self.all()
            .map(|run| run[i].load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

/// A counter sharded per thread.
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
            shards: Sharded::new(1, 0),
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
        self.shards.local()[0].fetch_add(value, Ordering::Relaxed);
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
        c.absolute(100_000);
        assert_eq!(c.value(), 100_000);
        c.absolute(5);
        assert_eq!(c.value(), 100_000, "absolute never lowers a counter");
    }
}
