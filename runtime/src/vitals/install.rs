//! What `install()` does, in order: validate every option → install the recorder → bind the
//! call sites → set up logging → register and start the health checks → hand back the handle.
//! Each step is the room's own; this file only sequences them.

use std::collections::HashMap;
#[cfg(feature = "server")]
use std::net::SocketAddr;
use std::sync::Arc;
#[cfg(feature = "server")]
use std::sync::OnceLock;

use vitalsign_naming as naming;

use crate::catalogue::{Catalogue, Role, catalogue};
use crate::process::ProcessMetrics;
use crate::recorder::cardinality::Cardinality;
use crate::recorder::{Shared, VitalsRecorder};

use super::{Builder, Inner, InstallError, Vitals};

impl Builder {
    /// Validates every option, checks the catalogue, installs the global `metrics` recorder,
    /// binds every call site to it and, with their features, sets up logging and registers the
    /// health checks.
    pub fn install(self) -> Result<Vitals, InstallError> {
        if Vitals::installed().is_some() {
            return Err(InstallError::AlreadyInstalled);
        }
        #[cfg(feature = "config")]
        let this = self.configured()?;
        #[cfg(not(feature = "config"))]
        let this = self;
        install(this)
    }
}

fn install(b: Builder) -> Result<Vitals, InstallError> {
    let sites = catalogue();
    let namespace = b
        .namespace
        .clone()
        .unwrap_or_else(|| default_namespace(&sites));
    let catalogue = sites.with_own(own_families(&namespace));

    // 1. Validate: nothing is installed unless every option and the catalogue are sound.
    #[cfg(feature = "server")]
    let bind_addr = bind_addr(&b)?;
    validate(&b, &catalogue)?;
    #[cfg(feature = "logging")]
    crate::logging::check(&b.logging).map_err(config_error)?;
    catalogue.validate()?;
    #[cfg(feature = "health")]
    check_health(&b)?;

    // 2. The recorder, its storage sized for the catalogue's families.
    let shared = recorder(&b, &namespace, &catalogue);
    crate::recorder::install(VitalsRecorder(shared.clone()))
        .map_err(|_| InstallError::AlreadyInstalled)?;

    // 3. Bind the call sites: each registers its series at zero, so they exist before the
    //    first call.
    crate::__private::mark_bound();
    for family in catalogue
        .families()
        .iter()
        .filter(|f| f.role() == Role::Calls)
    {
        for site in family.sites() {
            site.call_site().bind();
        }
    }

    // 4. Logging.
    #[cfg(feature = "logging")]
    crate::logging::install(&b.logging, &namespace, b.service.clone(), b.version.clone())
        .map_err(config_error)?;

    // 5. Health: registered now, started on the current runtime if there is one (else when
    //    the server binds).
    let process = ProcessMetrics::new(&namespace, b.version.as_deref());
    #[cfg(feature = "health")]
    let health = {
        let registry = Arc::new(crate::health::Registry::new(namespace.clone()));
        for check in b.checks {
            registry.add(check)?;
        }
        let health = crate::health::Health(registry);
        health.start();
        health
    };

    // 6. The handle.
    let vitals = Vitals(Arc::new(Inner {
        process,
        shared,
        #[cfg(feature = "server")]
        served: super::Served {
            stats: crate::stats::Stats::new(),
            groups: catalogue.groups(),
            sampler: OnceLock::new(),
            bind_addr,
            http: http_options(b.http, b.service, b.version),
        },
        catalogue,
        #[cfg(feature = "health")]
        health,
    }));
    let _ = super::INSTALLED.set(vitals.clone());
    Ok(vitals)
}

/// The families of every room this build has, which the catalogue checks against the call
/// sites'.
fn own_families(namespace: &str) -> Vec<crate::catalogue::OwnFamily> {
    let mut own = crate::process::own_families(namespace);
    own.extend(crate::recorder::cardinality::own_families(namespace));
    #[cfg(feature = "health")]
    own.extend(crate::health::HealthFamilies::own(namespace));
    #[cfg(feature = "logging")]
    own.extend(crate::logging::own_families(namespace));
    own
}

/// The namespace of the instrumented functions when they all share one.
fn default_namespace(catalogue: &Catalogue) -> String {
    let mut namespaces: Vec<&str> = catalogue.sites().iter().map(|s| s.namespace()).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    match namespaces.as_slice() {
        [one] => (*one).to_owned(),
        _ => "vitalsign".to_owned(),
    }
}

#[cfg(feature = "logging")]
fn config_error((key, problem): (String, String)) -> InstallError {
    InstallError::Config { key, problem }
}

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> InstallError {
    InstallError::Config {
        key: key.into(),
        problem: problem.into(),
    }
}

/// The recorder's options: labels, buckets, namespace, the series limit.
fn validate(b: &Builder, catalogue: &Catalogue) -> Result<(), InstallError> {
    let site_keys: Vec<&str> = catalogue
        .families()
        .iter()
        .flat_map(|f| f.label_keys().iter().copied())
        .collect();
    for (i, (k, v)) in b.global_labels.iter().enumerate() {
        let key = format!("global_labels.{k}");
        let problems = naming::check_label_name(k)
            .into_iter()
            .chain(naming::check_label_value(v));
        if let Some(p) = problems.into_iter().next() {
            return Err(invalid(key, p.to_string()));
        }
        if b.global_labels[..i].iter().any(|(seen, _)| seen == k) {
            return Err(invalid(key, "given twice"));
        }
        if site_keys.contains(&k.as_str()) {
            return Err(invalid(
                key,
                format!("`{k}` is already a label of an instrumented family"),
            ));
        }
    }
    if let Some((_, p)) = naming::check_buckets(&b.default_buckets).into_iter().next() {
        return Err(invalid("default_buckets", p.to_string()));
    }
    for site in catalogue.sites() {
        if let Some(latency) = site.slo().and_then(|s| s.latency)
            && site.buckets().is_none()
            && !b
                .default_buckets
                .iter()
                .any(|bound| (bound - latency).abs() < 1e-12)
        {
            return Err(invalid(
                "default_buckets",
                format!(
                    "the latency objective of `{}` ({}) needs the bound {latency}, which these buckets lack",
                    site.function(),
                    site.location()
                ),
            ));
        }
    }
    if b.max_series == 0 {
        return Err(invalid(
            "metrics.max_series_per_family",
            "must be at least 1",
        ));
    }
    if let Some(ns) = &b.namespace
        && let Some(p) = naming::check_namespace(ns).into_iter().next()
    {
        return Err(invalid("namespace", p.to_string()));
    }
    Ok(())
}

/// The server's options.
#[cfg(feature = "server")]
fn bind_addr(b: &Builder) -> Result<SocketAddr, InstallError> {
    let http = &b.http;
    let bind_addr: SocketAddr = http.bind_addr.parse().map_err(|e| {
        invalid(
            "bind_addr",
            format!("`{}` is not an IP:port address ({e})", http.bind_addr),
        )
    })?;
    if http.limits.max_connections == 0 {
        return Err(invalid("metrics.max_connections", "must be at least 1"));
    }
    if http.limits.header_read_timeout.is_zero() {
        return Err(invalid(
            "metrics.header_read_timeout",
            "must be greater than zero",
        ));
    }
    if http
        .auth_token
        .as_deref()
        .is_some_and(|t| t.len() < 16 || t.chars().any(char::is_whitespace))
    {
        return Err(invalid(
            "metrics.auth_token",
            "a token is at least 16 characters without spaces (the value is not shown)",
        ));
    }
    for (status, code) in &http.status_codes {
        if !(100..=599).contains(code) {
            return Err(invalid(
                format!("health.status_codes.{status}"),
                format!("{code} is not an HTTP status code"),
            ));
        }
    }
    Ok(bind_addr)
}

/// Every check given to the builder follows the rules, once.
#[cfg(feature = "health")]
fn check_health(b: &Builder) -> Result<(), InstallError> {
    let mut names = Vec::new();
    for check in &b.checks {
        let spec = check.spec();
        crate::health::validate_spec(&spec)?;
        if names.contains(&spec.name) {
            return Err(crate::health::HealthError::Duplicate(spec.name.to_string()).into());
        }
        names.push(spec.name);
    }
    Ok(())
}

fn recorder(b: &Builder, namespace: &str, catalogue: &Catalogue) -> Arc<Shared> {
    let default_bounds: Arc<[f64]> = b.default_buckets.clone().into();
    let bounds: HashMap<String, Arc<[f64]>> = catalogue
        .families()
        .iter()
        .filter_map(|f| {
            f.buckets()
                .map(|bounds| (f.name().to_owned(), Arc::from(bounds)))
        })
        .collect();
    let shared = Arc::new(Shared::new(
        bounds,
        default_bounds,
        b.global_labels.clone(),
        Cardinality::new(namespace, b.max_series),
    ));
    for family in catalogue.families() {
        shared.describe(family.name(), family.help());
    }
    shared
}

#[cfg(feature = "server")]
fn http_options(
    http: super::builder::HttpSettings,
    service: Option<String>,
    version: Option<String>,
) -> crate::server::HttpOptions {
    let mut codes = crate::server::StatusCodes::default();
    for (status, code) in http.status_codes {
        codes.set(status, code);
    }
    crate::server::HttpOptions {
        limits: http.limits,
        auth_token: http.auth_token,
        serve_metrics: http.serve_metrics,
        show_details: http.show_details,
        codes,
        service,
        version,
        started: std::time::Instant::now(),
    }
}
