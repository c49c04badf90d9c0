//! The expositions `/metrics` answers with, each with its content type, and the one entry point
//! that renders any of them: a new format is a variant here and an arm in [`Shared::render`].
//!
//! The Prometheus text format 1.0.0 differs from 0.0.4 only where a name falls outside the
//! legacy character set (it may then be quoted); every name vitalsign writes is inside it (its
//! own are checked at compile time, a foreign one is sanitized with underscores), so both
//! versions are the same text. Text formats of version 1.0.0 name their escaping scheme in the
//! content type: `underscores` is what the sanitizing does, and every scheme leaves a valid name
//! as it is.

use std::collections::BTreeMap;

use super::exposition::{self, FamilySeries, Format};
use super::{Shared, owned_pairs, protobuf};

/// An exposition as served: a text format in the version asked for, or protobuf.
// Without the server, only `Vitals::render_as` and `render_protobuf` pick one.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exposition {
    /// Prometheus text, version 0.0.4: what a scraper that names no version gets.
    PrometheusText,
    /// Prometheus text, version 1.0.0: the same text, with its escaping in the content type.
    PrometheusText1,
    /// OpenMetrics 1.0.0 text.
    OpenMetrics,
    /// Length-delimited protobuf `io.prometheus.client.MetricFamily` messages: the format of
    /// native histograms.
    Protobuf,
}

#[cfg_attr(not(feature = "server"), allow(dead_code))]
impl Exposition {
    /// Every exposition, in [`Exposition::index`] order.
    pub(crate) const ALL: [Exposition; 4] = [
        Exposition::PrometheusText,
        Exposition::PrometheusText1,
        Exposition::OpenMetrics,
        Exposition::Protobuf,
    ];

    /// Its place in [`Exposition::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The `Content-Type` it is served with.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Exposition::PrometheusText => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::PrometheusText1 => {
                "text/plain; version=1.0.0; charset=utf-8; escaping=underscores"
            }
            Exposition::OpenMetrics => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
            }
            Exposition::Protobuf => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
            }
        }
    }

    /// The text format it is written in; `None` for protobuf.
    fn text(self) -> Option<Format> {
        match self {
            Exposition::PrometheusText | Exposition::PrometheusText1 => Some(Format::Prometheus),
            Exposition::OpenMetrics => Some(Format::OpenMetrics),
            Exposition::Protobuf => None,
        }
    }
}

impl From<Format> for Exposition {
    fn from(format: Format) -> Self {
        match format {
            Format::Prometheus => Exposition::PrometheusText,
            Format::OpenMetrics => Exposition::OpenMetrics,
        }
    }
}

/// Keeps the families named in `only` (their names as the Prometheus text writes them,
/// `kvstore_requests_total`), or every family when `only` is `None`.
fn select<S>(families: &mut BTreeMap<String, FamilySeries<S>>, only: Option<&[String]>) {
    if let Some(names) = only {
        families.retain(|name, _| names.iter().any(|n| n == name));
    }
}

impl Shared {
    /// The exposition as served on `/metrics`, of every family or of those named in `only`.
    pub(crate) fn render(&self, exposition: Exposition, only: Option<&[String]>) -> Vec<u8> {
        match exposition.text() {
            Some(format) => {
                let mut families = self.described(false, |pairs| exposition::label_text(pairs));
                select(&mut families, only);
                exposition::render(families, format, self.created).into_bytes()
            }
            None => {
                let mut families = self.described(true, owned_pairs);
                select(&mut families, only);
                protobuf::render(families, self.created)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exposition_has_its_place_and_a_content_type_naming_its_version() {
        for (i, e) in Exposition::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
        }
        for e in [Exposition::PrometheusText1, Exposition::OpenMetrics] {
            assert!(e.content_type().contains("version=1.0.0"), "{e:?}");
            assert!(e.content_type().contains("escaping="), "{e:?}");
        }
        assert!(
            !Exposition::PrometheusText
                .content_type()
                .contains("escaping")
        );
    }
}
