//! A real browser for the tests: Debian's `chromium`, headless. It loads a page, runs its
//! scripts for a span of virtual time (timers fire at once; network waits for real), and gives
//! back the DOM as it then stands and every message the page wrote to its console.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser's binary, if installed; under `CI` it must be: its absence is a failure there,
/// and elsewhere the caller skips with a note.
pub(crate) fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "chromium is required in CI: apt-get install chromium"
    );
    if found.is_none() {
        super::skipped(
            std::thread::current().name().unwrap_or("a test"),
            "chromium is not installed (apt-get install chromium); the browser did not run",
        );
    }
    found.map(PathBuf::from)
}

/// What the browser saw.
#[derive(Debug)]
pub(crate) struct Visit {
    /// The DOM after the scripts ran, serialized.
    pub dom: String,
    /// Every console message (`console.*`, uncaught exceptions, CSP violations), one per line.
    pub console: Vec<String>,
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        // Tests run as root in CI containers, where the sandbox cannot start.
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1400,2000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Runs the browser, killed and the test failed when it takes longer than a minute (a wedged
/// browser fails the test in seconds, not CI in hours).
fn run(mut command: Command) -> (String, String) {
    let out = super::output_within(&mut command, b"", super::CHILD_LIMIT);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium failed: {stderr}");
    (stdout, stderr)
}

/// Loads `url`, lets its scripts run for `virtual_ms` of virtual time, dumps the DOM.
pub(crate) fn visit(browser: &Path, url: &str, virtual_ms: u64) -> Visit {
    let profile = tempfile_dir("profile");
    let mut c = headless(browser, &profile);
    c.arg(format!("--virtual-time-budget={virtual_ms}"))
        .arg("--dump-dom")
        .arg(url);
    let (dom, stderr) = run(c);
    let _ = std::fs::remove_dir_all(&profile);
    Visit {
        dom,
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// Loads `url`, lets its scripts run for `virtual_ms`, and saves a PNG of the window to `to`.
pub(crate) fn screenshot(browser: &Path, url: &str, virtual_ms: u64, to: &Path) {
    let profile = tempfile_dir("shot");
    let mut c = headless(browser, &profile);
    c.arg(format!("--virtual-time-budget={virtual_ms}"))
        .arg("--hide-scrollbars")
        .arg(format!("--screenshot={}", to.display()))
        .arg(url);
    run(c);
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        std::fs::metadata(to).is_ok_and(|m| m.len() > 10_000),
        "no screenshot at {}",
        to.display()
    );
}

fn tempfile_dir(what: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "vitalsign-chromium-{what}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("profile directory");
    dir
}
