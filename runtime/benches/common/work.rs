//! The function the per-call benches measure and its floors: `work(x) -> Result<u64, E>`,
//! failing one call in 16, bare and with two clock reads around it. Shared by `overhead.rs` and
//! `interleaved.rs`, so that both measure the same code.

use std::hint::black_box;
use std::sync::OnceLock;

use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
pub(crate) enum WorkError {
    Odd,
}

/// One variant of the function under test.
pub(crate) type Work = fn(u64) -> Result<u64, WorkError>;

/// The function itself: the floor.
#[inline(never)]
pub(crate) fn bare(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

fn quanta_clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// `bare` between two raw reads of `quanta`'s clock, the duration computed and kept: the floor
/// the performance issue names.
#[inline(never)]
pub(crate) fn bare_quanta_clock(x: u64) -> Result<u64, WorkError> {
    let clock = quanta_clock();
    let start = clock.raw();
    let r = bare(x);
    black_box(clock.delta_as_nanos(start, clock.raw()));
    r
}

/// `bare` between two `rdtsc` instructions inline, without `quanta`'s call and match around
/// each: a lower floor, for comparison.
#[inline(never)]
pub(crate) fn bare_rdtsc(x: u64) -> Result<u64, WorkError> {
    let start = rdtsc();
    let r = bare(x);
    black_box(rdtsc().saturating_sub(start));
    r
}

#[inline(always)]
fn rdtsc() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every x86_64 processor has `rdtsc`.
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
    #[cfg(not(target_arch = "x86_64"))]
    quanta_clock().raw()
}

/// Polls a future that completes on its first poll, with a no-op waker.
pub(crate) fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => unreachable!("the benchmark's futures never wait"),
    }
}
