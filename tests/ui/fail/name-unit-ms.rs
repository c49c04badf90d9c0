use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "query_ms")]
fn handler() {}

fn main() {}
