//! Past one Prometheus, with real engines (Debian's Prometheus 2.42): a Prometheus in agent mode
//! scrapes vitalsign and remote-writes to a second one started with
//! `--web.enable-remote-write-receiver`, and the query is answered from the receiver; a third
//! Prometheus federates the receiver's series through `/federate` and answers it too. Negative
//! control: a Prometheus without the receiver flag, written to by the same agent, holds nothing.

mod common;

use std::time::Duration;

use common::prometheus::{number, query, ready, start_config, wait_for};
use vitalsign::{ErrorCode, Vitals, instrumented};

#[derive(Debug, ErrorCode)]
enum ShipError {
    Rejected,
}

#[instrumented(namespace = "rw", name = "shipments", labels(op = "ship"))]
fn ship(n: u32) -> Result<u32, ShipError> {
    if n % 5 == 4 {
        Err(ShipError::Rejected)
    } else {
        Ok(n)
    }
}

const CALLS: u32 = 37;

/// A Prometheus with no scrape of its own.
fn idle_config() -> String {
    "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs: []\n".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_write_and_federation_carry_the_series() {
    let test = "remote_write_e2e";
    let Some(receiver) = start_config(
        &format!("{test}-receiver"),
        &idle_config(),
        &["--web.enable-remote-write-receiver"],
    ) else {
        return;
    };
    let refusing = start_config(&format!("{test}-refusing"), &idle_config(), &[]).unwrap();

    let vitals = Vitals::builder()
        .logging(false)
        .bind_addr("127.0.0.1:0")
        .install()
        .expect("install");
    let target = common::serve(&vitals).await;
    for n in 0..CALLS {
        let _ = ship(n);
    }
    let failed = (0..CALLS).filter(|n| n % 5 == 4).count() as f64;

    // The agent: scrapes vitalsign every second and writes every sample to both.
    let agent_config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: vitalsign\n    \
         static_configs:\n      - targets: ['{target}']\nremote_write:\n  \
         - url: http://{}/api/v1/write\n    queue_config: {{batch_send_deadline: 1s}}\n  \
         - url: http://{}/api/v1/write\n    queue_config: {{batch_send_deadline: 1s}}\n",
        receiver.addr, refusing.addr
    );
    let agent = start_config(
        &format!("{test}-agent"),
        &agent_config,
        &["--enable-feature=agent"],
    )
    .unwrap();
    // The federator: scrapes the receiver's `/federate` for vitalsign's series, keeping their
    // job and instance (`honor_labels`), as a global Prometheus scrapes regional ones.
    let federate_config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: federate\n    \
         honor_labels: true\n    metrics_path: /federate\n    params:\n      \
         'match[]': ['{{__name__=~\"rw_.*\"}}']\n    static_configs:\n      \
         - targets: ['{}']\n",
        receiver.addr
    );
    let federator = start_config(&format!("{test}-federator"), &federate_config, &[]).unwrap();
    for prom in [receiver.addr, refusing.addr, agent.addr, federator.addr] {
        ready(prom).await;
    }

    let calls = r#"rw_shipments_total{job="vitalsign",op="ship"}"#;
    let errors = r#"sum(rw_shipments_errors_total{job="vitalsign",op="ship"})"#;
    for (who, prom) in [("receiver", receiver.addr), ("federator", federator.addr)] {
        wait_for(
            &format!("the {who} to answer with the agent's samples"),
            Duration::from_secs(60),
            async || {
                query(prom, calls)
                    .await
                    .first()
                    .is_some_and(|s| number(s) == f64::from(CALLS))
            },
        )
        .await;
        let result = query(prom, calls).await;
        assert_eq!(result.len(), 1, "{who}: {result:?}");
        assert_eq!(
            result[0]["metric"]["instance"],
            target.to_string(),
            "{who}: the series keeps its scrape's labels"
        );
        let errors = query(prom, errors).await;
        assert_eq!(number(&errors[0]), failed, "{who}: {errors:?}");
        common::say(&format!(
            "{who}: {calls} = {CALLS}, errors {failed}, from the agent's remote write"
        ));
    }
    // The agent's own query API is off: what was answered came through remote write.
    let reply = common::request(agent.addr, "GET", "/api/v1/query?query=up").await;
    assert_ne!(
        reply.status, 200,
        "an agent answers no queries: {}",
        reply.body
    );
    // Written to alike, a Prometheus without the receiver holds nothing.
    assert!(
        query(refusing.addr, r#"{__name__=~"rw_.*"}"#)
            .await
            .is_empty(),
        "the negative control received samples"
    );
}
