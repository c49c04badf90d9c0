//! Exemplars with OpenTelemetry's ids (feature `opentelemetry`): under a `tracing` subscriber
//! with a `tracing-opentelemetry` layer, a call's exemplar carries the trace and span ids of its
//! span as W3C trace context writes them, on its duration bucket and its error counter. Negative
//! control: a call under a subscriber without the layer carries the `tracing` span id only.

use std::sync::Mutex;

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use vitalsign::{ErrorCode, ExpositionFormat, Vitals, instrumented};

#[derive(Debug, ErrorCode)]
enum JobError {
    #[error_code("refused")]
    Refused,
}

/// The OpenTelemetry ids the failing job saw from inside its span.
static SEEN: Mutex<Option<(String, String)>> = Mutex::new(None);

#[instrumented(namespace = "otel", name = "jobs", fields(job = n), log = "off")]
fn job(n: u32) -> Result<u32, JobError> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let ids = span.span_context();
    *SEEN.lock().unwrap() = Some((ids.trace_id().to_string(), ids.span_id().to_string()));
    Err(JobError::Refused)
}

#[instrumented(namespace = "otel", name = "plain_jobs", fields(job = n), log = "off")]
fn plain_job(n: u32) -> Result<u32, JobError> {
    Ok(n)
}

/// The OpenMetrics lines of `family` that carry an exemplar.
fn exemplar_lines(text: &str, family: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(family) && l.contains(" # {"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn exemplars_carry_the_opentelemetry_ids_of_the_call() {
    let vitals = Vitals::builder().logging(false).install().expect("install");
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let traced = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("exemplars")));
    tracing::subscriber::with_default(traced, || {
        let _ = job(1);
    });
    tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        let _ = plain_job(2);
    });
    let (trace_id, span_id) = SEEN.lock().unwrap().clone().expect("the job ran");
    assert_eq!((trace_id.len(), span_id.len()), (32, 16));
    assert_ne!(trace_id, "0".repeat(32), "a sampled trace");

    let text = vitals.render_as(ExpositionFormat::OpenMetrics);
    let want = format!("# {{trace_id=\"{trace_id}\",span_id=\"{span_id}\"}}");
    let buckets = exemplar_lines(&text, "otel_jobs_duration_seconds_bucket");
    assert_eq!(buckets.len(), 1, "one bucket saw the call: {text}");
    assert!(buckets[0].contains(&want), "{} vs {want}", buckets[0]);
    let errors = exemplar_lines(&text, "otel_jobs_errors_total");
    assert_eq!(errors.len(), 1, "{text}");
    assert!(errors[0].contains(&format!("{want} 1 ")), "{}", errors[0]);

    // Without the layer, the span has no OpenTelemetry ids: `tracing`'s span id only.
    let plain = exemplar_lines(&text, "otel_plain_jobs_duration_seconds_bucket");
    assert_eq!(plain.len(), 1, "{text}");
    assert!(
        plain[0].contains("# {span_id=\"") && !plain[0].contains("trace_id"),
        "{}",
        plain[0]
    );
}
