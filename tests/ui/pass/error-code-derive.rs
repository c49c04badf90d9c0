//! `#[derive(ErrorCode)]` on every kind of type it accepts.
#![deny(warnings)]

use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum Generic<E: std::fmt::Debug> {
    #[error_code(transparent)]
    Inner { source: std::io::Error },
    Wrapped(E),
    #[error_code("invalid_transition")]
    Rejected,
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
}
