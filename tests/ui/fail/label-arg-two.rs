use vitalsign::{LabelValue, instrumented};

#[derive(Clone, Copy, LabelValue)]
enum Kind {
    Read,
    Write,
}

#[derive(Clone, Copy, LabelValue)]
enum Table {
    Users,
}

#[instrumented(namespace = "db", labels(kind = kind, table = table))]
fn apply(kind: Kind, table: Table) -> u64 {
    1
}

fn main() {}
