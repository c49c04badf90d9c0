use vitalsign::LabelValue;

#[derive(LabelValue)]
struct Command {
    name: String,
}

fn main() {}
