//! The call path's clock: the TSC-based clock metrics-util uses (`quanta`), read raw at both
//! ends of a call. Call sites keep durations in its raw ticks: a histogram's bounds are
//! converted to ticks once, when it is made, so a call compares and adds ticks and nothing
//! converts them until a scrape, a log line or an exemplar asks for nanoseconds.
//!
//! Where `quanta` reads the TSC, the call path reads it inline (`rdtsc`, the instruction
//! `quanta::Clock::raw` executes after a call and a match on its clock's kind); elsewhere, or
//! where the TSC is unusable and `quanta` falls back to the OS's monotonic clock, it calls
//! `quanta`. Either way the readings are `quanta`'s raw ones, in the same units.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once `quanta`'s raw reading is seen to be the TSC itself.
static INLINE_TSC: AtomicBool = AtomicBool::new(false);

/// The calibrated clock, made on first use.
fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(|| {
        let clock = quanta::Clock::new();
        INLINE_TSC.store(reads_the_tsc(&clock), Ordering::Relaxed);
        clock
    })
}

/// Whether `clock.raw()` is the TSC: each of a few readings falls between two `rdtsc`s taken
/// around it. A monotonic clock's nanoseconds never do, counting from another origin at another
/// rate.
#[cfg(target_arch = "x86_64")]
fn reads_the_tsc(clock: &quanta::Clock) -> bool {
    (0..3).all(|_| {
        let before = tsc();
        let raw = clock.raw();
        let after = tsc();
        before <= raw && raw <= after
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn reads_the_tsc(_: &quanta::Clock) -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn tsc() -> u64 {
    // SAFETY: every x86_64 processor has `rdtsc`; the value is only compared with `quanta`'s
    // own readings, which calibrated it.
    unsafe { std::arch::x86_64::_rdtsc() }
}

/// Calibrates the clock: it takes a moment, so an install does it before the first call.
pub(crate) fn calibrate() {
    clock();
}

/// The clock's raw reading, in ticks.
#[inline(always)]
pub(crate) fn now() -> u64 {
    #[cfg(target_arch = "x86_64")]
    if INLINE_TSC.load(Ordering::Relaxed) {
        return tsc();
    }
    clock().raw()
}

/// The ticks from `start` to `end`, two readings of [`now`]: 0 if the clock went backwards
/// (two cores' TSCs may disagree by a little).
#[inline(always)]
pub(crate) fn elapsed(start: u64, end: u64) -> u64 {
    end.saturating_sub(start)
}

/// The ticks since `start`, and the reading they end at.
#[inline(always)]
pub(crate) fn since(start: u64) -> (u64, u64) {
    let end = now();
    (elapsed(start, end), end)
}

/// `ticks` in whole nanoseconds.
#[inline]
pub(crate) fn nanos(ticks: u64) -> u64 {
    clock().delta_as_nanos(0, ticks)
}

/// The most ticks that are at most `nanos` nanoseconds: `t <= ticks_at_most(n)` exactly when
/// `nanos(t) <= n`, so a bound in ticks sorts durations as the bound in nanoseconds would.
pub(crate) fn ticks_at_most(nanos: u64) -> u64 {
    // Past a century of ticks, the conversion's product overflows: such a bound holds every
    // duration.
    const CENTURY: u64 = 100 * 365 * 86_400 * 1_000_000_000;
    if nanos >= CENTURY {
        return u64::MAX;
    }
    // `nanos()` never decreases with its ticks: the largest `t` with `nanos(t) <= nanos` by
    // bisection, from an upper limit that is past it.
    let (mut low, mut high) = (0_u64, 1_u64);
    while self::nanos(high) <= nanos {
        low = high;
        high = high.saturating_mul(2);
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if self::nanos(mid) <= nanos {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// Ticks in one second.
pub(crate) fn per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| ticks_at_most(1_000_000_000).max(1))
}

/// The whole seconds, counted from any fixed origin, of the raw reading `raw`: one multiply,
/// for the log limit's windows.
#[inline]
pub(crate) fn second(raw: u64) -> u64 {
    static RECIPROCAL: OnceLock<u64> = OnceLock::new();
    let reciprocal = *RECIPROCAL.get_or_init(|| u64::MAX / per_second());
    // `raw * 2^64 / per_second` over 2^64: within a tick of a second's boundary.
    #[allow(clippy::cast_possible_truncation)]
    let seconds = ((u128::from(raw) * u128::from(reciprocal)) >> 64) as u64;
    seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_bounds_sort_durations_as_nanosecond_bounds_do() {
        for bound in [
            0,
            1,
            999,
            5_000_000,
            100_000_000,
            2_500_000_000,
            86_400_000_000_000,
        ] {
            let t = ticks_at_most(bound);
            assert!(nanos(t) <= bound, "{bound}: {t} ticks are {} ns", nanos(t));
            assert!(nanos(t + 1) > bound, "{bound}: {t} is not the most ticks");
        }
        assert_eq!(ticks_at_most(u64::MAX), u64::MAX);
    }

    #[test]
    fn readings_advance_with_real_time() {
        calibrate();
        let start = now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let nanos = nanos(elapsed(start, now()));
        assert!((20_000_000..2_000_000_000).contains(&nanos), "{nanos} ns");
        assert_eq!(elapsed(10, 5), 0, "a clock that went backwards");
    }

    #[test]
    fn seconds_count_from_the_ticks_in_a_second() {
        let s = per_second();
        assert_eq!(second(0), 0);
        assert_eq!(second(s - s / 100), 0);
        assert_eq!(second(s + s / 100), 1);
        assert_eq!(second(10 * s + s / 100), 10);
    }
}
