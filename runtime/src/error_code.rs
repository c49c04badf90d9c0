//! Stable, bounded error codes: the `code` label of `*_errors_total`.

/// An error that names itself with a short, stable, snake_case code.
///
/// Derive it with `#[derive(ErrorCode)]`: each variant's code is its name in snake_case,
/// `#[error_code("invalid_transition")]` overrides it, and `#[error_code(transparent)]` on a
/// variant with one field asks that field for the code. Codes are `&'static str`, so the set of
/// values a `code` label can take is fixed when the program is compiled.
///
/// Each code also has a class ([`ErrorClass`]): `failure` unless the variant says
/// `#[error_code(expected)]` (an outcome the caller asked for, like an HTTP 4xx: a missing key,
/// a value that does not parse). `_errors_total` counts both, with a `class` label; generated
/// error-ratio alerts and SLO success ratios count failures only. A transparent variant takes
/// its field's class unless it names one: `#[error_code(transparent, expected)]`.
///
/// An instrumented function whose error type does not implement `ErrorCode` still compiles;
/// its failures are counted under `code="error"`, class `failure`.
///
/// ```
/// use vitalsign::ErrorCode;
///
/// #[derive(Debug, ErrorCode)]
/// enum DbError {
///     #[error_code(expected)]
///     NotFound(String),
///     #[error_code("invalid_transition")]
///     Rejected,
///     #[error_code(transparent)]
///     Io(std::io::Error),
/// }
///
/// assert_eq!(DbError::NotFound("x".into()).error_code(), "not_found");
/// assert_eq!(DbError::Rejected.error_code(), "invalid_transition");
/// let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
/// assert_eq!(DbError::Io(io).error_code(), "permission_denied");
///
/// use vitalsign::ErrorClass;
/// assert_eq!(DbError::NotFound("x".into()).error_class(), ErrorClass::Expected);
/// assert_eq!(DbError::Rejected.error_class(), ErrorClass::Failure);
/// ```
pub trait ErrorCode {
    /// The code of this error: snake_case, at most 64 bytes, fixed at compile time.
    fn error_code(&self) -> &'static str;

    /// Whether this error is a real failure (the default) or an outcome the caller asked for.
    fn error_class(&self) -> ErrorClass {
        ErrorClass::Failure
    }
}

/// The codes of a type that derives `ErrorCode`, collected into the catalogue
/// (`Catalogue::error_types`) so that the generated reference
/// lists each code with its class. Written by the derive.
#[derive(Debug)]
pub struct ErrorCodes {
    /// The type's name.
    pub type_name: &'static str,
    /// Its module.
    pub module: &'static str,
    /// Its own codes and their classes.
    pub codes: &'static [(&'static str, ErrorClass)],
    /// Transparent variants: the field's type, whose codes it answers, and the class the variant
    /// names instead of the field's, if any.
    pub transparent: &'static [(&'static str, Option<ErrorClass>)],
}

inventory::collect!(ErrorCodes);

/// Every type that derives `ErrorCode` in the program, sorted by module and name.
pub(crate) fn error_types() -> Vec<&'static ErrorCodes> {
    let mut all: Vec<_> = inventory::iter::<ErrorCodes>.into_iter().collect();
    all.sort_by_key(|t| (t.module, t.type_name));
    all
}

/// The class of an error code: the `class` label of `_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// An outcome the caller asked for, like an HTTP 4xx: counted, but left out of error-ratio
    /// alerts and SLO success ratios.
    Expected,
    /// A real failure, like an HTTP 5xx.
    Failure,
}

impl ErrorClass {
    /// The `class` label's value: `expected` or `failure`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Expected => vitalsign_naming::EXPECTED_CLASS,
            ErrorClass::Failure => vitalsign_naming::FAILURE_CLASS,
        }
    }
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<E: ErrorCode + ?Sized> ErrorCode for &E {
    fn error_code(&self) -> &'static str {
        (**self).error_code()
    }

    fn error_class(&self) -> ErrorClass {
        (**self).error_class()
    }
}

impl<E: ErrorCode + ?Sized> ErrorCode for Box<E> {
    fn error_code(&self) -> &'static str {
        (**self).error_code()
    }

    fn error_class(&self) -> ErrorClass {
        (**self).error_class()
    }
}

impl<E: ErrorCode + ?Sized> ErrorCode for std::sync::Arc<E> {
    fn error_code(&self) -> &'static str {
        (**self).error_code()
    }

    fn error_class(&self) -> ErrorClass {
        (**self).error_class()
    }
}

impl ErrorCode for std::io::Error {
    fn error_code(&self) -> &'static str {
        self.kind().error_code()
    }

    fn error_class(&self) -> ErrorClass {
        self.kind().error_class()
    }
}

impl ErrorCode for std::io::ErrorKind {
    /// The kind's name in snake_case; kinds added to std after this list fall back to `other`.
    fn error_code(&self) -> &'static str {
        use std::io::ErrorKind as K;
        match self {
            K::NotFound => "not_found",
            K::PermissionDenied => "permission_denied",
            K::ConnectionRefused => "connection_refused",
            K::ConnectionReset => "connection_reset",
            K::HostUnreachable => "host_unreachable",
            K::NetworkUnreachable => "network_unreachable",
            K::ConnectionAborted => "connection_aborted",
            K::NotConnected => "not_connected",
            K::AddrInUse => "addr_in_use",
            K::AddrNotAvailable => "addr_not_available",
            K::NetworkDown => "network_down",
            K::BrokenPipe => "broken_pipe",
            K::AlreadyExists => "already_exists",
            K::WouldBlock => "would_block",
            K::NotADirectory => "not_a_directory",
            K::IsADirectory => "is_a_directory",
            K::DirectoryNotEmpty => "directory_not_empty",
            K::ReadOnlyFilesystem => "read_only_filesystem",
            K::StaleNetworkFileHandle => "stale_network_file_handle",
            K::InvalidInput => "invalid_input",
            K::InvalidData => "invalid_data",
            K::TimedOut => "timed_out",
            K::WriteZero => "write_zero",
            K::StorageFull => "storage_full",
            K::NotSeekable => "not_seekable",
            K::QuotaExceeded => "quota_exceeded",
            K::FileTooLarge => "file_too_large",
            K::ResourceBusy => "resource_busy",
            K::ExecutableFileBusy => "executable_file_busy",
            K::Deadlock => "deadlock",
            K::CrossesDevices => "crosses_devices",
            K::TooManyLinks => "too_many_links",
            K::InvalidFilename => "invalid_filename",
            K::ArgumentListTooLong => "argument_list_too_long",
            K::Interrupted => "interrupted",
            K::Unsupported => "unsupported",
            K::UnexpectedEof => "unexpected_eof",
            K::OutOfMemory => "out_of_memory",
            _ => "other",
        }
    }

    /// `expected` for `InvalidInput` (the caller's argument was refused); every other kind comes
    /// from the system or the peer and is a `failure`. A wrapping variant can say otherwise:
    /// `#[error_code(transparent, expected)]`.
    fn error_class(&self) -> ErrorClass {
        match self {
            std::io::ErrorKind::InvalidInput => ErrorClass::Expected,
            _ => ErrorClass::Failure,
        }
    }
}

impl ErrorCode for std::fmt::Error {
    fn error_code(&self) -> &'static str {
        "fmt"
    }
}

impl ErrorCode for std::num::ParseIntError {
    fn error_code(&self) -> &'static str {
        "parse_int"
    }
}

impl ErrorCode for std::num::ParseFloatError {
    fn error_code(&self) -> &'static str {
        "parse_float"
    }
}

impl ErrorCode for std::str::Utf8Error {
    fn error_code(&self) -> &'static str {
        "invalid_utf8"
    }
}

impl ErrorCode for std::string::FromUtf8Error {
    fn error_code(&self) -> &'static str {
        "invalid_utf8"
    }
}

/// With the `health` feature, which brings tokio.
#[cfg(feature = "health")]
impl ErrorCode for tokio::time::error::Elapsed {
    fn error_code(&self) -> &'static str {
        "timed_out"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;

    #[test]
    fn io_codes_are_valid_codes() {
        let kinds = [
            ErrorKind::NotFound,
            ErrorKind::PermissionDenied,
            ErrorKind::ConnectionRefused,
            ErrorKind::TimedOut,
            ErrorKind::UnexpectedEof,
            ErrorKind::StorageFull,
            ErrorKind::Other,
        ];
        for kind in kinds {
            let code = kind.error_code();
            assert!(
                vitalsign_naming::check_error_code(code).is_empty(),
                "{code}"
            );
        }
        assert_eq!(std::io::Error::other("x").error_code(), "other");
    }

    #[test]
    fn references_and_boxes_delegate() {
        let e = std::io::Error::from(ErrorKind::BrokenPipe);
        assert_eq!(
            <&std::io::Error as ErrorCode>::error_code(&&e),
            "broken_pipe"
        );
        assert_eq!(Box::new(e).error_code(), "broken_pipe");
    }
}
