//! One series' storage, as each metric type keeps it.

use metrics::{Key, Recorder};

/// One series' storage, of one metric type.
pub(crate) trait Cell: Sized + Send + Sync {
    /// vitalsign's storage for `key`, when its recorder is installed, else a handle of the
    /// global recorder.
    fn resolve(key: &Key) -> Self;
    /// A handle of `recorder` for `key`, used once, uncached.
    fn unbound(recorder: &dyn Recorder, key: &Key) -> Self;
}
