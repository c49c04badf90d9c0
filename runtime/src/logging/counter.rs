//! `{ns}_log_events_total{level}`: so the error-log rate can be alerted on.

use metrics::Counter;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// A layer counting events by level into `{ns}_log_events_total`. Counts what passes the
/// filter, which is what reaches the output.
#[derive(Debug)]
pub struct EventCounter {
    by_level: [Counter; 5],
}

impl EventCounter {
    /// Counters under `namespace`, resolved once from the installed recorder.
    pub fn new(namespace: &str) -> Self {
        let c = |level| super::level_counter(namespace, level);
        Self {
            by_level: [c("error"), c("warn"), c("info"), c("debug"), c("trace")],
        }
    }
}

impl<S: Subscriber> Layer<S> for EventCounter {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let i = match *event.metadata().level() {
            Level::ERROR => 0,
            Level::WARN => 1,
            Level::INFO => 2,
            Level::DEBUG => 3,
            Level::TRACE => 4,
        };
        self.by_level[i].increment(1);
    }
}
