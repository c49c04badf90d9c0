use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "payload_mebibytes")]
fn handler() {}

fn main() {}
