use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code(expected, failure)]
    Missing,
}

fn main() {}
