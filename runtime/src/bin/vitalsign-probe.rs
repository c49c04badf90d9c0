//! `vitalsign-probe`: an exec probe for container images without curl.
//!
//! ```text
//! vitalsign-probe http://127.0.0.1:9090/health/ready [--timeout 2s]
//! ```
//!
//! Exit status: 0 when the endpoint answers 2xx (healthy or degraded), 1 for any other answer
//! (unhealthy or unknown: 503), 2 when it cannot be reached in time or the arguments are wrong.
//! On failure the response body, or the reason, is printed.

use std::process::ExitCode;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, Uri};

const USAGE: &str = "usage: vitalsign-probe http://HOST:PORT/PATH [--timeout DURATION]";

enum Failure {
    /// The endpoint answered, but not 2xx.
    Unhealthy(u16, String),
    /// No answer in time, or no answer at all.
    Unreachable(String),
}

fn main() -> ExitCode {
    let (url, timeout) = match args(std::env::args().skip(1).collect()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vitalsign-probe: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vitalsign-probe: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        tokio::time::timeout(timeout, probe(&url))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Unreachable(format!(
                    "no answer within {}",
                    humantime::format_duration(timeout)
                )))
            })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Unhealthy(status, body)) => {
            println!("{body}");
            eprintln!("vitalsign-probe: {url} answered {status}");
            ExitCode::from(1)
        }
        Err(Failure::Unreachable(why)) => {
            eprintln!("vitalsign-probe: {url}: {why}");
            ExitCode::from(2)
        }
    }
}

fn args(args: Vec<String>) -> Result<(Uri, Duration), String> {
    let mut url = None;
    let mut timeout = Duration::from_secs(2);
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "--timeout" {
            let value = it.next().ok_or("--timeout needs a value")?;
            timeout = vitalsign_naming::parse_duration(&value)
                .map_err(|p| format!("--timeout: {}", p.message))?;
        } else if url.is_none() {
            let uri: Uri = arg
                .parse()
                .map_err(|e| format!("`{arg}` is not a URL: {e}"))?;
            if uri.scheme_str() != Some("http") || uri.authority().is_none() {
                return Err(format!("`{arg}` is not an http://HOST:PORT/PATH URL"));
            }
            url = Some(uri);
        } else {
            return Err(format!("unexpected argument `{arg}`"));
        }
    }
    Ok((url.ok_or("no URL given")?, timeout))
}

async fn probe(url: &Uri) -> Result<(), Failure> {
    let authority = url.authority().expect("checked in args").clone();
    let port = authority.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((authority.host(), port))
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| Failure::Unreachable(e.to_string()))?;
    tokio::spawn(conn);
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header("host", authority.as_str())
        .header("user-agent", "vitalsign-probe")
        .body(Empty::<Bytes>::new())
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Err(Failure::Unhealthy(
        status.as_u16(),
        String::from_utf8_lossy(&body).trim_end().to_owned(),
    ))
}
