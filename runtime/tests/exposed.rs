//! A server bound beyond loopback without a token warns at start-up; hostile text in health
//! details stays inside its JSON string.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use vitalsign::Vitals;
use vitalsign::health::{CheckSpec, Outcome, ShowDetails, from_fn};
use vitalsign::logging::{LogFormat, LogOutput, MemoryWriter};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_loopback_without_token_warns_and_details_stay_json() {
    let logs = MemoryWriter::new();
    let hostile =
        "x\"}\n{\"status\":\"healthy\"} \u{0} \\ ".to_owned() + &String::from_utf8_lossy(&[0xff]);
    let message = hostile.clone();
    let vitals = Vitals::builder()
        .bind_addr("0.0.0.0:0")
        .log_format(LogFormat::Json)
        .log_output(LogOutput::Memory(logs.clone()))
        .show_details(ShowDetails::Always)
        .health(from_fn(
            CheckSpec::new("db").every(Duration::from_millis(50)),
            move || {
                let message = message.clone();
                async move { Outcome::unhealthy(message.clone()).with_detail("raw", message) }
            },
        ))
        .install()
        .unwrap();
    let server = vitals.bind().await.unwrap();
    let port = server.local_addr().port();
    tokio::spawn(server.run_until(std::future::pending()));

    let warning = logs
        .contents()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["level"] == "WARN" && l["target"] == "vitalsign")
        .expect("a start-up warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("without an auth token"),
        "{warning}"
    );

    let reply = common::eventually("the check's first run", || async {
        let reply = common::request(([127, 0, 0, 1], port).into(), "GET", "/health").await;
        (!reply.body.contains(r#""status":"unknown""#)).then_some(reply)
    })
    .await;
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("one JSON object");
    assert_eq!(
        body["status"], "unhealthy",
        "the forged status stays inside a string"
    );
    assert_eq!(body["checks"]["db"]["message"], hostile.as_str());
    assert_eq!(body["checks"]["db"]["details"]["raw"], hostile.as_str());
}
