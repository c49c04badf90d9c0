//! The catalogue refuses every kind of disagreement about one family, each with both source
//! locations: label names (tests/install_errors.rs), buckets and the family's type, here; and a
//! declared metric whose family anything else writes too, where the two would merge silently.

mod common;

use vitalsign::{Counter, MetricGroup, Vitals, instrumented};

// `clash_scans_total` is the instrumented functions' call counter, and declared here too.
#[derive(MetricGroup)]
#[metric_group(namespace = "clash")]
struct Scans {
    /// Scans started.
    scans_total: Counter,
}

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
            "tests/catalogue_conflicts.rs:19",
            "tests/catalogue_conflicts.rs:22"
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
            && text.contains("vitalsign defines it itself (Health check runs that were unhealthy")
            && text.contains("tests/catalogue_conflicts.rs:27")
            && text.contains("vitalsign's own metrics"),
        "{text}"
    );
    let declared = by_family("clash_scans_total");
    assert!(
        declared.what.contains(
            "`Scans::scans_total` declares it and an instrumented function records it too"
        ),
        "{declared}"
    );
    let line = include_str!("catalogue_conflicts.rs")
        .lines()
        .position(|l| l.trim() == "scans_total: Counter,")
        .unwrap()
        + 1;
    let mut at = [&declared.first, &declared.second].map(|l| l.to_string());
    at.sort();
    assert_eq!(
        at,
        [
            format!("tests/catalogue_conflicts.rs:{line}"),
            "tests/catalogue_conflicts.rs:19".to_owned()
        ]
    );
    assert!(text.contains("clash_scans_total"), "{text}");
    let _ = (
        scan_fast,
        scan_slow,
        count_failures,
        &Scans::new().scans_total,
    );
}

// Two functions named `work` in two modules: one `op="work"` series unless both say so.
mod first {
    #[vitalsign::instrumented(namespace = "merge")]
    pub(crate) fn work() {}
}

mod second {
    #[vitalsign::instrumented(namespace = "merge")]
    pub(crate) fn work() {}
}

// Both give `op` explicitly: one operation on purpose, allowed.
mod reads {
    #[vitalsign::instrumented(namespace = "share", name = "requests", labels(op = "get"))]
    pub(crate) fn get_cached() {}
}

mod fallback {
    #[vitalsign::instrumented(namespace = "share", name = "requests", labels(op = "get"))]
    pub(crate) fn get_from_disk() {}
}

#[test]
fn two_sites_on_one_series_must_both_say_so() {
    let conflicts = vitalsign::catalogue().conflicts();
    let merged: Vec<_> = conflicts
        .iter()
        .filter(|c| c.family == "merge_calls_total")
        .collect();
    assert_eq!(merged.len(), 1, "{conflicts:#?}");
    let c = merged[0];
    assert!(
        c.what.contains("`catalogue_conflicts::first::work` and `catalogue_conflicts::second::work` would write the same series {op=\"work\"}")
            && c.what.contains("labels(op = \"work\")"),
        "{c}"
    );
    let line = |needle: &str| {
        include_str!("catalogue_conflicts.rs")
            .lines()
            .position(|l| l.contains(needle))
            .unwrap()
            // The function's name, two lines below the module's (positions count from 0).
            + 3
    };
    assert_eq!(
        [c.first.as_str(), c.second.as_str()],
        [
            format!("tests/catalogue_conflicts.rs:{}", line("mod first {")),
            format!("tests/catalogue_conflicts.rs:{}", line("mod second {")),
        ]
    );
    assert!(
        !conflicts.iter().any(|c| c.family.starts_with("share_")),
        "an explicit shared op is allowed: {conflicts:#?}"
    );
    let _ = (
        first::work,
        second::work,
        reads::get_cached,
        fallback::get_from_disk,
    );
}
