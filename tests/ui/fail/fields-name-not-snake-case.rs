use vitalsign::instrumented;

#[instrumented(namespace = "db", fields(instanceId = %id))]
fn handler(id: u64) -> u64 {
    id
}

fn main() {}
