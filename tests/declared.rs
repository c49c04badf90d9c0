//! Declared metrics (`#[derive(MetricGroup)]`) through a real install and a real `/metrics` over
//! loopback: every series exists at zero from install, typed labels give one series per value
//! (and per combination for a label set), records from several threads add up exactly, HELP is
//! the field's doc, histogram buckets follow the unit, and the catalogue places each field.

mod common;

use vitalsign::{Counter, Dynamic, Gauge, Histogram, IntGauge, LabelSet, LabelValue, MetricGroup};

/// The command of a request.
#[derive(Debug, Clone, Copy, LabelValue)]
enum Command {
    Get,
    Set,
    #[label(rename = "del")]
    Delete,
}

#[derive(Debug, Clone, Copy, LabelValue)]
#[label(name = "state")]
enum State {
    Idle,
    Busy,
}

#[derive(Debug, Clone, Copy, LabelSet)]
struct Transition {
    from: State,
    to: State,
}

#[derive(MetricGroup)]
#[metric_group(namespace = "decl", subsystem = "wal")]
struct Wal {
    /// Records appended to the write-ahead log.
    writes_total: Counter,
    /// Records appended, by the command that wrote them.
    commands_total: Counter<Command>,
    /// State changes of the log writer.
    transitions_total: Counter<Transition>,
    /// Size of the log on disk.
    size_bytes: IntGauge,
    /// Share of the log already compacted.
    compacted_ratio: Gauge,
    /// How long an append takes.
    #[metric(buckets = [0.001, 0.01, 0.1])]
    write_duration_seconds: Histogram,
    /// Bytes per append.
    write_bytes: Histogram,
    /// Keys per batch, by command.
    batch_keys: Histogram<Command>,
    /// Events applied, by state machine.
    #[metric(label = "machine", max_series = 2)]
    events_applied_total: Counter<Dynamic>,
}

static WAL: Wal = Wal::new();

#[test]
fn a_group_records_into_a_real_install() {
    let (vitals, addr, rt) = common::install_and_serve();
    let scrape = || {
        let reply = rt.block_on(common::request(addr, "GET", "/metrics"));
        assert_eq!(reply.status, 200);
        common::parse(&reply.body).unwrap()
    };

    // Every series at zero before the first record, every label value and combination.
    let s = scrape();
    assert_eq!(s.get("decl_wal_writes_total", &[]), 0.0);
    for command in ["get", "set", "del"] {
        assert_eq!(
            s.get("decl_wal_commands_total", &[("command", command)]),
            0.0
        );
        assert_eq!(
            s.histogram_count("decl_wal_batch_keys", &[("command", command)]),
            0.0
        );
    }
    for from in ["idle", "busy"] {
        for to in ["idle", "busy"] {
            let labels = [("from", from), ("to", to)];
            assert_eq!(s.get("decl_wal_transitions_total", &labels), 0.0);
        }
    }
    assert_eq!(s.get("decl_wal_size_bytes", &[]), 0.0);
    assert_eq!(
        s.histogram_count("decl_wal_write_duration_seconds", &[]),
        0.0
    );
    let meta = &s.families["decl_wal_commands_total"];
    assert_eq!(meta.kind.as_deref(), Some("counter"));
    assert_eq!(
        meta.help.as_deref(),
        Some("Records appended, by the command that wrote them.")
    );
    assert_eq!(
        s.families["decl_wal_size_bytes"].kind.as_deref(),
        Some("gauge")
    );

    // Records from four threads at once add up exactly.
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for i in 0..1000_u32 {
                    WAL.writes_total.increment();
                    let command = [Command::Get, Command::Set, Command::Delete][i as usize % 3];
                    WAL.commands_total.increment_with(command);
                    WAL.batch_keys.record_with(command, f64::from(i % 7));
                    WAL.write_bytes.record(f64::from(i));
                }
            });
        }
    });
    WAL.transitions_total.add_with(
        Transition {
            from: State::Busy,
            to: State::Idle,
        },
        3,
    );
    WAL.size_bytes.set(4096);
    WAL.size_bytes.add(-96);
    WAL.compacted_ratio.set(0.25);
    WAL.write_duration_seconds
        .record_duration(std::time::Duration::from_millis(5));

    let s = scrape();
    assert_eq!(s.get("decl_wal_writes_total", &[]), 4000.0);
    // i % 3 over 0..1000: 334 gets, 333 sets, 333 dels per thread.
    assert_eq!(
        s.get("decl_wal_commands_total", &[("command", "get")]),
        4.0 * 334.0
    );
    assert_eq!(
        s.get("decl_wal_commands_total", &[("command", "del")]),
        4.0 * 333.0
    );
    assert_eq!(
        s.get(
            "decl_wal_transitions_total",
            &[("from", "busy"), ("to", "idle")]
        ),
        3.0
    );
    assert_eq!(
        s.get(
            "decl_wal_transitions_total",
            &[("from", "idle"), ("to", "busy")]
        ),
        0.0
    );
    assert_eq!(s.get("decl_wal_size_bytes", &[]), 4000.0);
    assert_eq!(s.get("decl_wal_compacted_ratio", &[]), 0.25);
    let batches: f64 = ["get", "set", "del"]
        .iter()
        .map(|c| s.histogram_count("decl_wal_batch_keys", &[("command", c)]))
        .sum();
    assert_eq!(batches, 4000.0);
    // The declared bounds, and the byte unit's own.
    assert_eq!(
        s.get("decl_wal_write_duration_seconds_bucket", &[("le", "0.01")]),
        1.0
    );
    assert_eq!(
        s.get("decl_wal_write_duration_seconds_bucket", &[("le", "0.001")]),
        0.0
    );
    assert_eq!(
        s.get("decl_wal_write_bytes_bucket", &[("le", "1024.0")]),
        4000.0
    );
    assert_eq!(
        s.get("decl_wal_write_bytes_bucket", &[("le", "256.0")]),
        4.0 * 257.0
    );
    assert_eq!(
        s.get(
            "decl_wal_batch_keys_bucket",
            &[("command", "get"), ("le", "5.0")]
        ),
        {
            // Of the 334 gets per thread (i = 0, 3, 6, ..), those with i % 7 <= 5.
            let per_thread = (0..1000_u32).filter(|i| i % 3 == 0 && i % 7 <= 5).count();
            4.0 * per_thread as f64
        }
    );

    // A label from data: the first two values get a series each, the rest fold and are counted.
    for machine in ["order", "payment", "order", "refund", "audit"] {
        WAL.events_applied_total.increment_for(machine);
    }
    let s = scrape();
    let applied = |m: &str| s.get("decl_wal_events_applied_total", &[("machine", m)]);
    assert_eq!(applied("order"), 2.0);
    assert_eq!(applied("payment"), 1.0);
    assert_eq!(applied("__overflow__"), 2.0);
    assert!(
        s.value("decl_wal_events_applied_total", &[("machine", "refund")])
            .is_none()
    );
    assert_eq!(
        s.get(
            "vitalsign_cardinality_overflow_total",
            &[("family", "decl_wal_events_applied_total")]
        ),
        2.0
    );

    if let Some(complaints) = common::promtool_check_metrics(&vitals.render()) {
        assert!(
            !complaints.contains("decl_wal"),
            "promtool on the declared families: {complaints}"
        );
    }
}

#[test]
fn the_catalogue_places_every_field() {
    let catalogue = vitalsign::catalogue();
    let declared = catalogue.declared();
    let writes = declared
        .iter()
        .find(|d| d.family() == "decl_wal_writes_total")
        .expect("declared in the catalogue");
    assert_eq!(writes.field(), "Wal::writes_total");
    let line = include_str!("declared.rs")
        .lines()
        .position(|l| l.trim() == "writes_total: Counter,")
        .unwrap()
        + 1;
    assert_eq!(writes.location(), format!("{}:{line}", file!()));
    let bytes = declared
        .iter()
        .find(|d| d.family() == "decl_wal_write_bytes")
        .unwrap();
    assert_eq!(bytes.unit(), "bytes");
    let transitions = declared
        .iter()
        .find(|d| d.family() == "decl_wal_transitions_total")
        .unwrap();
    assert_eq!(transitions.label_keys(), ["from", "to"]);
    assert_eq!(transitions.cardinality(), 4);
    assert_eq!(Command::VALUES, ["get", "set", "del"]);
    assert_eq!(<Transition as LabelSet>::NAMES, ["from", "to"]);
    assert!(
        catalogue.conflicts().is_empty(),
        "{:?}",
        catalogue.conflicts()
    );
    let family = catalogue
        .families()
        .iter()
        .find(|f| f.name() == "decl_wal_write_duration_seconds")
        .unwrap();
    assert_eq!(family.buckets(), Some(&[0.001, 0.01, 0.1][..]));
    assert_eq!(family.help(), "How long an append takes.");
}
