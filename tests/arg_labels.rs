//! A label from an argument: `labels(machine = machine.kind())` on `#[instrumented]`, of a
//! `#[derive(LabelValue)]` type. Each value gets its own series, errors by code included; from the
//! first call every value's series exists (the values are known once a call names the type).

mod common;

use vitalsign::{ErrorCode, LabelValue, Vitals, instrumented};

#[derive(Debug, Clone, Copy, PartialEq, LabelValue)]
enum Kind {
    Order,
    Payment,
    Refund,
}

struct Machine {
    kind: Kind,
}

impl Machine {
    fn kind(&self) -> Kind {
        self.kind
    }
}

#[derive(Debug, ErrorCode)]
enum ApplyError {
    Rejected,
}

#[instrumented(namespace = "argl", name = "events", labels(op = "apply", machine = machine.kind()))]
fn apply(machine: &Machine, ok: bool) -> Result<(), ApplyError> {
    if ok {
        Ok(())
    } else {
        Err(ApplyError::Rejected)
    }
}

#[instrumented(namespace = "argl", name = "events", labels(op = "apply_async", machine = machine.kind()))]
async fn apply_async(machine: Machine) -> Result<Kind, ApplyError> {
    Ok(machine.kind)
}

#[test]
fn each_value_of_the_label_has_its_series() {
    let vitals = Vitals::builder().logging(false).install().unwrap();
    let s = common::parse(&vitals.render()).unwrap();
    assert!(
        s.matching("argl_events_total", &[]).is_empty(),
        "no series before the first call: the label's values are not known yet"
    );

    let order = Machine { kind: Kind::Order };
    let refund = Machine { kind: Kind::Refund };
    for _ in 0..3 {
        apply(&order, true).unwrap();
    }
    apply(&refund, false).unwrap_err();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(apply_async(Machine {
            kind: Kind::Payment
        }))
        .unwrap(),
        Kind::Payment
    );

    let s = common::parse(&vitals.render()).unwrap();
    let calls =
        |op: &str, machine: &str| s.get("argl_events_total", &[("op", op), ("machine", machine)]);
    assert_eq!(calls("apply", "order"), 3.0);
    assert_eq!(calls("apply", "refund"), 1.0);
    assert_eq!(
        calls("apply", "payment"),
        0.0,
        "every value from the first call"
    );
    assert_eq!(calls("apply_async", "payment"), 1.0);
    assert_eq!(
        s.histogram_count(
            "argl_events_duration_seconds",
            &[("op", "apply"), ("machine", "order")]
        ),
        3.0
    );
    assert_eq!(
        s.get(
            "argl_events_errors_total",
            &[("op", "apply"), ("machine", "refund"), ("code", "rejected")]
        ),
        1.0
    );
    assert!(
        s.matching("argl_events_total", &[("op", "apply")])
            .iter()
            .all(|sample| sample.labels.contains_key("machine")),
        "no series without the label"
    );
    let catalogue = vitals.catalogue();
    let site = catalogue
        .sites()
        .iter()
        .find(|s| s.function() == "apply")
        .unwrap();
    assert_eq!(site.arg_label(), Some("machine"));
    let family = catalogue
        .families()
        .iter()
        .find(|f| f.name() == "argl_events_total")
        .unwrap();
    assert_eq!(family.label_keys(), ["op", "machine"]);
}
