use vitalsign::instrumented;

#[instrumented(namespace = "db", fields(id = %id, id = ?id))]
fn handler(id: u64) -> u64 {
    id
}

fn main() {}
