//! The one error a setting has: the key (as the file writes it, or the variable's name) and
//! what is wrong. Low in the crate, so that every room that checks a setting of its own (the
//! logging filter, the settings' rules, the server's addresses) returns it, and `install()`
//! reports it as one kind of error whatever the room.

/// A problem with a setting: the key (`metrics.bind_addr`, or the variable's name) and what is
/// wrong, with the file and position when known.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid configuration `{key}`: {problem}")]
pub struct ConfigError {
    /// The key, as in the file (`metrics.bind_addr`) or the environment variable's name.
    pub key: String,
    /// What is wrong, with the position in the file when known.
    pub problem: String,
}

impl ConfigError {
    /// The problem `problem` with the setting `key`.
    #[cfg_attr(not(feature = "logging"), allow(dead_code))]
    pub(crate) fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            problem: problem.into(),
        }
    }
}
