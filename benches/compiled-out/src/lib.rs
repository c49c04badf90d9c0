//! The function the `compiled_out` benchmark measures, written twice: bare and under
//! `#[instrumented]`. Built with vitalsign's `metrics` feature off, the two must be the same
//! code.

/// The benchmark's error.
#[derive(Debug, vitalsign::ErrorCode)]
pub enum WorkError {
    /// Every 16th call.
    Odd,
}

/// No instrumentation.
#[inline(never)]
pub fn bare(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

/// `#[instrumented]`, compiled out.
#[inline(never)]
#[vitalsign::instrumented(namespace = "bench", name = "compiled_out")]
pub fn instrumented(x: u64) -> Result<u64, WorkError> {
    if x % 16 == 15 {
        Err(WorkError::Odd)
    } else {
        Ok(x.wrapping_mul(31))
    }
}

/// Whether this build compiled instrumentation in: the instrumented function is in the
/// catalogue only if it did.
pub fn compiled_in() -> bool {
    !vitalsign::catalogue().families().is_empty()
}
