use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    #[error_code(transparent)]
    Io(std::io::Error, String),
}

fn main() {}
