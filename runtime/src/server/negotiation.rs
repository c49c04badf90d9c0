//! What a scraper asked for: the exposition format (`Accept`) and compression
//! (`Accept-Encoding`). Prometheus offers OpenMetrics first and gzip on every scrape; the
//! exposition, mostly repeated names and labels, shrinks to a small fraction of its size.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::HeaderMap;
use hyper::header::{ACCEPT, ACCEPT_ENCODING};

use crate::recorder::ExpositionFormat;

/// The content type of OpenMetrics 1.0 text.
pub(crate) const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The format the request's `Accept` prefers: OpenMetrics when it is offered (version 1.0.0 or
/// 0.0.1, or none named) with a quality at least that of the Prometheus text format, else the
/// text format, which every scraper reads.
pub(crate) fn preferred_format(headers: &HeaderMap) -> ExpositionFormat {
    let (mut open_metrics, mut text) = (0.0_f32, 0.0_f32);
    for item in headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let (mut q, mut version) = (1.0_f32, None);
        for p in parts {
            if let Some(v) = p.strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            } else if let Some(v) = p.strip_prefix("version=") {
                version = Some(v.trim().to_owned());
            }
        }
        match media.as_str() {
            "application/openmetrics-text"
                if matches!(version.as_deref(), None | Some("1.0.0" | "0.0.1")) =>
            {
                open_metrics = open_metrics.max(q);
            }
            "text/plain" | "*/*" | "text/*" => text = text.max(q),
            _ => {}
        }
    }
    if open_metrics > 0.0 && open_metrics >= text {
        ExpositionFormat::OpenMetrics
    } else {
        ExpositionFormat::Prometheus
    }
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

/// `text`, gzip-compressed.
pub(crate) fn gzip(text: &str) -> Vec<u8> {
    // About a tenth of the text for an exposition: one allocation in the common case.
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(text.len() / 8),
        Compression::new(GZIP_LEVEL),
    );
    // Writing into a `Vec` cannot fail.
    encoder
        .write_all(text.as_bytes())
        .expect("writing into memory");
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
    fn open_metrics_is_served_when_preferred() {
        let accept = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
            preferred_format(&h)
        };
        // What Prometheus 2.42 sends.
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(accept(prometheus), ExpositionFormat::OpenMetrics);
        assert_eq!(
            accept("application/openmetrics-text"),
            ExpositionFormat::OpenMetrics
        );
        for text in [
            "text/plain;version=0.0.4",
            "*/*",
            "text/plain, application/openmetrics-text;q=0.5",
            "application/openmetrics-text;version=2.0.0",
            "application/openmetrics-text;q=0",
            "application/json",
        ] {
            assert_eq!(accept(text), ExpositionFormat::Prometheus, "{text}");
        }
        assert_eq!(
            preferred_format(&HeaderMap::new()),
            ExpositionFormat::Prometheus
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
        let packed = gzip(&text);
        assert!(packed.len() * 10 < text.len(), "{} bytes", packed.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }
}
