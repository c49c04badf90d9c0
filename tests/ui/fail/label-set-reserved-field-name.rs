use vitalsign::{LabelSet, LabelValue};

#[derive(LabelValue)]
enum Outcome { Ok, Failed }

#[derive(LabelSet)]
struct Labels {
    code: Outcome,
}

fn main() {}
