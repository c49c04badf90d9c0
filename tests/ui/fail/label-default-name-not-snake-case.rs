use vitalsign::LabelValue;

#[derive(LabelValue)]
#[label(name = "Command-Kind")]
enum CommandKind {
    Get,
}

fn main() {}
