//! The heap one render of 10,000 series needs at its peak, by vitalsign and by the stock
//! `metrics-exporter-prometheus` recorder (same series: `series/mod.rs`). A global allocator
//! counts bytes while a render runs; it lives in this binary, not in the timed `render` one.
//!
//! Run: `cargo bench -p vitalsign --bench render_heap`.
#![allow(missing_docs)]

mod series;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// While set, bytes allocated since it was set (wrapping below zero when earlier allocations are
/// freed), and the most of that.
static TRACKING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Tracking;

// SAFETY: every call is passed to the system allocator unchanged; tracking only updates atomics.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if TRACKING.load(Ordering::Relaxed) {
            let now = CURRENT
                .fetch_add(layout.size(), Ordering::Relaxed)
                .wrapping_add(layout.size());
            // Below zero (wrapped) is not a peak.
            if now <= isize::MAX as usize {
                PEAK.fetch_max(now, Ordering::Relaxed);
            }
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if TRACKING.load(Ordering::Relaxed) {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// The heap `f` needed at its peak, above what was allocated before it.
fn peak_heap(f: impl FnOnce() -> String) -> usize {
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    TRACKING.store(true, Ordering::Relaxed);
    drop(black_box(f()));
    TRACKING.store(false, Ordering::Relaxed);
    PEAK.load(Ordering::Relaxed)
}

fn main() {
    let (vitals, handle) = series::recorders();
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    for _ in 0..3 {
        println!(
            "peak heap during one render of 10k series: vitalsign {:.1} MiB, metrics-exporter-prometheus {:.1} MiB (output {:.1} MiB)",
            mib(peak_heap(|| vitals.render())),
            mib(peak_heap(|| handle.render())),
            mib(vitals.render().len()),
        );
    }
}
