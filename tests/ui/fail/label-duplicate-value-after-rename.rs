use vitalsign::LabelValue;

#[derive(LabelValue)]
enum Command {
    Delete,
    #[label(rename = "delete")]
    Remove,
}

fn main() {}
