//! Checks every database server needs: disk space, process memory, a dependency's TCP port.

mod disk;
mod memory;
mod tcp;

pub use disk::DiskSpace;
pub use memory::{ProcessMemory, resident_bytes};
pub use tcp::TcpConnect;

/// A free-space or usage threshold: absolute bytes or a ratio of the total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Bytes.
    Bytes(u64),
    /// A fraction between 0 and 1 of the total.
    Ratio(f64),
}

impl Threshold {
    /// The threshold in bytes for a total of `total` bytes.
    pub fn bytes_of(self, total: u64) -> u64 {
        match self {
            Threshold::Bytes(b) => b,
            Threshold::Ratio(r) => (total as f64 * r.clamp(0.0, 1.0)) as u64,
        }
    }
}
