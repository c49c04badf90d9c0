//! A series' slots, one run per owner: a run for each thread number that [`owners`] hands
//! out, written by that thread alone with plain stores, and one shared run written with atomic
//! adds. Each run starts on a cache line of its own (so no two owners share one, and a run
//! spans no more lines than it must), all in a single allocation; a render sums the runs.

use std::sync::atomic::Ordering;

use metrics::atomics::AtomicU64;

use super::owners;

/// Words (of 8 bytes) per 64-byte cache line.
const LINE_WORDS: usize = 8;

/// `slots` words per run, each run on cache lines of its own.
pub(crate) struct Sharded {
    /// The runs, from `first`: the allocation has a line's worth of words more than they need,
    /// so that they can start on a line boundary wherever it begins.
    words: Box<[AtomicU64]>,
    first: usize,
    /// Words per run: `slots` rounded up to whole lines.
    stride: usize,
    slots: usize,
    /// `owners::owned()`, kept here so that finding a run reads nothing global: the owned runs
    /// come first, then the shared one.
    owned: usize,
}

impl std::fmt::Debug for Sharded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharded")
            .field("slots", &self.slots)
            .field("runs", &(self.owned + 1))
            .finish()
    }
}

impl Sharded {
    pub(crate) fn new(slots: usize) -> Self {
        let stride = slots.div_ceil(LINE_WORDS) * LINE_WORDS;
        let owned = owners::owned();
        let words: Box<[AtomicU64]> = (0..stride * (owned + 1) + LINE_WORDS - 1)
            .map(|_| AtomicU64::new(0))
            .collect();
        // In words; at most 7, since the allocation is aligned to a word.
        let first = words.as_ptr().align_offset(LINE_WORDS * 8);
        Self {
            words,
            first,
            stride,
            slots,
            owned,
        }
    }

    /// Bytes this series' slots take.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        std::mem::size_of_val(&*self.words)
    }

    /// This thread's run of slots.
    #[inline]
    pub(crate) fn local(&self) -> Run<'_> {
        self.run(owners::mine())
    }

    /// The run of thread number `n` ([`owners::mine`]), for a caller that has it already.
    #[inline]
    pub(crate) fn run(&self, n: usize) -> Run<'_> {
        // The shared run's number is `owned`: the run after the owned ones.
        debug_assert!(n <= self.owned, "{n}");
        // The run's words are not sliced out here: each slot's index is checked once, when it
        // is written, which is one bounds check per add instead of three.
        Run {
            words: &self.words,
            start: self.first + n * self.stride,
            owned: n < self.owned,
        }
    }

    /// Every run of slots.
    fn all(&self) -> impl Iterator<Item = Run<'_>> {
        (0..=self.owned).map(|n| Run {
            words: &self.words,
            start: self.first + n * self.stride,
            owned: false,
        })
    }

    /// Every slot summed over the runs, in one pass over the series' memory.
    pub(crate) fn sums(&self) -> Vec<u64> {
        let mut sums = vec![0_u64; self.slots];
        for run in self.all() {
            for (i, sum) in sums.iter_mut().enumerate() {
                *sum = sum.wrapping_add(run.load(i));
            }
        }
        sums
    }

    /// Slot `i` summed over the runs.
    pub(crate) fn sum(&self, i: usize) -> u64 {
        self.all().map(|run| run.load(i)).fold(0, u64::wrapping_add)
    }

    /// Slot `i` of each run, as `f64` bits, summed as `f64`s.
    pub(crate) fn sum_f64(&self, i: usize) -> f64 {
        self.all().map(|run| f64::from_bits(run.load(i))).sum()
    }
}

/// One run of slots: this thread's own, or the shared one.
#[derive(Clone, Copy)]
pub(crate) struct Run<'a> {
    /// Every run's words; this one's begin at `start`.
    words: &'a [AtomicU64],
    start: usize,
    /// Written by this thread alone: read-modify-writes need no lock prefix.
    owned: bool,
}

impl<'a> Run<'a> {
    /// Slot `i` of the run: `i` is below the series' slot count, as every caller's index is by
    /// construction (a bucket, a sum, a limiter's field).
    #[inline]
    fn slot(self, i: usize) -> &'a AtomicU64 {
        &self.words[self.start + i]
    }

    /// Slot `i`'s value.
    #[inline]
    pub(crate) fn load(self, i: usize) -> u64 {
        self.slot(i).load(Ordering::Relaxed)
    }

    /// Adds `value` to slot `i`.
    #[inline]
    pub(crate) fn add(self, i: usize, value: u64) {
        let slot = self.slot(i);
        if self.owned {
            // No other thread writes this slot: a render may read it between the load and the
            // store, and sees the value before or after, never a torn one.
            slot.store(
                slot.load(Ordering::Relaxed).wrapping_add(value),
                Ordering::Relaxed,
            );
        } else {
            slot.fetch_add(value, Ordering::Relaxed);
        }
    }

    /// Sets slot `i` to `value`.
    #[inline]
    pub(crate) fn store(self, i: usize, value: u64) {
        self.slot(i).store(value, Ordering::Relaxed);
    }

    /// Sets slot `i` to `f` of its value; returns the value it had.
    #[inline]
    pub(crate) fn update(self, i: usize, f: impl Fn(u64) -> u64) -> u64 {
        let slot = self.slot(i);
        if self.owned {
            let old = slot.load(Ordering::Relaxed);
            slot.store(f(old), Ordering::Relaxed);
            old
        } else {
            match slot.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(f(v))) {
                Ok(old) | Err(old) => old,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_take_whole_cache_lines_per_owner() {
        let runs = owners::owned() + 1;
        // What docs/performance.md states as memory per series: a line per run, and the seven
        // words that let the runs start on a line boundary.
        assert_eq!(Sharded::new(1).bytes(), 64 * runs + 56, "a counter");
        // A histogram with the 21 default bounds: 22 buckets and two sums, three lines.
        assert_eq!(Sharded::new(21 + 3).bytes(), 3 * 64 * runs + 56);
        let s = Sharded::new(9);
        let all: Vec<_> = s.all().collect();
        assert_eq!(all.len(), runs);
        let first = std::ptr::from_ref(all[0].slot(0)) as usize;
        let second = std::ptr::from_ref(all[1].slot(0)) as usize;
        assert_eq!(first % 64, 0, "runs start on a cache line");
        assert_eq!(second - first, 128, "nine slots take two lines");
    }
}
