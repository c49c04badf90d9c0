//! The naming rules of vitalsign, in one place.
//!
//! `vitalsign-macros` applies them when `#[instrumented]` and `#[derive(ErrorCode)]` expand, and
//! the `vitalsign` runtime applies the same functions to anything named at run time (global
//! labels, namespaces given to the builder), so the two can never drift apart.
//!
//! Every check returns [`Problem`]s rather than stopping at the first one, so a caller can
//! report all mistakes at once. A problem carries the message and, where one exists, a `help`
//! with what to write instead.

use std::fmt;

mod declared;
mod distance;
mod duration;
mod rules;
mod vocabulary;

pub use declared::*;
pub use distance::closest;
pub use duration::{duration_ms, format_duration, parse_duration};
pub use rules::*;
pub use vocabulary::*;

/// One broken naming rule: what is wrong and, where possible, what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, naming the offending text.
    pub message: String,
    /// What to write instead, when there is a clear answer.
    pub help: Option<String>,
}

impl Problem {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}
