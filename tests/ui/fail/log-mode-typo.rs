use vitalsign::instrumented;

#[instrumented(namespace = "db", log = "eror")]
fn handler() {}

fn main() {}
