//! The JSON log line: one flat object per event, so `jq 'select(.level=="ERROR")'` works and
//! shippers need no parsing rule.
//!
//! Span fields and event fields are merged at the top level, innermost winning. A field whose
//! name is one of the line's own keys is kept as `field_<name>`, never dropped or duplicated.
//! serde_json escapes every string, so no logged value can break the object or forge a line.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use serde_json::{Map, Value};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::ErrorCounter;
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::fields::{FieldMap, SpanFields};

/// Key names of a line's own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    /// `timestamp`, `level`, `target`, `message`, `span`, `span_id`, `service`, `version`.
    Plain,
    /// Elastic Common Schema: `@timestamp`, `log.level`, `log.logger`, `message`, `span.name`,
    /// `span.id`, `service.name`, `service.version`, `ecs.version`.
    Ecs,
}

struct Keys {
    timestamp: &'static str,
    level: &'static str,
    target: &'static str,
    message: &'static str,
    span: &'static str,
    span_id: &'static str,
    service: &'static str,
    version: &'static str,
    dropped_lines: &'static str,
}

impl Schema {
    fn keys(self) -> Keys {
        match self {
            Schema::Plain => Keys {
                timestamp: "timestamp",
                level: "level",
                target: "target",
                message: "message",
                span: "span",
                span_id: "span_id",
                service: "service",
                version: "version",
                dropped_lines: "dropped_lines",
            },
            Schema::Ecs => Keys {
                timestamp: "@timestamp",
                level: "log.level",
                target: "log.logger",
                message: "message",
                span: "span.name",
                span_id: "span.id",
                service: "service.name",
                version: "service.version",
                dropped_lines: "log.dropped_lines",
            },
        }
    }

    fn reserved(self) -> [&'static str; 10] {
        let k = self.keys();
        [
            k.timestamp,
            k.level,
            k.target,
            k.message,
            k.span,
            k.span_id,
            k.service,
            k.version,
            k.dropped_lines,
            "ecs.version",
        ]
    }
}

/// A `tracing_subscriber` layer writing one JSON object per event. `Vitals::install` sets it
/// up; an application with its own subscriber can add it with [`JsonLayer::new`].
pub struct JsonLayer {
    schema: Schema,
    writer: BoxMakeWriter,
    service: Option<String>,
    version: Option<String>,
    /// With a queue in front of the output: its count of dropped lines, and how many of them
    /// a line has already reported.
    dropped: Option<(ErrorCounter, AtomicUsize)>,
}

impl std::fmt::Debug for JsonLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLayer")
            .field("schema", &self.schema)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl JsonLayer {
    /// JSON lines to `output`, with vitalsign's key names.
    pub fn new(output: &super::LogOutput) -> Self {
        Self {
            schema: Schema::Plain,
            writer: output.make_writer(),
            service: None,
            version: None,
            dropped: None,
        }
    }

    /// Writes through `pipe`'s queue, and reports on each line the lines it dropped since the
    /// last report (`"dropped_lines": N`).
    pub(crate) fn through(mut self, pipe: &super::pipe::LogPipe) -> Self {
        self.writer = pipe.make_writer();
        self.dropped = Some((pipe.dropped_lines(), AtomicUsize::new(0)));
        self
    }

    /// Lines dropped since the last line that said so.
    fn newly_dropped(&self) -> usize {
        self.dropped.as_ref().map_or(0, |(counter, reported)| {
            let now = counter.dropped_lines();
            now.saturating_sub(reported.swap(now, Ordering::Relaxed))
        })
    }

    /// Elastic Common Schema key names instead.
    pub fn ecs(mut self) -> Self {
        self.schema = Schema::Ecs;
        self
    }

    /// Adds the service's name and version to every line.
    pub fn service(mut self, name: Option<String>, version: Option<String>) -> Self {
        self.service = name;
        self.version = version;
        self
    }

    pub(crate) fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = schema;
        self
    }

    fn line<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>) -> String
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        // Records bridged from the `log` crate carry their real target in fields; use it.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let keys = self.schema.keys();
        let mut user = Map::new();
        let mut innermost = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &fields.0 {
                        user.insert((*k).to_owned(), v.clone());
                    }
                }
                innermost = Some((span.name(), span.id().into_u64()));
            }
        }
        let mut fields = FieldMap::default();
        event.record(&mut fields);
        let message = fields.0.shift_remove("message");
        if normalized.is_some() {
            fields.0.retain(|k, _| !k.starts_with("log."));
        }
        for (k, v) in fields.0 {
            user.insert(k, v);
        }

        let mut out = Map::new();
        let now = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        out.insert(keys.timestamp.into(), Value::String(now));
        let level = match self.schema {
            Schema::Plain => meta.level().as_str().to_owned(),
            Schema::Ecs => meta.level().as_str().to_ascii_lowercase(),
        };
        out.insert(keys.level.into(), Value::String(level));
        out.insert(keys.target.into(), Value::String(meta.target().to_owned()));
        out.insert(
            keys.message.into(),
            message.unwrap_or(Value::String(String::new())),
        );
        if let Some((name, id)) = innermost {
            out.insert(keys.span.into(), Value::String(name.to_owned()));
            out.insert(keys.span_id.into(), Value::String(format!("{id:016x}")));
        }
        if let Some(s) = &self.service {
            out.insert(keys.service.into(), Value::String(s.clone()));
        }
        if let Some(v) = &self.version {
            out.insert(keys.version.into(), Value::String(v.clone()));
        }
        if self.schema == Schema::Ecs {
            out.insert("ecs.version".into(), Value::String("8.11.0".into()));
        }
        let dropped = self.newly_dropped();
        if dropped > 0 {
            out.insert(keys.dropped_lines.into(), Value::from(dropped));
        }
        let reserved = self.schema.reserved();
        for (k, v) in user {
            let key = if reserved.contains(&k.as_str()) {
                format!("field_{k}")
            } else {
                k
            };
            out.insert(key, v);
        }
        let mut line = serde_json::to_string(&Value::Object(out))
            .unwrap_or_else(|e| format!("{{\"log_error\":\"{e}\"}}"));
        line.push('\n');
        line
    }
}

impl<S> Layer<S> for JsonLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut fields = SpanFields(Vec::with_capacity(attrs.fields().len()));
            attrs.record(&mut fields);
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let line = self.line(event, &ctx);
        // One write per line, so concurrent lines do not interleave.
        let _ = self
            .writer
            .make_writer_for(event.metadata())
            .write_all(line.as_bytes());
    }
}
