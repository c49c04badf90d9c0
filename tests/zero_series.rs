//! Right after `install()`, before any call, every instrumented function's series exist at
//! zero: a dashboard or an alert reading `rate(..)` sees a flat line, not a gap, from the first
//! scrape. Nothing in this binary calls the functions. (`_errors_total` has a series per
//! code seen, so it has none before the first error.)

mod common;

use vitalsign::{ErrorCode, Vitals, instrumented};

#[derive(Debug, ErrorCode)]
enum ZeroError {
    Missing,
}

#[instrumented(namespace = "zero", name = "requests", labels(op = "read"))]
fn read() -> Result<u8, ZeroError> {
    Err(ZeroError::Missing)
}

#[instrumented(namespace = "zero", name = "requests", labels(op = "write"), in_flight)]
async fn write() -> u8 {
    1
}

struct Table;

#[instrumented(namespace = "zero", name = "table")]
impl Table {
    fn get(&self) -> u8 {
        2
    }
}

#[test]
fn every_series_exists_at_zero_after_install() {
    let vitals = Vitals::builder().logging(false).install().unwrap();
    let s = common::parse(&vitals.render()).unwrap();
    for (family, op) in [
        ("zero_requests", "read"),
        ("zero_requests", "write"),
        ("zero_table", "Table::get"),
    ] {
        let labels = [("op", op)];
        assert_eq!(s.get(&format!("{family}_total"), &labels), 0.0, "{op}");
        let duration = format!("{family}_duration_seconds");
        assert_eq!(s.histogram_count(&duration, &labels), 0.0, "{op}");
        assert_eq!(s.get(&format!("{duration}_sum"), &labels), 0.0, "{op}");
        for bucket in s.matching(&format!("{duration}_bucket"), &labels) {
            assert_eq!(bucket.value, 0.0, "{bucket:?}");
        }
    }
    assert_eq!(s.get("zero_requests_in_flight", &[("op", "write")]), 0.0);
    // Not called: the functions exist only to be catalogued.
    let _ = (read, write, Table::get);
}
