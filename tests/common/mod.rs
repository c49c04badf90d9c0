//! Shared by the integration tests: a strict parser of the Prometheus text format and a small
//! HTTP client over loopback.
#![allow(dead_code, missing_docs)]

pub(crate) mod browser;
pub(crate) mod prometheus;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;

/// Every install reads the real `VITALSIGN_*` variables and `RUST_LOG`: one exported in the
/// developer's shell would change what most tests see. Cleared before `main`, so before any
/// test thread starts; a test that needs one sets it itself.
#[ctor::ctor(unsafe)]
fn clear_environment() {
    // A test's own child process, started with the variables it is to read, keeps them.
    if std::env::var_os(KEEP_ENVIRONMENT).is_some() {
        return;
    }
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("VITALSIGN_") || name == "RUST_LOG" {
            // SAFETY: runs before `main`, while the process has a single thread.
            unsafe { std::env::remove_var(&*name) };
        }
    }
}

/// Set by a test on a child process it starts with `VITALSIGN_*` variables of its choosing.
pub(crate) const KEEP_ENVIRONMENT: &str = "KEEP_VITALSIGN_ENVIRONMENT";

/// How long a test waits for a condition before failing: generous, since a busy 2-core
/// machine can stall a thread for a second; a passing test returns as soon as it holds.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// Polls `ready` until it returns `Some`, failing with `what` after [`PATIENCE`].
pub(crate) async fn eventually<T, F, Fut>(what: &str, mut ready: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = ready().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// [`eventually`] for plain threads.
pub(crate) fn eventually_blocking<T>(what: &str, mut ready: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Writes a line where the developer sees it: straight to the process's standard error, which
/// libtest does not capture (it hides `eprintln!` of a passing test).
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Says, visibly, that a test skipped part of its work and why.
pub(crate) fn skipped(test: &str, why: &str) {
    say(&format!("SKIPPED in {test}: {why}"));
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// HELP and TYPE of one family.
#[derive(Debug, Default, Clone)]
pub(crate) struct Meta {
    pub help: Option<String>,
    pub kind: Option<String>,
}

/// A parsed exposition.
#[derive(Debug, Default)]
pub(crate) struct Scrape {
    pub families: BTreeMap<String, Meta>,
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// The value of the sample with exactly these labels.
    pub(crate) fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == want)
            .map(|s| s.value)
    }

    /// Like `value`, panicking with the scrape's sample names when absent.
    pub(crate) fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or_else(|| {
            let near: Vec<String> = self
                .samples
                .iter()
                .filter(|s| s.name.starts_with(name.split('_').next().unwrap_or("")))
                .map(|s| format!("{} {:?}", s.name, s.labels))
                .collect();
            panic!("no sample {name} {labels:?}; samples: {near:#?}")
        })
    }

    /// Every sample of `name` whose labels include all of `labels`.
    pub(crate) fn matching(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(v))
            })
            .collect()
    }

    /// Checks a histogram series: cumulative buckets, `+Inf` equal to `_count`. Returns
    /// `_count`.
    pub(crate) fn histogram_count(&self, family: &str, labels: &[(&str, &str)]) -> f64 {
        let buckets = self.matching(&format!("{family}_bucket"), labels);
        assert!(!buckets.is_empty(), "no buckets for {family} {labels:?}");
        let mut bounds: Vec<(f64, f64)> = buckets
            .iter()
            .map(|s| {
                (
                    parse_value(&s.labels["le"]).expect("le is a number"),
                    s.value,
                )
            })
            .collect();
        bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in bounds.windows(2) {
            assert!(
                pair[0].1 <= pair[1].1,
                "{family} buckets not cumulative: {bounds:?}"
            );
        }
        let (last_le, inf) = *bounds.last().unwrap();
        assert!(last_le.is_infinite(), "{family} has no +Inf bucket");
        let count = self.get(&format!("{family}_count"), labels);
        assert_eq!(inf, count, "{family}: +Inf bucket != _count");
        assert!(
            self.value(&format!("{family}_sum"), labels).is_some(),
            "{family} has no _sum"
        );
        count
    }
}

pub(crate) fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        other => other.parse().ok(),
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses the text format strictly: any line that is not HELP, TYPE or a well-formed sample is
/// an error, as are HELP/TYPE after a family's samples and samples without a TYPE.
pub(crate) fn parse(text: &str) -> Result<Scrape, String> {
    let mut scrape = Scrape::default();
    for (n, line) in text.lines().enumerate() {
        let err = |m: &str| format!("line {}: {m}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest
                .split_once(' ')
                .ok_or_else(|| err("HELP without text"))?;
            if !is_name(name) {
                return Err(err("bad name in HELP"));
            }
            let meta = scrape.families.entry(name.to_owned()).or_default();
            if meta.help.replace(help.to_owned()).is_some() {
                return Err(err("second HELP"));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or_else(|| err("TYPE without type"))?;
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(err("unknown type"));
            }
            if scrape
                .samples
                .iter()
                .any(|s| family_of(&s.name, &scrape.families) == Some(name))
            {
                return Err(err("TYPE after samples"));
            }
            let meta = scrape.families.entry(name.to_owned()).or_default();
            if meta.kind.replace(kind.to_owned()).is_some() {
                return Err(err("second TYPE"));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let sample = parse_sample(line).map_err(|m| err(&m))?;
        if family_of(&sample.name, &scrape.families).is_none() {
            return Err(err("sample of a family without TYPE"));
        }
        scrape.samples.push(sample);
    }
    Ok(scrape)
}

fn family_of<'a>(sample: &str, families: &'a BTreeMap<String, Meta>) -> Option<&'a str> {
    if let Some((name, _)) = families.get_key_value(sample) {
        return Some(name);
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        let found = sample
            .strip_suffix(suffix)
            .and_then(|base| families.get_key_value(base));
        if let Some((name, meta)) = found
            && matches!(meta.kind.as_deref(), Some("histogram" | "summary"))
        {
            return Some(name);
        }
    }
    None
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err("bad metric name".into());
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        let end;
        loop {
            // label name
            let start = chars.peek().map(|(i, _)| *i).ok_or("unterminated labels")?;
            if inner[start..].starts_with('}') {
                end = Some(start + 1);
                break;
            }
            let eq = inner[start..].find('=').ok_or("label without =")? + start;
            let key = &inner[start..eq];
            if !is_name(key) || key.contains(':') {
                return Err(format!("bad label name {key:?}"));
            }
            while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                chars.next();
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err("label value not quoted".into());
            }
            let mut value = String::new();
            loop {
                match chars.next().ok_or("unterminated label value")?.1 {
                    '\\' => match chars.next().ok_or("dangling escape")?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        c => return Err(format!("bad escape \\{c}")),
                    },
                    '"' => break,
                    '\n' => return Err("raw newline in label value".into()),
                    c => value.push(c),
                }
            }
            if labels.insert(key.to_owned(), value).is_some() {
                return Err(format!("duplicate label {key}"));
            }
            match chars.next().map(|(_, c)| c) {
                Some(',') => continue,
                Some('}') => {
                    end = chars.peek().map(|(i, _)| *i).or(Some(inner.len()));
                    break;
                }
                _ => return Err("expected , or }".into()),
            }
        }
        rest = &inner[end.unwrap_or(inner.len())..];
    }
    let value_text = rest.strip_prefix(' ').ok_or("no space before value")?;
    let value_text = value_text.split(' ').next().unwrap_or("");
    let value = parse_value(value_text).ok_or_else(|| format!("bad value {value_text:?}"))?;
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// A response read in full.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

/// Binds the installed endpoints and serves them on the current runtime for the rest of the
/// process; returns the loopback address.
pub(crate) async fn serve(vitals: &vitalsign::Vitals) -> SocketAddr {
    let server = vitals.bind().await.expect("bind");
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    addr
}

/// Installs vitalsign without logging, its endpoints on a free loopback port, served on a
/// runtime of their own: for tests that make their calls from plain threads.
pub(crate) fn install_and_serve() -> (vitalsign::Vitals, SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let vitals = vitalsign::Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .unwrap();
    let addr = rt.block_on(serve(&vitals));
    (vitals, addr, rt)
}

/// Sends one real HTTP/1.1 request over a fresh loopback connection.
pub(crate) async fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    let (status, headers, body) = request_with(addr, method, path, &[]).await;
    Reply {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).expect("utf-8 body"),
    }
}

/// `GET path` with `Accept: accept` (none when `None`), answered within 30 s: the content type
/// and the body, which may be binary (protobuf).
pub(crate) async fn get_accepting(
    addr: SocketAddr,
    path: &str,
    accept: Option<&str>,
) -> (String, Bytes) {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
    let (status, headers, body) = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        request_with(addr, "GET", path, &headers),
    )
    .await
    .expect("an answer within 30 s");
    assert_eq!(status, 200, "GET {path}");
    let content_type = headers
        .get("content-type")
        .expect("a content type")
        .to_str()
        .unwrap()
        .to_owned();
    (content_type, body)
}

/// One real HTTP/1.1 request with `headers`: the status, the headers and the body's bytes.
pub(crate) async fn request_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, hyper::HeaderMap, Bytes) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(Empty::<Bytes>::new()).unwrap();
    let res = sender.send_request(req).await.expect("response");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, body)
}

#[test]
fn parser_rejects_malformed_lines() {
    assert!(parse("# TYPE a counter\na 1\n").is_ok());
    assert!(parse("a 1\n").is_err(), "sample without TYPE");
    assert!(parse("# TYPE a counter\na{x=\"1} 1\n").is_err());
    assert!(parse("# TYPE a counter\na{x=\"1\",x=\"2\"} 1\n").is_err());
    assert!(parse("# TYPE a counter\na{x=\"\\q\"} 1\n").is_err());
    assert!(parse("# TYPE a counter\na one\n").is_err());
    let s = parse("# TYPE a counter\na{x=\"q\\\"\\\\\\n\",y=\"\"} 2\n").unwrap();
    assert_eq!(s.get("a", &[("x", "q\"\\\n"), ("y", "")]), 2.0);
}

/// Whether `promtool` (Debian's `prometheus` package) is installed. Under `CI` it must be: its
/// absence is a failure there, and elsewhere the caller skips with a note.
pub(crate) fn promtool() -> bool {
    let found = std::process::Command::new("promtool")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "promtool is required in CI: apt-get install prometheus"
    );
    if !found {
        skipped(
            std::thread::current().name().unwrap_or("a test"),
            "promtool is not installed (apt-get install prometheus); its check did not run",
        );
    }
    found
}

/// `promtool check metrics` on an exposition: its complaints (empty when clean), or `None`
/// without promtool.
pub(crate) fn promtool_check_metrics(text: &str) -> Option<String> {
    use std::process::Command;
    if !promtool() {
        return None;
    }
    let out = output_within(
        Command::new("promtool").args(["check", "metrics"]),
        text.as_bytes(),
        CHILD_LIMIT,
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() || !said.trim().is_empty(),
        "promtool failed without saying why"
    );
    Some(if out.status.success() {
        said.trim().to_owned()
    } else {
        format!("exit {}: {said}", out.status)
    })
}

/// Runs `promtool` with `args` and asserts it succeeds (skipped without promtool).
pub(crate) fn promtool_ok(args: &[&str]) {
    if !promtool() {
        return;
    }
    let out = output_within(
        std::process::Command::new("promtool").args(args),
        b"",
        CHILD_LIMIT,
    );
    assert!(
        out.status.success(),
        "promtool {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How long a child process of a test may run: a wedged one (a browser, a server that ignores
/// SIGTERM) fails the test after this instead of hanging CI.
pub(crate) const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// Runs `command` to its end with `input` on its standard input, its output captured; kills it
/// and fails the test when it runs past `limit`.
pub(crate) fn output_within(
    command: &mut std::process::Command,
    input: &[u8],
    limit: Duration,
) -> std::process::Output {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let input = input.to_vec();
    // Written and read on threads of their own, so that a full pipe cannot block the wait.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let read = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("a piped stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("a piped stderr")));
    let status = wait_within(&mut child, limit);
    let _ = writer.join();
    std::process::Output {
        status,
        stdout: stdout.join().expect("read stdout"),
        stderr: stderr.join().expect("read stderr"),
    }
}

/// Waits for `child` to exit, killing it and failing the test when it runs past `limit`.
pub(crate) fn wait_within(
    child: &mut std::process::Child,
    limit: Duration,
) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a child process ran past {limit:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
