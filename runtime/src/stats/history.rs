//! The history behind `/stats/history` and the status page: at each sample, one point per
//! operation (its figures over the interval since the sample before) and one for the process,
//! each kept in a ring of a fixed number of points. An operation costs `size_of::<Point>()`
//! (104 bytes) per point, allocated once when it is first seen: 18.3 KiB at the defaults
//! (15 minutes at 5 s, 180 points).

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::{OpKey, WindowStats};

/// The recent past of every operation and of the process, oldest point first.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// Seconds between two points (`status.sample_every`).
    pub sample_every_seconds: f64,
    /// The most points kept per operation (`status.history` / `status.sample_every`).
    pub max_points: usize,
    /// Per operation, sorted by family and op.
    pub operations: Vec<OperationHistory>,
    /// The process's CPU and memory at each sample.
    pub process: Vec<ProcessPoint>,
}

/// One operation's points.
#[derive(Debug, Clone, Serialize)]
pub struct OperationHistory {
    /// The family group, `kvstore_requests`.
    pub family: String,
    /// The `op` label.
    pub op: String,
    /// Oldest first.
    pub points: Vec<Point>,
}

/// An operation's figures over one interval between samples.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// When the interval ended, in seconds since the Unix epoch.
    pub at: f64,
    /// What the interval saw, as `/stats` reports a window.
    #[serde(flatten)]
    pub figures: WindowStats,
}

/// The process at one sample.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProcessPoint {
    /// When, in seconds since the Unix epoch.
    pub at: f64,
    /// CPU used over the interval before, in cores (1.0: one core busy all the time).
    pub cpu_cores: Option<f64>,
    /// Resident memory.
    pub resident_memory_bytes: Option<f64>,
}

/// The rings, each holding at most `capacity` points.
#[derive(Debug)]
pub(super) struct Rings {
    capacity: usize,
    ops: BTreeMap<OpKey, VecDeque<Point>>,
    process: VecDeque<ProcessPoint>,
}

fn push<T>(ring: &mut VecDeque<T>, capacity: usize, item: T) {
    if ring.len() == capacity {
        ring.pop_front();
    }
    ring.push_back(item);
}

impl Rings {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ops: BTreeMap::new(),
            process: VecDeque::with_capacity(capacity),
        }
    }

    pub(super) fn push_op(&mut self, key: &OpKey, point: Point) {
        let capacity = self.capacity;
        let ring = match self.ops.get_mut(key) {
            Some(ring) => ring,
            // Allocated to its bound at once, so that it never grows past it.
            None => self
                .ops
                .entry(key.clone())
                .or_insert_with(|| VecDeque::with_capacity(capacity)),
        };
        push(ring, capacity, point);
    }

    pub(super) fn push_process(&mut self, point: ProcessPoint) {
        push(&mut self.process, self.capacity, point);
    }

    pub(super) fn view(&self, sample_every_seconds: f64) -> History {
        History {
            sample_every_seconds,
            max_points: self.capacity,
            operations: self
                .ops
                .iter()
                .map(|((family, op), points)| OperationHistory {
                    family: family.clone(),
                    op: op.clone(),
                    points: points.iter().cloned().collect(),
                })
                .collect(),
            process: self.process.iter().copied().collect(),
        }
    }

    /// Bytes held by the rings' points, allocated or not yet filled.
    #[cfg(test)]
    pub(super) fn reserved_bytes(&self) -> usize {
        self.ops
            .values()
            .map(|r| r.capacity() * std::mem::size_of::<Point>())
            .sum::<usize>()
            + self.process.capacity() * std::mem::size_of::<ProcessPoint>()
    }
}
