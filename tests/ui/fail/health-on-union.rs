use vitalsign::health_check;

#[health_check(name = "wal")]
union Wal {
    bytes: u64,
    ratio: f64,
}

fn main() {}
