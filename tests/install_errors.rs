//! Start-up errors: a catalogue conflict names both source locations; a bad option names its
//! key. Nothing is installed in this process, so every attempt below fails on its own merits.

mod common;

use vitalsign::{InstallError, Vitals, instrumented};

// Two sites share `conflict_reads` but one adds a `table` label: every series of one family
// must have the same label names.
#[instrumented(namespace = "conflict", name = "reads")]
fn read_a() {}

#[instrumented(namespace = "conflict", name = "reads", labels(table = "users"))]
fn read_b() {}

#[test]
fn conflicting_sites_are_refused_with_both_locations() {
    read_a();
    read_b();
    let conflicts = vitalsign::catalogue().conflicts();
    let names: Vec<&str> = conflicts.iter().map(|c| c.family.as_str()).collect();
    // Calls, duration and errors families all disagree on labels.
    assert_eq!(
        names,
        [
            "conflict_reads_duration_seconds",
            "conflict_reads_errors_total",
            "conflict_reads_total"
        ]
    );
    for c in &conflicts {
        assert!(c.what.contains("label names differ"), "{c}");
        let mut lines = [&c.first, &c.second].map(|l| {
            l.strip_prefix("tests/install_errors.rs:")
                .unwrap()
                .to_owned()
        });
        lines.sort();
        // The lines of `fn read_a` and `fn read_b`.
        assert_eq!(lines, ["11", "14"], "{c}");
    }
    let err = Vitals::builder().install().unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, InstallError::Catalogue(_)));
    assert!(
        text.contains("3 conflict(s)") && text.contains("tests/install_errors.rs:11"),
        "{text}"
    );
    let panic = std::panic::catch_unwind(vitalsign::testing::assert_catalogue_valid).unwrap_err();
    assert!(
        panic
            .downcast_ref::<String>()
            .unwrap()
            .contains("conflict_reads_total")
    );
}

#[test]
fn bad_options_name_their_key() {
    type Attempt = Box<dyn Fn() -> Result<Vitals, InstallError>>;
    let cases: [(Attempt, &str, &str); 11] = [
        (
            Box::new(|| Vitals::builder().bind_addr("localhost:90x").install()),
            "metrics.bind_addr",
            "not an IP:port",
        ),
        (
            Box::new(|| Vitals::builder().global_label("Region", "x").install()),
            "metrics.global_labels.Region",
            "snake_case",
        ),
        (
            Box::new(|| Vitals::builder().global_label("le", "x").install()),
            "metrics.global_labels.le",
            "reserved",
        ),
        (
            Box::new(|| Vitals::builder().global_label("az", "").install()),
            "metrics.global_labels.az",
            "empty",
        ),
        (
            Box::new(|| Vitals::builder().default_buckets(&[1.0, 0.5]).install()),
            "metrics.default_buckets",
            "increasing",
        ),
        (
            Box::new(|| {
                Vitals::builder()
                    .status_sample_every(std::time::Duration::from_millis(100))
                    .install()
            }),
            "status.sample_every",
            "between `1s` and `60s`",
        ),
        (
            Box::new(|| {
                Vitals::builder()
                    .status_history(std::time::Duration::from_secs(2))
                    .install()
            }),
            "status.history",
            "at least `status.sample_every` (5s)",
        ),
        (
            Box::new(|| {
                Vitals::builder()
                    .status_history(std::time::Duration::from_secs(7 * 24 * 3600))
                    .install()
            }),
            "status.history",
            "at most 17280",
        ),
        (
            Box::new(|| Vitals::builder().native_schema(9).install()),
            "metrics.native_schema",
            "between -4 (coarsest) and 8 (finest)",
        ),
        (
            Box::new(|| Vitals::builder().native_max_buckets(4).install()),
            "metrics.native_max_buckets",
            "4 is not between 8 and 16384",
        ),
        (
            Box::new(|| Vitals::builder().native_max_buckets(1 << 20).install()),
            "metrics.native_max_buckets",
            "1048576 is not between 8 and 16384",
        ),
    ];
    for (install, key, words) in cases {
        match install() {
            Err(InstallError::Config(vitalsign::config::ConfigError { key: k, problem })) => {
                assert_eq!(k, key);
                assert!(problem.contains(words), "{key}: {problem}");
            }
            other => panic!("{key}: expected a config error, got {other:?}"),
        }
    }
    // A global label that a family already has.
    let clash = Vitals::builder()
        .global_label("table", "t")
        .install()
        .unwrap_err();
    assert!(clash.to_string().contains("already a label"), "{clash}");
}

#[test]
fn an_invalid_log_directive_is_quoted() {
    // RUST_LOG would win over the builder's filter; the harness clears it (tests/common).
    let err = Vitals::builder()
        .log_level("kvstore=loud")
        .install()
        .unwrap_err();
    match err {
        InstallError::Config(vitalsign::config::ConfigError { key, problem }) => {
            assert_eq!(key, "logging.level");
            assert!(problem.contains("`kvstore=loud`"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
}
