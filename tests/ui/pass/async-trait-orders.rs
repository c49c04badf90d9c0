//! `#[instrumented]` and `#[async_trait]` in either order, on the block or on a method.
#![deny(warnings)]

use async_trait::async_trait;
use vitalsign::instrumented;

#[async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<String, std::io::Error>;
}

struct A;
struct B;
struct C;

#[instrumented(namespace = "pass", name = "outer")]
#[async_trait]
impl Store for A {
    async fn get(&self, key: &str) -> Result<String, std::io::Error> {
        Ok(key.to_owned())
    }
}

#[async_trait]
#[instrumented(namespace = "pass", name = "inner")]
impl Store for B {
    async fn get(&self, key: &str) -> Result<String, std::io::Error> {
        Ok(key.to_owned())
    }
}

#[async_trait]
impl Store for C {
    #[instrumented(namespace = "pass", name = "method")]
    async fn get(&self, key: &str) -> Result<String, std::io::Error> {
        Ok(key.to_owned())
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(A.get("a").await.unwrap(), "a");
        assert_eq!(B.get("b").await.unwrap(), "b");
        assert_eq!(C.get("c").await.unwrap(), "c");
    });
}
