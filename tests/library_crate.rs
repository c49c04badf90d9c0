//! A library crate on the minimal feature set (`examples/engine`) is served by the binary that
//! installs vitalsign: its call sites are in this program's catalogue and on `/metrics`,
//! counted exactly, with its error codes.

mod common;

use engine::{Engine, EngineError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minimal_set_library_is_served_by_the_binary() {
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .unwrap();
    let functions: Vec<&str> = vitals
        .catalogue()
        .sites()
        .iter()
        .filter(|s| s.module() == "engine")
        .map(|s| s.function())
        .collect();
    assert_eq!(
        functions,
        [
            "Engine::get",
            "Engine::put",
            "Engine::delete",
            "Engine::flush"
        ]
    );
    let addr = common::serve(&vitals).await;

    let engine = Engine::default();
    for i in 0..1_500_u32 {
        engine.put(&i.to_be_bytes(), b"v").unwrap();
    }
    for i in 1_000..2_000_u32 {
        let _ = engine.get(&i.to_be_bytes());
    }
    assert_eq!(engine.get(b""), Err(EngineError::BadKey));

    let reply = common::request(addr, "GET", "/metrics").await;
    let s = common::parse(&reply.body).unwrap_or_else(|e| panic!("{e}"));
    let op = |name| [("op", name)];
    assert_eq!(
        s.get("engine_operations_total", &op("Engine::put")),
        1_500.0
    );
    assert_eq!(
        s.get("engine_operations_total", &op("Engine::get")),
        1_001.0
    );
    assert_eq!(s.get("engine_flushes_total", &op("Engine::flush")), 1.0);
    // The library's declared metrics, recorded into the binary's storage.
    assert_eq!(s.get("engine_flushed_entries_total", &[]), 1_024.0);
    assert_eq!(s.get("engine_segments", &[]), 1.0);
    assert_eq!(s.get("engine_memtable_entries", &[]), 1_500.0 - 1_024.0);
    let errors = |code| {
        s.get(
            "engine_operations_errors_total",
            &[("op", "Engine::get"), ("code", code), ("class", "failure")],
        )
    };
    assert_eq!(errors("not_found"), 500.0);
    assert_eq!(errors("invalid_key"), 1.0);
    assert_eq!(
        s.families["engine_operations_total"].help.as_deref(),
        Some("Completed calls, for `Engine::get`, `Engine::put` and 1 more.")
    );
}
