//! Floats in the one text form Prometheus 3 stores them in, where a float is a label value:
//! a histogram bucket's `le` and a summary's `quantile`.
//!
//! Prometheus 3 rewrites those values on ingestion to prometheus/common's
//! `FormatOpenMetricsFloat` form (Go's shortest `'g'` formatting, then `.0` when the text has
//! neither `.` nor `e`): `le="1"` is stored as `le="1.0"`, `le="0.00005"` as `le="5e-05"`. A
//! rule or a panel that selects `le="1"` then reads nothing. Prometheus 2.x stores label values
//! as they come, so writing this form everywhere (the exposition and every generated selector)
//! gives one series name under both majors.
//!
//! Go's `'g'` with the shortest precision writes `%e` when the decimal exponent is below -4 or
//! at least 6, `%f` otherwise, with an exponent of at least two digits and its sign. The digits
//! are the shortest that read back as the same `f64`, which is what Rust's `{:e}` writes too.

use std::fmt::Write;

/// `value` as Prometheus 3 stores it in a label: `1.0`, `0.005`, `5e-05`, `1e+06`, `+Inf`.
pub(crate) fn canonical(value: f64) -> String {
    let mut out = String::with_capacity(24);
    write_canonical(&mut out, value);
    out
}

/// [`canonical`], appended to `out`.
pub(crate) fn write_canonical(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if value == 0.0 {
        // Go compares with `==`, so `-0` is written as `0.0` too.
        out.push_str("0.0");
        return;
    }
    if value < 0.0 {
        out.push('-');
    }
    // The shortest digits that read back as `value`, and the decimal exponent of the first.
    let mut sci = String::with_capacity(24);
    let _ = write!(sci, "{:e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("`{:e}` writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes a decimal exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..6).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
        return;
    }
    // Digits before the decimal point: 1 to 6 here, or 0 with up to four zeros after it.
    let point = exponent + 1;
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = point as usize;
        if digits.len() > point {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        } else {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    /// What prometheus/common's `FormatOpenMetricsFloat` returns, from Go's `strconv` rules,
    /// including the examples of Prometheus's 3.0 migration guide.
    #[test]
    fn writes_what_prometheus_3_stores() {
        for (value, text) in [
            (1.0, "1.0"),
            (10.0, "10.0"),
            (0.00005, "5e-05"),
            (0.0001, "0.0001"),
            (0.00025, "0.00025"),
            (0.000001, "1e-06"),
            (0.0000025, "2.5e-06"),
            (1e-9, "1e-09"),
            (1.5e-7, "1.5e-07"),
            (0.005, "0.005"),
            (0.1, "0.1"),
            (0.25, "0.25"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (1024.0, "1024.0"),
            (100_000.0, "100000.0"),
            (123_456.0, "123456.0"),
            (999_999.0, "999999.0"),
            (1e6, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (1e-100, "1e-100"),
            (0.0, "0.0"),
            (-0.0, "0.0"),
            (-1.0, "-1.0"),
            (-0.00005, "-5e-05"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(canonical(value), text, "{value:e}");
        }
    }

    /// The definition held over a sweep: from 1e-9 to 1e6 (every step of a 1-2-5 series, the
    /// default buckets, powers of ten) each text reads back as its value, has the shortest
    /// digits, uses an exponent exactly outside [1e-4, 1e6), and always shows `.` or `e`.
    #[test]
    fn holds_the_definition_over_a_sweep() {
        let mut values: Vec<f64> = Vec::new();
        for e in -9..=6 {
            for m in [1.0, 2.0, 2.5, 5.0, 7.5] {
                values.push(m * 10f64.powi(e));
            }
            values.push(10f64.powi(e) * 1.000_000_1);
        }
        values.extend_from_slice(vitalsign_naming::DEFAULT_BUCKETS);
        for v in values {
            let text = canonical(v);
            assert_eq!(text.parse::<f64>().unwrap(), v, "{text} reads back");
            assert!(text.contains(['.', 'e']), "{text} shows it is a float");
            let exponent = v.abs().log10().floor() as i32;
            let scientific = text.contains('e');
            // The decimal exponent of the shortest digits, not of `log10`, decides; the two
            // differ only for values a hair below a power of ten, which the sweep avoids.
            assert_eq!(scientific, !(-4..6).contains(&exponent), "{text} ({v:e})");
            if let Some((_, exp)) = text.split_once('e') {
                assert!(exp.starts_with(['+', '-']) && exp.len() >= 3, "{text}");
            }
            let shortest = format!("{v:e}");
            let digits = |s: &str| {
                s.split('e')
                    .next()
                    .unwrap()
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
                    .trim_start_matches('0')
                    .trim_end_matches('0')
                    .to_owned()
            };
            assert_eq!(
                digits(&text),
                digits(&shortest),
                "{text} has the shortest digits"
            );
        }
        assert_eq!(canonical(f64::INFINITY), "+Inf");
    }
}
