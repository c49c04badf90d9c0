use vitalsign::ErrorCode;

#[derive(Debug)]
struct Inner;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code(transparent)]
    Other(Inner),
}

fn main() {}
