//! An application that installed its own `tracing` subscriber gets a start-up error naming
//! `logging` and the way out, and `.logging(false)` installs alongside it.

mod common;

use vitalsign::config::ConfigError;
use vitalsign::{InstallError, Vitals};

#[test]
fn an_existing_subscriber_is_reported_not_replaced() {
    tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default())
        .expect("first subscriber of this process");

    let e = Vitals::builder().install().unwrap_err();
    match &e {
        InstallError::Config(ConfigError { key, problem }) => {
            assert_eq!(key, "logging");
            assert!(
                problem.contains(".logging(false)"),
                "says what to write: {e}"
            );
        }
        other => panic!("expected a logging error, got {other:?}"),
    }

    Vitals::builder()
        .logging(false)
        .install()
        .expect("installs without touching the application's subscriber");
}
