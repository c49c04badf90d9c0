//! Which accepted connections are served: a cap on the whole listener, a cap per client address,
//! and room kept for clients that hold no connection yet, so that one flooding address cannot
//! starve a kubelet's probe or Prometheus's scrape.

use crate::catalogue::{MetricType, OwnSpec};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use metrics::Counter;

use crate::sync::MutexExt;

/// The share of `max_connections` kept for addresses with no connection open: `1 / KEPT_FOR_NEW`.
const KEPT_FOR_NEW: usize = 8;

/// Why a connection was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Its address already holds `max_connections_per_client` connections.
    PerClient,
    /// The listener is full (or only the room kept for new clients is left).
    Full,
}

impl Refusal {
    /// The `reason` label of `{ns}_http_connections_refused_total`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Refusal::PerClient => "per_client",
            Refusal::Full => "full",
        }
    }
}

/// `{ns}_http_connections_refused_total{reason}`.
#[derive(Debug)]
pub(crate) struct RefusedCounters {
    per_client: Counter,
    full: Counter,
}

impl RefusedCounters {
    /// Registers both series at zero, so that a rate of refusals exists from the first scrape.
    pub(crate) fn new(namespace: &str) -> Self {
        let counter = |why: Refusal| {
            let key = metrics::Key::from_parts(
                CONNECTIONS_REFUSED.name_in(namespace),
                vec![metrics::Label::new(
                    vitalsign_naming::REASON_LABEL,
                    why.label(),
                )],
            );
            metrics::with_recorder(|r| r.register_counter(&key, &crate::__private::METADATA))
        };
        Self {
            per_client: counter(Refusal::PerClient),
            full: counter(Refusal::Full),
        }
    }

    pub(crate) fn count(&self, why: Refusal) {
        match why {
            Refusal::PerClient => self.per_client.increment(1),
            Refusal::Full => self.full.increment(1),
        }
    }
}

/// `{ns}_http_connections_refused_total{reason}`.
const CONNECTIONS_REFUSED: OwnSpec = OwnSpec::new(
    "http_connections_refused_total",
    MetricType::Counter,
    &[vitalsign_naming::REASON_LABEL],
    "Connections to the metrics and health server refused by its limits, by reason",
);

/// The catalogue's entry for the refused connections counter.
pub(crate) fn own_families(namespace: &str) -> Vec<crate::catalogue::OwnFamily> {
    vec![CONNECTIONS_REFUSED.in_namespace(namespace)]
}

/// The connections a listener holds open, in all and per client.
#[derive(Debug)]
pub(crate) struct Admission {
    max: usize,
    per_client: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_client: HashMap<Client, usize>,
}

/// A client, as the caps count it: an IPv4 address, or an IPv6 address's /64 (one host
/// usually holds a whole /64, so counting single IPv6 addresses would cap nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4([u8; 4]),
    V6([u8; 8]),
}

impl From<IpAddr> for Client {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Client::V4(v4.octets()),
            IpAddr::V6(v6) => {
                let o = v6.octets();
                Client::V6([o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]])
            }
        }
    }
}

/// An admitted connection: its place is given back when the ticket drops.
#[derive(Debug)]
pub(crate) struct Ticket {
    admission: Arc<Admission>,
    client: Client,
}

impl Admission {
    pub(crate) fn new(max: usize, per_client: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            per_client,
            open: Mutex::new(Open::default()),
        })
    }

    /// Serves the connection from `ip`, or says why not. A client holding no connection may
    /// take any free place; one that holds some may not take the last `max / 8` (at least one),
    /// which stay for probes and scrapes from other addresses.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Ticket, Refusal> {
        let client = Client::from(ip);
        let mut open = self.open.lock_unpoisoned();
        let held = open.by_client.get(&client).copied().unwrap_or(0);
        let kept = (self.max / KEPT_FOR_NEW).max(1);
        if held >= self.per_client {
            return Err(Refusal::PerClient);
        }
        let free = self.max - open.total;
        if free == 0 || (held > 0 && free <= kept) {
            return Err(Refusal::Full);
        }
        open.total += 1;
        *open.by_client.entry(client).or_insert(0) += 1;
        Ok(Ticket {
            admission: self.clone(),
            client,
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.admission.open.lock_unpoisoned();
        open.total -= 1;
        if let Some(held) = open.by_client.get_mut(&self.client) {
            *held -= 1;
            if *held == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Admission, Refusal};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn one_address_cannot_take_the_room_kept_for_others() {
        let admission = Admission::new(16, 100);
        let flood = ip("10.0.0.2");
        let held: Vec<_> = std::iter::from_fn(|| admission.admit(flood).ok()).collect();
        assert_eq!(held.len(), 14, "16 places, the last 2 kept for new clients");
        assert_eq!(admission.admit(flood).unwrap_err(), Refusal::Full);
        let probe = admission
            .admit(ip("10.0.0.1"))
            .expect("a new client gets a kept place");
        let scrape = admission.admit(ip("10.0.0.3")).expect("and another");
        assert_eq!(admission.admit(ip("10.0.0.4")).unwrap_err(), Refusal::Full);
        drop((probe, scrape));
        drop(held);
        assert_eq!(admission.open.lock().unwrap().total, 0);
        assert!(admission.open.lock().unwrap().by_client.is_empty());
    }

    #[test]
    fn the_per_client_cap_counts_an_ipv6_64_as_one_client() {
        let admission = Admission::new(100, 2);
        let _a = admission.admit(ip("2001:db8::1")).unwrap();
        let _b = admission.admit(ip("2001:db8::2")).unwrap();
        assert_eq!(
            admission.admit(ip("2001:db8::3")).unwrap_err(),
            Refusal::PerClient
        );
        assert!(
            admission.admit(ip("2001:db8:0:1::1")).is_ok(),
            "another /64"
        );
        let _c = admission.admit(ip("::ffff:10.0.0.1")).unwrap();
        let _d = admission.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(
            admission.admit(ip("10.0.0.1")).unwrap_err(),
            Refusal::PerClient,
            "a v4-mapped address is its IPv4 address"
        );
    }
}
