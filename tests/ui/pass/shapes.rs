//! Every supported function shape compiles without warnings.
#![deny(warnings)]

use std::future::Future;

use vitalsign::{ErrorCode, instrumented};

#[derive(Debug, ErrorCode)]
enum DbError {
    NotFound,
    #[error_code(transparent)]
    Io(std::io::Error),
}

impl From<std::io::Error> for DbError {
    fn from(e: std::io::Error) -> Self {
        DbError::Io(e)
    }
}

#[instrumented(namespace = "pass")]
fn free(path: &str) -> Result<usize, DbError> {
    Ok(std::fs::read(path)?.len())
}

#[instrumented(namespace = "pass")]
pub(crate) unsafe fn unsafe_fn(p: *const u8) -> u8 {
    unsafe { *p }
}

#[instrumented(namespace = "pass")]
extern "C" fn extern_fn(x: u32) -> u32 {
    x + 1
}

#[instrumented(namespace = "pass")]
fn generic<T: Clone, U>(t: &T, _u: U) -> T
where
    U: std::fmt::Debug,
{
    t.clone()
}

#[instrumented(namespace = "pass")]
fn impl_arg(items: impl IntoIterator<Item = u32>) -> impl Iterator<Item = u32> {
    items.into_iter().map(|x| x * 2)
}

#[instrumented(namespace = "pass")]
fn patterns((a, b): (u32, u32), [c, d]: [u32; 2]) -> u32 {
    a + b + c + d
}

#[instrumented(namespace = "pass")]
fn never_returns_normally() -> ! {
    panic!("diverges")
}

#[instrumented(namespace = "pass")]
fn with_items_inside() -> u32 {
    #![allow(clippy::needless_return)]
    fn helper() -> u32 {
        2
    }
    use std::ops::Add;
    return helper().add(1);
}

#[instrumented(namespace = "pass")]
async fn async_fn(x: u32) -> Result<u32, DbError> {
    if x == 0 {
        return Err(DbError::NotFound);
    }
    Ok(x)
}

#[instrumented(namespace = "pass")]
fn returns_future(x: u32) -> impl Future<Output = u32> + Send + 'static {
    async move { x }
}

#[instrumented(namespace = "pass")]
fn returns_boxed(x: u32) -> std::pin::Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move { x })
}

struct Counter {
    n: u32,
}

#[instrumented(namespace = "pass", name = "bumps")]
impl Counter {
    fn bump(&mut self) -> &mut u32 {
        self.n += 1;
        &mut self.n
    }

    fn take(self) -> u32 {
        self.n
    }

    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    fn new() -> Self {
        Counter { n: 0 }
    }

    #[instrumented(skip)]
    fn skipped(&self) -> u32 {
        self.n
    }

    const fn constant() -> u32 {
        1
    }
}

fn main() {
    let _ = free("/nonexistent");
    let byte = 5u8;
    let _ = unsafe { unsafe_fn(&byte) };
    let _ = extern_fn(1);
    let _ = generic(&1u8, "x");
    let _ = impl_arg([1, 2]).count();
    let _ = patterns((1, 2), [3, 4]);
    // Quietly: the panic is the point, not a failure worth printing in the test log.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let _ = std::panic::catch_unwind(|| never_returns_normally());
    std::panic::set_hook(hook);
    let _ = with_items_inside();
    let mut c = Counter::new();
    *c.bump() += 1;
    let _ = c.skipped() + Counter::constant();
    let _ = Box::new(Counter::new()).boxed();
    let _ = c.take();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let _ = async_fn(1).await;
        let _ = returns_future(2).await;
        let _ = returns_boxed(3).await;
    });
}
