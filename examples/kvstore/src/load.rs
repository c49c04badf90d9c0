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
