use vitalsign::MetricGroup;

#[derive(MetricGroup)]
enum Wal {
    Writes,
}

fn main() {}
