//! Collecting `tracing` fields as JSON values.

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};

/// Fields of one span or event, in recording order (later values of a name win).
#[derive(Debug, Default, Clone)]
pub(crate) struct FieldMap(pub Map<String, Value>);

impl FieldMap {
    fn put(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

/// Fields of one span, kept until one of its lines needs them. Spans are made on every call
/// that has `fields(..)` and most never see a line, so this is a plain list under the fields'
/// own static names: no hashing and no name copied (a span has a handful of fields).
#[derive(Debug, Default)]
pub(crate) struct SpanFields(pub Vec<(&'static str, Value)>);

impl SpanFields {
    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name, value)),
        }
    }
}

/// A `Visit` that hands each value, made JSON, to `put`.
macro_rules! visit_as_json {
    ($ty:ty) => {
        impl Visit for $ty {
            fn record_f64(&mut self, field: &Field, value: f64) {
                self.put(field, json_f64(value));
            }

            fn record_i64(&mut self, field: &Field, value: i64) {
                self.put(field, Value::from(value));
            }

            fn record_u64(&mut self, field: &Field, value: u64) {
                self.put(field, Value::from(value));
            }

            fn record_bool(&mut self, field: &Field, value: bool) {
                self.put(field, Value::from(value));
            }

            fn record_str(&mut self, field: &Field, value: &str) {
                self.put(field, Value::from(value));
            }

            fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
                self.put(field, Value::from(value.to_string()));
            }

            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                self.put(field, Value::from(format!("{value:?}")));
            }
        }
    };
}

visit_as_json!(FieldMap);
visit_as_json!(SpanFields);

/// JSON has no NaN or infinity: they are kept readable as text rather than dropped.
fn json_f64(value: f64) -> Value {
    serde_json::Number::from_f64(value)
        .map_or_else(|| Value::String(value.to_string()), Value::Number)
}
