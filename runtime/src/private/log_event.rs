//! The `tracing` callsites of a call site's log lines, built at run time from its descriptor.
//!
//! The macro could write a `tracing::event!` per line kind into every instrumented function, as
//! `#[instrument]` does; each is a sizeable expansion (a static callsite, its metadata, the
//! interest check), and a crate of many instrumented functions compiles measurably slower for
//! it. Built here instead, once per site and line kind, the events still carry the user's module
//! as their target (the descriptor's `module_path!()`), so `RUST_LOG` filters them per module.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Once, OnceLock};

use tracing::field::{Field, Value, display};
use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
use tracing::{Event, Level, Metadata};
use tracing_core::callsite::{self, Callsite};
use tracing_core::metadata::Kind;
use tracing_core::subscriber::Interest;
use tracing_core::{dispatcher, field::FieldSet, identify_callsite};

use super::call_log::{CallLog, CallLogKind};
use super::descriptor::SiteDescriptor;

const FAILED: &[&str] = &[
    "message",
    "op",
    "code",
    "class",
    "duration_ms",
    "error",
    "suppressed",
];
const SLOW: &[&str] = &["message", "op", "duration_ms", "threshold_ms", "suppressed"];
const COMPLETED: &[&str] = &["message", "op", "duration_ms", "suppressed"];

/// A call site's line kinds, each a callsite of its own level.
#[derive(Debug)]
pub(crate) struct EventSites {
    failed: EventSite,
    expected: EventSite,
    slow: EventSite,
    completed: EventSite,
}

impl EventSites {
    pub(crate) const fn new() -> Self {
        Self {
            failed: EventSite::new(),
            expected: EventSite::new(),
            slow: EventSite::new(),
            completed: EventSite::new(),
        }
    }

    /// The callsite of `kind` lines of the site `desc`, if a subscriber wants them: asked before
    /// the rate limit, so that a line nobody reads touches none of its state. `failure_level` is
    /// the level of "call failed" lines of failures; expected errors log at INFO (or that level, when
    /// it is lower), slow calls at WARN, completed ones at DEBUG.
    pub(crate) fn wanted(
        &'static self,
        desc: &'static SiteDescriptor,
        failure_level: Level,
        kind: CallLogKind,
    ) -> Option<&'static Metadata<'static>> {
        let (site, level, message, fields) = match kind {
            CallLogKind::Failed => (&self.failed, failure_level, "call failed", FAILED),
            // `Level` orders the more verbose higher: INFO, or the site's level below it.
            CallLogKind::Expected => (
                &self.expected,
                failure_level.max(Level::INFO),
                "call failed",
                FAILED,
            ),
            CallLogKind::Slow => (&self.slow, Level::WARN, "slow call", SLOW),
            CallLogKind::Completed => (&self.completed, Level::DEBUG, "call completed", COMPLETED),
        };
        // What `tracing::event!` checks, in its order: the cheap static and global filters,
        // then this callsite's cached interest, then the subscriber.
        if level > STATIC_MAX_LEVEL || level > LevelFilter::current() {
            return None;
        }
        let meta = site.metadata_for(desc, level, message, fields);
        site.enabled(meta).then_some(meta)
    }

    /// Writes `line` of the site `desc` to the callsite [`EventSites::wanted`] gave.
    pub(crate) fn write(
        meta: &'static Metadata<'static>,
        desc: &'static SiteDescriptor,
        line: &CallLog<'_>,
    ) {
        let message = format_args!("{}", meta.name());
        let duration_ms = line.duration_ms();
        let threshold_ms = line.threshold_ms();
        let error = line.error.map(display);
        let suppressed = line.suppressed();
        let op = desc.op();
        let value = |name: &str| -> Option<&dyn Value> {
            match name {
                "message" => Some(&message),
                "op" => Some(&op),
                "code" => Some(&line.code),
                "class" => Some(&line.class),
                "duration_ms" => Some(&duration_ms),
                "threshold_ms" => Some(&threshold_ms),
                "error" => Some(&error),
                "suppressed" => Some(&suppressed),
                _ => None,
            }
        };
        // `ValueSet`s are built from fixed-size arrays; the three kinds have 7, 5 and 4 fields.
        match meta.fields().len() {
            7 => dispatch::<7>(meta, &value),
            5 => dispatch::<5>(meta, &value),
            _ => dispatch::<4>(meta, &value),
        }
    }
}

/// Dispatches an event of `meta` whose `N` fields take their values from `value`.
fn dispatch<'v, const N: usize>(
    meta: &'static Metadata<'static>,
    value: &dyn Fn(&str) -> Option<&'v dyn Value>,
) {
    let fields = meta.fields();
    let mut names = fields.iter();
    let names: [Field; N] = std::array::from_fn(|_| names.next().expect("N fields"));
    let values: [(&Field, Option<&dyn Value>); N] =
        std::array::from_fn(|i| (&names[i], value(names[i].name())));
    Event::dispatch(meta, &fields.value_set(&values));
}

/// One line kind's callsite: metadata made on first use, then registered with `tracing` like
/// any macro-made callsite, so subscribers compute and cache its interest.
struct EventSite {
    meta: OnceLock<Metadata<'static>>,
    registered: Once,
    interest: AtomicU8,
}

impl std::fmt::Debug for EventSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSite").finish_non_exhaustive()
    }
}

const NEVER: u8 = 0;
const SOMETIMES: u8 = 1;
const ALWAYS: u8 = 2;

impl EventSite {
    const fn new() -> Self {
        Self {
            meta: OnceLock::new(),
            registered: Once::new(),
            // Until registered, ask the subscriber.
            interest: AtomicU8::new(SOMETIMES),
        }
    }

    /// The callsite's metadata, registered with `tracing`: made on the first call that asks,
    /// then one load.
    #[inline]
    fn metadata_for(
        &'static self,
        desc: &'static SiteDescriptor,
        level: Level,
        message: &'static str,
        fields: &'static [&'static str],
    ) -> &'static Metadata<'static> {
        match self.meta.get() {
            Some(meta) if self.registered.is_completed() => meta,
            _ => self.make(desc, level, message, fields),
        }
    }

    #[cold]
    fn make(
        &'static self,
        desc: &'static SiteDescriptor,
        level: Level,
        message: &'static str,
        fields: &'static [&'static str],
    ) -> &'static Metadata<'static> {
        let meta = self.meta.get_or_init(|| {
            Metadata::new(
                message,
                desc.module,
                level,
                Some(desc.file),
                Some(desc.line),
                Some(desc.module),
                FieldSet::new(fields, identify_callsite!(self)),
                Kind::EVENT,
            )
        });
        // After the metadata is in place: registering asks for it.
        self.registered.call_once(|| callsite::register(self));
        meta
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        match self.interest.load(Ordering::Relaxed) {
            NEVER => false,
            ALWAYS => true,
            _ => dispatcher::get_default(|d| d.enabled(meta)),
        }
    }
}

impl Callsite for EventSite {
    fn set_interest(&self, interest: Interest) {
        let value = if interest.is_never() {
            NEVER
        } else if interest.is_always() {
            ALWAYS
        } else {
            SOMETIMES
        };
        self.interest.store(value, Ordering::Relaxed);
    }

    fn metadata(&self) -> &Metadata<'_> {
        self.meta
            .get()
            .expect("registered only once its metadata is set")
    }
}
