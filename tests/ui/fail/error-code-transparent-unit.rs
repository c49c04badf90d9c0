use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code(transparent)]
    Io,
}

fn main() {}
