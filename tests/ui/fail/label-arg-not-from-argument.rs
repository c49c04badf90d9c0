use vitalsign::{LabelValue, instrumented};

#[derive(Clone, Copy, LabelValue)]
enum Kind {
    Order,
}

static CURRENT: Kind = Kind::Order;

#[instrumented(namespace = "db", labels(machine = CURRENT))]
fn apply(id: u64) -> u64 {
    id
}

fn main() {}
