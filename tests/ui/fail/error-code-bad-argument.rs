use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code(42)]
    Missing,
}

fn main() {}
