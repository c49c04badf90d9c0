use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "query_errors")]
fn handler() {}

fn main() {}
