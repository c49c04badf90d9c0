//! A load generator: several clients sending a fixed, seeded mix of commands, some of which
//! fail on purpose, and counting every reply by its code.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// What the clients saw.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Replies that were not errors.
    pub ok: u64,
    /// Error replies by their code.
    pub errors: BTreeMap<String, u64>,
    /// Well-formed commands sent, by the handler they reach (`get`, `set`, `incr`, `del`,
    /// `ping`): the count each handler's metrics must show, kept by the clients themselves.
    pub sent: BTreeMap<&'static str, u64>,
    /// Of those, the ones answered without an error, by handler.
    pub succeeded: BTreeMap<&'static str, u64>,
}

impl Report {
    /// All replies.
    pub fn total(&self) -> u64 {
        self.ok + self.errors.values().sum::<u64>()
    }

    fn merge(&mut self, other: Report) {
        self.ok += other.ok;
        for (code, n) in other.errors {
            *self.errors.entry(code).or_default() += n;
        }
        for (op, n) in other.sent {
            *self.sent.entry(op).or_default() += n;
        }
        for (op, n) in other.succeeded {
            *self.succeeded.entry(op).or_default() += n;
        }
    }
}

/// A small deterministic generator, so a run is repeatable without a dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The command for one roll: reads (some of missing keys), writes, increments (some of
/// non-integers), deletes, unknown commands, oversized keys and pings; with the handler a
/// well-formed command reaches (none for those the parser refuses).
fn command(rng: &mut XorShift, i: usize) -> (String, Option<&'static str>) {
    let r = rng.next();
    let key = r / 100 % 50;
    match r % 100 {
        0..40 => (format!("GET k{key}\n"), Some("get")),
        40..65 => (format!("SET k{} v{i}\n", key % 40), Some("set")),
        65..72 => (format!("INCR counter{}\n", key % 5), Some("incr")),
        72..76 => (format!("INCR k{key}\n"), Some("incr")),
        76..84 => (format!("DEL k{key}\n"), Some("del")),
        84..88 => ("FLY k1\n".to_owned(), None),
        88..90 => (format!("GET {}\n", "x".repeat(300)), None),
        _ => ("PING\n".to_owned(), Some("ping")),
    }
}

/// Sends `requests` commands over `concurrency` connections to `addr`.
pub async fn run(
    addr: SocketAddr,
    requests: usize,
    concurrency: usize,
    seed: u64,
) -> std::io::Result<Report> {
    let concurrency = concurrency.max(1);
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..concurrency {
        let share = requests / concurrency + usize::from(c < requests % concurrency);
        let mut rng = XorShift(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(c as u64 + 1)
                | 1,
        );
        clients.spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let mut report = Report::default();
            for i in 0..share {
                let (line, op) = command(&mut rng, i);
                write.write_all(line.as_bytes()).await?;
                if let Some(op) = op {
                    *report.sent.entry(op).or_default() += 1;
                }
                let reply = lines
                    .next_line()
                    .await?
                    .ok_or(std::io::ErrorKind::UnexpectedEof)?;
                match reply.strip_prefix("ERR ") {
                    Some(rest) => {
                        let code = rest.split(' ').next().unwrap_or("").to_owned();
                        *report.errors.entry(code).or_default() += 1;
                    }
                    None => {
                        report.ok += 1;
                        if let Some(op) = op {
                            *report.succeeded.entry(op).or_default() += 1;
                        }
                    }
                }
            }
            Ok::<_, std::io::Error>(report)
        });
    }
    let mut total = Report::default();
    while let Some(joined) = clients.join_next().await {
        total.merge(joined.map_err(std::io::Error::other)??);
    }
    Ok(total)
}

/// What a timed GET/SET run measured, on the clients' side.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Requests answered.
    pub requests: usize,
    /// From the first request sent to the last reply read.
    pub elapsed: std::time::Duration,
    /// Each request's round trip, sorted.
    pub latencies: Vec<std::time::Duration>,
}

impl Timing {
    /// Requests answered per second.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The round trip that `q` of the requests took at most (`q` in `0..=1`).
    pub fn quantile(&self, q: f64) -> std::time::Duration {
        let last = self.latencies.len().saturating_sub(1);
        // A rank, rounded up: the nearest-rank quantile.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rank = ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, last + 1) - 1;
        self.latencies
            .get(rank)
            .copied()
            .unwrap_or(std::time::Duration::ZERO)
    }
}

/// Sends `requests` GETs and SETs (three reads to one write, every key present) over
/// `concurrency` connections, timing each round trip: the end-to-end benchmark's load, with no
/// failures on purpose, so that it measures the serving path.
pub async fn get_set(
    addr: SocketAddr,
    requests: usize,
    concurrency: usize,
) -> std::io::Result<Timing> {
    let concurrency = concurrency.max(1);
    // Every key exists before the clock starts, so every GET finds one.
    let mut stream = TcpStream::connect(addr).await?;
    let mut warm = String::new();
    for k in 0..64 {
        warm.push_str(&format!("SET k{k} v{k}\n"));
    }
    stream.write_all(warm.as_bytes()).await?;
    let mut lines = BufReader::new(stream).lines();
    for _ in 0..64 {
        lines.next_line().await?;
    }
    let started = std::time::Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..concurrency {
        let share = requests / concurrency + usize::from(c < requests % concurrency);
        let mut rng = XorShift((c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        clients.spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let mut latencies = Vec::with_capacity(share);
            for i in 0..share {
                let r = rng.next();
                let line = if r.is_multiple_of(4) {
                    format!("SET k{} v{i}\n", r / 4 % 64)
                } else {
                    format!("GET k{}\n", r / 4 % 64)
                };
                let sent = std::time::Instant::now();
                write.write_all(line.as_bytes()).await?;
                let reply = lines
                    .next_line()
                    .await?
                    .ok_or(std::io::ErrorKind::UnexpectedEof)?;
                latencies.push(sent.elapsed());
                if reply.starts_with("ERR ") {
                    return Err(std::io::Error::other(format!("{line:?} answered {reply}")));
                }
            }
            Ok::<_, std::io::Error>(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(requests);
    while let Some(joined) = clients.join_next().await {
        latencies.extend(joined.map_err(std::io::Error::other)??);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Ok(Timing {
        requests: latencies.len(),
        elapsed,
        latencies,
    })
}
