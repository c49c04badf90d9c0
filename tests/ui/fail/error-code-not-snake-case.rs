use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code("NotFound")]
    Missing,
}

fn main() {}
