//! Every function shape `#[instrumented]` supports, called for real and counted exactly.
//!
//! The `user` module is written like user code under strict lints (`deny(warnings)`, clippy
//! pedantic as errors under `cargo clippy -- -D warnings`): generated code must not trip them.

mod common;

use std::sync::OnceLock;

use common::Scrape;
use vitalsign::Vitals;

fn vitals() -> &'static Vitals {
    static V: OnceLock<Vitals> = OnceLock::new();
    V.get_or_init(|| Vitals::builder().logging(false).install().expect("install"))
}

fn scrape() -> Scrape {
    common::parse(&vitals().render()).expect("well-formed exposition")
}

#[deny(warnings)]
#[warn(clippy::pedantic)]
#[allow(
    dead_code,
    clippy::missing_errors_doc,
    clippy::missing_panics_doc,
    clippy::unused_async,
    clippy::unused_self
)]
mod user {
    // Hygiene: user types shadowing the prelude's must not confuse the generated code.
    pub(crate) struct Result;
    pub(crate) struct Option;
    pub(crate) struct Box;
    pub(crate) struct Some;
    pub(crate) struct Ok;

    use std::future::Future;
    use std::io;

    use vitalsign::{ErrorCode, instrumented};

    #[derive(Debug, ErrorCode)]
    pub(crate) enum DbError {
        NotFound(String),
        #[error_code("invalid_transition")]
        Rejected,
        #[error_code(transparent)]
        Io(io::Error),
    }

    impl From<io::Error> for DbError {
        fn from(e: io::Error) -> Self {
            DbError::Io(e)
        }
    }

    /// Looks a key up.
    #[instrumented(namespace = "shapes", name = "free")]
    pub fn free(key: &str) -> core::result::Result<u32, DbError> {
        if key.is_empty() {
            // An early return is counted once.
            return core::result::Result::Err(DbError::Rejected);
        }
        if key == "io" {
            // `?` converts through `From`, inferred against the declared return type.
            std::fs::read("/definitely/not/here/vitalsign")?;
        }
        if key == "missing" {
            return core::result::Result::Err(DbError::NotFound(key.to_owned()));
        }
        core::result::Result::Ok(u32::try_from(key.len()).unwrap_or(u32::MAX))
    }

    #[instrumented(namespace = "shapes", name = "panicky")]
    pub fn panicky(explode: bool) -> u8 {
        assert!(!explode, "boom");
        7
    }

    /// Returns `io::Result`, an alias: the codes come from `io::ErrorKind`.
    #[instrumented(namespace = "shapes", name = "alias")]
    pub fn alias(fail: bool) -> io::Result<()> {
        if fail {
            core::result::Result::Err(io::Error::from(io::ErrorKind::PermissionDenied))
        } else {
            core::result::Result::Ok(())
        }
    }

    /// An error type without `ErrorCode` is counted as `code="error"`.
    #[instrumented(namespace = "shapes", name = "uncoded")]
    pub fn uncoded(fail: bool) -> core::result::Result<(), String> {
        if fail {
            core::result::Result::Err("nope".to_owned())
        } else {
            core::result::Result::Ok(())
        }
    }

    /// Generic with a where-clause.
    #[instrumented(namespace = "shapes", name = "generic")]
    pub fn generic<T>(items: &[T]) -> usize
    where
        T: Clone + std::fmt::Debug,
    {
        items.to_vec().len()
    }

    /// Returns `impl Trait`.
    #[instrumented(namespace = "shapes", name = "iter")]
    pub fn evens(limit: u32) -> impl Iterator<Item = u32> {
        (0..limit).filter(|n| n % 2 == 0)
    }

    pub(crate) struct Store {
        pub values: Vec<u32>,
    }

    impl Store {
        /// Returns a borrow of `self`: the wrapped body may return borrows of its arguments.
        #[instrumented(namespace = "shapes", name = "method")]
        pub fn first_mut(&mut self) -> core::option::Option<&mut u32> {
            self.values.first_mut()
        }

        #[instrumented(namespace = "shapes", name = "method")]
        pub fn peek(&self) -> &[u32] {
            &self.values
        }

        #[instrumented(namespace = "shapes", name = "method")]
        #[must_use]
        pub fn into_len(self) -> usize {
            self.values.len()
        }
    }

    pub(crate) trait Named {
        fn name(&self) -> String;
    }

    impl Named for Store {
        #[instrumented(namespace = "shapes", name = "trait_impl")]
        fn name(&self) -> String {
            format!("store of {}", self.values.len())
        }
    }

    /// A whole impl block: every method, `skip` opts out, `const fn` is left alone.
    pub(crate) struct Table;

    #[instrumented(namespace = "shapes", name = "table")]
    impl Table {
        pub fn insert(&self, v: u32) -> core::result::Result<u32, DbError> {
            if v == 0 {
                core::result::Result::Err(DbError::Rejected)
            } else {
                core::result::Result::Ok(v)
            }
        }

        #[instrumented(labels(op = "lookup"))]
        pub fn get(&self, v: u32) -> u32 {
            v
        }

        #[instrumented(skip)]
        pub(crate) fn untracked(&self) -> u32 {
            1
        }

        #[must_use]
        pub(crate) const fn width() -> u32 {
            3
        }
    }

    /// Async with `?` conversion inside.
    #[instrumented(namespace = "shapes", name = "async_fn")]
    pub async fn fetch(key: &str) -> core::result::Result<String, DbError> {
        tokio::task::yield_now().await;
        if key == "io" {
            std::fs::read("/definitely/not/here/vitalsign")?;
        }
        core::result::Result::Ok(key.to_uppercase())
    }

    /// Never completes on its own: dropped by a timeout, it is recorded as cancelled.
    #[instrumented(namespace = "shapes", name = "cancellable")]
    pub async fn stall() -> u8 {
        std::future::pending::<()>().await;
        0
    }

    /// Returns `impl Future`; timed from first poll to completion.
    #[instrumented(namespace = "shapes", name = "impl_future")]
    pub fn later(v: u32) -> impl Future<Output = core::result::Result<u32, DbError>> + Send {
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if v == 0 {
                core::result::Result::Err(DbError::Rejected)
            } else {
                core::result::Result::Ok(v)
            }
        }
    }
}

/// `#[async_trait]` itself writes a bare `Box`, so these live outside the hygiene module.
#[deny(warnings)]
#[warn(clippy::pedantic)]
mod user_async_trait {
    use super::user::DbError;
    use vitalsign::instrumented;

    #[async_trait::async_trait]
    pub(crate) trait Service {
        async fn call(&self, v: u32) -> core::result::Result<u32, DbError>;
        async fn other(&self) -> u32;
    }

    pub(crate) struct Svc;

    // Both attribute orders: ours outside `#[async_trait]` on the block ...
    #[instrumented(namespace = "shapes", name = "async_trait_outer")]
    #[async_trait::async_trait]
    impl Service for Svc {
        async fn call(&self, v: u32) -> core::result::Result<u32, DbError> {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if v == 0 {
                core::result::Result::Err(DbError::Rejected)
            } else {
                core::result::Result::Ok(v)
            }
        }

        async fn other(&self) -> u32 {
            5
        }
    }

    pub(crate) struct Svc2;

    // ... and inside it, on a method.
    #[async_trait::async_trait]
    impl Service for Svc2 {
        #[instrumented(namespace = "shapes", name = "async_trait_inner")]
        async fn call(&self, v: u32) -> core::result::Result<u32, DbError> {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            if v == 0 {
                core::result::Result::Err(DbError::Rejected)
            } else {
                core::result::Result::Ok(v)
            }
        }

        async fn other(&self) -> u32 {
            6
        }
    }
}

use user::{DbError, Named};
use user_async_trait::Service;

#[test]
fn free_fn_counts_each_outcome_once() {
    vitals();
    assert_eq!(user::free("abc").unwrap(), 3);
    assert!(matches!(user::free(""), Err(DbError::Rejected)));
    assert!(matches!(user::free("io"), Err(DbError::Io(_))));
    assert!(matches!(user::free("missing"), Err(DbError::NotFound(_))));
    let s = scrape();
    let op = [("op", "free")];
    assert_eq!(s.get("shapes_free_total", &op), 4.0);
    assert_eq!(s.histogram_count("shapes_free_duration_seconds", &op), 4.0);
    assert_eq!(
        s.get(
            "shapes_free_errors_total",
            &[
                ("op", "free"),
                ("code", "invalid_transition"),
                ("class", "failure")
            ]
        ),
        1.0
    );
    // The transparent io::Error (ErrorKind::NotFound) and DbError::NotFound share the code.
    assert_eq!(
        s.get(
            "shapes_free_errors_total",
            &[("op", "free"), ("code", "not_found"), ("class", "failure")]
        ),
        2.0
    );
    assert_eq!(s.matching("shapes_free_errors_total", &[]).len(), 2);
    let meta = &s.families["shapes_free_total"];
    assert_eq!(meta.kind.as_deref(), Some("counter"));
    assert_eq!(
        meta.help.as_deref(),
        Some("Completed calls: Looks a key up.")
    );
}

#[test]
fn panics_are_counted_and_continue() {
    vitals();
    assert_eq!(user::panicky(false), 7);
    let caught = std::panic::catch_unwind(|| user::panicky(true));
    let payload = caught.expect_err("the panic propagates unchanged");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    let s = scrape();
    assert_eq!(s.get("shapes_panicky_total", &[("op", "panicky")]), 2.0);
    assert_eq!(
        s.get(
            "shapes_panicky_errors_total",
            &[("op", "panicky"), ("code", "panic"), ("class", "failure")]
        ),
        1.0
    );
}

#[test]
fn aliases_and_uncoded_errors() {
    vitals();
    user::alias(true).unwrap_err();
    user::alias(false).unwrap();
    user::uncoded(true).unwrap_err();
    user::uncoded(false).unwrap();
    let s = scrape();
    assert_eq!(
        s.get(
            "shapes_alias_errors_total",
            &[
                ("op", "alias"),
                ("code", "permission_denied"),
                ("class", "failure")
            ]
        ),
        1.0
    );
    assert_eq!(
        s.get(
            "shapes_uncoded_errors_total",
            &[("op", "uncoded"), ("code", "error"), ("class", "failure")]
        ),
        1.0
    );
    assert_eq!(s.get("shapes_uncoded_total", &[("op", "uncoded")]), 2.0);
}

#[test]
fn generic_impl_trait_and_methods() {
    vitals();
    assert_eq!(user::generic(&[1, 2, 3]), 3);
    assert_eq!(user::generic(&["a"]), 1);
    assert_eq!(user::evens(10).count(), 5);
    let mut store = user::Store { values: vec![4, 5] };
    *store.first_mut().unwrap() = 9;
    assert_eq!(store.peek(), &[9, 5]);
    assert_eq!(store.name(), "store of 2");
    assert_eq!(store.into_len(), 2);
    let s = scrape();
    assert_eq!(
        s.get("shapes_generic_total", &[("op", "generic")]),
        2.0,
        "one site for every instantiation"
    );
    assert_eq!(s.get("shapes_iter_total", &[("op", "evens")]), 1.0);
    for op in ["first_mut", "peek", "into_len"] {
        assert_eq!(s.get("shapes_method_total", &[("op", op)]), 1.0, "{op}");
    }
    assert_eq!(s.get("shapes_trait_impl_total", &[("op", "name")]), 1.0);
}

#[test]
fn impl_block_instruments_every_method_but_skipped() {
    vitals();
    let t = user::Table;
    t.insert(1).unwrap();
    t.insert(0).unwrap_err();
    assert_eq!(t.get(4), 4);
    assert_eq!(t.untracked(), 1);
    assert_eq!(user::Table::width(), 3);
    let s = scrape();
    assert_eq!(s.get("shapes_table_total", &[("op", "Table::insert")]), 2.0);
    assert_eq!(
        s.get(
            "shapes_table_errors_total",
            &[
                ("op", "Table::insert"),
                ("code", "invalid_transition"),
                ("class", "failure")
            ]
        ),
        1.0
    );
    assert_eq!(s.get("shapes_table_total", &[("op", "lookup")]), 1.0);
    assert!(
        s.matching("shapes_table_total", &[("op", "Table::untracked")])
            .is_empty()
    );
    assert!(
        s.matching("shapes_table_total", &[("op", "Table::width")])
            .is_empty()
    );
}

#[tokio::test]
async fn async_shapes_time_the_whole_future() {
    vitals();
    assert_eq!(user::fetch("ab").await.unwrap(), "AB");
    assert!(matches!(user::fetch("io").await, Err(DbError::Io(_))));
    assert_eq!(user::later(3).await.unwrap(), 3);
    user::later(0).await.unwrap_err();
    // Creating the future without polling it records nothing.
    drop(user::later(1));
    let s = scrape();
    assert_eq!(s.get("shapes_async_fn_total", &[("op", "fetch")]), 2.0);
    assert_eq!(
        s.get(
            "shapes_async_fn_errors_total",
            &[("op", "fetch"), ("code", "not_found"), ("class", "failure")]
        ),
        1.0
    );
    assert_eq!(s.get("shapes_impl_future_total", &[("op", "later")]), 2.0);
    // Each of the two calls slept 20 ms after its first poll.
    assert!(
        s.get(
            "shapes_impl_future_duration_seconds_sum",
            &[("op", "later")]
        ) >= 0.04
    );
    assert_eq!(
        s.get(
            "shapes_impl_future_errors_total",
            &[
                ("op", "later"),
                ("code", "invalid_transition"),
                ("class", "failure")
            ]
        ),
        1.0
    );
}

#[tokio::test]
async fn dropped_futures_are_cancelled() {
    vitals();
    let r = tokio::time::timeout(std::time::Duration::from_millis(10), user::stall()).await;
    assert!(r.is_err());
    let s = scrape();
    let op = [("op", "stall")];
    assert_eq!(s.get("shapes_cancellable_total", &op), 1.0);
    assert_eq!(
        s.get(
            "shapes_cancellable_errors_total",
            &[
                ("op", "stall"),
                ("code", "cancelled"),
                ("class", "expected")
            ]
        ),
        1.0
    );
    assert_eq!(
        s.histogram_count("shapes_cancellable_duration_seconds", &op),
        1.0
    );
}

#[tokio::test]
async fn async_trait_in_either_attribute_order() {
    vitals();
    user_async_trait::Svc.call(1).await.unwrap();
    user_async_trait::Svc.call(0).await.unwrap_err();
    assert_eq!(user_async_trait::Svc.other().await, 5);
    user_async_trait::Svc2.call(2).await.unwrap();
    assert_eq!(user_async_trait::Svc2.other().await, 6);
    let s = scrape();
    assert_eq!(
        s.get("shapes_async_trait_outer_total", &[("op", "Svc::call")]),
        2.0
    );
    assert_eq!(
        s.get("shapes_async_trait_outer_total", &[("op", "Svc::other")]),
        1.0
    );
    assert_eq!(
        s.get(
            "shapes_async_trait_outer_errors_total",
            &[
                ("op", "Svc::call"),
                ("code", "invalid_transition"),
                ("class", "failure")
            ]
        ),
        1.0
    );
    assert_eq!(
        s.get("shapes_async_trait_inner_total", &[("op", "call")]),
        1.0
    );
    // The duration covers the await inside the method, not only building the boxed future.
    for (family, op) in [
        ("shapes_async_trait_outer", "Svc::call"),
        ("shapes_async_trait_inner", "call"),
    ] {
        let sum = s.get(&format!("{family}_duration_seconds_sum"), &[("op", op)]);
        assert!(sum >= 0.02, "{family}: {sum}");
    }
}

#[test]
fn series_exist_before_the_first_call() {
    let s = scrape();
    // `Table::get` may or may not have been called by another test yet; the series exists either way.
    assert!(s.value("shapes_table_total", &[("op", "lookup")]).is_some());
    assert!(
        s.value("shapes_table_duration_seconds_count", &[("op", "lookup")])
            .is_some()
    );
}

#[test]
fn catalogue_is_valid_and_complete() {
    vitalsign::testing::assert_catalogue_valid();
    let catalogue = vitalsign::catalogue();
    let functions: Vec<&str> = catalogue
        .sites()
        .iter()
        .map(vitalsign::catalogue::Site::function)
        .collect();
    for f in [
        "free",
        "Table::insert",
        "Svc::call",
        "call",
        "stall",
        "later",
    ] {
        assert!(functions.contains(&f), "{f} missing from {functions:?}");
    }
    assert!(!functions.contains(&"Table::untracked"));
    let site = catalogue
        .sites()
        .iter()
        .find(|s| s.function() == "free")
        .unwrap();
    assert!(
        site.location().starts_with("tests/shapes.rs:"),
        "{}",
        site.location()
    );
    assert_eq!(site.doc(), "Looks a key up.");
}
