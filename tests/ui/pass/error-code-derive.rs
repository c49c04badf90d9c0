//! `#[derive(ErrorCode)]` on every kind of type it accepts.
#![deny(warnings)]

use vitalsign::{ErrorClass, ErrorCode};

#[derive(Debug, ErrorCode)]
enum Generic<E: std::fmt::Debug> {
    #[error_code(transparent)]
    Inner { source: std::io::Error },
    Wrapped(E),
    #[error_code("invalid_transition")]
    Rejected,
    #[error_code(expected)]
    Missing,
    #[error_code("bad_value", expected)]
    Invalid,
    #[error_code(transparent, expected)]
    Input(std::io::Error),
    #[error_code(failure, transparent)]
    Refused(std::io::Error),
}

#[derive(Debug, ErrorCode)]
struct Timeout;

#[derive(Debug, ErrorCode)]
#[error_code("wal_full")]
struct WalFull {
    _bytes: u64,
}

#[derive(Debug, ErrorCode)]
#[error_code(transparent)]
struct Wrapper(Generic<String>);

#[derive(Debug, ErrorCode)]
enum Empty {}

fn main() {
    let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
    assert_eq!(Generic::<u8>::Inner { source: io }.error_code(), "storage_full");
    assert_eq!(Generic::Wrapped(1u8).error_code(), "wrapped");
    assert_eq!(Generic::<u8>::Rejected.error_code(), "invalid_transition");
    assert_eq!(Timeout.error_code(), "timeout");
    assert_eq!(WalFull { _bytes: 1 }.error_code(), "wal_full");
    assert_eq!(Wrapper(Generic::Rejected).error_code(), "invalid_transition");
    let _ = |e: Empty| e.error_code();

    // Classes: named, taken from a transparent field, or `failure` by default.
    use std::io::ErrorKind;
    let io = |kind: ErrorKind| std::io::Error::from(kind);
    assert_eq!(Generic::<u8>::Missing.error_class(), ErrorClass::Expected);
    assert_eq!(Generic::<u8>::Invalid.error_code(), "bad_value");
    assert_eq!(Generic::<u8>::Invalid.error_class(), ErrorClass::Expected);
    assert_eq!(Generic::<u8>::Rejected.error_class(), ErrorClass::Failure);
    let wrapped = Generic::<u8>::Input(io(ErrorKind::StorageFull));
    assert_eq!(wrapped.error_code(), "storage_full");
    assert_eq!(wrapped.error_class(), ErrorClass::Expected, "the variant's class wins");
    let refused = Generic::<u8>::Refused(io(ErrorKind::InvalidInput));
    assert_eq!(refused.error_class(), ErrorClass::Failure);
    let inner = Generic::<u8>::Inner { source: io(ErrorKind::InvalidInput) };
    assert_eq!(inner.error_class(), ErrorClass::Expected, "the field's class");
    assert_eq!(Wrapper(Generic::Missing).error_class(), ErrorClass::Expected);
    assert_eq!(Timeout.error_class(), ErrorClass::Failure);
}
