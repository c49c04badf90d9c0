//! Per-thread shards, so that threads recording into one series do not fight over one cache
//! line. A series keeps one run of slots per shard in a single allocation, each run starting on
//! a cache line of its own (so no two shards share one, and a run spans no more lines than it
//! must); a thread always writes the shard it was given on first use, and a render sums the
//! shards.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use metrics::atomics::AtomicU64;

/// Words (of 8 bytes) per 64-byte cache line.
const LINE_WORDS: usize = 8;

/// One cache line of slots.
#[repr(align(64))]
struct Line([AtomicU64; LINE_WORDS]);

/// Shards per series: twice the machine's parallelism, as a power of two, at most 16 (twice, so
/// that two busy threads rarely share one).
pub(crate) fn count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        (cores * 2).next_power_of_two().min(16)
    })
}

/// This thread's number, given on first use; a series maps it onto its shards.
#[inline]
fn mine() -> usize {
    // Const-initialized and without a destructor, so a read is one thread-local load: no lazy
    // initialization state to check on every call.
    thread_local! {
        static MINE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    let i = MINE.get();
    if i == usize::MAX { assign(&MINE) } else { i }
}

#[cold]
fn assign(key: &'static std::thread::LocalKey<Cell<usize>>) -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    // Never `usize::MAX`, the "not yet" mark.
    let i = NEXT.fetch_add(1, Ordering::Relaxed) & (usize::MAX >> 1);
    key.set(i);
    i
}

/// `slots` words per shard, each shard's run on cache lines of its own.
pub(crate) struct Sharded {
    lines: Box<[Line]>,
    /// Cache lines per shard.
    stride: usize,
    slots: usize,
    /// `count() - 1`, kept here so that finding a shard reads nothing global.
    mask: usize,
}

impl std::fmt::Debug for Sharded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharded")
            .field("slots", &self.slots)
            .field("shards", &count())
            .finish()
    }
}

impl Sharded {
    pub(crate) fn new(slots: usize) -> Self {
        let stride = slots.div_ceil(LINE_WORDS);
        let lines = (0..stride * count())
            .map(|_| Line(std::array::from_fn(|_| AtomicU64::new(0))))
            .collect();
        Self {
            lines,
            stride,
            slots,
            mask: count() - 1,
        }
    }

    /// Bytes this series' slots take.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        std::mem::size_of_val(&*self.lines)
    }

    /// This thread's run of slots.
    #[inline]
    pub(crate) fn local(&self) -> Run<'_> {
        let start = (mine() & self.mask) * self.stride;
        Run(&self.lines[start..start + self.stride])
    }

    /// Every shard's run of slots.
    pub(crate) fn all(&self) -> impl Iterator<Item = Run<'_>> {
        self.lines.chunks(self.stride).map(Run)
    }

    /// Every slot summed over the shards, in one pass over the series' memory.
    pub(crate) fn sums(&self) -> Vec<u64> {
        let mut sums = vec![0_u64; self.slots];
        for run in self.all() {
            for (sum, slot) in sums.iter_mut().zip(run.slots()) {
                *sum = sum.wrapping_add(slot.load(Ordering::Relaxed));
            }
        }
        sums
    }

    /// Slot `i` summed over the shards.
    pub(crate) fn sum(&self, i: usize) -> u64 {
        self.all()
            .map(|run| run.slot(i).load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

/// One shard's slots.
#[derive(Clone, Copy)]
pub(crate) struct Run<'a>(&'a [Line]);

impl<'a> Run<'a> {
    /// Slot `i`.
    #[inline]
    pub(crate) fn slot(self, i: usize) -> &'a AtomicU64 {
        &self.0[i / LINE_WORDS].0[i % LINE_WORDS]
    }

    /// The slots in order (and the unused words of the last line, which stay zero).
    fn slots(self) -> impl Iterator<Item = &'a AtomicU64> {
        self.0.iter().flat_map(|line| &line.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_take_whole_cache_lines_per_shard() {
        // What docs/performance.md states as memory per series.
        assert_eq!(
            Sharded::new(1).bytes(),
            64 * count(),
            "a counter: one line per shard"
        );
        // A histogram with the 17 default bounds: 18 buckets and two sums, three lines.
        assert_eq!(Sharded::new(17 + 3).bytes(), 3 * 64 * count());
        let s = Sharded::new(9);
        let runs: Vec<_> = s.all().collect();
        assert_eq!(runs.len(), count());
        let first = std::ptr::from_ref(runs[0].slot(0)) as usize;
        let second = std::ptr::from_ref(runs[1].slot(0)) as usize;
        assert_eq!(first % 64, 0, "runs start on a cache line");
        assert_eq!(second - first, 128, "nine slots take two lines");
    }
}
