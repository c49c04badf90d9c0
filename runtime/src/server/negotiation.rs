//! What a scraper asked for: the exposition format (`Accept`) and compression
//! (`Accept-Encoding`). Prometheus offers OpenMetrics first (protobuf first with native
//! histograms on) and gzip on every scrape; the exposition, mostly repeated names and labels,
//! shrinks to a small fraction of its size.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::HeaderMap;
use hyper::header::{ACCEPT, ACCEPT_ENCODING};

use crate::recorder::Exposition;

/// The exposition the request's `Accept` prefers, by quality: protobuf when offered as
/// `io.prometheus.client.MetricFamily`, length-delimited (what Prometheus asks for first with
/// native histograms on); OpenMetrics when offered (version 1.0.0 or 0.0.1, or none named);
/// else the Prometheus text format, which every scraper reads: version 1.0.0 when that is
/// offered above 0.0.4 (Prometheus 3 asks for it), else 0.0.4. A tie goes to the richer format.
pub(crate) fn preferred(headers: &HeaderMap) -> Exposition {
    let (mut protobuf, mut open_metrics) = (0.0_f32, 0.0_f32);
    let (mut text, mut text_1) = (0.0_f32, 0.0_f32);
    for item in headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let (mut q, mut version, mut proto, mut encoding) = (1.0_f32, None, None, None);
        for p in parts {
            let Some((key, value)) = p.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "q" => q = value.parse().unwrap_or(0.0),
                "version" => version = Some(value),
                "proto" => proto = Some(value),
                "encoding" => encoding = Some(value),
                _ => {}
            }
        }
        match media.as_str() {
            "application/vnd.google.protobuf"
                if proto == Some("io.prometheus.client.MetricFamily")
                    && encoding == Some("delimited") =>
            {
                protobuf = protobuf.max(q);
            }
            "application/openmetrics-text" if matches!(version, None | Some("1.0.0" | "0.0.1")) => {
                open_metrics = open_metrics.max(q);
            }
            "text/plain" if version == Some("1.0.0") => text_1 = text_1.max(q),
            "text/plain" | "*/*" | "text/*" => text = text.max(q),
            _ => {}
        }
    }
    let plain = text.max(text_1);
    if protobuf > 0.0 && protobuf >= open_metrics && protobuf >= plain {
        Exposition::Protobuf
    } else if open_metrics > 0.0 && open_metrics >= plain {
        Exposition::OpenMetrics
    } else if text_1 > 0.0 && text_1 >= text {
        Exposition::PrometheusText1
    } else {
        Exposition::PrometheusText
    }
}

/// The families a scrape asks for by name, `/metrics?name[]=a_total&name[]=b` as
/// client_golang takes them (`None`: every family). Other query parameters are ignored.
pub(crate) fn names(query: Option<&str>) -> Option<Vec<String>> {
    let names: Vec<String> = form_urlencoded::parse(query?.as_bytes())
        .filter(|(key, _)| key == "name[]")
        .map(|(_, value)| value.into_owned())
        .collect();
    (!names.is_empty()).then_some(names)
}

/// flate2's fastest level: a scrape compresses a fresh text every time, so time counts more
/// than the last bytes (docs/performance.md has both levels' figures).
pub(crate) const GZIP_LEVEL: u32 = 1;

/// Whether the request's `Accept-Encoding` takes gzip: a `gzip` (or `x-gzip`, or `*`) coding
/// whose quality is not zero.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let wanted = ["gzip", "x-gzip", "*"]
                .iter()
                .any(|g| name.eq_ignore_ascii_case(g));
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            wanted && !refused
        })
}

/// `body`, gzip-compressed.
pub(crate) fn gzip(body: &[u8]) -> Vec<u8> {
    // About a tenth of the text for an exposition: one allocation in the common case.
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        Compression::new(GZIP_LEVEL),
    );
    // Writing into a `Vec` cannot fail.
    encoder.write_all(body).expect("writing into memory");
    encoder.finish().expect("writing into memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;
    use std::io::Read;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_preferred_exposition_is_served() {
        use Exposition::{OpenMetrics, PrometheusText as Prometheus, PrometheusText1, Protobuf};
        let accept = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
            preferred(&h)
        };
        // What Prometheus 2.42 sends, without and with `--enable-feature=native-histograms`.
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(accept(prometheus), OpenMetrics);
        let native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(accept(native), Protobuf);
        // What Prometheus 3 sends (its scrape content negotiation: each protocol of
        // `scrape_protocols` with a falling quality, `escaping` on the text formats of version
        // 1.0.0), by default, with native histograms, and with text 1.0.0 asked for first.
        let v3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(accept(v3), OpenMetrics);
        let v3_native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
        assert_eq!(accept(v3_native), Protobuf);
        let v3_text = "text/plain;version=1.0.0;escaping=underscores;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4";
        assert_eq!(accept(v3_text), PrometheusText1);
        let v3_legacy = "text/plain;version=0.0.4;q=0.6,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,*/*;q=0.4";
        assert_eq!(accept(v3_legacy), Prometheus);
        assert_eq!(accept("application/openmetrics-text"), OpenMetrics);
        for (header, expected) in [
            ("text/plain;version=0.0.4", Prometheus),
            ("text/plain;version=1.0.0", PrometheusText1),
            (
                "text/plain; version=1.0.0; escaping=values",
                PrometheusText1,
            ),
            ("*/*", Prometheus),
            ("text/plain, application/openmetrics-text;q=0.5", Prometheus),
            ("application/openmetrics-text;version=2.0.0", Prometheus),
            ("application/openmetrics-text;q=0", Prometheus),
            ("application/json", Prometheus),
            // Only the delimited `MetricFamily` stream is served.
            (
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
                Prometheus,
            ),
            (
                "application/vnd.google.protobuf;encoding=delimited",
                Prometheus,
            ),
            (
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; q=0.4, text/plain;q=0.5",
                Prometheus,
            ),
            (
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; q=0.5, text/plain;q=0.5",
                Protobuf,
            ),
        ] {
            assert_eq!(accept(header), expected, "{header}");
        }
        assert_eq!(preferred(&HeaderMap::new()), Prometheus);
    }

    #[test]
    fn families_are_chosen_by_name_as_client_golang_takes_them() {
        assert_eq!(names(None), None);
        assert_eq!(names(Some("")), None);
        assert_eq!(names(Some("debug=1")), None);
        assert_eq!(
            names(Some("name[]=a_total&name%5B%5D=b_seconds&other=x")),
            Some(vec!["a_total".to_owned(), "b_seconds".to_owned()])
        );
    }

    #[test]
    fn gzip_is_taken_when_offered_with_a_quality_above_zero() {
        for yes in [
            &["gzip"][..],
            &["identity, gzip;q=0.5"],
            &["GZIP"],
            &["br", "x-gzip"],
            &["*"],
            &["deflate, gzip ; q=1.0"],
        ] {
            assert!(accepts_gzip(&headers(yes)), "{yes:?}");
        }
        for no in [
            &[][..],
            &["identity"],
            &["gzip;q=0"],
            &["gzip; q=0.0"],
            &["br, deflate"],
            &["gzipped"],
        ] {
            assert!(!accepts_gzip(&headers(no)), "{no:?}");
        }
    }

    #[test]
    fn the_compressed_text_reads_back_whole() {
        let text = "# TYPE a_total counter\na_total{op=\"get\"} 1\n".repeat(1000);
        let packed = gzip(text.as_bytes());
        assert!(packed.len() * 10 < text.len(), "{} bytes", packed.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }
}
