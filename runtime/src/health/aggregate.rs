//! How many statuses make one.
//!
//! A critical check passes its status through; a non-critical one can at worst degrade the
//! whole, and is ignored until its first run. The worst wins, in the order
//! unhealthy > unknown > degraded > healthy. No checks at all is healthy.

use super::model::Status;

fn rank(status: Status) -> u8 {
    match status {
        Status::Healthy => 0,
        Status::Degraded => 1,
        Status::Unknown => 2,
        Status::Unhealthy => 3,
    }
}

/// The overall status of `(critical, status)` pairs.
pub fn aggregate(items: impl IntoIterator<Item = (bool, Status)>) -> Status {
    items
        .into_iter()
        .map(|(critical, status)| match (critical, status) {
            (true, s) => s,
            (false, Status::Unhealthy | Status::Degraded) => Status::Degraded,
            (false, Status::Healthy | Status::Unknown) => Status::Healthy,
        })
        .max_by_key(|s| rank(*s))
        .unwrap_or(Status::Healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn single_checks() {
        let table = [
            (true, Healthy, Healthy),
            (true, Degraded, Degraded),
            (true, Unhealthy, Unhealthy),
            (true, Unknown, Unknown),
            (false, Healthy, Healthy),
            (false, Degraded, Degraded),
            (false, Unhealthy, Degraded),
            (false, Unknown, Healthy),
        ];
        for (critical, status, expected) in table {
            assert_eq!(
                aggregate([(critical, status)]),
                expected,
                "critical={critical} {status}"
            );
        }
        assert_eq!(aggregate([]), Healthy);
    }

    #[test]
    fn every_pair_is_the_worst_of_its_parts() {
        let all = [Healthy, Degraded, Unhealthy, Unknown];
        for c1 in [true, false] {
            for c2 in [true, false] {
                for s1 in all {
                    for s2 in all {
                        let a = aggregate([(c1, s1)]);
                        let b = aggregate([(c2, s2)]);
                        let worst = if rank(a) >= rank(b) { a } else { b };
                        assert_eq!(
                            aggregate([(c1, s1), (c2, s2)]),
                            worst,
                            "{c1} {s1} / {c2} {s2}"
                        );
                    }
                }
            }
        }
        // The headline cases of the health model.
        assert_eq!(aggregate([(true, Healthy), (false, Unhealthy)]), Degraded);
        assert_eq!(aggregate([(true, Unhealthy), (false, Healthy)]), Unhealthy);
        assert_eq!(aggregate([(true, Unknown), (true, Unhealthy)]), Unhealthy);
        assert_eq!(aggregate([(true, Unknown), (false, Degraded)]), Unknown);
    }
}
