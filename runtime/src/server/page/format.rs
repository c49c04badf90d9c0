//! Numbers as a person reads them on the page: a few significant digits and a unit.

/// `0.00085` → `850 µs`, `0.0123` → `12.3 ms`, `1.2` → `1.20 s`.
pub(super) fn seconds(s: f64) -> String {
    if s < 1e-6 {
        format!("{} ns", sig(s * 1e9))
    } else if s < 1e-3 {
        format!("{} µs", sig(s * 1e6))
    } else if s < 1.0 {
        format!("{} ms", sig(s * 1e3))
    } else {
        format!("{} s", sig(s))
    }
}

/// A ratio as a percentage: `0.0052` → `0.52 %`; exactly zero as `0 %`.
pub(super) fn percent(r: f64) -> String {
    if r == 0.0 {
        "0 %".to_owned()
    } else {
        format!("{} %", sig(r * 100.0))
    }
}

/// `12345678.0` → `11.8 MiB`.
pub(super) fn bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = b;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", sig(value), UNITS[unit])
}

/// A plain number: `1234.6` → `1235`, `12.345` → `12.3`, `0.01234` → `0.0123`.
pub(super) fn number(n: f64) -> String {
    sig(n)
}

/// Whole seconds as `2h 3m 4s`.
pub(super) fn duration(s: f64) -> String {
    vitalsign_naming::format_duration(std::time::Duration::from_secs(s.max(0.0) as u64))
}

/// Three significant digits, no trailing zeros after the point, no exponent.
fn sig(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let magnitude = if n == 0.0 {
        0
    } else {
        n.abs().log10().floor() as i32
    };
    let decimals = (2 - magnitude).clamp(0, 9) as usize;
    let text = format!("{n:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_well() {
        assert_eq!(seconds(0.00085), "850 µs");
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(1.2), "1.2 s");
        assert_eq!(seconds(2e-7), "200 ns");
        assert_eq!(percent(0.0052), "0.52 %");
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(percent(1.0), "100 %");
        assert_eq!(bytes(12_345_678.0), "11.8 MiB");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(number(1234.6), "1235");
        assert_eq!(number(0.01234), "0.0123");
        assert_eq!(duration(3723.9), "1h 2m 3s");
    }
}
