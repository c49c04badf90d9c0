//! Compression of `/metrics` for scrapers that accept it: Prometheus sends
//! `Accept-Encoding: gzip` on every scrape, and the exposition, mostly repeated names and
//! labels, shrinks to a small fraction of its size.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::HeaderMap;
use hyper::header::ACCEPT_ENCODING;

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
