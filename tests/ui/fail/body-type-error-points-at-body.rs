use vitalsign::instrumented;

#[instrumented(namespace = "db")]
fn handler() -> u32 {
    "not a number"
}

fn main() {}
