//! The line protocol: one command per line, one reply per line.
//!
//! ```text
//! SET key value   -> OK
//! GET key         -> VALUE value | ERR not_found ...
//! DEL key         -> OK          | ERR not_found ...
//! INCR key        -> VALUE n     | ERR invalid_value ...
//! PING            -> PONG
//! ```

use vitalsign::{ErrorCode, instrumented};

use crate::error::{KvError, MAX_KEY, MAX_VALUE};

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `GET key`
    Get(String),
    /// `SET key value` (the value is the rest of the line)
    Set(String, String),
    /// `DEL key`
    Del(String),
    /// `INCR key`
    Incr(String),
    /// `PING`
    Ping,
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `OK`
    Ok,
    /// `VALUE ...`
    Value(String),
    /// `PONG`
    Pong,
}

/// Parses one request line.
#[instrumented(name = "parses")]
pub fn parse(line: &str) -> Result<Command, KvError> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    let key = |rest: &str| -> Result<String, KvError> {
        let key = rest.split(' ').next().unwrap_or("");
        if key.is_empty() {
            return Err(KvError::Malformed("missing key"));
        }
        if key.len() > MAX_KEY {
            return Err(KvError::KeyTooLong);
        }
        Ok(key.to_owned())
    };
    match word.to_ascii_uppercase().as_str() {
        "GET" => Ok(Command::Get(key(rest)?)),
        "DEL" => Ok(Command::Del(key(rest)?)),
        "INCR" => Ok(Command::Incr(key(rest)?)),
        "PING" => Ok(Command::Ping),
        "SET" => {
            let (k, value) = rest
                .split_once(' ')
                .ok_or(KvError::Malformed("SET needs a key and a value"))?;
            if value.len() > MAX_VALUE {
                return Err(KvError::ValueTooLarge);
            }
            Ok(Command::Set(key(k)?, value.to_owned()))
        }
        _ => Err(KvError::UnknownCommand(word.chars().take(32).collect())),
    }
}

/// The wire form of a result.
pub fn render(result: &Result<Reply, KvError>) -> String {
    match result {
        Ok(Reply::Ok) => "OK\n".to_owned(),
        Ok(Reply::Value(v)) => format!("VALUE {v}\n"),
        Ok(Reply::Pong) => "PONG\n".to_owned(),
        Err(e) => format!(
            "ERR {} {}\n",
            e.error_code(),
            e.to_string().replace('\n', " ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("GET a\n").unwrap(), Command::Get("a".into()));
        assert_eq!(
            parse("set a hello world").unwrap(),
            Command::Set("a".into(), "hello world".into())
        );
        assert_eq!(parse("PING").unwrap(), Command::Ping);
        assert!(matches!(parse("GET"), Err(KvError::Malformed(_))));
        assert!(matches!(parse("FLY a"), Err(KvError::UnknownCommand(_))));
        assert!(matches!(
            parse(&format!("GET {}", "k".repeat(300))),
            Err(KvError::KeyTooLong)
        ));
        assert_eq!(
            render(&Err(KvError::NotFound("a".into()))),
            "ERR not_found key \"a\" not found\n"
        );
    }
}
