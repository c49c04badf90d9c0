use vitalsign::instrumented;

#[instrumented(namespace = "db", fields(id = 1 + 2))]
fn handler(id: u64) -> u64 {
    id
}

fn main() {}
