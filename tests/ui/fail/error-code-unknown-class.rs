use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code("not_found", expectd)]
    Missing,
}

fn main() {}
