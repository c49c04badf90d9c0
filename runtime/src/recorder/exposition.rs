//! The Prometheus text exposition format (version 0.0.4), and OpenMetrics 1.0 text for scrapers
//! that prefer it.
//!
//! Written here rather than with `metrics-exporter-prometheus::formatting`: its label-value
//! sanitizer treats a backslash before a quote as an escape and drops it (so `a\"b` is
//! exposed as `a"b`), and its line writer allocates a `String` per label per line.
//!
//! Speed: a series' labels are escaped and joined once ([`label_text`]), not once per line (a
//! histogram has 15 lines); a family's `le` values are formatted once; integers are written
//! with `itoa`. The render benchmark (`runtime/benches/render.rs`) holds the figures.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use crate::storage::{Exemplar, HistogramSnapshot};

/// One series' labels, in exposition order.
pub(crate) type Labels = Vec<(String, String)>;

/// One series' labels as the text format writes them between braces: `a="x",b="y"`.
pub(crate) type LabelText = String;

/// The value of one series.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// Its value; for a call site's error counter a recent failed call; when the series came
    /// to exist (Unix seconds), where that is known.
    Counter(u64, Option<Exemplar>, Option<f64>),
    Gauge(f64),
    Histogram(HistogramSnapshot),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Counter(..) => "counter",
            Value::Gauge(_) => "gauge",
            Value::Histogram(_) => "histogram",
        }
    }
}

/// Every series of one family: labels as pairs (`Labels`, for reading values) or as text
/// (`LabelText`, for rendering).
#[derive(Debug)]
pub(crate) struct FamilySeries<L = Labels> {
    pub help: Option<String>,
    pub series: Vec<(L, Value)>,
}

impl<L> Default for FamilySeries<L> {
    fn default() -> Self {
        Self {
            help: None,
            series: Vec::new(),
        }
    }
}

/// Writes labels as the text format does between braces, escaping values.
pub(crate) fn label_text<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> LabelText {
    let mut out = String::with_capacity(64);
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k.as_ref());
        out.push_str("=\"");
        escape_label_value(&mut out, v.as_ref());
        out.push('"');
    }
    out
}

/// The text formats `/metrics` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text: a counter's family is named without `_total` (its samples keep
    /// it), `# UNIT` where the name ends in a unit, `"` escaped in HELP, and `# EOF` last.
    OpenMetrics,
}

/// Units OpenMetrics states in `# UNIT` when a family's name ends in one.
const UNITS: [&str; 3] = ["seconds", "bytes", "ratio"];

/// Renders families, sorted by name and series by labels. A family whose series disagree on
/// type (two unrelated `metrics` calls using one name) is rendered with the first type only,
/// so one stray metric cannot make the whole scrape unparseable. In OpenMetrics, with
/// `created`, each counter and histogram series is followed by its `_created` sample (when it
/// came to exist, in Unix seconds); the Prometheus text format has no such sample.
pub(crate) fn render(
    families: BTreeMap<String, FamilySeries<LabelText>>,
    format: Format,
    created: bool,
) -> String {
    // Sized from the lines to come, so that the text is not copied as it grows, nor held twice.
    let size: usize = families
        .iter()
        .flat_map(|(name, f)| f.series.iter().map(move |s| (name.len(), s)))
        .map(|(name, (labels, value))| {
            let lines = match value {
                Value::Histogram(h) => h.buckets.len() + 3,
                _ => 1,
            };
            lines * (name + labels.len() + 32)
        })
        .sum();
    let mut out = String::with_capacity(size);
    let mut les = LeTexts::default();
    let names: std::collections::BTreeSet<String> = match format {
        Format::OpenMetrics => families.keys().cloned().collect(),
        Format::Prometheus => std::collections::BTreeSet::new(),
    };
    for (name, mut family) in families {
        let Some(first) = family.series.first().map(|(_, v)| v.type_name()) else {
            continue;
        };
        family.series.retain(|(_, v)| v.type_name() == first);
        family.series.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (described, kind) = match format {
            Format::Prometheus => (name.as_str(), first),
            Format::OpenMetrics => open_metrics_family(&name, first, &names),
        };
        if let Some(help) = &family.help {
            out.push_str("# HELP ");
            out.push_str(described);
            out.push(' ');
            escape_help(&mut out, help, format);
            out.push('\n');
        }
        let _ = writeln!(out, "# TYPE {described} {kind}");
        if format == Format::OpenMetrics
            && let Some(unit) = UNITS.iter().find(|u| {
                described
                    .strip_suffix(**u)
                    .is_some_and(|b| b.ends_with('_'))
            })
        {
            let _ = writeln!(out, "# UNIT {described} {unit}");
        }
        // `_created` is OpenMetrics's, for counter and histogram families, unless another
        // family already has that name.
        let created_of = |at: Option<f64>| {
            at.filter(|_| {
                created
                    && format == Format::OpenMetrics
                    && matches!(kind, "counter" | "histogram")
                    && !names.contains(&format!("{described}_created"))
            })
        };
        for (labels, value) in &family.series {
            let line = Line {
                name: &name,
                labels,
            };
            let created_line = Line {
                name: described,
                labels,
            };
            match value {
                Value::Counter(v, exemplar, at) => {
                    // OpenMetrics allows them on counters only, not on `unknown` families.
                    let exemplar =
                        exemplar.filter(|_| format == Format::OpenMetrics && kind == "counter");
                    line.write_exemplar(&mut out, "", None, Int(*v), exemplar);
                    if let Some(at) = created_of(*at) {
                        created_line.write(&mut out, "_created", None, Float(at));
                    }
                }
                Value::Gauge(v) => line.write(&mut out, "", None, Float(*v)),
                Value::Histogram(h) => {
                    // Exemplars are OpenMetrics's: the Prometheus text format has none.
                    let exemplar = |i: usize| match format {
                        Format::OpenMetrics => h.exemplars.get(i).copied().flatten(),
                        Format::Prometheus => None,
                    };
                    for (i, (le, (_, cumulative))) in
                        les.of(&h.buckets).iter().zip(&h.buckets).enumerate()
                    {
                        line.write_exemplar(
                            &mut out,
                            "_bucket",
                            Some(le),
                            Int(*cumulative),
                            exemplar(i),
                        );
                    }
                    let inf = exemplar(h.buckets.len());
                    line.write_exemplar(&mut out, "_bucket", Some("+Inf"), Int(h.count), inf);
                    line.write(&mut out, "_sum", None, Float(h.sum));
                    line.write(&mut out, "_count", None, Int(h.count));
                    if let Some(at) = created_of(h.created) {
                        created_line.write(&mut out, "_created", None, Float(at));
                    }
                }
            }
        }
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

/// The name and type OpenMetrics gives a family: a counter `x_total` is the family `x`. A
/// counter without the suffix, or whose name without it is another family's, and a gauge whose
/// name ends in a suffix OpenMetrics reserves, are `unknown`, which keeps the samples' names
/// exactly those of the Prometheus format.
fn open_metrics_family<'a>(
    name: &'a str,
    kind: &'static str,
    names: &std::collections::BTreeSet<String>,
) -> (&'a str, &'static str) {
    const RESERVED: [&str; 6] = ["_total", "_created", "_count", "_sum", "_bucket", "_info"];
    match kind {
        "counter" => match name.strip_suffix("_total") {
            Some(base) if !base.is_empty() && !names.contains(base) => (base, "counter"),
            _ => (name, "unknown"),
        },
        "gauge" if RESERVED.iter().any(|r| name.ends_with(r)) => (name, "unknown"),
        _ => (name, kind),
    }
}

/// The series part of a sample line: its family name and label text.
struct Line<'a> {
    name: &'a str,
    labels: &'a str,
}

impl Line<'_> {
    fn write(&self, out: &mut String, suffix: &str, le: Option<&str>, value: impl SampleValue) {
        self.sample(out, suffix, le, value);
        out.push('\n');
    }

    /// A sample line with its exemplar after it, if it has one: a bucket's is the call's
    /// duration (`x_bucket{le="0.1"} 8 # {span_id="00000000000000a1"} 0.054 1796021865.061`),
    /// a counter's the increment, 1.
    fn write_exemplar(
        &self,
        out: &mut String,
        suffix: &str,
        le: Option<&str>,
        value: impl SampleValue,
        exemplar: Option<Exemplar>,
    ) {
        self.sample(out, suffix, le, value);
        if let Some(e) = exemplar {
            let observed = if le.is_some() { e.seconds } else { 1.0 };
            out.push_str(" # {");
            if e.trace_id != 0 {
                let _ = write!(out, "trace_id=\"{:032x}\",", e.trace_id);
            }
            let _ = write!(
                out,
                "span_id=\"{:016x}\"}} {} {}",
                e.span_id,
                Float(observed),
                Float(e.unix_seconds)
            );
        }
        out.push('\n');
    }

    fn sample(&self, out: &mut String, suffix: &str, le: Option<&str>, value: impl SampleValue) {
        out.push_str(self.name);
        out.push_str(suffix);
        if !self.labels.is_empty() || le.is_some() {
            out.push('{');
            out.push_str(self.labels);
            if let Some(le) = le {
                if !self.labels.is_empty() {
                    out.push(',');
                }
                out.push_str("le=\"");
                out.push_str(le);
                out.push('"');
            }
            out.push('}');
        }
        out.push(' ');
        value.write(out);
    }
}

/// The `le` texts of the bounds last seen, in the form Prometheus 3 stores (`1.0`, `5e-05`):
/// histograms of one family share their bounds, so they are formatted once per family, not
/// once per line.
#[derive(Default)]
struct LeTexts {
    bounds: Vec<f64>,
    texts: Vec<String>,
}

impl LeTexts {
    fn of(&mut self, buckets: &[(f64, u64)]) -> &[String] {
        let same = self.bounds.len() == buckets.len()
            && self
                .bounds
                .iter()
                .zip(buckets)
                .all(|(a, (b, _))| a.to_bits() == b.to_bits());
        if !same {
            self.bounds = buckets.iter().map(|(b, _)| *b).collect();
            self.texts = self
                .bounds
                .iter()
                .map(|b| crate::float_text::canonical(*b))
                .collect();
        }
        &self.texts
    }
}

/// A sample's value, written in place.
trait SampleValue {
    fn write(self, out: &mut String);
}

/// A count.
struct Int(u64);

impl SampleValue for Int {
    fn write(self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(self.0));
    }
}

impl SampleValue for Float {
    fn write(self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
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
    if !value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// HELP text escaped: a backslash and a newline; in OpenMetrics, a double quote too.
fn escape_help(out: &mut String, help: &str, format: Format) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Makes a foreign metric name (`db.queries`) a valid Prometheus name (`db_queries`); a valid
/// name, the common case, is borrowed as it is.
pub(crate) fn sanitize_name(name: &str) -> Cow<'_, str> {
    sanitize(name, true)
}

/// Makes a foreign label key valid (`http.method` → `http_method`).
pub(crate) fn sanitize_label_key(key: &str) -> Cow<'_, str> {
    sanitize(key, false)
}

fn sanitize(name: &str, colons: bool) -> Cow<'_, str> {
    let keep = |i: usize, c: char| match c {
        'a'..='z' | 'A'..='Z' | '_' => true,
        ':' => colons,
        '0'..='9' => i > 0,
        _ => false,
    };
    if name.chars().enumerate().all(|(i, c)| keep(i, c)) {
        return Cow::Borrowed(name);
    }
    name.chars()
        .enumerate()
        .map(|(i, c)| if keep(i, c) { c } else { '_' })
        .collect()
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
        escape_help(&mut h, "x \"q\" \\ \n y", Format::Prometheus);
        assert_eq!(h, r#"x "q" \\ \n y"#);
    }

    #[test]
    fn renders_histogram_family() {
        let mut families = BTreeMap::new();
        let labels = label_text([("op", "get")]);
        let snapshot = HistogramSnapshot {
            buckets: vec![(0.5, 1), (1.0, 2)],
            count: 3,
            sum: 2.25,
            exemplars: Vec::new(),
            native: None,
            created: None,
        };
        families.insert(
            "x_duration_seconds".to_owned(),
            FamilySeries {
                help: Some("Duration.".into()),
                series: vec![(labels, Value::Histogram(snapshot))],
            },
        );
        let text = render(families, Format::Prometheus, false);
        assert_eq!(
            text,
            "# HELP x_duration_seconds Duration.\n# TYPE x_duration_seconds histogram\n\
             x_duration_seconds_bucket{op=\"get\",le=\"0.5\"} 1\n\
             x_duration_seconds_bucket{op=\"get\",le=\"1.0\"} 2\n\
             x_duration_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\n\
             x_duration_seconds_sum{op=\"get\"} 2.25\n\
             x_duration_seconds_count{op=\"get\"} 3\n"
        );
    }

    #[test]
    fn exemplars_follow_their_buckets_in_open_metrics_only() {
        let exemplar = Exemplar {
            trace_id: 0,
            span_id: 0xa1,
            seconds: 0.054,
            unix_seconds: 1_796_021_865.061,
        };
        let family = || {
            let mut families = BTreeMap::new();
            families.insert(
                "x_duration_seconds".to_owned(),
                FamilySeries {
                    help: None,
                    series: vec![(
                        String::new(),
                        Value::Histogram(HistogramSnapshot {
                            buckets: vec![(0.1, 1)],
                            count: 2,
                            sum: 0.5,
                            exemplars: vec![Some(exemplar), None],
                            native: None,
                            created: None,
                        }),
                    )],
                },
            );
            families
        };
        let om = render(family(), Format::OpenMetrics, false);
        assert!(
            om.contains(
                "x_duration_seconds_bucket{le=\"0.1\"} 1 # {span_id=\"00000000000000a1\"} 0.054 1796021865.061\n\
                 x_duration_seconds_bucket{le=\"+Inf\"} 2\n"
            ),
            "{om}"
        );
        let mut counters = BTreeMap::new();
        counters.insert(
            "x_errors_total".to_owned(),
            FamilySeries {
                help: None,
                series: vec![(String::new(), Value::Counter(4, Some(exemplar), None))],
            },
        );
        let om = render(counters, Format::OpenMetrics, false);
        assert!(
            om.contains("x_errors_total 4 # {span_id=\"00000000000000a1\"} 1 1796021865.061\n"),
            "a counter's exemplar is its increment: {om}"
        );
        let mut traced = BTreeMap::new();
        let with_trace = Exemplar {
            trace_id: 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736,
            span_id: 0x00f0_67aa_0ba9_02b7,
            ..exemplar
        };
        traced.insert(
            "x_errors_total".to_owned(),
            FamilySeries {
                help: None,
                series: vec![(String::new(), Value::Counter(1, Some(with_trace), None))],
            },
        );
        let om = render(traced, Format::OpenMetrics, false);
        assert!(
            om.contains(
                "x_errors_total 1 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\",span_id=\"00f067aa0ba902b7\"} 1 1796021865.061\n"
            ),
            "OpenTelemetry's ids, as W3C trace context writes them: {om}"
        );
        let text = render(family(), Format::Prometheus, false);
        assert!(!text.contains('#') || !text.contains("span_id"), "{text}");
        assert!(
            text.contains("x_duration_seconds_bucket{le=\"0.1\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn open_metrics_names_counter_families_without_total_and_ends_with_eof() {
        let family = |help: Option<&str>, series: Vec<(&str, Value)>| FamilySeries {
            help: help.map(str::to_owned),
            series: series.into_iter().map(|(l, v)| (l.to_owned(), v)).collect(),
        };
        let mut families = BTreeMap::new();
        families.insert(
            "db_requests_total".to_owned(),
            family(
                Some("Calls, \"completed\"."),
                vec![("op=\"get\"", Value::Counter(3, None, None))],
            ),
        );
        families.insert(
            "db_wal_size_bytes".to_owned(),
            family(None, vec![("", Value::Gauge(4096.0))]),
        );
        families.insert(
            "db_build_info".to_owned(),
            family(None, vec![("version=\"1\"", Value::Gauge(1.0))]),
        );
        families.insert(
            "legacy_hits".to_owned(),
            family(None, vec![("", Value::Counter(2, None, None))]),
        );
        let text = render(families, Format::OpenMetrics, false);
        assert_eq!(
            text,
            "# TYPE db_build_info unknown\n\
             db_build_info{version=\"1\"} 1\n\
             # HELP db_requests Calls, \\\"completed\\\".\n\
             # TYPE db_requests counter\n\
             db_requests_total{op=\"get\"} 3\n\
             # TYPE db_wal_size_bytes gauge\n\
             # UNIT db_wal_size_bytes bytes\n\
             db_wal_size_bytes 4096\n\
             # TYPE legacy_hits unknown\n\
             legacy_hits 2\n\
             # EOF\n"
        );
    }

    #[test]
    fn mixed_types_keep_the_first() {
        let mut families = BTreeMap::new();
        families.insert(
            "m".to_owned(),
            FamilySeries {
                help: None,
                series: vec![
                    (String::new(), Value::Counter(1, None, None)),
                    (label_text([("a", "b")]), Value::Gauge(2.0)),
                ],
            },
        );
        assert_eq!(
            render(families, Format::Prometheus, false),
            "# TYPE m counter\nm 1\n"
        );
    }

    #[test]
    fn sanitizes_foreign_names() {
        assert_eq!(sanitize_name("db.queries-total"), "db_queries_total");
        assert_eq!(sanitize_name("9lives"), "_lives");
        assert_eq!(sanitize_label_key("a:b"), "a_b");
        assert!(matches!(sanitize_name("ns:ok_total"), Cow::Borrowed(_)));
    }

    #[test]
    fn open_metrics_counters_and_histograms_say_when_they_were_created() {
        let families = || {
            let mut families = BTreeMap::new();
            families.insert(
                "x_total".to_owned(),
                FamilySeries {
                    help: None,
                    series: vec![(
                        label_text([("op", "get")]),
                        Value::Counter(3, None, Some(1_796_021_865.061)),
                    )],
                },
            );
            families.insert(
                "x_duration_seconds".to_owned(),
                FamilySeries {
                    help: None,
                    series: vec![(
                        String::new(),
                        Value::Histogram(HistogramSnapshot {
                            buckets: vec![(1.0, 1)],
                            count: 1,
                            sum: 0.5,
                            exemplars: Vec::new(),
                            native: None,
                            created: Some(1_796_021_000.5),
                        }),
                    )],
                },
            );
            families.insert(
                "x_in_flight".to_owned(),
                FamilySeries {
                    help: None,
                    series: vec![(String::new(), Value::Gauge(2.0))],
                },
            );
            families
        };
        assert_eq!(
            render(families(), Format::OpenMetrics, true),
            "# TYPE x_duration_seconds histogram\n# UNIT x_duration_seconds seconds\n\
             x_duration_seconds_bucket{le=\"1.0\"} 1\n\
             x_duration_seconds_bucket{le=\"+Inf\"} 1\n\
             x_duration_seconds_sum 0.5\nx_duration_seconds_count 1\n\
             x_duration_seconds_created 1796021000.5\n\
             # TYPE x_in_flight gauge\nx_in_flight 2\n\
             # TYPE x counter\nx_total{op=\"get\"} 3\nx_created{op=\"get\"} 1796021865.061\n\
             # EOF\n"
        );
        // Not in the Prometheus text format, nor when turned off.
        assert!(!render(families(), Format::Prometheus, true).contains("_created"));
        assert!(!render(families(), Format::OpenMetrics, false).contains("_created"));
    }
}
