//! The catalogue refuses every kind of disagreement about one family, each with both source
//! locations: label names (tests/install_errors.rs), buckets and the family's type, here.

mod common;

use vitalsign::{Vitals, instrumented};

// Same family, different histogram bounds: one series would have other buckets than the next.
#[instrumented(namespace = "clash", name = "scans", buckets = [0.01, 0.1])]
fn scan_fast() {}

#[instrumented(namespace = "clash", name = "scans", buckets = [0.01, 1.0])]
fn scan_slow() {}

// `clash_health_check_failures_total` is a call counter here, and vitalsign's own counter of
// failed health checks in the namespace `clash`: one name, two different metrics.
#[instrumented(namespace = "clash", name = "health_check_failures")]
fn count_failures() {}

#[test]
fn conflicting_buckets_and_types_are_refused() {
    let conflicts = vitalsign::catalogue().conflicts();
    let by_family = |name: &str| {
        conflicts
            .iter()
            .find(|c| c.family == name)
            .unwrap_or_else(|| panic!("no conflict on {name}: {conflicts:#?}"))
    };

    let buckets = by_family("clash_scans_duration_seconds");
    assert!(buckets.what.contains("buckets differ"), "{buckets}");
    let mut at = [&buckets.first, &buckets.second].map(|l| l.to_string());
    at.sort();
    assert_eq!(
        at,
        [
            "tests/catalogue_conflicts.rs:10",
            "tests/catalogue_conflicts.rs:13"
        ]
    );

    // Vitalsign's own families join the catalogue at install, in the namespace it is given.
    let err = Vitals::builder()
        .logging(false)
        .namespace("clash")
        .install()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`clash_scans_duration_seconds`: buckets differ"),
        "{text}"
    );
    assert!(
        text.contains("clash_health_check_failures_total")
            && text.contains("it is a counter (Calls) at one site and a counter (HealthFailures)")
            && text.contains("tests/catalogue_conflicts.rs:18")
            && text.contains("vitalsign's own metrics"),
        "{text}"
    );
    let _ = (scan_fast, scan_slow, count_failures);
}
