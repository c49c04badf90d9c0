use vitalsign::instrumented;

struct Session {
    user: u64,
}

impl Session {
    #[instrumented(namespace = "ui", fields(session = %self))]
    fn touch(&self) -> u64 {
        self.user
    }
}

fn main() {}
