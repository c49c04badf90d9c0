use vitalsign::{LabelValue, instrumented};

#[derive(Clone, Copy, LabelValue)]
enum Kind {
    Read,
    Write,
}

#[instrumented(namespace = "db", labels(op = kind))]
fn apply(kind: Kind) -> u64 {
    1
}

fn main() {}
