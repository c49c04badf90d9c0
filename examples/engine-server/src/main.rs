//! Serves the `engine` library's metrics: the library depends on vitalsign's minimal set, this
//! binary on the defaults. Cargo builds one `vitalsign` for both, so the call sites compiled
//! into the library are in this binary's catalogue and on its `/metrics`.
//!
//! `cargo run -p engine-server` and `curl -s 127.0.0.1:9877/metrics | grep engine_`.

use std::time::Duration;

use engine::Engine;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vitals = vitalsign::Vitals::builder()
        .bind_addr("127.0.0.1:9877")
        .version(env!("CARGO_PKG_VERSION"))
        .install()?;
    let engine = std::sync::Arc::new(Engine::default());
    // A steady trickle of work so the counters move: writes, reads of keys that exist and of
    // keys that do not.
    let worker = engine.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        for i in 0_u64.. {
            tick.tick().await;
            let key = (i % 5_000).to_be_bytes();
            let _ = worker.put(&key, b"value");
            let _ = worker.get(&(i % 7_000).to_be_bytes());
        }
    });
    vitals.serve().await?;
    Ok(())
}
