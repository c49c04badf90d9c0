use vitalsign::health_check;

#[health_check(name = "wal")]
enum Wal {
    Primary,
}

fn main() {}
