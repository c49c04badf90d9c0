//! vitalsign's `metrics::Recorder`: metrics-util's registry over fixed-bucket storage, plus the
//! descriptions that become HELP lines.
//!
//! Any code using the `metrics` macros records here too, so a crate's hand-written metrics and
//! its instrumented ones share one `/metrics`.

pub(crate) mod cardinality;
mod exposition;
mod format;
mod protobuf;
mod series;

use crate::sync::RwLockExt;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use metrics::atomics::AtomicU64;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_util::registry::Registry;

use cardinality::{Admission, Cardinality};

pub use exposition::Format as ExpositionFormat;
pub(crate) use exposition::{FamilySeries, Labels, Value};
pub(crate) use format::Exposition;
use series::Storage;

use crate::storage::{BucketHistogram, NativeLayout, SeriesStore, ShardedCounter};

/// Makes `recorder` the global `metrics` recorder and call sites' direct target.
pub(crate) fn install(
    recorder: VitalsRecorder,
) -> Result<(), metrics::SetRecorderError<VitalsRecorder>> {
    let shared = recorder.0.clone();
    metrics::set_global_recorder(recorder)?;
    crate::storage::set_direct(shared);
    Ok(())
}

/// Storage and descriptions shared by the recorder and the renderer.
pub(crate) struct Shared {
    registry: Registry<Key, Storage>,
    help: RwLock<HashMap<String, String>>,
    global_labels: Labels,
    cardinality: Cardinality,
    /// Whether counters and histograms say when they came to exist (`_created`).
    created: bool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("global_labels", &self.global_labels)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(
        bounds: HashMap<String, Arc<[f64]>>,
        default_bounds: Arc<[f64]>,
        native: Option<NativeLayout>,
        global_labels: Labels,
        cardinality: Cardinality,
        created: bool,
    ) -> Self {
        Self {
            registry: Registry::new(Storage::new(bounds, default_bounds, native)),
            help: RwLock::new(HashMap::new()),
            global_labels,
            cardinality,
            created,
        }
    }

    /// The key to register for a new `key`: itself, or its family's overflow key (counting it).
    fn admitted(&self, key: &Key) -> Key {
        match self.cardinality.admit(key) {
            Admission::Key => key.clone(),
            Admission::Overflow { fold, count } => {
                self.registry
                    .get_or_create_counter(&count, |c| metrics::CounterFn::increment(&**c, 1));
                fold
            }
        }
    }

    pub(crate) fn describe(&self, name: &str, help: String) {
        let mut map = self.help.write_unpoisoned();
        map.entry(name.to_owned()).or_insert(help);
    }

    /// Every series, grouped by family name (without HELP): what `/stats` reads.
    #[cfg(feature = "server")]
    pub(crate) fn families(&self) -> BTreeMap<String, FamilySeries> {
        self.grouped(false, owned_pairs)
    }

    /// [`Shared::grouped`], each family with its HELP text: what an exposition renders.
    fn described<L>(
        &self,
        native: bool,
        labels: impl for<'a> Fn(&mut dyn Iterator<Item = (Cow<'a, str>, &'a str)>) -> L,
    ) -> BTreeMap<String, FamilySeries<L>> {
        let mut families = self.grouped(native, labels);
        let help = self.help.read_unpoisoned();
        for (name, family) in &mut families {
            family.help = help.get(name).cloned();
        }
        families
    }

    /// Every series grouped by (sanitized) family name, with its labels made into `L` by
    /// `labels`, which is given global labels first, then the series' own; histograms with their
    /// native buckets when `native` (where they keep some).
    fn grouped<L>(
        &self,
        native: bool,
        labels: impl for<'a> Fn(&mut dyn Iterator<Item = (Cow<'a, str>, &'a str)>) -> L,
    ) -> BTreeMap<String, FamilySeries<L>> {
        let mut families: BTreeMap<String, FamilySeries<L>> = BTreeMap::new();
        let mut add = |key: &Key, value: Value| {
            // Families are few and series many: look the name up as it is (family names are
            // valid, so an invalid name cannot match one) before checking or allocating it.
            let family = match families.get_mut(key.name()) {
                Some(family) => family,
                None => families
                    .entry(exposition::sanitize_name(key.name()).into_owned())
                    .or_default(),
            };
            let own = || {
                key.labels()
                    .map(|l| (exposition::sanitize_label_key(l.key()), l.value()))
            };
            // Global labels first, then the series' own; a series' own label wins a clash.
            let global = self
                .global_labels
                .iter()
                .filter(|(k, _)| !own().any(|(o, _)| o == k.as_str()))
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), v.as_str()));
            family
                .series
                .push((labels(&mut global.chain(own())), value));
        };
        self.registry.visit_counters(|key, c| {
            add(
                key,
                Value::Counter(c.value(), c.exemplar(), Some(c.created())),
            )
        });
        self.registry.visit_gauges(|key, g| {
            add(key, Value::Gauge(f64::from_bits(g.load(Ordering::Relaxed))))
        });
        self.registry
            .visit_histograms(|key, h| add(key, Value::Histogram(h.snapshot(native))));
        families
    }
}

impl SeriesStore for Shared {
    // Created within the series limit, like any registration.
    fn counter(&self, key: &Key) -> Arc<ShardedCounter> {
        let r = &self.registry;
        if let Some(c) = r.get_counter(key) {
            return c;
        }
        let key = self.admitted(key);
        r.get_or_create_counter(&key, Arc::clone)
    }

    fn histogram(&self, key: &Key) -> Arc<BucketHistogram> {
        let r = &self.registry;
        if let Some(h) = r.get_histogram(key) {
            return h;
        }
        let key = self.admitted(key);
        r.get_or_create_histogram(&key, Arc::clone)
    }

    fn overflow_counter(&self, family: &str) -> Arc<ShardedCounter> {
        self.counter(&self.cardinality.overflow_key(family))
    }

    fn gauge(&self, key: &Key) -> Arc<AtomicU64> {
        let r = &self.registry;
        if let Some(g) = r.get_gauge(key) {
            return g;
        }
        let key = self.admitted(key);
        r.get_or_create_gauge(&key, Arc::clone)
    }
}

/// A series' labels as owned pairs, global labels first.
fn owned_pairs<'a>(pairs: &mut dyn Iterator<Item = (Cow<'a, str>, &'a str)>) -> Labels {
    pairs.map(|(k, v)| (k.into_owned(), v.to_owned())).collect()
}

/// The recorder installed as the global `metrics` recorder.
#[derive(Debug, Clone)]
pub(crate) struct VitalsRecorder(pub(crate) Arc<Shared>);

impl Recorder for VitalsRecorder {
    fn describe_counter(&self, key: KeyName, _: Option<Unit>, description: SharedString) {
        self.0.describe(key.as_str(), description.into_owned());
    }

    fn describe_gauge(&self, key: KeyName, _: Option<Unit>, description: SharedString) {
        self.0.describe(key.as_str(), description.into_owned());
    }

    fn describe_histogram(&self, key: KeyName, _: Option<Unit>, description: SharedString) {
        self.0.describe(key.as_str(), description.into_owned());
    }

    // An existing series is returned from one lookup, as without a limit; only a new label set
    // passes the series limit. Recording through a handle never does.
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.0.counter(key))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.0.gauge(key))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.0.histogram(key))
    }
}
