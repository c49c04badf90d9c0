//! What one series holds, and where a bound call site finds its series.
//!
//! Histograms are fixed buckets and counters, and both keep a run of slots per thread: a
//! record is a few plain adds into cache lines that only this thread writes, and memory stays
//! the same however many calls happen between scrapes; native buckets, where asked for, keep a
//! window per thread the same way. This room is part of the minimal feature set: a library
//! crate's call sites record into it, and the recorder that a binary installs (feature
//! `exporter`) owns and renders it.

mod counter;
mod exemplar;
mod histogram;
mod native;
mod owners;
mod shards;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use metrics::atomics::AtomicU64;
use metrics::{Key, Level, Metadata};

pub(crate) use counter::{PreparedAdd, ShardedCounter};
pub(crate) use exemplar::{Exemplar, REPLACE_EVERY_SECONDS};
pub(crate) use histogram::{BucketHistogram, HistogramSnapshot};
pub(crate) use native::{
    MAX_NATIVE_BUCKETS, MAX_SCHEMA, MIN_NATIVE_BUCKETS, MIN_SCHEMA, NativeLayout, NativeSnapshot,
    ZERO_THRESHOLD,
};
pub(crate) use shards::Sharded;

/// Now, in seconds since the Unix epoch to the millisecond: when a new series came to exist,
/// served as its OpenMetrics `_created` sample and its protobuf `created_timestamp`, so that a
/// scraper can tell a counter that restarted from one that was never scraped at zero.
pub(crate) fn created_now() -> f64 {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    #[allow(clippy::cast_precision_loss)]
    let seconds = millis as f64 / 1e3;
    seconds
}

/// Series storage that call sites can record into directly, without the `metrics` handles'
/// dynamic dispatch: vitalsign's recorder, once installed. Asked only when a site binds, never
/// per call.
pub(crate) trait SeriesStore: Send + Sync + 'static {
    /// The counter series `key`, created if new.
    fn counter(&self, key: &Key) -> Arc<ShardedCounter>;
    /// The histogram series `key`, created if new.
    fn histogram(&self, key: &Key) -> Arc<BucketHistogram>;
    /// The gauge series `key` (an `f64`'s bits), created if new.
    fn gauge(&self, key: &Key) -> Arc<AtomicU64>;
    /// The counter of label sets of `family` folded into its overflow series.
    fn overflow_counter(&self, family: &str) -> Arc<ShardedCounter>;
}

/// The metadata of every registration vitalsign makes through the `metrics` facade.
pub(crate) static METADATA: Metadata<'static> =
    Metadata::new("vitalsign", Level::INFO, Some("vitalsign"));

/// Set once call sites and declared metrics may cache handles from the global recorder. Before
/// that, a record goes through whatever recorder is installed without caching, so an early call
/// cannot pin a site to the no-op recorder.
static BOUND: AtomicBool = AtomicBool::new(false);

/// From now on, handles may be cached: a recorder is installed for good.
pub(crate) fn set_bound() {
    BOUND.store(true, Ordering::Release);
}

/// Whether handles may be cached.
#[inline]
pub(crate) fn is_bound() -> bool {
    BOUND.load(Ordering::Acquire)
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
