//! Precedence through a real install: builder < file < environment; global labels merge by
//! name across all three (each adds labels and replaces those it names).

mod common;

#[test]
fn environment_beats_file_beats_builder() {
    let dir = std::env::temp_dir().join(format!("vitalsign-config-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vitalsign.toml");
    std::fs::write(&path, "namespace = \"from_file\"\nversion = \"1.0.0\"\n[metrics]\nbind_addr = \"127.0.0.1:1\"\n[metrics.global_labels]\nzone = \"file-zone\"\nrack = \"r1\"\n[logging]\nenabled = false\n").unwrap();
    // SAFETY: the only test of this binary; no other thread reads the environment yet.
    unsafe {
        std::env::set_var("VITALSIGN_METRICS_BIND_ADDR", "127.0.0.1:0");
        std::env::set_var("VITALSIGN_NAMESPACE", "from_env");
        std::env::set_var("VITALSIGN_METRICS_GLOBAL_LABELS", "region=eu-1,rack=r2");
    }
    let vitals = vitalsign::Vitals::from_config_file(&path)
        .bind_addr("127.0.0.1:2")
        .namespace("from_code")
        .version("0.0.1")
        .global_label("team", "db")
        .global_label("zone", "code-zone")
        .install()
        .expect("install");
    assert_eq!(vitals.bind_addr().port(), 0, "environment");
    let text = vitals.render();
    let build_info = text
        .lines()
        .find(|l| l.starts_with("from_env_build_info{"))
        .unwrap_or_else(|| panic!("namespace from the environment:\n{text}"));
    assert!(
        build_info.contains("version=\"1.0.0\""),
        "version from the file: {build_info}"
    );
    for label in [
        "team=\"db\"",        // the builder's alone
        "zone=\"file-zone\"", // the file's over the builder's
        "rack=\"r2\"",        // the environment's over the file's
        "region=\"eu-1\"",    // the environment's alone
    ] {
        assert!(build_info.contains(label), "{label} in {build_info}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
