//! What one series holds. Histograms are fixed buckets: a record is a bucket increment and a
//! sum update, so memory stays the same however many calls happen between scrapes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use metrics::atomics::AtomicU64;

use super::shards::{Sharded, ShardedCounter};
use metrics::{HistogramFn, Key};

/// A histogram with fixed upper bounds (Prometheus `le`), counting each bucket separately.
#[derive(Debug)]
pub(crate) struct BucketHistogram {
    bounds: Arc<[f64]>,
    /// Per shard: slot `i` counts values in `(bounds[i-1], bounds[i]]`, slot `bounds.len()` the
    /// `+Inf` bucket, and the last slot holds the sum's bits.
    shards: Sharded,
}

/// A consistent-enough reading of a histogram for one scrape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistogramSnapshot {
    /// `(le, cumulative count)` for each finite bound, in order.
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
    pub sum: f64,
}

impl BucketHistogram {
    pub(crate) fn new(bounds: Arc<[f64]>) -> Self {
        // 0.0_f64 is all zero bits, so zeroed slots are zero counts and a zero sum.
        let shards = Sharded::new(bounds.len() + 2, 0);
        Self { bounds, shards }
    }

    pub(crate) fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(self.bounds.len());
        for (i, bound) in self.bounds.iter().enumerate() {
            cumulative += self.shards.sum(i);
            buckets.push((*bound, cumulative));
        }
        let count = cumulative + self.shards.sum(self.bounds.len());
        let sum_slot = self.bounds.len() + 1;
        let sum = self
            .shards
            .all()
            .map(|run| f64::from_bits(run[sum_slot].load(Ordering::Relaxed)))
            .sum();
        HistogramSnapshot {
            buckets,
            count,
            sum,
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
        let run = self.shards.local();
        run[index].fetch_add(1, Ordering::Relaxed);
        // Only this thread's shard: the update loop meets no contention.
        let _ =
            run[self.bounds.len() + 1].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
    }
}

/// Creates series storage; histograms get the bounds their family was declared with.
#[derive(Debug)]
pub(crate) struct Storage {
    bounds: HashMap<String, Arc<[f64]>>,
    default_bounds: Arc<[f64]>,
}

impl Storage {
    pub(crate) fn new(bounds: HashMap<String, Arc<[f64]>>, default_bounds: Arc<[f64]>) -> Self {
        Self {
            bounds,
            default_bounds,
        }
    }
}

impl metrics_util::registry::Storage<Key> for Storage {
    type Counter = Arc<ShardedCounter>;
    type Gauge = Arc<AtomicU64>;
    type Histogram = Arc<BucketHistogram>;

    fn counter(&self, _: &Key) -> Self::Counter {
        Arc::new(ShardedCounter::new())
    }

    fn gauge(&self, _: &Key) -> Self::Gauge {
        Arc::new(AtomicU64::new(0.0_f64.to_bits()))
    }

    fn histogram(&self, key: &Key) -> Self::Histogram {
        let bounds = self.bounds.get(key.name()).unwrap_or(&self.default_bounds);
        Arc::new(BucketHistogram::new(bounds.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_le_buckets() {
        let h = BucketHistogram::new(Arc::from([0.1, 1.0, 10.0]));
        for v in [0.05, 0.1, 0.5, 1.0, 5.0, 50.0, f64::NAN] {
            h.record(v);
        }
        let s = h.snapshot();
        assert_eq!(s.buckets, vec![(0.1, 2), (1.0, 4), (10.0, 5)]);
        assert_eq!(s.count, 6);
        assert!((s.sum - 56.65).abs() < 1e-9);
    }
}
