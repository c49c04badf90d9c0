use vitalsign::instrumented;

#[instrumented(namespace = "db", slo())]
fn handler() {}

fn main() {}
