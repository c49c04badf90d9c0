//! Zero heap allocations per call: a counting global allocator, counting only on the measuring
//! thread, around 10,000 instrumented calls on the ok path and on the error path, and 10,000
//! records of each kind of declared metric (plain, typed label, a label from data already seen).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use vitalsign::{
    Counter, Dynamic, ErrorCode, Gauge, Histogram, IntGauge, LabelValue, MetricGroup, Vitals,
    instrumented,
};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    if COUNTING.with(Cell::get) {
        COUNT.with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every call is passed to the system allocator unchanged; counting touches only
// const-initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    COUNT.with(Cell::get)
}

#[derive(Debug, ErrorCode)]
enum Error {
    Rejected,
    Missing,
}

/// With the default `log = "errors"`.
#[instrumented(namespace = "alloc", name = "ok")]
fn ok(x: u64) -> Result<u64, Error> {
    Ok(x + 1)
}

#[instrumented(namespace = "alloc", name = "failing", log = "off")]
fn fails(x: u64) -> Result<u64, Error> {
    if x.is_multiple_of(2) {
        Err(Error::Rejected)
    } else {
        Err(Error::Missing)
    }
}

#[derive(Clone, Copy, LabelValue)]
enum Op {
    Read,
    Write,
}

#[derive(MetricGroup)]
#[metric_group(namespace = "alloc")]
struct Declared {
    /// Plain.
    plain_total: Counter,
    /// By a typed label.
    by_op_total: Counter<Op>,
    /// By a label from data.
    #[metric(label = "tenant", max_series = 4)]
    by_tenant_total: Counter<Dynamic>,
    /// A gauge.
    level: Gauge,
    /// An integer gauge.
    open: IntGauge,
    /// A histogram.
    size_bytes: Histogram<Op>,
}

static DECLARED: Declared = Declared::new();

#[test]
fn no_allocation_per_call() {
    let _vitals = Vitals::builder().logging(false).install().unwrap();
    // The first call of each site and each code registers its series: that may allocate, once.
    let _ = ok(0);
    let _ = fails(0);
    let _ = fails(1);
    let n = allocations(|| {
        for i in 0..10_000 {
            let _ = std::hint::black_box(ok(std::hint::black_box(i)));
        }
    });
    assert_eq!(n, 0, "ok path");
    let n = allocations(|| {
        for i in 0..10_000 {
            let _ = std::hint::black_box(fails(std::hint::black_box(i)));
        }
    });
    assert_eq!(n, 0, "error path: codes map to counters without allocating");
    // Declared metrics: the first record of each binds its cells, and of a label value from
    // data makes its series: once.
    DECLARED.plain_total.increment();
    DECLARED.by_op_total.increment_with(Op::Read);
    DECLARED.by_tenant_total.increment_for("acme");
    DECLARED.level.set(0.0);
    DECLARED.open.add(0);
    DECLARED.size_bytes.record_with(Op::Read, 0.0);
    let n = allocations(|| {
        for i in 0..10_000_u32 {
            let op = if i % 2 == 0 { Op::Read } else { Op::Write };
            DECLARED.plain_total.increment();
            DECLARED.by_op_total.increment_with(op);
            DECLARED.by_tenant_total.increment_for("acme");
            DECLARED.level.set(f64::from(i));
            DECLARED.open.add(1);
            DECLARED.size_bytes.record_with(op, f64::from(i));
        }
    });
    assert_eq!(n, 0, "declared metrics");
    // The test can see an allocation when there is one.
    assert!(allocations(|| drop(std::hint::black_box(vec![1u8; 64]))) >= 1);
}
