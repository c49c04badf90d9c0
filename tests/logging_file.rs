//! Log lines to files through a real install from a configuration file: `output: file` with
//! hourly rotation writes JSON lines into `{prefix}.{date}-{hour}` in the directory.

mod common;

#[test]
fn file_output_from_the_configuration_file() {
    let directory = std::env::temp_dir().join(format!("vitalsign-logfile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    let config = directory.with_extension("yaml");
    std::fs::write(
        &config,
        format!(
            "logging:\n  format: json\n  output: file\n  directory: {}\n  prefix: kv.log\n  rotation: hourly\n",
            directory.display()
        ),
    )
    .unwrap();
    let vitals = vitalsign::Vitals::from_config_file(&config)
        .install()
        .expect("install");
    tracing::warn!(case = "to_file", "written to a file");
    // Lines go through the writer thread's queue: out with them first.
    vitals.flush_logs();

    let files: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // kv.log.YYYY-MM-DD-HH
    let suffix = files[0].strip_prefix("kv.log.").expect("the prefix");
    assert!(
        suffix.len() == 13 && suffix.as_bytes()[10] == b'-',
        "hourly: {suffix}"
    );
    let text = std::fs::read_to_string(directory.join(&files[0])).unwrap();
    let line: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .find(|l| l["case"] == "to_file")
        .unwrap_or_else(|| panic!("no line in {text}"));
    assert_eq!(
        (line["level"].as_str(), line["message"].as_str()),
        (Some("WARN"), Some("written to a file"))
    );
    let _ = std::fs::remove_dir_all(&directory);
    let _ = std::fs::remove_file(&config);
}
