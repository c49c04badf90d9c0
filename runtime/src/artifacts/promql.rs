//! The PromQL a duration histogram is read with, written once for the rules and the dashboard.
//!
//! Prometheus stores a histogram as its fixed buckets (`_bucket{le=...}`, `_count`, `_sum`) or,
//! when it scrapes native buckets with native histograms enabled, as one native series under
//! the family's own name; Prometheus 2.42 to 2.44 keep only the latter. Each expression reads
//! the fixed buckets `or` the native series, so the same rules work with
//! `metrics.native_histograms` on or off: the side whose series do not exist is empty.

/// The `q` quantile of `name` over `window`, by the labels `by` (comma-separated, maybe
/// none), of the series `selector` (braces included, maybe empty).
pub(crate) fn quantile(q: &str, name: &str, by: &str, selector: &str, window: &str) -> String {
    let with_le = if by.is_empty() {
        "le".to_owned()
    } else {
        format!("{by}, le")
    };
    format!(
        "(histogram_quantile({q}, sum by ({with_le}) (rate({name}_bucket{selector}[{window}])))\n  \
         or histogram_quantile({q}, sum by ({by}) (rate({name}{selector}[{window}]))))"
    )
}

/// The fraction of `name`'s observations at or below `le` seconds over `window`, of the series
/// `selector` (braces included, maybe empty); `le` must be one of its fixed bounds (the native
/// side interpolates within a bucket). The bucket is selected by the text Prometheus 3 stores
/// (`le="1.0"`), which Prometheus 2 stores too, since the exposition writes it.
pub(crate) fn fraction_at_most(le: f64, name: &str, selector: &str, window: &str) -> String {
    let le = crate::float_text::canonical(le);
    let inner = selector.trim_start_matches('{').trim_end_matches('}');
    let bucket = if inner.is_empty() {
        format!("{{le=\"{le}\"}}")
    } else {
        format!("{{{inner}, le=\"{le}\"}}")
    };
    format!(
        "(sum(rate({name}_bucket{bucket}[{window}])) / sum(rate({name}_count{selector}[{window}]))\n  \
         or histogram_fraction(0, {le}, sum(rate({name}{selector}[{window}]))))"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_expression_reads_fixed_or_native_buckets() {
        assert_eq!(
            quantile("0.99", "x_seconds", "op", "{job=\"a\"}", "5m"),
            "(histogram_quantile(0.99, sum by (op, le) (rate(x_seconds_bucket{job=\"a\"}[5m])))\n  \
             or histogram_quantile(0.99, sum by (op) (rate(x_seconds{job=\"a\"}[5m]))))"
        );
        assert!(
            quantile("0.5", "x_seconds", "", "", "1m")
                .contains("sum by (le) (rate(x_seconds_bucket[1m]))")
        );
        assert_eq!(
            fraction_at_most(0.005, "x_seconds", "{op=\"get\"}", "1h"),
            "(sum(rate(x_seconds_bucket{op=\"get\", le=\"0.005\"}[1h])) / sum(rate(x_seconds_count{op=\"get\"}[1h]))\n  \
             or histogram_fraction(0, 0.005, sum(rate(x_seconds{op=\"get\"}[1h]))))"
        );
        // Prometheus 3 stores `le="1"` as `le="1.0"`, and a bound under 1e-4 in `e` form.
        assert!(
            fraction_at_most(1.0, "x", "", "5m")
                .starts_with("(sum(rate(x_bucket{le=\"1.0\"}[5m]))")
        );
        assert!(
            fraction_at_most(0.00005, "x", "", "5m")
                .starts_with("(sum(rate(x_bucket{le=\"5e-05\"}[5m]))")
        );
    }
}
