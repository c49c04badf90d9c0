//! `vitalsign-probe`, the built binary, against small HTTP responders on loopback: its exit
//! status for 2xx, for 503 and for nothing listening, over IPv4 and an IPv6 literal; and clap's
//! `--help`, `--version` and usage errors.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The binary cargo built beside this test (the workspace enables the `probe` feature).
fn probe() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = dir.join("vitalsign-probe");
    assert!(
        bin.exists(),
        "{} is built with the `probe` feature",
        bin.display()
    );
    bin
}

/// Answers every request on `listener` with `status` and a short body.
async fn respond(listener: TcpListener, status: &'static str) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = [0_u8; 1024];
            let _ = stream.read(&mut buf).await;
            let body = "{\"status\":\"fail\"}";
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/health+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        });
    }
}

async fn responder(bind: &str, status: &'static str) -> Option<SocketAddr> {
    let listener = TcpListener::bind(bind).await.ok()?;
    let addr = listener.local_addr().unwrap();
    tokio::spawn(respond(listener, status));
    Some(addr)
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        common::output_within(Command::new(probe()).args(args), b"", common::CHILD_LIMIT)
    })
    .await
    .unwrap()
}

fn url(addr: SocketAddr) -> String {
    // `SocketAddr` writes an IPv6 address in brackets, as a URL does.
    format!("http://{addr}/health/live")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_status_follows_the_answer_over_ipv4_and_ipv6() {
    let healthy = responder("127.0.0.1:0", "200 OK").await.unwrap();
    let out = run(vec![url(healthy)]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let failing = responder("127.0.0.1:0", "503 Service Unavailable")
        .await
        .unwrap();
    let out = run(vec![url(failing), "--timeout".into(), "1s".into()]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"fail\""),
        "the body is printed: {out:?}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = run(vec![url(closed)]).await;
    assert_eq!(out.status.code(), Some(2), "nothing listening: {out:?}");

    match responder("[::1]:0", "200 OK").await {
        Some(v6) => {
            let out = run(vec![url(v6)]).await;
            assert_eq!(
                out.status.code(),
                Some(0),
                "IPv6 literal {}: {out:?}",
                url(v6)
            );
        }
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI machines have IPv6 loopback"
            );
            eprintln!("no IPv6 loopback here: the IPv6 case did not run");
        }
    }
}

#[tokio::test]
async fn help_version_and_usage_errors_come_from_clap() {
    let help = run(vec!["--help".into()]).await;
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("Usage: vitalsign-probe") && text.contains("--timeout"),
        "{text}"
    );
    let version = run(vec!["--version".into()]).await;
    assert_eq!(version.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("vitalsign-probe "),
        "{version:?}"
    );
    for bad in [
        vec![],
        vec!["ftp://x/".to_owned()],
        vec![
            "http://127.0.0.1:1/".to_owned(),
            "--timeout".to_owned(),
            "soon".to_owned(),
        ],
    ] {
        let out = run(bad.clone()).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error:") && (err.contains("Usage:") || err.contains("--help")),
            "{bad:?}: {out:?}"
        );
    }
}
