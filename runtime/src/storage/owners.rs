//! Which run of a series' slots this thread writes.
//!
//! Each of the first [`owned`] threads alive at once holds a slot number of its own. In every
//! series, the run of that number is written by that thread only, so a record is a plain load
//! and store: no lock prefix, no cache line that another thread writes. Threads beyond those
//! share one more run with atomic adds, as do threads past their own thread-local destructors.
//! A thread's number goes back to the pool when it exits, and the next thread to take it goes
//! on adding into the same runs: counts are cumulative, and the pool's lock orders the last
//! store of the one before the first load of the next.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Mutex, OnceLock};

use crate::sync::MutexExt;

/// This thread's number not taken yet.
const UNSET: usize = usize::MAX;

/// The number of the shared run: the one after the owned ones, so that a series finds any
/// thread's run at the same offset, with no case for the shared one.
fn shared() -> usize {
    owned()
}

/// Numbers of owned runs per series: twice the machine's parallelism, at least 8 (a tokio
/// runtime's workers, its blocking threads and the process's own), at most 64.
pub(crate) fn owned() -> usize {
    static OWNED: OnceLock<usize> = OnceLock::new();
    *OWNED.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        (cores * 2).clamp(8, 64)
    })
}

thread_local! {
    // Const-initialized and without a destructor: a read is one thread-local load, with no
    // lazy-initialization state to check, and it stays readable while the thread's other
    // thread-locals are destroyed.
    static MINE: Cell<usize> = const { Cell::new(UNSET) };
    // Holds the number for the thread's lifetime and gives it back when the thread ends.
    static HOLD: Hold = const { Hold(Cell::new(UNSET)) };
}

/// Numbers free for the taking: the lowest first, so that threads alive now hold the owned runs
/// even after many have come and gone.
struct Pool {
    next: usize,
    free: BinaryHeap<Reverse<usize>>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    next: 0,
    free: BinaryHeap::new(),
});

impl Pool {
    fn take(&mut self, owned: usize) -> Option<usize> {
        if let Some(Reverse(n)) = self.free.pop() {
            return Some(n);
        }
        (self.next < owned).then(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

struct Hold(Cell<usize>);

impl Drop for Hold {
    fn drop(&mut self) {
        let n = self.0.get();
        if n != UNSET {
            // Before giving the number back: a destructor that records after this one writes
            // the shared run, never the run that the number's next holder now owns.
            MINE.set(shared());
            POOL.lock_unpoisoned().free.push(Reverse(n));
        }
    }
}

/// This thread's number: below [`owned`] for an owned run, else [`owned`] itself, the shared
/// run's.
#[inline]
pub(crate) fn mine() -> usize {
    let n = MINE.get();
    if n == UNSET { take() } else { n }
}

#[cold]
fn take() -> usize {
    let taken = POOL.lock_unpoisoned().take(owned());
    let n = match taken {
        Some(n) => match HOLD.try_with(|hold| hold.0.set(n)) {
            Ok(()) => n,
            // The thread is ending and cannot give the number back: keep it in the pool.
            Err(_) => {
                POOL.lock_unpoisoned().free.push(Reverse(n));
                shared()
            }
        },
        None => shared(),
    };
    MINE.set(n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_hands_out_the_lowest_free_number_up_to_the_owned_count() {
        let mut pool = Pool {
            next: 0,
            free: BinaryHeap::new(),
        };
        assert_eq!(
            [pool.take(3), pool.take(3), pool.take(3)],
            [Some(0), Some(1), Some(2)]
        );
        assert_eq!(pool.take(3), None, "past the owned count, the shared run");
        pool.free.push(Reverse(2));
        pool.free.push(Reverse(0));
        assert_eq!(pool.take(3), Some(0), "the lowest given back first");
        assert_eq!(pool.take(3), Some(2));
    }

    #[test]
    fn threads_alive_at_once_never_share_an_owned_number() {
        let barrier = std::sync::Barrier::new(4);
        let numbers: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        let n = mine();
                        barrier.wait();
                        n
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(numbers.iter().all(|n| *n <= owned()), "{numbers:?}");
        let owned_ones: Vec<_> = numbers.iter().filter(|n| **n < owned()).collect();
        let distinct: std::collections::BTreeSet<_> = owned_ones.iter().collect();
        assert_eq!(distinct.len(), owned_ones.len(), "{numbers:?}");
    }
}
