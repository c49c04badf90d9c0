//! Every logging option compiles, on every shape, without warnings.
#![deny(warnings)]

use vitalsign::instrumented;

struct Request {
    table: String,
}

#[instrumented(namespace = "pass", log = "all", log_level = "error", slow = "250ms", span)]
fn sync_all(id: u64) -> Result<u64, std::io::Error> {
    Ok(id)
}

#[instrumented(namespace = "pass", log = "off", slo(success = 99.95, latency = "250ms"))]
fn quiet(id: u64) -> Result<u64, String> {
    Err(id.to_string())
}

#[instrumented(namespace = "pass", fields(instance_id = %id, table = ?req.table, len = req.table.len()))]
async fn with_fields(id: &str, req: &Request) -> Result<usize, String> {
    Ok(id.len() + req.table.len())
}

#[instrumented(namespace = "pass", span, slow = "1s")]
fn returns_future(x: u32) -> impl std::future::Future<Output = u32> {
    async move { x }
}

struct Store;

#[instrumented(namespace = "pass", name = "store", span)]
impl Store {
    #[instrumented(fields(key = %key))]
    fn get(&self, key: &str) -> Option<usize> {
        Some(key.len())
    }

    fn never(&self) -> ! {
        panic!("diverges")
    }
}

fn main() {
    let _ = sync_all(1);
    let _ = quiet(2);
    let _ = Store.get("k");
    let _ = Store::never;
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let _ = with_fields("a", &Request { table: "t".into() }).await;
        let _ = returns_future(3).await;
    });
}
