use vitalsign::LabelSet;

#[derive(LabelSet)]
enum Command {
    Get,
}

fn main() {}
