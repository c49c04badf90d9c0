//! The Prometheus protobuf exposition (`io.prometheus.client.MetricFamily`, length-delimited):
//! the one format that carries native histograms to Prometheus 2.x. A scraper reads one format
//! per scrape, so every family is here, not only histograms.
//!
//! The messages are those of `client_model`'s `metrics.proto`, derived with prost so that no
//! protobuf compiler runs at build time; only the fields vitalsign writes are declared (a
//! reader skips none: absent fields read as their defaults).

use std::collections::BTreeMap;

use prost::Message;

use super::exposition::{FamilySeries, Labels, Value};
use crate::storage::{Exemplar, HistogramSnapshot, NativeSnapshot, ZERO_THRESHOLD};

#[derive(Clone, PartialEq, Message)]
struct MetricFamily {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(string, tag = "2")]
    help: String,
    #[prost(enumeration = "MetricType", tag = "3")]
    kind: i32,
    #[prost(message, repeated, tag = "4")]
    metric: Vec<Metric>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
#[repr(i32)]
enum MetricType {
    Counter = 0,
    Gauge = 1,
    Histogram = 4,
}

#[derive(Clone, PartialEq, Message)]
struct Metric {
    #[prost(message, repeated, tag = "1")]
    label: Vec<LabelPair>,
    #[prost(message, optional, tag = "2")]
    gauge: Option<Gauge>,
    #[prost(message, optional, tag = "3")]
    counter: Option<Counter>,
    #[prost(message, optional, tag = "7")]
    histogram: Option<Histogram>,
}

#[derive(Clone, PartialEq, Message)]
struct LabelPair {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(string, tag = "2")]
    value: String,
}

#[derive(Clone, PartialEq, Message)]
struct Gauge {
    #[prost(double, tag = "1")]
    value: f64,
}

#[derive(Clone, PartialEq, Message)]
struct Counter {
    #[prost(double, tag = "1")]
    value: f64,
    #[prost(message, optional, tag = "2")]
    exemplar: Option<ExemplarMessage>,
    /// When the series came to exist.
    #[prost(message, optional, tag = "3")]
    created_timestamp: Option<Timestamp>,
}

#[derive(Clone, PartialEq, Message)]
struct Histogram {
    #[prost(uint64, tag = "1")]
    sample_count: u64,
    #[prost(double, tag = "2")]
    sample_sum: f64,
    /// The fixed buckets, cumulative; `+Inf` is the count.
    #[prost(message, repeated, tag = "3")]
    bucket: Vec<Bucket>,
    #[prost(sint32, tag = "5")]
    schema: i32,
    #[prost(double, tag = "6")]
    zero_threshold: f64,
    #[prost(uint64, tag = "7")]
    zero_count: u64,
    #[prost(message, repeated, tag = "12")]
    positive_span: Vec<BucketSpan>,
    /// Each bucket's count less the one before it (the first: less zero).
    #[prost(sint64, repeated, tag = "13")]
    positive_delta: Vec<i64>,
    /// When the series came to exist.
    #[prost(message, optional, tag = "15")]
    created_timestamp: Option<Timestamp>,
}

#[derive(Clone, PartialEq, Message)]
struct Bucket {
    #[prost(uint64, tag = "1")]
    cumulative_count: u64,
    #[prost(double, tag = "2")]
    upper_bound: f64,
    #[prost(message, optional, tag = "3")]
    exemplar: Option<ExemplarMessage>,
}

/// A run of consecutive native buckets: `offset` from where the run before ended (the first
/// run: the key of its first bucket).
#[derive(Clone, PartialEq, Message)]
struct BucketSpan {
    #[prost(sint32, tag = "1")]
    offset: i32,
    #[prost(uint32, tag = "2")]
    length: u32,
}

#[derive(Clone, PartialEq, Message)]
struct ExemplarMessage {
    #[prost(message, repeated, tag = "1")]
    label: Vec<LabelPair>,
    #[prost(double, tag = "2")]
    value: f64,
    #[prost(message, optional, tag = "3")]
    timestamp: Option<Timestamp>,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, PartialEq, Message)]
struct Timestamp {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

/// Renders families as length-delimited `MetricFamily` messages, sorted by name and series by
/// labels; a family whose series disagree on type keeps the first type's, as the text does.
/// Counters and histograms carry their `created_timestamp` when `created`.
pub(crate) fn render(families: BTreeMap<String, FamilySeries<Labels>>, created: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, mut family) in families {
        let Some(first) = family
            .series
            .first()
            .map(|(_, v)| std::mem::discriminant(v))
        else {
            continue;
        };
        family
            .series
            .retain(|(_, v)| std::mem::discriminant(v) == first);
        family.series.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let kind = match family.series[0].1 {
            Value::Counter(..) => MetricType::Counter,
            Value::Gauge(_) => MetricType::Gauge,
            Value::Histogram(_) => MetricType::Histogram,
        };
        let message = MetricFamily {
            name,
            help: family.help.unwrap_or_default(),
            kind: kind as i32,
            metric: family
                .series
                .into_iter()
                .map(|s| metric(s, created))
                .collect(),
        };
        // Writing into a `Vec` cannot fail: it grows as needed.
        message
            .encode_length_delimited(&mut out)
            .expect("writing into memory");
    }
    out
}

fn metric((labels, value): (Labels, Value), created: bool) -> Metric {
    let created = |at: Option<f64>| at.filter(|_| created).map(timestamp);
    let mut m = Metric {
        label: labels
            .into_iter()
            .map(|(name, value)| LabelPair { name, value })
            .collect(),
        gauge: None,
        counter: None,
        histogram: None,
    };
    match value {
        #[allow(clippy::cast_precision_loss)]
        Value::Counter(v, exemplar, at) => {
            m.counter = Some(Counter {
                value: v as f64,
                exemplar: exemplar.map(|e| exemplar_message(&e, 1.0)),
                created_timestamp: created(at),
            });
        }
        Value::Gauge(v) => m.gauge = Some(Gauge { value: v }),
        Value::Histogram(h) => {
            let at = created(h.created);
            m.histogram = Some(Histogram {
                created_timestamp: at,
                ..histogram(h)
            });
        }
    }
    m
}

fn histogram(h: HistogramSnapshot) -> Histogram {
    let bucket = h
        .buckets
        .iter()
        .enumerate()
        .map(|(i, (le, cumulative))| Bucket {
            cumulative_count: *cumulative,
            upper_bound: *le,
            exemplar: h
                .exemplars
                .get(i)
                .copied()
                .flatten()
                .map(|e| exemplar_message(&e, e.seconds)),
        })
        .collect();
    let mut message = Histogram {
        sample_count: h.count,
        sample_sum: h.sum,
        bucket,
        schema: 0,
        zero_threshold: 0.0,
        zero_count: 0,
        positive_span: Vec::new(),
        positive_delta: Vec::new(),
        created_timestamp: None,
    };
    if let Some(native) = &h.native {
        add_native(&mut message, native);
    }
    message
}

/// Gaps of up to this many empty buckets are written as zero counts rather than a new span:
/// a span costs more bytes than two zero deltas.
const JOIN_GAP: i32 = 2;

fn add_native(message: &mut Histogram, native: &NativeSnapshot) {
    message.schema = i32::from(native.schema);
    // A positive threshold marks the histogram as native even before its first value.
    message.zero_threshold = ZERO_THRESHOLD;
    message.zero_count = native.zero_count;
    let (spans, deltas) = (&mut message.positive_span, &mut message.positive_delta);
    let (mut last, mut last_count) = (None, 0_i64);
    for &(key, count) in &native.buckets {
        match last {
            Some(l) if key - l - 1 <= JOIN_GAP => {
                for _ in l + 1..key {
                    deltas.push(-last_count);
                    last_count = 0;
                }
                let span = spans.last_mut().expect("a span is open");
                span.length += u32::try_from(key - l).expect("keys are sorted");
            }
            Some(l) => spans.push(BucketSpan {
                offset: key - l - 1,
                length: 1,
            }),
            None => spans.push(BucketSpan {
                offset: key,
                length: 1,
            }),
        }
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        deltas.push(count - last_count);
        (last, last_count) = (Some(key), count);
    }
    if message.positive_span.is_empty() {
        // What client_golang writes for a native histogram with no values yet, so that newer
        // Prometheus versions, which look for spans, read it as native too.
        message.positive_span.push(BucketSpan {
            offset: 0,
            length: 0,
        });
    }
}

fn exemplar_message(e: &Exemplar, value: f64) -> ExemplarMessage {
    let mut label = Vec::with_capacity(2);
    if e.trace_id != 0 {
        label.push(LabelPair {
            name: "trace_id".to_owned(),
            value: format!("{:032x}", e.trace_id),
        });
    }
    label.push(LabelPair {
        name: "span_id".to_owned(),
        value: format!("{:016x}", e.span_id),
    });
    ExemplarMessage {
        label,
        value,
        timestamp: Some(timestamp(e.unix_seconds)),
    }
}

/// A time in Unix seconds, kept to the millisecond, as `google.protobuf.Timestamp`: rounded to
/// whole milliseconds first, so that `.061` does not become 60,999,999 ns.
fn timestamp(unix_seconds: f64) -> Timestamp {
    #[allow(clippy::cast_possible_truncation)]
    let millis = (unix_seconds * 1e3).round() as i64;
    #[allow(clippy::cast_possible_truncation)]
    let nanos = (millis.rem_euclid(1000) * 1_000_000) as i32;
    Timestamp {
        seconds: millis.div_euclid(1000),
        nanos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn native(buckets: Vec<(i32, u64)>) -> Histogram {
        let mut h = Histogram::default();
        add_native(
            &mut h,
            &NativeSnapshot {
                schema: 3,
                zero_count: 1,
                buckets,
            },
        );
        h
    }

    /// Decodes spans and deltas back into `(key, count)`, as Prometheus reads them.
    fn decoded(h: &Histogram) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        let (mut key, mut count, mut deltas) = (0_i32, 0_i64, h.positive_delta.iter());
        for (i, span) in h.positive_span.iter().enumerate() {
            key += span.offset + i32::from(i > 0);
            for j in 0..span.length {
                if j > 0 {
                    key += 1;
                }
                count += deltas.next().unwrap();
                out.push((key, u64::try_from(count).unwrap()));
            }
        }
        out.retain(|(_, c)| *c > 0);
        out
    }

    #[test]
    fn spans_and_deltas_round_trip() {
        let buckets = vec![(-5, 3), (-4, 1), (-1, 4), (7, 2), (8, 9), (40, 1)];
        let h = native(buckets.clone());
        assert_eq!(decoded(&h), buckets);
        // -5..=-1 is one span (a gap of two joined), then 7..=8, then 40.
        assert_eq!(
            h.positive_span,
            vec![
                BucketSpan {
                    offset: -5,
                    length: 5
                },
                BucketSpan {
                    offset: 7,
                    length: 2
                },
                BucketSpan {
                    offset: 31,
                    length: 1
                },
            ]
        );
        assert_eq!(h.positive_delta, vec![3, -2, -1, 0, 4, -2, 7, -8]);
        assert_eq!(h.zero_count, 1);
        assert!(h.zero_threshold > 0.0);
    }

    #[test]
    fn an_empty_native_histogram_still_reads_as_native() {
        let h = native(Vec::new());
        assert_eq!(
            h.positive_span,
            vec![BucketSpan {
                offset: 0,
                length: 0
            }]
        );
        assert!(h.positive_delta.is_empty());
    }

    #[test]
    fn families_are_length_delimited_messages() {
        let mut families = BTreeMap::new();
        families.insert(
            "a_total".to_owned(),
            FamilySeries {
                help: Some("Calls.".to_owned()),
                series: vec![(
                    vec![("op".to_owned(), "x".to_owned())],
                    Value::Counter(3, None, None),
                )],
            },
        );
        families.insert(
            "b".to_owned(),
            FamilySeries {
                help: None,
                series: vec![(Vec::new(), Value::Gauge(1.5))],
            },
        );
        let bytes = render(families, true);
        let mut rest = &bytes[..];
        let a = MetricFamily::decode_length_delimited(&mut rest).unwrap();
        let b = MetricFamily::decode_length_delimited(&mut rest).unwrap();
        assert!(rest.is_empty());
        assert_eq!(a.name, "a_total");
        assert_eq!(a.kind, MetricType::Counter as i32);
        assert_eq!(a.metric[0].counter.as_ref().unwrap().value, 3.0);
        assert_eq!(a.metric[0].label[0].value, "x");
        assert_eq!(b.metric[0].gauge.as_ref().unwrap().value, 1.5);
    }

    #[test]
    fn counters_and_histograms_carry_their_created_timestamp_unless_turned_off() {
        let families = || {
            let mut families = BTreeMap::new();
            families.insert(
                "a_total".to_owned(),
                FamilySeries {
                    help: None,
                    series: vec![(Vec::new(), Value::Counter(3, None, Some(1_796_021_865.061)))],
                },
            );
            let h = crate::storage::BucketHistogram::new(std::sync::Arc::from([1.0]), None);
            families.insert(
                "b_seconds".to_owned(),
                FamilySeries {
                    help: None,
                    series: vec![(Vec::new(), Value::Histogram(h.snapshot(false)))],
                },
            );
            families
        };
        let decode = |bytes: Vec<u8>| {
            let mut rest = &bytes[..];
            let a = MetricFamily::decode_length_delimited(&mut rest).unwrap();
            let b = MetricFamily::decode_length_delimited(&mut rest).unwrap();
            (
                a.metric[0].counter.clone().unwrap().created_timestamp,
                b.metric[0].histogram.clone().unwrap().created_timestamp,
            )
        };
        let (counter, histogram) = decode(render(families(), true));
        assert_eq!(
            counter,
            Some(Timestamp {
                seconds: 1_796_021_865,
                nanos: 61_000_000
            })
        );
        let histogram = histogram.expect("a histogram's created timestamp");
        let now = crate::storage::created_now();
        assert!(
            (now - histogram.seconds as f64).abs() < 60.0,
            "{histogram:?}"
        );
        assert_eq!(decode(render(families(), false)), (None, None));
    }
}
