//! Durations written as text (`"2s"`, `"500ms"`, `"1m 30s"`), as in attributes and config.

use std::time::Duration;

use crate::Problem;

/// Parses a duration such as `500ms`, `2s`, `1m` or `1m 30s` (humantime's grammar); zero and
/// bare numbers are refused, since every duration vitalsign takes is a positive interval.
pub fn parse_duration(text: &str) -> Result<Duration, Problem> {
    let help = "write a number with a unit, e.g. `500ms`, `2s` or `1m`";
    if text.trim().parse::<f64>().is_ok() {
        return Err(Problem::new(format!("duration `{text}` has no unit")).help(help));
    }
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| Problem::new(format!("`{text}` is not a duration ({e})")).help(help))?;
    if d.is_zero() {
        return Err(
            Problem::new(format!("duration `{text}` is zero; it must be positive")).help(help),
        );
    }
    Ok(d)
}

/// Writes a duration in the grammar [`parse_duration`] reads (`1s 500ms`), so that a value set
/// in code reads back the same from the text a configuration dump shows.
pub fn format_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A duration in milliseconds, to the nanosecond, as the JSON bodies and log lines write it:
/// nanoseconds divided by 10^6 is the float nearest the decimal, so it prints as at most six
/// decimals (`0.000666`), never as the noise of a seconds-to-milliseconds product
/// (`0.0006659999999999999`).
#[allow(clippy::cast_precision_loss)] // exact below 2^53 ns, about 104 days
pub fn duration_ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

#[cfg(test)]
mod tests {
    #[test]
    fn milliseconds_are_the_decimal_of_the_nanoseconds() {
        for (nanos, shown) in [
            (666, "0.000666"),
            (16_217, "0.016217"),
            (2_000_000, "2"),
            (1, "0.000001"),
        ] {
            assert_eq!(
                super::duration_ms(std::time::Duration::from_nanos(nanos)).to_string(),
                shown
            );
        }
    }

    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1m 30s").unwrap(), Duration::from_secs(90));
        let odd = Duration::new(3, 1_002_003);
        assert_eq!(parse_duration(&format_duration(odd)).unwrap(), odd);
        assert!(parse_duration("2").unwrap_err().message.contains("no unit"));
        assert!(parse_duration("0s").unwrap_err().message.contains("zero"));
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .message
                .contains("not a duration")
        );
    }
}
