//! The storage metrics-util's registry creates for each new series: vitalsign's sharded
//! counters and fixed-bucket histograms, with the bounds each family was declared with, and
//! native buckets beside a duration's where the settings ask.

use std::collections::HashMap;
use std::sync::Arc;

use metrics::Key;
use metrics::atomics::AtomicU64;

use crate::storage::{BucketHistogram, NativeLayout, ShardedCounter};

/// Creates series storage; histograms get the bounds their family was declared with.
#[derive(Debug)]
pub(crate) struct Storage {
    bounds: HashMap<String, Arc<[f64]>>,
    default_bounds: Arc<[f64]>,
    /// Native buckets for duration histograms, when the settings turn them on.
    native: Option<NativeLayout>,
}

impl Storage {
    pub(crate) fn new(
        bounds: HashMap<String, Arc<[f64]>>,
        default_bounds: Arc<[f64]>,
        native: Option<NativeLayout>,
    ) -> Self {
        Self {
            bounds,
            default_bounds,
            native,
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
        // Durations only: their values are never negative, which native buckets here assume.
        let native = self.native.filter(|_| key.name().ends_with("_seconds"));
        Arc::new(BucketHistogram::new(bounds.clone(), native))
    }
}
