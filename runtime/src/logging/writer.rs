//! Where log lines go.

use crate::sync::MutexExt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

/// How often a log file is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// A new file every hour.
    Hourly,
    /// A new file every day.
    Daily,
    /// One file, never rotated.
    Never,
}

/// Where log lines are written.
#[derive(Debug, Clone)]
pub enum LogOutput {
    /// Standard output (the default).
    Stdout,
    /// Standard error.
    Stderr,
    /// Files `{prefix}.{date}` in `directory`, rotated (tracing-appender).
    File {
        /// The directory.
        directory: PathBuf,
        /// The file name prefix.
        prefix: String,
        /// The rotation.
        rotation: Rotation,
    },
    /// An in-memory buffer, for tests.
    Memory(MemoryWriter),
}

impl LogOutput {
    pub(crate) fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        match self {
            LogOutput::Stdout => std::io::stdout().is_terminal(),
            LogOutput::Stderr => std::io::stderr().is_terminal(),
            _ => false,
        }
    }

    pub(crate) fn make_writer(&self) -> BoxMakeWriter {
        match self {
            LogOutput::Stdout => BoxMakeWriter::new(std::io::stdout),
            LogOutput::Stderr => BoxMakeWriter::new(std::io::stderr),
            LogOutput::File {
                directory,
                prefix,
                rotation,
            } => {
                let rotation = match rotation {
                    Rotation::Hourly => tracing_appender::rolling::Rotation::HOURLY,
                    Rotation::Daily => tracing_appender::rolling::Rotation::DAILY,
                    Rotation::Never => tracing_appender::rolling::Rotation::NEVER,
                };
                BoxMakeWriter::new(tracing_appender::rolling::RollingFileAppender::new(
                    rotation, directory, prefix,
                ))
            }
            LogOutput::Memory(m) => BoxMakeWriter::new(m.clone()),
        }
    }
}

/// A shared in-memory log buffer: give `LogOutput::Memory(writer.clone())` to the builder and
/// read the lines back in a test.
#[derive(Debug, Clone, Default)]
pub struct MemoryWriter(Arc<Mutex<Vec<u8>>>);

impl MemoryWriter {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far, as text.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock_unpoisoned()).into_owned()
    }

    /// Empties the buffer.
    pub fn clear(&self) {
        self.0.lock_unpoisoned().clear();
    }
}

impl Write for MemoryWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock_unpoisoned().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for MemoryWriter {
    type Writer = MemoryWriter;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
