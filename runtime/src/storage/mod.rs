//! What one series holds, and where a bound call site finds its series.
//!
//! Histograms are fixed buckets and counters per-thread shards: a record is a few relaxed adds
//! into this thread's cache lines, and memory stays the same however many calls happen between
//! scrapes. This room is part of the minimal feature set: a library crate's call sites record
//! into it, and the recorder that a binary installs (feature `exporter`) owns and renders it.

mod counter;
mod histogram;
mod shards;

use std::sync::{Arc, OnceLock};

use metrics::Key;

pub(crate) use counter::ShardedCounter;
pub(crate) use histogram::{BucketHistogram, HistogramSnapshot};

/// Series storage that call sites can record into directly, without the `metrics` handles'
/// dynamic dispatch: vitalsign's recorder, once installed. Asked only when a site binds, never
/// per call.
pub(crate) trait SeriesStore: Send + Sync + 'static {
    /// The counter series `key`, created if new.
    fn counter(&self, key: &Key) -> Arc<ShardedCounter>;
    /// The histogram series `key`, created if new.
    fn histogram(&self, key: &Key) -> Arc<BucketHistogram>;
}

static DIRECT: OnceLock<Arc<dyn SeriesStore>> = OnceLock::new();

/// Makes `store` the target of call sites that bind from now on. Set once: the recorder
/// `install()` made global.
pub(crate) fn set_direct(store: Arc<dyn SeriesStore>) {
    let _ = DIRECT.set(store);
}

/// The store call sites record into directly, if one is installed.
#[inline]
pub(crate) fn direct() -> Option<&'static dyn SeriesStore> {
    DIRECT.get().map(|s| &**s)
}
