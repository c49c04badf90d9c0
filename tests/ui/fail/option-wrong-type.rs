use vitalsign::instrumented;

#[instrumented(namespace = "db", name = requests)]
fn handler() {}

fn main() {}
