use vitalsign::instrumented;

#[instrumented(namespace = "db", fields(op = %kind))]
fn handler(kind: &str) -> usize {
    kind.len()
}

fn main() {}
