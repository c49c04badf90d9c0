use vitalsign::ErrorCode;

#[derive(Debug, ErrorCode)]
enum DbError {
    Panic,
}

fn main() {}
