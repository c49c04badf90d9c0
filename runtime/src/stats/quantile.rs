//! Latency quantiles from cumulative buckets, read as Prometheus's `histogram_quantile` reads
//! them, and said no more precisely than the buckets can tell.

/// A latency quantile, as far as the buckets can tell it: a number of seconds when it falls
/// between two bounds; at most the first bound when it falls in the first bucket, where
/// interpolating from zero would invent a value (a sub-microsecond call is not "half the first
/// bound"); more than the highest bound when it falls past it. `/stats` writes it as that
/// number and, apart, which bound it is ([`Quantile::bound`]), so each JSON field keeps one type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantile {
    /// Interpolated between two bounds.
    Seconds(f64),
    /// At most the first bound.
    Below {
        /// The first bound.
        below_seconds: f64,
    },
    /// More than the highest bound.
    Above {
        /// The highest bound.
        above_seconds: f64,
    },
}

impl Quantile {
    /// The one number a plot can draw: the interpolated value, else the bound it is below or
    /// above.
    pub fn seconds(self) -> f64 {
        match self {
            Quantile::Seconds(s) => s,
            Quantile::Below { below_seconds: s } | Quantile::Above { above_seconds: s } => s,
        }
    }

    /// `"below"` when [`Quantile::seconds`] is the first bound the quantile is at most,
    /// `"above"` when it is the highest bound the quantile is past, `None` when interpolated.
    pub fn bound(self) -> Option<&'static str> {
        match self {
            Quantile::Seconds(_) => None,
            Quantile::Below { .. } => Some("below"),
            Quantile::Above { .. } => Some("above"),
        }
    }
}

/// The `q` quantile of cumulative `(le, count)` buckets (`+Inf` last), interpolated linearly
/// within the bucket it falls in, as Prometheus's `histogram_quantile` does. In the `+Inf`
/// bucket it is the highest finite bound.
pub(crate) fn quantile(q: f64, buckets: &[(f64, u64)]) -> Option<Quantile> {
    let total = buckets.last()?.1;
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut lower: Option<(f64, u64)> = None;
    for &(le, count) in buckets {
        if count as f64 >= rank {
            return Some(match lower {
                None if le.is_infinite() => Quantile::Above { above_seconds: 0.0 },
                None => Quantile::Below { below_seconds: le },
                Some((bound, _)) if le.is_infinite() => Quantile::Above {
                    above_seconds: bound,
                },
                Some((bound, below)) => {
                    let in_bucket = (count - below) as f64;
                    let fraction = if in_bucket == 0.0 {
                        1.0
                    } else {
                        (rank - below as f64) / in_bucket
                    };
                    // To the nanosecond: an interpolation's float noise (`0.039999999999999994`)
                    // is no information.
                    Quantile::Seconds(((bound + (le - bound) * fraction) * 1e9).round() / 1e9)
                }
            });
        }
        lower = Some((le, count));
    }
    lower.map(|(bound, _)| Quantile::Above {
        above_seconds: bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_prometheus() {
        let b = [(0.1, 50), (0.2, 90), (0.4, 100), (f64::INFINITY, 100)];
        let seconds = |q| match quantile(q, &b) {
            Some(Quantile::Seconds(s)) => s,
            other => panic!("{q}: {other:?}"),
        };
        assert!((seconds(0.7) - 0.15).abs() < 1e-9);
        assert_eq!(
            seconds(0.7).to_string(),
            "0.15",
            "to the nanosecond, without noise"
        );
        assert!((seconds(0.95) - 0.3).abs() < 1e-9);
        assert_eq!(
            quantile(0.5, &b),
            Some(Quantile::Below { below_seconds: 0.1 }),
            "in the first bucket: below its bound, not an invented value"
        );
        assert_eq!(quantile(0.5, &[(0.1, 0), (f64::INFINITY, 0)]), None);
        assert_eq!(
            quantile(0.99, &[(0.1, 1), (f64::INFINITY, 10)]),
            Some(Quantile::Above { above_seconds: 0.1 }),
            "+Inf: above the highest finite bound"
        );
        // What `/stats` writes: the number, and apart which bound it is.
        let below = Quantile::Below {
            below_seconds: 1e-6,
        };
        assert_eq!((below.seconds(), below.bound()), (1e-6, Some("below")));
        assert_eq!(Quantile::Seconds(0.25).bound(), None);
    }
}
