//! The queue between the threads that log and the output: a line is handed to a writer thread
//! through a bounded queue (tracing-appender's non-blocking writer), so a caller never waits on
//! a stalled pipe or disk. When the queue is full the line is dropped and counted: the count is
//! `{ns}_log_lines_dropped_total` and the next line that gets out says how many went missing.
//! Lines still queued are written when the pipe is flushed (`Vitals::flush_logs`, which
//! `serve()` calls on its way out).

use std::sync::Mutex;

use metrics::Counter;
use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use super::LogOutput;
use crate::sync::MutexExt;

/// Lines the queue holds before it drops: at a few hundred bytes a line, about 2 MiB, and
/// seconds of the heaviest logging a service should do.
pub(crate) const QUEUE_LINES: usize = 8_192;

/// Longest a flush waits for the output to take the queued lines.
pub(crate) const FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The writer thread's queue, its count of dropped lines, and what flushes it.
pub(crate) struct LogPipe {
    writer: NonBlocking,
    /// Held until the pipe is flushed: dropping it writes what is queued (waiting at most about
    /// a second, so a stalled output cannot hold up an exit).
    guard: Mutex<Option<WorkerGuard>>,
    dropped: Counter,
}

impl std::fmt::Debug for LogPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogPipe")
            .field(
                "dropped_lines",
                &self.writer.error_counter().dropped_lines(),
            )
            .finish_non_exhaustive()
    }
}

impl LogPipe {
    /// A queue in front of `output`; `None` for the in-memory output, which tests read at once.
    pub(crate) fn new(output: &LogOutput, dropped: Counter) -> Option<Self> {
        let target = output.writer()?;
        let (writer, guard) = NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(QUEUE_LINES)
            .thread_name("vitalsign-log")
            .finish(target);
        Some(Self {
            writer,
            guard: Mutex::new(Some(guard)),
            dropped,
        })
    }

    /// The writer the layers write through.
    pub(crate) fn make_writer(&self) -> BoxMakeWriter {
        BoxMakeWriter::new(self.writer.clone())
    }

    /// The count of lines dropped so far.
    pub(crate) fn dropped_lines(&self) -> ErrorCounter {
        self.writer.error_counter()
    }

    /// Brings `{ns}_log_lines_dropped_total` up to date: called before each render.
    pub(crate) fn refresh(&self) {
        self.dropped
            .absolute(self.writer.error_counter().dropped_lines() as u64);
    }

    /// Writes every queued line and stops the writer thread; lines logged afterwards are
    /// dropped and counted. Waits at most [`FLUSH_WAIT`]: the guard's own drop prints to standard
    /// output when the writer thread does not answer, which on a stalled standard output would
    /// wait forever, so it is dropped on a thread of its own.
    pub(crate) fn flush(&self) {
        if let Some(guard) = self.guard.lock_unpoisoned().take() {
            let (done, flushed) = std::sync::mpsc::channel();
            let dropper = std::thread::Builder::new()
                .name("vitalsign-log-flush".into())
                .spawn(move || {
                    drop(guard);
                    let _ = done.send(());
                });
            if dropper.is_ok() {
                let _ = flushed.recv_timeout(FLUSH_WAIT);
            }
        }
        self.refresh();
    }
}
