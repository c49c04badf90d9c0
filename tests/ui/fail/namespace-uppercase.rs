use vitalsign::instrumented;

#[instrumented(namespace = "RstmDb")]
fn handler() {}

fn main() {}
