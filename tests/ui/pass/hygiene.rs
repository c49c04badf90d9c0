//! User items named like the prelude's, and a local module named `vitalsign`, must not break
//! the generated code: it names everything by absolute path.
#![deny(warnings)]
#![allow(dead_code)]

struct Result;
struct Option;
struct Box;
struct Vec;
struct String;
struct Some;
struct None;
struct Ok;
struct Err;
struct Label;
struct CallSite;
mod vitalsign {}

#[derive(Debug, ::vitalsign::ErrorCode)]
enum DbError {
    NotFound,
}

#[::vitalsign::instrumented(namespace = "hygiene")]
fn handler(fail: bool) -> core::result::Result<u8, DbError> {
    if fail { core::result::Result::Err(DbError::NotFound) } else { core::result::Result::Ok(1) }
}

#[::vitalsign::instrumented(namespace = "hygiene", name = "unit")]
fn unit() {}

fn main() {
    let _ = handler(true);
    let _ = handler(false);
    unit();
}
