//! A small ordered key-value engine: a memtable that flushes into sorted, immutable segments
//! when it grows past a limit, and reads that look in the memtable first, then the segments
//! newest first.
//!
//! It depends on vitalsign's minimal feature set only: its functions are instrumented, its
//! errors have codes, its sizes are declared metrics, and nothing here installs, serves or
//! logs. The binary that links it (`examples/engine-server`) does.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use vitalsign::{Counter, ErrorCode, IntGauge, MetricGroup, instrumented};

/// Why an operation failed; each variant is a stable `code` label.
#[derive(Debug, Clone, PartialEq, Eq, ErrorCode)]
pub enum EngineError {
    /// No value for the key.
    NotFound,
    /// The key is empty or longer than [`MAX_KEY_LEN`].
    #[error_code("invalid_key")]
    BadKey,
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("key not found"),
            Self::BadKey => write!(f, "a key is 1 to {MAX_KEY_LEN} bytes"),
        }
    }
}

impl std::error::Error for EngineError {}

/// The engine's sizes, declared once and recorded straight into the storage of whatever binary
/// installs vitalsign.
#[derive(MetricGroup)]
#[metric_group(namespace = "engine")]
pub struct EngineMetrics {
    /// Entries in the memtable now.
    pub memtable_entries: IntGauge,
    /// Sorted segments now.
    pub segments: IntGauge,
    /// Entries moved from the memtable into segments.
    pub flushed_entries_total: Counter,
}

/// The engine's metrics.
pub static METRICS: EngineMetrics = EngineMetrics::new();

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 256;

/// Entries in the memtable before it is flushed into a segment.
const MEMTABLE_LIMIT: usize = 1_024;

#[derive(Debug, Default)]
struct State {
    memtable: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Oldest first; `None` values are deletions.
    segments: Vec<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

/// The engine. Cheap operations under one lock: a sketch of an engine's shape, not a fast one.
#[derive(Debug, Default)]
pub struct Engine {
    state: Mutex<State>,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn check(key: &[u8]) -> Result<(), EngineError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        Err(EngineError::BadKey)
    } else {
        Ok(())
    }
}

#[instrumented(name = "operations")]
impl Engine {
    /// Reads a key.
    pub fn get(&self, key: &[u8]) -> Result<Vec<u8>, EngineError> {
        check(key)?;
        let state = self.lock();
        let found = state
            .memtable
            .get(key)
            .or_else(|| state.segments.iter().rev().find_map(|s| s.get(key)));
        match found {
            Some(Some(value)) => Ok(value.clone()),
            Some(None) | None => Err(EngineError::NotFound),
        }
    }

    /// Writes a key.
    pub fn put(&self, key: &[u8], value: &[u8]) -> Result<(), EngineError> {
        check(key)?;
        let mut state = self.lock();
        state.memtable.insert(key.to_vec(), Some(value.to_vec()));
        if state.memtable.len() >= MEMTABLE_LIMIT {
            self.flush(&mut state);
        }
        METRICS.memtable_entries.set(count(state.memtable.len()));
        Ok(())
    }

    /// Deletes a key (a tombstone until the segments are merged).
    pub fn delete(&self, key: &[u8]) -> Result<(), EngineError> {
        check(key)?;
        let mut state = self.lock();
        state.memtable.insert(key.to_vec(), None);
        METRICS.memtable_entries.set(count(state.memtable.len()));
        Ok(())
    }

    /// Moves the memtable into a new segment.
    #[instrumented(name = "flushes")]
    fn flush(&self, state: &mut State) {
        let memtable = std::mem::take(&mut state.memtable);
        METRICS.flushed_entries_total.add(memtable.len() as u64);
        state.segments.push(memtable);
        METRICS.segments.set(count(state.segments.len()));
    }

    /// Segments on disk, as it were.
    #[instrumented(skip)]
    pub fn segments(&self) -> usize {
        self.lock().segments.len()
    }

    #[instrumented(skip)]
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_the_newest_write_across_flushes() {
        let engine = Engine::default();
        for i in 0..3_000_u32 {
            engine.put(&i.to_be_bytes(), b"old").unwrap();
        }
        engine.put(&7_u32.to_be_bytes(), b"new").unwrap();
        engine.delete(&8_u32.to_be_bytes()).unwrap();
        assert!(engine.segments() >= 2);
        assert_eq!(engine.get(&7_u32.to_be_bytes()).unwrap(), b"new");
        assert_eq!(engine.get(&9_u32.to_be_bytes()).unwrap(), b"old");
        assert_eq!(engine.get(&8_u32.to_be_bytes()), Err(EngineError::NotFound));
        assert_eq!(engine.get(b""), Err(EngineError::BadKey));
    }

    #[test]
    fn the_catalogue_is_consistent() {
        vitalsign::testing::assert_catalogue_valid();
    }
}
