use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code("not_found", transparent)]
    Missing(std::io::Error),
}

fn main() {}
