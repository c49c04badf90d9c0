//! What one series holds. Histograms are fixed buckets: a record is a bucket increment and a
//! sum update, so memory stays the same however many calls happen between scrapes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use metrics::atomics::AtomicU64;
use metrics::{HistogramFn, Key};

/// A histogram with fixed upper bounds (Prometheus `le`), counting each bucket separately.
#[derive(Debug)]
pub(crate) struct BucketHistogram {
    bounds: Arc<[f64]>,
    /// `counts[i]` counts values in `(bounds[i-1], bounds[i]]`; the last slot is `+Inf`.
    counts: Box<[AtomicU64]>,
    sum_bits: AtomicU64,
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
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Self {
            bounds,
            counts,
            sum_bits: AtomicU64::new(0.0_f64.to_bits()),
        }
    }

    pub(crate) fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(self.bounds.len());
        for (bound, count) in self.bounds.iter().zip(self.counts.iter()) {
            cumulative += count.load(Ordering::Relaxed);
            buckets.push((*bound, cumulative));
        }
        let count = cumulative + self.counts[self.bounds.len()].load(Ordering::Relaxed);
        let sum = f64::from_bits(self.sum_bits.load(Ordering::Relaxed));
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
        self.counts[index].fetch_add(1, Ordering::Relaxed);
        let _ = self
            .sum_bits
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
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
    type Counter = Arc<AtomicU64>;
    type Gauge = Arc<AtomicU64>;
    type Histogram = Arc<BucketHistogram>;

    fn counter(&self, _: &Key) -> Self::Counter {
        Arc::new(AtomicU64::new(0))
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
