//! Helpers for a crate's own tests.

/// Panics with every conflict if this program's catalogue is inconsistent: two call sites that
/// use one family name with different types, label names or buckets. Call it from a test of
/// each binary or library that uses `#[instrumented]`.
///
/// ```
/// vitalsign::testing::assert_catalogue_valid();
/// ```
#[track_caller]
pub fn assert_catalogue_valid() {
    if let Err(e) = crate::catalogue().validate() {
        panic!("{e}");
    }
}
