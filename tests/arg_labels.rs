//! A label from an argument: `labels(machine = machine.kind())` on `#[instrumented]`, of a
//! `#[derive(LabelValue)]` type. Each value gets its own series, errors by code included; from the
//! first call every value's series exists (the values are known once a call names the type).
//! And a text label from an argument, capped with `max_series`: past the cap, values fold into
//! `__overflow__` and are counted.

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

struct Request {
    tenant: String,
}

#[instrumented(namespace = "argl", name = "tenants", labels(op = "serve", tenant = tenant), max_series = 2)]
fn serve(tenant: &str, ok: bool) -> Result<(), ApplyError> {
    let _ = tenant;
    if ok {
        Ok(())
    } else {
        Err(ApplyError::Rejected)
    }
}

#[instrumented(namespace = "argl", name = "tenants", labels(op = "handle", tenant = req.tenant), max_series = 2)]
async fn handle(req: Request) -> usize {
    req.tenant.len()
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
            &[
                ("op", "apply"),
                ("machine", "refund"),
                ("code", "rejected"),
                ("class", "failure")
            ]
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

    // Text, capped at two values per site.
    for (tenant, ok) in [
        ("acme", true),
        ("globex", false),
        ("acme", true),
        ("initech", true),
        ("umbrella", true),
    ] {
        let _ = serve(tenant, ok);
    }
    for tenant in ["acme", "acme", "hooli"] {
        rt.block_on(handle(Request {
            tenant: tenant.to_owned(),
        }));
    }
    let s = common::parse(&vitals.render()).unwrap();
    let served = |tenant: &str| s.get("argl_tenants_total", &[("op", "serve"), ("tenant", tenant)]);
    assert_eq!(served("acme"), 2.0);
    assert_eq!(served("globex"), 1.0);
    assert_eq!(
        served("__overflow__"),
        2.0,
        "initech and umbrella, past the cap"
    );
    assert!(
        s.value(
            "argl_tenants_total",
            &[("op", "serve"), ("tenant", "initech")]
        )
        .is_none()
    );
    assert_eq!(
        s.get(
            "argl_tenants_errors_total",
            &[
                ("op", "serve"),
                ("tenant", "globex"),
                ("code", "rejected"),
                ("class", "failure")
            ]
        ),
        1.0
    );
    assert_eq!(
        s.get(
            "argl_tenants_total",
            &[("op", "handle"), ("tenant", "acme")]
        ),
        2.0
    );
    assert_eq!(
        s.get(
            "argl_tenants_total",
            &[("op", "handle"), ("tenant", "hooli")]
        ),
        1.0
    );
    assert_eq!(
        s.get(
            "argl_cardinality_overflow_total",
            &[("family", "argl_tenants_total")]
        ),
        2.0
    );
}
