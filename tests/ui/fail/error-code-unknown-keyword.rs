use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code(transparnet)]
    Missing,
}

fn main() {}
