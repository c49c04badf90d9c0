use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    NotFound,
    #[error_code("not_found")]
    Missing,
}

fn main() {}
