use vitalsign::instrumented;

struct Handler;

#[instrumented(namespace = "db")]
impl Handler {
    #[instrumented(name = "Reads")]
    fn read(&self) {}

    #[instrumented(labels(le = "1"))]
    fn write(&self) {}
}

fn main() {}
