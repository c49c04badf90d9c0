//! Property tests standing in for fuzzing (cargo-fuzz needs a nightly toolchain, which CI
//! cannot fetch): the naming validator accepts exactly its documented grammar and never panics;
//! the configuration parsers never panic; any label value survives the exposition exactly;
//! arbitrary bytes sent to the live server never stop it. Bounded case counts, so CI time is
//! bounded too.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;
use vitalsign::Vitals;
use vitalsign::config::Config;
use vitalsign_naming as naming;

/// The documented grammar, written independently of the implementation:
/// `^[a-z][a-z0-9_]*$`, no `__`, no trailing `_`.
fn grammar(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}

fn vitals() -> &'static (Vitals, std::net::SocketAddr, tokio::runtime::Runtime) {
    static V: OnceLock<(Vitals, std::net::SocketAddr, tokio::runtime::Runtime)> = OnceLock::new();
    V.get_or_init(common::install_and_serve)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn the_validator_accepts_exactly_the_grammar(s in "\\PC{0,24}|[a-z_0-9:A-Z-]{0,16}") {
        prop_assert_eq!(naming::is_snake_identifier(&s), grammar(&s));
        prop_assert_eq!(naming::check_namespace(&s).is_empty(), grammar(&s));
        let _ = naming::check_metric_name(&s, naming::NameContext::Instrumented);
        let _ = naming::check_label_name(&s);
        let _ = naming::check_error_code(&s);
        let _ = naming::parse_duration(&s);
    }

    #[test]
    fn suggestions_are_always_valid_identifiers(s in "\\PC{0,24}|[a-zA-Z_0-9 -]{0,20}") {
        let snake = naming::to_snake_case(&s);
        prop_assert!(snake.is_empty() || grammar(&snake), "{:?} -> {:?}", s, snake);
        let suggestion = naming::suggest_metric_name(&s, naming::NameContext::Instrumented);
        prop_assert!(suggestion.is_empty() || grammar(&suggestion), "{:?} -> {:?}", s, suggestion);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn config_parsers_never_panic(s in "\\PC{0,200}|(metrics|logging|health|[a-z_]{1,12})[:=\\[\\]{} \\n\"0-9a-z.]{0,120}") {
        let _ = Config::from_yaml(&s);
        let _ = Config::from_toml(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_label_value_survives_the_exposition(value in "\\PC{0,64}|[\"\\\\\\n\\u{0}{}# ]{0,16}") {
        let (vitals, _, _) = vitals();
        metrics::gauge!("property_values", "value" => value.clone()).set(1.0);
        let s = common::parse(&vitals.render()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(s.value("property_values", &[("value", value.as_str())]), Some(1.0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_stop_the_server(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (_, addr, rt) = vitals();
        let addr = *addr;
        rt.block_on(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let _ = s.write_all(&bytes).await;
            let _ = s.shutdown().await;
            let mut reply = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut reply)).await;
            let ok = reply.is_empty() || reply.starts_with(b"HTTP/1.1 ");
            assert!(ok, "{:?}", String::from_utf8_lossy(&reply[..reply.len().min(40)]));
            assert_eq!(common::request(addr, "GET", "/health/live").await.status, 200, "still serving");
        });
    }
}
