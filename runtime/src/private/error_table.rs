//! A call site's own code → counter table: append-only, read without locks.
//!
//! Codes are `&'static str`, usually the same literal every time, so a lookup is a pointer
//! comparison over the few codes this site has seen; the first failure with a new code takes a
//! lock and registers its counter once.

use crate::sync::MutexExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::ErrorClass;
use crate::storage::{PreparedAdd, ShardedCounter};
use metrics::Counter;
use std::sync::Arc;

/// Distinct codes cached per call site. Error enums are small; a site that sees more codes than
/// this (say, a wide `io::ErrorKind` mix) still counts every error, registering the extra codes'
/// counters on each failure instead of caching them.
const SLOTS: usize = 32;

pub(super) struct ErrorTable {
    len: AtomicUsize,
    slots: [OnceLock<(&'static str, ErrorClass, CodeCounter)>; SLOTS],
    insert: Mutex<()>,
}

impl ErrorTable {
    pub(super) fn new() -> Self {
        Self {
            len: AtomicUsize::new(0),
            slots: [const { OnceLock::new() }; SLOTS],
            insert: Mutex::new(()),
        }
    }

    /// The counter of failures with `code` of `class`, once one has been registered. The call
    /// path looks it up before it reads the clock at the call's end, and counts into it after.
    #[inline]
    pub(super) fn find(&self, code: &'static str, class: ErrorClass) -> Option<&CodeCounter> {
        let len = self.len.load(Ordering::Acquire);
        let seen = || {
            self.slots[..len]
                .iter()
                .filter_map(OnceLock::get)
                .filter(move |(_, c, _)| *c == class)
        };
        // Same literal, same address: the common case needs no string comparison.
        seen()
            .find(|(known, _, _)| std::ptr::eq(*known, code))
            .or_else(|| seen().find(|(known, _, _)| *known == code))
            .map(|(_, _, counter)| counter)
    }

    /// Counts the first failure with `code` of `class` (or one that raced it to the lock), a
    /// call of `ticks` that ended at `now`; `register` makes its counter.
    #[cold]
    pub(super) fn insert(
        &self,
        code: &'static str,
        class: ErrorClass,
        (ticks, now): (u64, u64),
        register: impl FnOnce(&'static str, ErrorClass) -> CodeCounter,
    ) {
        let _lock = self.insert.lock_unpoisoned();
        if let Some(counter) = self.find(code, class) {
            return counter.increment(ticks, now);
        }
        let counter = register(code, class);
        counter.increment(ticks, now);
        let len = self.len.load(Ordering::Relaxed);
        if len < SLOTS {
            let _ = self.slots[len].set((code, class, counter));
            self.len.store(len + 1, Ordering::Release);
        }
    }
}

/// One error code's counter.
pub(super) enum CodeCounter {
    Direct(Arc<ShardedCounter>),
    Facade(Counter),
}

/// A code's counter with this thread's run found: [`CodeCounter::prepare`].
pub(super) enum PreparedCode<'a> {
    Direct(PreparedAdd<'a>),
    Facade(&'a Counter),
}

impl PreparedCode<'_> {
    /// Counts a failed call of `ticks` that ended at `now`, its exemplar if the counter keeps
    /// one.
    #[inline]
    pub(super) fn increment(self, ticks: u64, now: u64) {
        match self {
            Self::Direct(add) => add.add_call(ticks, now),
            Self::Facade(c) => c.increment(1),
        }
    }
}

impl CodeCounter {
    /// This thread's run of the counter, found before the clock is read at the call's end.
    #[inline]
    pub(super) fn prepare(&self) -> PreparedCode<'_> {
        match self {
            Self::Direct(c) => PreparedCode::Direct(c.prepare()),
            Self::Facade(c) => PreparedCode::Facade(c),
        }
    }

    /// Counts a failed call of `ticks` that ended at `now`, its exemplar if the counter keeps
    /// one.
    #[inline]
    pub(super) fn increment(&self, ticks: u64, now: u64) {
        self.prepare().increment(ticks, now);
    }
}
