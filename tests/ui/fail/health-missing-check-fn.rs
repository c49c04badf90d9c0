use vitalsign::health_check;

#[health_check(name = "wal")]
struct Wal;

fn main() {}
