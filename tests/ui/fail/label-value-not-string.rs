use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(shard = 3))]
fn handler() {}

fn main() {}
