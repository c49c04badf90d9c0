use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "wal:writes")]
fn handler() {}

fn main() {}
