use vitalsign::instrumented;

#[instrumented(namespace = "db")]
async fn handler() -> u32 {
    "not a number"
}

fn main() {}
