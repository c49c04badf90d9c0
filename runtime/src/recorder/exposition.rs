//! The Prometheus text exposition format (version 0.0.4).
//!
//! Written here rather than with `metrics-exporter-prometheus::formatting`: its label-value
//! sanitizer treats a backslash before a quote as an escape and drops it (so `a\"b` is
//! exposed as `a"b`), and its line writer allocates a `String` per label per line.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::storage::HistogramSnapshot;

/// One series' labels, in exposition order.
pub(crate) type Labels = Vec<(String, String)>;

/// The value of one series.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Counter(u64),
    Gauge(f64),
    Histogram(HistogramSnapshot),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Counter(_) => "counter",
            Value::Gauge(_) => "gauge",
            Value::Histogram(_) => "histogram",
        }
    }
}

/// Every series of one family.
#[derive(Debug, Default)]
pub(crate) struct Family {
    pub help: Option<String>,
    pub series: Vec<(Labels, Value)>,
}

/// Renders families, sorted by name and series by labels. A family whose series disagree on
/// type (two unrelated `metrics` calls using one name) is rendered with the first type only,
/// so one stray metric cannot make the whole scrape unparseable.
pub(crate) fn render(families: BTreeMap<String, Family>) -> String {
    let mut out = String::with_capacity(families.len() * 256);
    for (name, mut family) in families {
        let Some(first) = family.series.first().map(|(_, v)| v.type_name()) else {
            continue;
        };
        family.series.retain(|(_, v)| v.type_name() == first);
        family.series.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(help) = &family.help {
            out.push_str("# HELP ");
            out.push_str(&name);
            out.push(' ');
            escape_help(&mut out, help);
            out.push('\n');
        }
        let _ = writeln!(out, "# TYPE {name} {first}");
        for (labels, value) in &family.series {
            match value {
                Value::Counter(v) => sample(&mut out, &name, "", labels, None, *v),
                Value::Gauge(v) => sample(&mut out, &name, "", labels, None, Float(*v)),
                Value::Histogram(h) => {
                    for (le, cumulative) in &h.buckets {
                        sample(
                            &mut out,
                            &name,
                            "_bucket",
                            labels,
                            Some(Float(*le)),
                            *cumulative,
                        );
                    }
                    sample(
                        &mut out,
                        &name,
                        "_bucket",
                        labels,
                        Some(Float(f64::INFINITY)),
                        h.count,
                    );
                    sample(&mut out, &name, "_sum", labels, None, Float(h.sum));
                    sample(&mut out, &name, "_count", labels, None, h.count);
                }
            }
        }
    }
    out
}

fn sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &Labels,
    le: Option<Float>,
    value: impl std::fmt::Display,
) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
        if let Some(le) = le {
            if !labels.is_empty() {
                out.push(',');
            }
            let _ = write!(out, "le=\"{le}\"");
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A float as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, else the shortest round-trip form.
#[derive(Debug, Clone, Copy)]
struct Float(f64);

impl std::fmt::Display for Float {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            v if v.is_nan() => f.write_str("NaN"),
            v if v == f64::INFINITY => f.write_str("+Inf"),
            v if v == f64::NEG_INFINITY => f.write_str("-Inf"),
            v => write!(f, "{v}"),
        }
    }
}

/// Escapes `\`, `"` and line feed, as the format requires inside label values.
pub(crate) fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Escapes `\` and line feed, as the format requires in HELP text.
fn escape_help(out: &mut String, help: &str) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Makes a foreign metric name (`db.queries`) a valid Prometheus name (`db_queries`).
pub(crate) fn sanitize_name(name: &str) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| match c {
            'a'..='z' | 'A'..='Z' | '_' | ':' => c,
            '0'..='9' if i > 0 => c,
            _ => '_',
        })
        .collect()
}

/// Makes a foreign label key valid (`http.method` → `http_method`).
pub(crate) fn sanitize_label_key(key: &str) -> String {
    sanitize_name(key).replace(':', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_exactly() {
        let mut s = String::new();
        escape_label_value(&mut s, "a\\\"b\nc");
        assert_eq!(s, r#"a\\\"b\nc"#);
        let mut h = String::new();
        escape_help(&mut h, "x \"q\" \\ \n y");
        assert_eq!(h, r#"x "q" \\ \n y"#);
    }

    #[test]
    fn renders_histogram_family() {
        let mut families = BTreeMap::new();
        let labels = vec![("op".to_owned(), "get".to_owned())];
        let snapshot = HistogramSnapshot {
            buckets: vec![(0.5, 1), (1.0, 2)],
            count: 3,
            sum: 2.25,
        };
        families.insert(
            "x_duration_seconds".to_owned(),
            Family {
                help: Some("Duration.".into()),
                series: vec![(labels, Value::Histogram(snapshot))],
            },
        );
        let text = render(families);
        assert_eq!(
            text,
            "# HELP x_duration_seconds Duration.\n# TYPE x_duration_seconds histogram\n\
             x_duration_seconds_bucket{op=\"get\",le=\"0.5\"} 1\n\
             x_duration_seconds_bucket{op=\"get\",le=\"1\"} 2\n\
             x_duration_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\n\
             x_duration_seconds_sum{op=\"get\"} 2.25\n\
             x_duration_seconds_count{op=\"get\"} 3\n"
        );
    }

    #[test]
    fn mixed_types_keep_the_first() {
        let mut families = BTreeMap::new();
        families.insert(
            "m".to_owned(),
            Family {
                help: None,
                series: vec![
                    (vec![], Value::Counter(1)),
                    (vec![("a".into(), "b".into())], Value::Gauge(2.0)),
                ],
            },
        );
        assert_eq!(render(families), "# TYPE m counter\nm 1\n");
    }

    #[test]
    fn sanitizes_foreign_names() {
        assert_eq!(sanitize_name("db.queries-total"), "db_queries_total");
        assert_eq!(sanitize_name("9lives"), "_lives");
        assert_eq!(sanitize_label_key("a:b"), "a_b");
    }
}
