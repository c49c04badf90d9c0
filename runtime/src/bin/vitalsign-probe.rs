//! `vitalsign-probe`: an exec probe for container images without curl.
//!
//! ```text
//! vitalsign-probe http://127.0.0.1:9898/health/ready [--timeout 2s]
//! ```
//!
//! Exit status: 0 when the endpoint answers 2xx (healthy or degraded), 1 for any other answer
//! (unhealthy or unknown: 503), 2 when it cannot be reached in time or the arguments are wrong.
//! On failure the response body, or the reason, is printed. IPv6 literals work:
//! `http://[::1]:9898/health/live`. Built with the crate's `probe` feature.

use std::process::ExitCode;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, Uri};

/// Asks a vitalsign health endpoint whether the service is up: exit 0 on 2xx, 1 on any other
/// answer, 2 when it cannot be reached in time.
#[derive(Debug, clap::Parser)]
#[command(name = "vitalsign-probe", version, about)]
struct Args {
    /// The endpoint, `http://HOST:PORT/PATH` (`http://127.0.0.1:9898/health/ready`).
    #[arg(value_parser = parse_url)]
    url: Uri,
    /// How long to wait for the answer (`2s`, `500ms`).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_timeout)]
    timeout: Duration,
}

fn parse_url(arg: &str) -> Result<Uri, String> {
    let uri: Uri = arg.parse().map_err(|e| format!("not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err("not an http://HOST:PORT/PATH URL".to_owned());
    }
    Ok(uri)
}

fn parse_timeout(arg: &str) -> Result<Duration, String> {
    vitalsign_naming::parse_duration(arg).map_err(|p| p.message)
}

enum Failure {
    /// The endpoint answered, but not 2xx.
    Unhealthy(u16, String),
    /// No answer in time, or no answer at all.
    Unreachable(String),
}

fn main() -> ExitCode {
    // Usage errors exit with 2, as an unreachable endpoint does; --help and --version with 0.
    let Args { url, timeout } = <Args as clap::Parser>::parse();
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

async fn probe(url: &Uri) -> Result<(), Failure> {
    let authority = url.authority().expect("checked by parse_url").clone();
    let port = authority.port_u16().unwrap_or(80);
    // The authority writes an IPv6 literal in brackets, which name lookup does not take.
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let stream = tokio::net::TcpStream::connect((host, port))
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
