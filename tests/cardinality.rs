//! Label values from data: a family's series are capped (10^6 distinct values leave memory
//! flat), and hostile values (quotes, backslashes, newlines, NUL, U+FFFD, 10 kB) are escaped
//! exactly, with `promtool check metrics` clean on the result.

mod common;

use vitalsign::Vitals;

fn resident_bytes() -> u64 {
    vitalsign::health::builtin::resident_bytes().expect("/proc/self/statm")
}

#[test]
fn label_values_from_data_are_capped_and_escaped() {
    let hostile_global = "eu \"west\" \\ 1";
    let vitals = Vitals::builder()
        .logging(false)
        .namespace("card")
        .global_label("region", hostile_global)
        .max_series_per_family(100)
        .install()
        .unwrap();

    metrics::describe_counter!("user_logins_total", "Logins by user (a label from data).");
    metrics::describe_gauge!(
        "hostile_values",
        "Values with every character the format must escape."
    );

    // A million distinct values: the first 100 are series, the rest fold into one.
    for i in 0..1_000u32 {
        metrics::counter!("user_logins_total", "user" => format!("user-{i}")).increment(1);
    }
    let before = resident_bytes();
    for i in 1_000..1_000_000u32 {
        metrics::counter!("user_logins_total", "user" => format!("user-{i}")).increment(1);
    }
    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < 8 << 20,
        "999,000 more distinct values grew resident memory by {grown} bytes"
    );

    // Hostile values, as data brings them.
    let lossy = String::from_utf8_lossy(&[b'a', 0xff, b'b']).into_owned();
    let long = "x".repeat(10_000);
    let hostile = [
        "quote \" inside",
        "back\\slash\\",
        "new\nline",
        "nul \u{0} byte",
        lossy.as_str(),
        long.as_str(),
        "}{\" 1\n# TYPE x counter",
    ];
    for (i, value) in hostile.iter().enumerate() {
        metrics::gauge!("hostile_values", "value" => (*value).to_owned()).set(i as f64);
    }

    let text = vitals.render();
    let s = common::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let logins = s.matching("user_logins_total", &[]);
    assert_eq!(logins.len(), 101, "100 series and the overflow series");
    let overflow = s.get(
        "user_logins_total",
        &[("region", hostile_global), ("user", "__overflow__")],
    );
    assert_eq!(overflow, 999_900.0);
    assert_eq!(
        s.get(
            "card_cardinality_overflow_total",
            &[("region", hostile_global), ("family", "user_logins_total")]
        ),
        999_900.0
    );
    for (i, value) in hostile.iter().enumerate() {
        assert_eq!(
            s.get(
                "hostile_values",
                &[("region", hostile_global), ("value", value)]
            ),
            i as f64,
            "{value:?}"
        );
    }
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("# TYPE x counter"))
            .count(),
        0,
        "no forged line"
    );
    if let Some(problems) = common::promtool_check_metrics(&text) {
        assert_eq!(problems, "", "promtool check metrics");
    }
}
