//! The server stops gracefully on SIGTERM, as orchestrators stop it (Kubernetes, systemd,
//! Docker), not only on Ctrl-C: it logs its shutdown, exits with success, and a write it
//! acknowledged is there after a restart on the same data directory.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};

/// Starts the server on free ports; returns it, its database address and its output.
fn start(data_dir: &std::path::Path) -> (Child, String, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kvstore"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start kvstore");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let db = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "kvstore exited");
        if line.contains("kvstore started") {
            let at = line.find("\"db_addr\":\"").expect("db_addr") + 11;
            break line[at..at + line[at..].find('"').unwrap()].to_owned();
        }
    };
    (child, db, out)
}

/// Sends one command and reads its reply line.
fn send(db: &str, command: &str) -> String {
    let mut s = TcpStream::connect(db).unwrap();
    s.write_all(command.as_bytes()).unwrap();
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).unwrap();
    reply
}

/// SIGTERM, then the rest of the output and the exit status. A server that ignores the signal
/// is killed after 30 s and fails the test, instead of hanging it.
fn terminate(
    mut child: Child,
    mut out: BufReader<ChildStdout>,
) -> (String, std::process::ExitStatus) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let reader = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut rest);
        rest
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kvstore did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    (reader.join().unwrap(), status)
}

#[test]
fn sigterm_stops_it_gracefully_and_keeps_acknowledged_writes() {
    let dir = std::env::temp_dir().join(format!("kvstore-sigterm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (child, db, out) = start(&dir);
    assert_eq!(send(&db, "SET durable yes\n"), "OK\n");
    let (rest, status) = terminate(child, out);
    assert!(status.success(), "{status}: {rest}");
    assert!(
        rest.contains("\"message\":\"shutting down\"") && rest.contains("\"message\":\"stopped\""),
        "{rest}"
    );

    let (child, db, out) = start(&dir);
    assert_eq!(send(&db, "GET durable\n"), "VALUE yes\n");
    let (_, status) = terminate(child, out);
    assert!(status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
