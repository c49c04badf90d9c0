use vitalsign::instrumented;

#[instrumented(namespace = "db", slo(sucess = 99.9))]
fn handler() {}

fn main() {}
