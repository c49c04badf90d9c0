//! The database's errors. Each has a stable code: the `code` label of
//! `kvstore_requests_errors_total` and the word after `ERR` on the wire. The ones a client
//! asked for (a missing key, a request the protocol refuses) are of class `expected`, like an
//! HTTP 4xx: counted, but no error-ratio alert or SLO counts them. The WAL's I/O errors and a
//! health registration that fails are real failures.

use vitalsign::ErrorCode;

/// Longest key accepted, in bytes.
pub const MAX_KEY: usize = 256;
/// Largest value accepted, in bytes.
pub const MAX_VALUE: usize = 64 * 1024;

/// Why a request failed.
#[derive(Debug, thiserror::Error, ErrorCode)]
pub enum KvError {
    /// The key does not exist.
    #[error("key {0:?} not found")]
    #[error_code(expected)]
    NotFound(String),
    /// The first word is not a command.
    #[error("unknown command {0:?}")]
    #[error_code("unknown_command", expected)]
    UnknownCommand(String),
    /// The command's arguments are wrong.
    #[error("malformed request: {0}")]
    #[error_code(expected)]
    Malformed(&'static str),
    /// `INCR` on a value that is not an integer.
    #[error("value of {0:?} is not an integer")]
    #[error_code("invalid_value", expected)]
    NotAnInteger(String),
    /// The key is longer than [`MAX_KEY`].
    #[error("key longer than {MAX_KEY} bytes")]
    #[error_code(expected)]
    KeyTooLong,
    /// The value is larger than [`MAX_VALUE`].
    #[error("value larger than {MAX_VALUE} bytes")]
    #[error_code(expected)]
    ValueTooLarge,
    /// Another server holds the data directory.
    #[error(
        "data directory {} is in use by another kvstore (it holds {}/LOCK); stop it or give this one another --data-dir",
        .0.display(),
        .0.display()
    )]
    #[error_code("data_dir_locked")]
    Locked(std::path::PathBuf),
    /// A health check could not be registered.
    #[error("health check: {0}")]
    #[error_code("internal")]
    Health(#[from] vitalsign::health::HealthError),
    /// The write-ahead log could not be written or read; the code is the I/O error kind.
    #[error(transparent)]
    #[error_code(transparent)]
    Io(#[from] std::io::Error),
}
