use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code("a")]
    #[error_code("b")]
    Missing,
}

fn main() {}
