//! Log lines of `#[instrumented]` calls: failed calls, slow calls and (with `log = "all"`)
//! completed ones.
//!
//! The lines are `tracing` events whose target is the user's module (so `RUST_LOG` filters them
//! per module), built by the runtime from the site's descriptor (`log_event`) and written only
//! when a line is due, so a fast successful call pays for no logging at all.

use std::fmt::{self, Debug, Display};
use std::sync::OnceLock;
use std::time::Duration;

use crate::storage::Sharded;

/// Lines one call site may write per second on each thread; the rest are counted and reported
/// as `suppressed` on that thread's next line written.
pub(super) const LINES_PER_SECOND: u32 = 100;

/// What a call site logs.
#[derive(Debug, Clone, Copy)]
pub struct LogHooks {
    /// Log failed calls (panics and cancellations included).
    pub errors: bool,
    /// Log every completed call (at DEBUG).
    pub all: bool,
    /// Log calls slower than this.
    pub slow: Option<Duration>,
    /// Level of "call failed" lines.
    pub level: tracing::Level,
}

/// Which line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CallLogKind {
    /// "call failed": `op`, `code`, `duration_ms`, `error`.
    Failed,
    /// "call failed" with an expected error (a missing key, a value that does not parse): the
    /// same line, at INFO (or the site's level, when that is lower). Like an HTTP 4xx, it is an
    /// outcome the caller asked for, not a warning about the service.
    Expected,
    /// "slow call": `op`, `duration_ms`, `threshold_ms`.
    Slow,
    /// "call completed": `op`, `duration_ms`.
    Completed,
}

/// One line's facts.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallLog<'a> {
    /// The error code, for failed calls.
    pub code: &'static str,
    /// The code's class, for failed calls.
    pub class: &'static str,
    /// How long the call took.
    pub duration: Duration,
    /// The error, for failed calls that returned one.
    pub error: Option<ErrorRef<'a>>,
    /// The slow threshold, for slow calls.
    pub threshold: Duration,
    /// Lines of this call site dropped by the rate limit since the last one written.
    pub suppressed: u64,
}

impl CallLog<'_> {
    /// The duration in milliseconds, to the nanosecond: written as at most six decimals
    /// (`0.000666`), never as float noise (`0.0006659999999999999`).
    pub(super) fn duration_ms(&self) -> f64 {
        vitalsign_naming::duration_ms(self.duration)
    }

    /// The slow threshold in milliseconds, likewise.
    pub(super) fn threshold_ms(&self) -> f64 {
        vitalsign_naming::duration_ms(self.threshold)
    }

    /// The suppressed count, when there is one (the field is left out otherwise).
    pub(super) fn suppressed(&self) -> Option<u64> {
        (self.suppressed > 0).then_some(self.suppressed)
    }
}

/// A limit of [`LINES_PER_SECOND`] per call site and thread: a burst of failures (a dependency
/// down, a scan of missing keys) cannot flood the log pipeline; what was dropped is counted.
///
/// Each thread keeps its own window in a run of slots that only it writes (the storage room's
/// per-thread runs), so that threads failing on one call site share no cache line; and the
/// state is made and touched only once a subscriber wants the line.
#[derive(Debug)]
pub(super) struct LogLimiter {
    runs: OnceLock<Sharded>,
}

/// The slots of a thread's window: the second it counts (plus one, so that 0 is "none yet"),
/// the lines written in it, and the lines dropped since the last one written.
const SECOND: usize = 0;
const WRITTEN: usize = 1;
const SUPPRESSED: usize = 2;

impl LogLimiter {
    /// A limiter with nothing written.
    pub(super) const fn new() -> Self {
        Self {
            runs: OnceLock::new(),
        }
    }

    /// Whether any thread's window was made: only once a subscriber wanted a line.
    #[cfg(test)]
    pub(super) fn is_made(&self) -> bool {
        self.runs.get().is_some()
    }

    #[cold]
    fn make(&self) -> &Sharded {
        self.runs.get_or_init(|| Sharded::new(3))
    }

    /// `Some(suppressed so far)` if this thread may write a line during `second` (any monotonic
    /// count of seconds); `None` if it is dropped. Threads past the owned runs share one window,
    /// approximate under contention, which is all a log limit needs.
    pub(crate) fn admit(&self, second: u64) -> Option<u64> {
        let run = match self.runs.get() {
            Some(runs) => runs,
            None => self.make(),
        }
        .local();
        // 0 is the "nothing written yet" mark.
        let second = second + 1;
        if run.load(SECOND) != second {
            run.store(SECOND, second);
            run.store(WRITTEN, 0);
        }
        if run.update(WRITTEN, |n| n + 1) < u64::from(LINES_PER_SECOND) {
            Some(run.update(SUPPRESSED, |_| 0))
        } else {
            run.add(SUPPRESSED, 1);
            None
        }
    }
}

/// An error as the log line shows it: its `Display`, else its `Debug`.
#[derive(Clone, Copy)]
pub enum ErrorRef<'a> {
    /// Shown with `Display`.
    Display(&'a dyn Display),
    /// Shown with `Debug`.
    Debug(&'a dyn Debug),
}

impl Debug for ErrorRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(self, f)
    }
}

impl Display for ErrorRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorRef::Display(d) => Display::fmt(d, f),
            ErrorRef::Debug(d) => Debug::fmt(d, f),
        }
    }
}

/// Wraps a reference to a return value to find its error's text.
#[allow(missing_debug_implementations)]
pub struct ErrorProbe<'a, T>(pub &'a T);

// The traits carry the value's lifetime `'a`, so the error borrowed from it outlives the
// temporary probe the macro builds around it.

/// Errors with `Display`.
pub trait ErrorDisplay<'a> {
    /// The error, if the value is an `Err`.
    fn error_ref(&self) -> Option<ErrorRef<'a>>;
}

impl<'a, T, E: Display> ErrorDisplay<'a> for &&ErrorProbe<'a, Result<T, E>> {
    fn error_ref(&self) -> Option<ErrorRef<'a>> {
        self.0.as_ref().err().map(|e| ErrorRef::Display(e))
    }
}

/// Errors with only `Debug`.
pub trait ErrorDebug<'a> {
    /// The error, if the value is an `Err`.
    fn error_ref(&self) -> Option<ErrorRef<'a>>;
}

impl<'a, T, E: Debug> ErrorDebug<'a> for &ErrorProbe<'a, Result<T, E>> {
    fn error_ref(&self) -> Option<ErrorRef<'a>> {
        self.0.as_ref().err().map(|e| ErrorRef::Debug(e))
    }
}

/// Anything else: no error text.
pub trait ErrorNone<'a> {
    /// Always `None`.
    fn error_ref(&self) -> Option<ErrorRef<'a>>;
}

impl<'a, T> ErrorNone<'a> for ErrorProbe<'a, T> {
    fn error_ref(&self) -> Option<ErrorRef<'a>> {
        None
    }
}

/// The error of a return value, as a log line shows it.
#[doc(hidden)]
#[macro_export]
macro_rules! __vitalsign_error_ref {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ErrorDebug as _, ErrorDisplay as _, ErrorNone as _};
        (&&&$crate::__private::ErrorProbe($value)).error_ref()
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_second_and_reports_the_dropped() {
        let limiter = LogLimiter::new();
        let admitted = (0..250).filter(|_| limiter.admit(0).is_some()).count();
        assert_eq!(admitted, LINES_PER_SECOND as usize);
        // The next second: a line again, carrying the 150 dropped ones.
        assert_eq!(limiter.admit(1), Some(150));
        assert_eq!(limiter.admit(1), Some(0));
    }

    #[test]
    fn each_thread_has_its_own_window() {
        let limiter = LogLimiter::new();
        let here = (0..150).filter(|_| limiter.admit(0).is_some()).count();
        let there = std::thread::scope(|s| {
            s.spawn(|| (0..150).filter(|_| limiter.admit(0).is_some()).count())
                .join()
                .unwrap()
        });
        assert_eq!((here, there), (100, 100));
        assert_eq!(
            limiter.admit(1),
            Some(50),
            "this thread's own dropped lines"
        );
    }

    #[test]
    fn milliseconds_print_as_their_decimal() {
        let line = |nanos| CallLog {
            code: "",
            class: "",
            duration: Duration::from_nanos(nanos),
            error: None,
            threshold: Duration::from_millis(100),
            suppressed: 0,
        };
        for (nanos, expected) in [
            (666, "0.000666"),
            (1, "0.000001"),
            (2_283, "0.002283"),
            (1_500_000, "1.5"),
            (123_456_789, "123.456789"),
        ] {
            assert_eq!(shown(line(nanos).duration_ms()), expected, "{nanos} ns");
        }
        assert_eq!(shown(line(0).threshold_ms()), "100");
        // What the old expression wrote for 666 ns.
        assert_ne!(
            (Duration::from_nanos(666).as_secs_f64() * 1000.0).to_string(),
            "0.000666"
        );
    }

    /// How a JSON writer prints an `f64`: the shortest decimal that reads back to it, as
    /// Rust's `Display` does.
    fn shown(v: f64) -> String {
        v.to_string()
    }

    #[derive(Debug)]
    struct OnlyDebug;

    #[test]
    fn display_then_debug_then_nothing() {
        let shown: Result<(), std::io::Error> = Err(std::io::ErrorKind::NotFound.into());
        let debug: Result<(), OnlyDebug> = Err(OnlyDebug);
        let fine: Result<u8, String> = Ok(1);
        assert_eq!(
            crate::__vitalsign_error_ref!(&shown).unwrap().to_string(),
            "entity not found"
        );
        assert_eq!(
            crate::__vitalsign_error_ref!(&debug).unwrap().to_string(),
            "OnlyDebug"
        );
        assert!(crate::__vitalsign_error_ref!(&fine).is_none());
        assert!(crate::__vitalsign_error_ref!(&5u8).is_none());
    }
}
