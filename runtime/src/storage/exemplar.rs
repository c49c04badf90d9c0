//! Exemplars: for each bucket of a call site's duration histogram, one recent call that landed
//! there: its span id (what the JSON log lines print as `span_id`), its duration and when it
//! ended. OpenMetrics carries them beside the bucket, so a latency spike on a dashboard leads
//! to the calls and log lines behind it.
//!
//! The call path pays a load and a compare: a bucket's slot is offered a call only once its
//! `due` time has come, and the first call to find it due takes it (a compare-and-swap moves
//! `due` a replacement period on) and writes it out of line. So each bucket's exemplar is
//! replaced at most once per period, whatever the call rate, and nothing is allocated.

use std::sync::atomic::{AtomicU64, Ordering, fence};

/// How often a bucket's exemplar may be replaced, in seconds: about one per bucket per scrape at
/// the usual intervals, never one per call.
pub(crate) const REPLACE_EVERY_SECONDS: u64 = 1;

/// One recent call, as a scrape reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Exemplar {
    /// The OpenTelemetry trace id of the call's span (feature `opentelemetry`); 0 without one.
    pub trace_id: u128,
    /// The OpenTelemetry span id with a trace id; else the id of the `tracing` span current
    /// when the call ended, as log lines print it.
    pub span_id: u64,
    /// Its duration, in seconds.
    pub seconds: f64,
    /// When it ended, in seconds since the Unix epoch.
    pub unix_seconds: f64,
}

/// One bucket's exemplar, written under a sequence lock: a reader retries while a write is in
/// progress, so it never returns a torn one.
#[derive(Debug, Default)]
struct Slot {
    /// The clock reading (raw ticks) from which the slot may be replaced.
    due: AtomicU64,
    /// Odd while a write is in progress.
    seq: AtomicU64,
    trace_high: AtomicU64,
    trace_low: AtomicU64,
    span_id: AtomicU64,
    /// The call's duration, in the clock's raw ticks.
    ticks: AtomicU64,
    unix_nanos: AtomicU64,
}

/// The exemplars of one histogram series, one per bucket (`+Inf` last).
#[derive(Debug)]
pub(crate) struct Exemplars {
    slots: Box<[Slot]>,
    /// [`REPLACE_EVERY_SECONDS`] in the call path's clock ticks.
    every_ticks: u64,
}

impl Exemplars {
    pub(crate) fn new(buckets: usize, every_ticks: u64) -> Self {
        Self {
            slots: (0..buckets).map(|_| Slot::default()).collect(),
            every_ticks,
        }
    }

    /// Offers the call that ended at `now` after `ticks` (both the clock's raw ticks) to bucket
    /// `index`'s slot.
    #[inline(always)]
    pub(crate) fn offer(&self, index: usize, now: u64, ticks: u64) {
        if let Some(slot) = self.slots.get(index) {
            let due = slot.due.load(Ordering::Relaxed);
            if now >= due {
                self.take(slot, due, now, ticks);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn take(&self, slot: &Slot, due: u64, now: u64, ticks: u64) {
        // One thread wins the period; the others go on at once.
        if slot
            .due
            .compare_exchange(
                due,
                now.saturating_add(self.every_ticks),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return;
        }
        let Some((trace_id, span_id)) = current_ids() else {
            // A call outside any span points nowhere; the slot keeps what it has.
            return;
        };
        let unix_nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let seq = slot.seq.load(Ordering::Relaxed);
        slot.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        #[allow(clippy::cast_possible_truncation)]
        {
            slot.trace_high
                .store((trace_id >> 64) as u64, Ordering::Relaxed);
            slot.trace_low.store(trace_id as u64, Ordering::Relaxed);
        }
        slot.span_id.store(span_id, Ordering::Relaxed);
        slot.ticks.store(ticks, Ordering::Relaxed);
        slot.unix_nanos.store(unix_nanos, Ordering::Relaxed);
        slot.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// Each bucket's exemplar, if it has one yet.
    pub(crate) fn read(&self) -> Vec<Option<Exemplar>> {
        self.slots.iter().map(read).collect()
    }
}

fn read(slot: &Slot) -> Option<Exemplar> {
    loop {
        let before = slot.seq.load(Ordering::Acquire);
        if before % 2 == 1 {
            std::hint::spin_loop();
            continue;
        }
        let trace_id = (u128::from(slot.trace_high.load(Ordering::Relaxed)) << 64)
            | u128::from(slot.trace_low.load(Ordering::Relaxed));
        let span_id = slot.span_id.load(Ordering::Relaxed);
        let ticks = slot.ticks.load(Ordering::Relaxed);
        let unix_nanos = slot.unix_nanos.load(Ordering::Relaxed);
        fence(Ordering::Acquire);
        if slot.seq.load(Ordering::Relaxed) == before {
            #[allow(clippy::cast_precision_loss)]
            return (before != 0).then(|| Exemplar {
                trace_id,
                span_id,
                seconds: crate::clock::nanos(ticks) as f64 / 1e9,
                unix_seconds: (unix_nanos / 1_000_000) as f64 / 1e3,
            });
        }
    }
}

/// The ids of the span the current thread is in: OpenTelemetry's trace and span ids when a
/// `tracing-opentelemetry` layer gives the span some (feature `opentelemetry`), else no trace
/// id and the `tracing` span's id under the current dispatcher.
fn current_ids() -> Option<(u128, u64)> {
    #[cfg(feature = "opentelemetry")]
    if let Some(ids) = opentelemetry_ids() {
        return Some(ids);
    }
    tracing_core::dispatcher::get_default(|d| d.current_span().id().map(|id| (0, id.into_u64())))
}

#[cfg(feature = "opentelemetry")]
fn opentelemetry_ids() -> Option<(u128, u64)> {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let context = tracing::Span::current().context();
    let span = context.span();
    let ids = span.span_context();
    ids.is_valid().then(|| {
        (
            u128::from_be_bytes(ids.trace_id().to_bytes()),
            u64::from_be_bytes(ids.span_id().to_bytes()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ticks_at_most;

    #[test]
    fn one_replacement_per_period_and_only_inside_a_span() {
        let e = Exemplars::new(3, 1_000);
        // Outside a span the period is taken but nothing is written.
        e.offer(1, 5, 42);
        assert_eq!(e.read(), vec![None, None, None]);
        let subscriber = ids::Ids::default();
        tracing_core::dispatcher::with_default(&tracing_core::Dispatch::new(subscriber), || {
            let span = tracing::info_span!("call");
            let _entered = span.enter();
            // Still within the period begun at 5.
            e.offer(1, 500, 7);
            assert_eq!(e.read()[1], None);
            // Durations are offered in ticks and read back in seconds.
            let (ms_1_5, ms_2) = (ticks_at_most(1_500_000), ticks_at_most(2_000_000));
            e.offer(1, 1_005, ms_1_5);
            let got = e.read()[1].expect("an exemplar");
            assert_eq!((got.span_id, got.seconds), (1, 0.0015));
            assert!(got.unix_seconds > 1.7e9, "{got:?}");
            // Replaced once the next period has come, not before.
            e.offer(1, 1_900, 9);
            assert_eq!(e.read()[1].unwrap().seconds, 0.0015);
            e.offer(1, 2_005, ms_2);
            assert_eq!(e.read()[1].unwrap().seconds, 0.002);
            // An index past the buckets is ignored.
            e.offer(9, 3_000, 1);
        });
    }

    /// A subscriber that hands out span ids and tracks the current span: just enough of one.
    mod ids {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicU64, Ordering};
        use tracing_core::span::{Attributes, Current, Id, Record};
        use tracing_core::{Event, Metadata, Subscriber};

        #[derive(Default)]
        pub(super) struct Ids {
            next: AtomicU64,
            stack: Mutex<Vec<(Id, &'static Metadata<'static>)>>,
            metas: Mutex<Vec<&'static Metadata<'static>>>,
        }

        impl Subscriber for Ids {
            fn enabled(&self, _: &Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, span: &Attributes<'_>) -> Id {
                self.metas.lock().unwrap().push(span.metadata());
                Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
            }
            fn record(&self, _: &Id, _: &Record<'_>) {}
            fn record_follows_from(&self, _: &Id, _: &Id) {}
            fn event(&self, _: &Event<'_>) {}
            fn enter(&self, id: &Id) {
                let meta = self.metas.lock().unwrap()[id.into_u64() as usize - 1];
                self.stack.lock().unwrap().push((id.clone(), meta));
            }
            fn exit(&self, _: &Id) {
                self.stack.lock().unwrap().pop();
            }
            fn current_span(&self) -> Current {
                match self.stack.lock().unwrap().last() {
                    Some((id, meta)) => Current::new(id.clone(), meta),
                    None => Current::none(),
                }
            }
        }
    }
}
