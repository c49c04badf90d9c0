use vitalsign::health::Outcome;
use vitalsign::health_check;

#[health_check(name = "wal", readiness = true)]
struct Wal;

impl Wal {
    fn check(&self) -> Outcome {
        Outcome::healthy()
    }
}

fn main() {}
