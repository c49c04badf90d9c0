//! One `static CallSite` per instrumented function: its descriptor and, once a recorder is
//! bound, the metric handles it records into.
//!
//! The hot path is `start()` + `Guard::finish_ok()`: one `OnceLock` read, two raw clock reads,
//! and, with vitalsign's recorder installed, two adds into this thread's run of the site's
//! duration histogram (a bucket and the sum, both in the clock's ticks; the histogram's count
//! is the site's `_total`), plus on error a short scan of the site's own code table and one
//! more add.
//! No key is built, hashed or looked up per call, nothing is allocated, and nothing is called
//! through a `dyn`. With another recorder installed, the same calls go through `metrics`
//! handles.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, Label};

use vitalsign_naming::{CANCELLED_CODE, CLASS_LABEL, CODE_LABEL, PANIC_CODE};

use super::call_log::{CallLog, CallLogKind, ErrorRef, LogHooks, LogLimiter};
use super::descriptor::{CallOutcome, SiteDescriptor};
use super::error_table::{CodeCounter, ErrorTable};
use super::log_event::EventSites;
use crate::ErrorClass;
use crate::clock;
use crate::declared::{DynamicTable, count_overflow};
use crate::storage::{BucketHistogram, METADATA, ShardedCounter};

/// How long a bucket keeps its exemplar before a newer call may take its place, in the clock's
/// raw ticks.
fn exemplar_period() -> u64 {
    clock::per_second().saturating_mul(crate::storage::REPLACE_EVERY_SECONDS)
}

/// Lets call sites and declared metrics cache their handles from now on.
pub(crate) fn mark_bound() {
    // Calibrating the clock takes a moment: done here rather than in some first call.
    clock::calibrate();
    crate::storage::set_bound();
}

/// The handles of a bound call site, or of one value of its label from an argument.
struct Handles {
    sink: Sink,
    in_flight: Option<Gauge>,
    errors: ErrorTable,
    /// The series' labels: the site's fixed labels, and the argument label's value if any.
    labels: Box<[Label]>,
}

/// Where a bound site's calls go.
enum Sink {
    /// vitalsign's recorder: the duration histogram's storage, whose count its `_total` reports.
    Direct(Arc<BucketHistogram>),
    /// Another recorder, through the `metrics` facade.
    Facade { calls: Counter, duration: Histogram },
}

/// One instrumented function's static state.
#[derive(Debug)]
pub struct CallSite {
    desc: SiteDescriptor,
    handles: OnceLock<Handles>,
    /// The duration histogram that a successful call records into on the inlined path: set
    /// when the site binds to vitalsign's storage, has no in-flight gauge and logs no
    /// successful call, so that such a call checks one thing.
    quick: OnceLock<Arc<BucketHistogram>>,
    /// With a label from an argument: the handles of each of its values, by index.
    labeled: OnceLock<Box<[Handles]>>,
    /// With a text label from an argument: its values seen, under the cap.
    text: DynamicTable<TextEntry>,
    text_overflowed: OnceLock<Option<Arc<ShardedCounter>>>,
    limiter: LogLimiter,
    events: EventSites,
    /// Whether a successful call may deserve a line (`log` asks for every call or for slow
    /// ones): the one check a successful call pays for logging, made from the descriptor once.
    ok_may_log: bool,
}

impl Handles {
    /// The duration histogram, if a successful call needs nothing else: vitalsign's storage,
    /// no in-flight gauge.
    fn quick(&self) -> Option<&Arc<BucketHistogram>> {
        match self {
            Self {
                sink: Sink::Direct(duration),
                in_flight: None,
                ..
            } => Some(duration),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Handles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handles")
    }
}

impl CallSite {
    /// A call site with no handles yet.
    pub const fn new(desc: SiteDescriptor) -> Self {
        let ok_may_log = matches!(
            desc.log,
            Some(LogHooks { all: true, .. } | LogHooks { slow: Some(_), .. })
        );
        Self {
            ok_may_log,
            desc,
            handles: OnceLock::new(),
            quick: OnceLock::new(),
            labeled: OnceLock::new(),
            text: DynamicTable::new(),
            text_overflowed: OnceLock::new(),
            limiter: LogLimiter::new(),
            events: EventSites::new(),
        }
    }

    /// The site's descriptor.
    pub fn descriptor(&self) -> &SiteDescriptor {
        &self.desc
    }

    /// Starts timing one call.
    #[inline]
    pub fn start(&'static self) -> Guard {
        if self.desc.in_flight.is_some() {
            self.enter();
        }
        Guard {
            site: self,
            start: clock::now(),
        }
    }

    /// Raises the in-flight gauge of a site that has one.
    #[inline(never)]
    fn enter(&'static self) {
        match self.handles() {
            Some(h) => {
                if let Some(g) = &h.in_flight {
                    g.increment(1.0);
                }
            }
            None => {
                if let Some(name) = self.desc.in_flight {
                    metrics::with_recorder(|r| {
                        r.register_gauge(&self.key(name), &METADATA).increment(1.0)
                    });
                }
            }
        }
    }

    #[inline]
    fn handles(&'static self) -> Option<&'static Handles> {
        match self.handles.get() {
            Some(h) => Some(h),
            None => self.bind_slow(),
        }
    }

    #[cold]
    fn bind_slow(&'static self) -> Option<&'static Handles> {
        crate::storage::is_bound().then(|| self.resolve())
    }

    /// Resolves this site's handles from the global recorder (idempotent), registering its
    /// series. A site with a label from an argument binds on its first call, when the label's
    /// values are known.
    pub(crate) fn bind(&'static self) {
        if self.desc.arg_label.is_none() {
            self.resolve();
        }
    }

    fn resolve(&'static self) -> &'static Handles {
        let handles = self
            .handles
            .get_or_init(|| self.handles_for(self.desc.labels.to_vec().into_boxed_slice()));
        if let Some(duration) = handles.quick().filter(|_| !self.ok_may_log) {
            let _ = self.quick.set(duration.clone());
        }
        handles
    }

    /// The handles of the series with `labels`, registered at zero.
    fn handles_for(&self, labels: Box<[Label]>) -> Handles {
        let key = |name: &'static str| Key::from_parts(name, labels.to_vec());
        let (sink, in_flight) = metrics::with_recorder(|r| {
            let sink = match crate::storage::direct() {
                Some(storage) => {
                    let calls = storage.counter(&key(self.desc.calls));
                    let duration = storage.histogram(&key(self.desc.duration));
                    calls.count_records_of(&duration);
                    duration.keep_exemplars(exemplar_period());
                    Sink::Direct(duration)
                }
                None => Sink::Facade {
                    calls: r.register_counter(&key(self.desc.calls), &METADATA),
                    duration: r.register_histogram(&key(self.desc.duration), &METADATA),
                },
            };
            let in_flight = self
                .desc
                .in_flight
                .map(|n| r.register_gauge(&key(n), &METADATA));
            (sink, in_flight)
        });
        Handles {
            sink,
            in_flight,
            errors: ErrorTable::new(),
            labels,
        }
    }

    /// The labels of a call's series with `label`.
    fn labels_of(&self, label: ArgLabel) -> Box<[Label]> {
        match label {
            ArgLabel::Typed { index, values } => {
                self.labels_with(values.get(index as usize).copied())
            }
            ArgLabel::Text(entry) => entry.labels.clone(),
        }
    }

    /// The fixed labels and the argument label's `value`.
    fn labels_with(&self, value: Option<&'static str>) -> Box<[Label]> {
        let mut labels = self.desc.labels.to_vec();
        if let (Some(key), Some(value)) = (self.desc.arg_label, value) {
            labels.push(Label::from_static_parts(key, value));
        }
        labels.into_boxed_slice()
    }

    /// The handles of a call's argument label: a typed value's by its index (binding every
    /// value's on the first call after a recorder is bound), a text value's from its entry.
    #[inline]
    fn labeled_handles(&'static self, label: ArgLabel) -> Option<&'static Handles> {
        match label {
            ArgLabel::Typed { index, values } => match self.labeled.get() {
                Some(all) => all.get(index as usize),
                None => self.bind_labeled(index, values),
            },
            ArgLabel::Text(entry) => match entry.handles.get() {
                Some(h) => Some(h),
                None => self.bind_text(entry),
            },
        }
    }

    #[cold]
    fn bind_labeled(
        &'static self,
        index: u32,
        values: &'static [&'static str],
    ) -> Option<&'static Handles> {
        if !crate::storage::is_bound() {
            return None;
        }
        self.labeled
            .get_or_init(|| {
                values
                    .iter()
                    .map(|v| self.handles_for(self.labels_with(Some(v))))
                    .collect()
            })
            .get(index as usize)
    }

    #[cold]
    fn bind_text(&'static self, entry: &'static TextEntry) -> Option<&'static Handles> {
        crate::storage::is_bound().then(|| {
            entry
                .handles
                .get_or_init(|| self.handles_for(entry.labels.clone()))
        })
    }

    /// The label of a call whose text label from an argument is `value`: its own entry, or the
    /// `__overflow__` one past the cap (counted).
    #[inline]
    pub fn text_label(&'static self, value: &str) -> ArgLabel {
        let (entry, overflowed) = self.text.get(self.desc.max_series, value, |v| TextEntry {
            labels: self.labels_with_text(v),
            handles: OnceLock::new(),
        });
        if overflowed {
            count_overflow(&self.text_overflowed, self.desc.calls);
        }
        // The table is in this static site: its entries live as long.
        let entry: &'static TextEntry = entry;
        ArgLabel::Text(entry)
    }

    fn labels_with_text(&self, value: &str) -> Box<[Label]> {
        let mut labels = self.desc.labels.to_vec();
        if let Some(key) = self.desc.arg_label {
            labels.push(Label::new(key, value.to_owned()));
        }
        labels.into_boxed_slice()
    }

    /// Starts timing one call whose label from an argument has `label`.
    #[inline]
    pub fn start_labeled(&'static self, label: ArgLabel) -> LabeledGuard {
        if self.desc.in_flight.is_some() {
            self.enter_labeled(label);
        }
        LabeledGuard {
            site: self,
            start: clock::now(),
            label,
        }
    }

    /// Raises the in-flight gauge of the series of `label`, on a site that has one.
    #[inline(never)]
    fn enter_labeled(&'static self, label: ArgLabel) {
        match self.labeled_handles(label) {
            Some(h) => {
                if let Some(g) = &h.in_flight {
                    g.increment(1.0);
                }
            }
            None => {
                if let Some(name) = self.desc.in_flight {
                    let key = Key::from_parts(name, self.labels_of(label).to_vec());
                    metrics::with_recorder(|r| r.register_gauge(&key, &METADATA).increment(1.0));
                }
            }
        }
    }

    /// The counter of failures with `code` of the series with `labels`, registered if new.
    fn code_counter(&self, labels: &[Label], code: &'static str, class: ErrorClass) -> CodeCounter {
        let key = self.error_key(labels, code, class);
        match crate::storage::direct() {
            Some(storage) => {
                let counter = storage.counter(&key);
                counter.keep_exemplar(exemplar_period());
                CodeCounter::Direct(counter)
            }
            None => CodeCounter::Facade(metrics::with_recorder(|r| {
                r.register_counter(&key, &METADATA)
            })),
        }
    }

    fn key(&self, name: &'static str) -> Key {
        Key::from_static_parts(name, self.desc.labels)
    }

    fn error_key(&self, labels: &[Label], code: &'static str, class: ErrorClass) -> Key {
        let mut labels = labels.to_vec();
        labels.push(Label::from_static_parts(CODE_LABEL, code));
        labels.push(Label::from_static_parts(CLASS_LABEL, class.as_str()));
        Key::from_parts(self.desc.errors, labels)
    }

    /// Records a successful call: inlined into the instrumented function, where the common
    /// case, a call into vitalsign's storage with nothing to log, is a bucket scan and two
    /// plain adds. Everything else is out of line.
    #[inline(always)]
    fn record_ok(&'static self, start: u64, label: Option<ArgLabel>) {
        let quick = match label {
            None => self.quick.get(),
            Some(label) => self
                .labeled_handles(label)
                .and_then(Handles::quick)
                .filter(|_| !self.ok_may_log),
        };
        match quick {
            Some(duration) => {
                duration.record_call(start);
            }
            None => self.record_ok_slow(start, label),
        }
    }

    /// Records a successful call that does not take the inlined path: its site may log it, has
    /// an in-flight gauge, records through another recorder or is not bound yet.
    #[cold]
    #[inline(never)]
    fn record_ok_slow(&'static self, start: u64, label: Option<ArgLabel>) {
        self.record(start, CallOutcome::Ok, None, label);
    }

    /// Records a call that began at `start`, whatever became of it, and writes the lines it
    /// deserves: inlined into the out-of-line paths (a failure's `finish`, a successful call's
    /// slow path, an unfinished call). Its series are found before the clock is read, as on the
    /// inlined path.
    #[inline(always)]
    fn record(
        &'static self,
        start: u64,
        outcome: CallOutcome,
        error: Option<ErrorRef<'_>>,
        label: Option<ArgLabel>,
    ) {
        let handles = match label {
            None => self.handles(),
            Some(label) => self.labeled_handles(label),
        };
        let (ticks, end) = match handles {
            Some(h) => self.record_bound(h, start, outcome),
            None => {
                let (ticks, end) = clock::since(start);
                self.record_unbound(seconds(clock::nanos(ticks)), outcome, label);
                (ticks, end)
            }
        };
        if let Some(log) = &self.desc.log
            && log_due(log, outcome)
        {
            self.log_call(log, outcome, ticks, end, error);
        }
    }

    /// Records a bound call that began at `start`: its duration, its error if it failed, the
    /// end of its in-flight span. Returns its duration in ticks and the clock's reading at its
    /// end.
    #[inline(always)]
    fn record_bound(
        &'static self,
        h: &'static Handles,
        start: u64,
        outcome: CallOutcome,
    ) -> (u64, u64) {
        // A failure's counter is found before the clock is read, like the histogram's run.
        let failed = match outcome {
            CallOutcome::Err(code, class) => {
                let counter = h.errors.find(code, class).map(CodeCounter::prepare);
                Some((code, class, counter))
            }
            CallOutcome::Ok => None,
        };
        let (ticks, end) = match &h.sink {
            Sink::Direct(duration) => duration.record_call(start),
            Sink::Facade { calls, duration } => {
                let (ticks, end) = clock::since(start);
                calls.increment(1);
                duration.record(seconds(clock::nanos(ticks)));
                (ticks, end)
            }
        };
        match failed {
            Some((_, _, Some(counter))) => counter.increment(ticks, end),
            Some((code, class, None)) => {
                h.errors.insert(code, class, (ticks, end), |code, class| {
                    self.code_counter(&h.labels, code, class)
                });
            }
            None => {}
        }
        if let Some(g) = &h.in_flight {
            g.decrement(1.0);
        }
        (ticks, end)
    }

    /// Records a call whose guard was dropped unfinished: a panic or a cancellation.
    #[inline(never)]
    fn record_unfinished(&'static self, start: u64, label: Option<ArgLabel>) {
        self.record(start, unfinished(), None, label);
    }

    /// Records through whatever recorder is installed, without caching: only before binding.
    #[cold]
    fn record_unbound(&self, seconds: f64, outcome: CallOutcome, label: Option<ArgLabel>) {
        let d = &self.desc;
        let labels = match label {
            Some(label) => self.labels_of(label),
            None => self.labels_with(None),
        };
        let key = |name: &'static str| Key::from_parts(name, labels.to_vec());
        metrics::with_recorder(|r| {
            r.register_counter(&key(d.calls), &METADATA).increment(1);
            r.register_histogram(&key(d.duration), &METADATA)
                .record(seconds);
            if let CallOutcome::Err(code, class) = outcome {
                r.register_counter(&self.error_key(&labels, code, class), &METADATA)
                    .increment(1);
            }
            if let Some(name) = d.in_flight {
                r.register_gauge(&key(name), &METADATA).decrement(1.0);
            }
        });
    }
}

/// Whether a call with `outcome` may deserve a line under `log`; [`CallSite::log_call`] decides
/// which, if any.
#[inline]
fn log_due(log: &LogHooks, outcome: CallOutcome) -> bool {
    match outcome {
        CallOutcome::Err(..) => log.errors || log.all || log.slow.is_some(),
        CallOutcome::Ok => log.all || log.slow.is_some(),
    }
}

#[inline]
#[allow(clippy::cast_precision_loss)] // exact below 2^53 ns, 104 days
fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

impl CallSite {
    /// Writes the lines a call deserves: called only when [`log_due`] says one may be.
    #[inline(never)]
    fn log_call(
        &'static self,
        log: &LogHooks,
        outcome: CallOutcome,
        ticks: u64,
        end: u64,
        error: Option<ErrorRef<'_>>,
    ) {
        match outcome {
            CallOutcome::Err(code, class) if log.errors => {
                let kind = match class {
                    ErrorClass::Expected => CallLogKind::Expected,
                    ErrorClass::Failure => CallLogKind::Failed,
                };
                self.emit(log, kind, ticks, end, (code, class.as_str()), error, None);
            }
            CallOutcome::Ok if log.all => {
                self.emit(
                    log,
                    CallLogKind::Completed,
                    ticks,
                    end,
                    ("", ""),
                    None,
                    None,
                );
            }
            _ => {}
        }
        if let Some(threshold) = log.slow
            && Duration::from_nanos(clock::nanos(ticks)) > threshold
        {
            let kind = CallLogKind::Slow;
            self.emit(log, kind, ticks, end, ("", ""), None, Some(threshold));
        }
    }

    /// Writes a `kind` line if a subscriber wants it and the rate limit lets it through: the
    /// subscriber is asked first, so that a line nobody reads touches no limiter state.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)] // one line's parts, passed through from `log_call`
    fn emit(
        &'static self,
        log: &LogHooks,
        kind: CallLogKind,
        ticks: u64,
        end: u64,
        (code, class): (&'static str, &'static str),
        error: Option<ErrorRef<'_>>,
        threshold: Option<Duration>,
    ) {
        let Some(meta) = self.events.wanted(&self.desc, log.level, kind) else {
            return;
        };
        if let Some(suppressed) = self.limiter.admit(clock::second(end)) {
            let line = CallLog {
                code,
                class,
                // Converted only for a line that is written.
                duration: Duration::from_nanos(clock::nanos(ticks)),
                error,
                threshold: threshold.unwrap_or(Duration::ZERO),
                suppressed,
            };
            EventSites::write(meta, &self.desc, &line);
        }
    }
}

/// Times one call; records on `finish`, or on drop as a panic or a cancellation.
#[must_use = "a guard records when finished or dropped"]
#[derive(Debug)]
pub struct Guard {
    // Two words: an `async fn`'s future carries the guard across its awaits, and every word of
    // it is moved with the future.
    site: &'static CallSite,
    /// The clock's raw reading at the start.
    start: u64,
}

impl Guard {
    /// Records a successful call: the path inlined into the instrumented function.
    #[inline]
    pub fn finish_ok(self) {
        let this = std::mem::ManuallyDrop::new(self);
        this.site.record_ok(this.start, None);
    }

    /// Records a completed call; `error` is the error to show in a "call failed" line. Out of
    /// line: the generated code calls it for failures, [`Guard::finish_ok`] for successes.
    #[inline(never)]
    pub fn finish(self, outcome: CallOutcome, error: Option<ErrorRef<'_>>) {
        // Recorded here, so not again by `drop`.
        let this = std::mem::ManuallyDrop::new(self);
        this.site.record(this.start, outcome, error, None);
    }
}

impl Drop for Guard {
    #[inline]
    fn drop(&mut self) {
        self.site.record_unfinished(self.start, None);
    }
}

/// What became of a call whose guard was dropped unfinished: a sync call only drops its guard
/// so while unwinding; an async one also when its future is dropped part-way. A panic is a
/// failure; a cancellation is the caller's doing (it dropped the call, like an HTTP 499), so
/// it is expected.
fn unfinished() -> CallOutcome {
    if std::thread::panicking() {
        CallOutcome::Err(PANIC_CODE, ErrorClass::Failure)
    } else {
        CallOutcome::Err(CANCELLED_CODE, ErrorClass::Expected)
    }
}

/// The value of a call's label from an argument.
#[derive(Debug, Clone, Copy)]
pub enum ArgLabel {
    /// A `LabelValue`: its index among its type's values, and them.
    Typed {
        /// The value's index.
        index: u32,
        /// Every value of its type.
        values: &'static [&'static str],
    },
    /// Text, capped: the site's entry for it.
    Text(&'static TextEntry),
}

/// A text label's value as a call site keeps it: the series' labels, and their handles once
/// bound.
#[derive(Debug)]
pub struct TextEntry {
    labels: Box<[Label]>,
    handles: OnceLock<Handles>,
}

/// The label of a call from its argument's value, a `LabelValue`.
#[inline]
pub fn arg_label<T: crate::declared::LabelValue + ?Sized>(value: &T) -> ArgLabel {
    #[allow(clippy::cast_possible_truncation)] // a label value type has far fewer than 2^32 values
    ArgLabel::Typed {
        index: value.index() as u32,
        values: T::VALUES,
    }
}

/// The text of a capped label from an argument.
#[inline]
pub fn text<T: AsRef<str> + ?Sized>(value: &T) -> &str {
    value.as_ref()
}

/// [`Guard`] of a site with a label from an argument: the label's value rides along.
#[must_use = "a guard records when finished or dropped"]
#[derive(Debug)]
pub struct LabeledGuard {
    site: &'static CallSite,
    start: u64,
    label: ArgLabel,
}

impl LabeledGuard {
    /// Records a successful call: the path inlined into the instrumented function.
    #[inline]
    pub fn finish_ok(self) {
        let this = std::mem::ManuallyDrop::new(self);
        this.site.record_ok(this.start, Some(this.label));
    }

    /// Records a completed call; `error` is the error to show in a "call failed" line. Out of
    /// line, as [`Guard::finish`] is.
    #[inline(never)]
    pub fn finish(self, outcome: CallOutcome, error: Option<ErrorRef<'_>>) {
        let this = std::mem::ManuallyDrop::new(self);
        this.site
            .record(this.start, outcome, error, Some(this.label));
    }
}

impl Drop for LabeledGuard {
    #[inline]
    fn drop(&mut self) {
        self.site.record_unfinished(self.start, Some(self.label));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    static SITE: CallSite = CallSite::new(SiteDescriptor {
        namespace: "test",
        name: "limited",
        calls: "test_limited_total",
        duration: "test_limited_duration_seconds",
        errors: "test_limited_errors_total",
        in_flight: None,
        labels: &[],
        arg_label: None,
        max_series: 0,
        doc: "",
        buckets: None,
        function: "limited",
        op_given: false,
        module: "vitalsign::private::call_site::tests",
        file: file!(),
        line: line!(),
        log: Some(LogHooks {
            errors: true,
            all: false,
            slow: None,
            level: tracing::Level::WARN,
        }),
        slo: None,
    });

    /// Wants every event and keeps nothing.
    struct Everything;

    impl Subscriber for Everything {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn the_rate_limiter_is_untouched_until_a_subscriber_wants_a_line() {
        for _ in 0..1000 {
            SITE.start()
                .finish(CallOutcome::Err("failed", ErrorClass::Failure), None);
        }
        assert!(
            !SITE.limiter.is_made(),
            "no subscriber: failures never reach the limiter"
        );
        tracing::subscriber::with_default(Everything, || {
            SITE.start()
                .finish(CallOutcome::Err("failed", ErrorClass::Failure), None);
        });
        assert!(SITE.limiter.is_made());
    }
}
