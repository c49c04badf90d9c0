//! Precedence through a real install: builder < file < environment.

mod common;

#[test]
fn environment_beats_file_beats_builder() {
    let dir = std::env::temp_dir().join(format!("vitalsign-config-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vitalsign.toml");
    std::fs::write(&path, "namespace = \"from_file\"\nversion = \"1.0.0\"\n[metrics]\nbind_addr = \"127.0.0.1:1\"\n[logging]\nenabled = false\n").unwrap();
    // SAFETY: the only test of this binary; no other thread reads the environment yet.
    unsafe {
        std::env::set_var("VITALSIGN_METRICS_BIND_ADDR", "127.0.0.1:0");
        std::env::set_var("VITALSIGN_NAMESPACE", "from_env");
    }
    let vitals = vitalsign::Vitals::from_config_file(&path)
        .bind_addr("127.0.0.1:2")
        .namespace("from_code")
        .version("0.0.1")
        .install()
        .expect("install");
    assert_eq!(vitals.bind_addr().port(), 0, "environment");
    let text = vitals.render();
    assert!(
        text.contains("from_env_build_info{version=\"1.0.0\""),
        "namespace from the environment, version from the file:\n{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
