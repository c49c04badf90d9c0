use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code("cancelled")]
    Aborted,
}

fn main() {}
