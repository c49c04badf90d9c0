//! Checking `#[health_check]`'s options and resolving their defaults: the name by the one
//! check-name rule, the durations parsed (and the timeout no longer than the interval), the
//! failure status one of its two words.

use std::time::Duration;

use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::{DeriveInput, LitStr};

use super::attr::Options;
use crate::ctxt::Ctxt;
use crate::symbol::{HEALTH_EVERY, HEALTH_TIMEOUT};
use crate::valid::doc_summary;

/// A check's spec, checked: what `expand` writes into `CheckSpec`.
pub(super) struct Check {
    pub(super) name: String,
    pub(super) description: String,
    /// `Kind` variants; `Readiness` when none was given.
    pub(super) kinds: Vec<&'static str>,
    pub(super) critical: bool,
    pub(super) timeout: Duration,
    pub(super) every: Duration,
    /// The `Status` variant a timed-out or panicking run reports.
    pub(super) failure: &'static str,
}

pub(super) fn resolve(o: &Options, input: &DeriveInput, cx: &mut Ctxt) -> Check {
    let name = match &o.name {
        Some(lit) => {
            let value = lit.value();
            if let Some(problem) = vitalsign_naming::check_check_name(&value) {
                cx.spanned(lit, problem);
            }
            value
        }
        None => default_name(&input.ident.to_string()),
    };
    let timeout = duration(o.timeout.as_ref(), HEALTH_TIMEOUT, cx);
    let every = duration(o.every.as_ref(), HEALTH_EVERY, cx);
    if let (Some(t), Some(e)) = (timeout, every)
        && t > e
    {
        let at = o
            .timeout
            .as_ref()
            .map(ToTokens::to_token_stream)
            .unwrap_or_else(|| quote!(#input));
        cx.spanned(at, format_args!(
            "timeout ({}) is longer than the interval ({}): a run could still be going when the next one starts\nhelp: make `timeout` at most `every`",
            humantime_like(t), humantime_like(e)
        ));
    }
    let failure = match o.failure_status.as_ref() {
        None => "Unhealthy",
        Some(lit) => match lit.value().as_str() {
            "unhealthy" => "Unhealthy",
            "degraded" => "Degraded",
            v => {
                cx.spanned(lit, format_args!(
                    "`failure_status` is `unhealthy` or `degraded`, not `{v}`: it is what a timed-out or panicking run reports"
                ));
                "Unhealthy"
            }
        },
    };
    // Each kind is an option given at most once, so the list has no repeats.
    let mut kinds = o.kinds.clone();
    if kinds.is_empty() {
        kinds.push("Readiness");
    }
    Check {
        name,
        description: doc_summary(&input.attrs),
        kinds,
        critical: o.critical.unwrap_or(true),
        timeout: timeout.unwrap_or_default(),
        every: every.unwrap_or_default(),
        failure,
    }
}

/// `lit` (or, when not given, `default`) as a duration; a bad one is an error on its token.
fn duration(lit: Option<&LitStr>, default: &str, cx: &mut Ctxt) -> Option<Duration> {
    let text = lit.map_or_else(|| default.to_owned(), LitStr::value);
    match vitalsign_naming::parse_duration(&text) {
        Ok(d) => Some(d),
        Err(p) => {
            match lit {
                Some(lit) => cx.spanned(lit, p),
                None => cx.error(Span::call_site(), p),
            }
            None
        }
    }
}

fn humantime_like(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `WalHealth` → `wal`, `DiskCheck` → `disk`, `Replication` → `replication`.
fn default_name(ident: &str) -> String {
    let snake = vitalsign_naming::to_snake_case(ident);
    for suffix in ["_health_check", "_health", "_check"] {
        if let Some(stem) = snake.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            return stem.to_owned();
        }
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::default_name;

    #[test]
    fn default_names_drop_the_obvious_suffix() {
        assert_eq!(default_name("WalHealth"), "wal");
        assert_eq!(default_name("DiskCheck"), "disk");
        assert_eq!(default_name("ReplicationHealthCheck"), "replication");
        assert_eq!(default_name("Replication"), "replication");
        assert_eq!(default_name("Health"), "health");
    }
}
