use vitalsign::health_check;

#[health_check(name = "wal")]
struct Wal;

impl Wal {
    fn check(&self) -> u32 {
        1
    }
}

fn main() {}
