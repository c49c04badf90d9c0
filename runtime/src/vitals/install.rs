//! What `install()` does, in order: validate every option → install the recorder → bind the
//! call sites → set up logging → register and start the health checks → hand back the handle.
//! Each step is the room's own; this file only sequences them.

use std::collections::HashMap;
use std::sync::Arc;
#[cfg(feature = "server")]
use std::sync::OnceLock;

use crate::catalogue::{Catalogue, Role, catalogue};
use crate::process::ProcessMetrics;
use crate::recorder::cardinality::Cardinality;
use crate::recorder::{Shared, VitalsRecorder};
use crate::settings::{Builder, Config, ConfigError, Field};
use crate::storage::NativeLayout;

use super::{Inner, InstallError, Vitals};

impl Builder {
    /// Validates every option, checks the catalogue, installs the global `metrics` recorder,
    /// binds every call site to it and, with their features, sets up logging and registers the
    /// health checks.
    pub fn install(self) -> Result<Vitals, InstallError> {
        if Vitals::installed().is_some() {
            return Err(InstallError::AlreadyInstalled);
        }
        #[cfg(feature = "config")]
        let this = super::configure::configured(self)?;
        #[cfg(not(feature = "config"))]
        let this = self;
        install(this)
    }
}

fn install(b: Builder) -> Result<Vitals, InstallError> {
    let settings = &b.settings;
    // 1. Validate: nothing is installed unless every setting and the catalogue are sound.
    settings.check("")?;
    let sites = catalogue();
    let namespace = settings
        .namespace
        .clone()
        .map_or_else(|| default_namespace(&sites), |n| n.0);
    let catalogue = sites.with_own(own_families(&namespace));
    #[cfg(feature = "server")]
    let (bind_addr, http) = crate::settings::http_options(settings)?;
    #[cfg(feature = "server")]
    let sampling = crate::settings::sampling(settings)?;
    validate(settings, &catalogue)?;
    #[cfg(feature = "logging")]
    let logging = crate::settings::log_settings(settings, b.log_memory.clone())?;
    #[cfg(feature = "logging")]
    crate::logging::check(&logging)?;
    catalogue.validate()?;
    #[cfg(feature = "health")]
    let checks = {
        let mut checks = b.checks.clone();
        checks.extend(crate::settings::builtin_checks(settings));
        check_health(&checks)?;
        checks
    };

    // 2. The recorder, its storage sized for the catalogue's families.
    let shared = recorder(settings, &namespace, &catalogue);
    crate::recorder::install(VitalsRecorder(shared.clone()))
        .map_err(|_| InstallError::AlreadyInstalled)?;

    // 3. Bind the call sites: each registers its series at zero, so they exist before the
    //    first call. Declared metrics register theirs.
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
    // Every declared metric's series too, at zero: its first record then finds them.
    for declared in catalogue.declared() {
        crate::declared::register(declared.descriptor());
    }

    // 4. Logging.
    #[cfg(feature = "logging")]
    let logs = crate::logging::install(
        &logging,
        &namespace,
        settings.service.clone(),
        settings.version.clone(),
    )?;

    // 5. Health: registered now, started on the current runtime if there is one (else when
    //    the server binds).
    let process = ProcessMetrics::new(&namespace, settings.version.as_deref());
    #[cfg(feature = "health")]
    let health = {
        let registry = Arc::new(crate::health::Registry::new(namespace.clone()));
        for check in checks {
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
            stats: crate::stats::Stats::new(sampling),
            groups: catalogue.groups(),
            declared: catalogue
                .families()
                .iter()
                .filter_map(crate::catalogue::Family::declared)
                .collect(),
            sampler: OnceLock::new(),
            bind_addr,
            http,
            refused: crate::server::RefusedCounters::new(&namespace),
        },
        catalogue,
        #[cfg(feature = "health")]
        health,
        #[cfg(feature = "logging")]
        logs,
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
    own.extend(crate::health::own_families(namespace));
    #[cfg(feature = "logging")]
    own.extend(crate::logging::own_families(namespace));
    #[cfg(feature = "server")]
    own.extend(crate::server::own_families(namespace));
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

/// What the settings' own rules cannot see: global labels that a family already has, and
/// latency objectives whose bound is missing from the default buckets.
fn validate(settings: &Config, catalogue: &Catalogue) -> Result<(), InstallError> {
    let problem = |key: String, problem: String| InstallError::from(ConfigError { key, problem });
    for name in settings.metrics.global_labels.keys() {
        let keys = catalogue.families().iter().flat_map(|f| f.label_keys());
        if keys.into_iter().any(|k| *k == name.0) {
            return Err(problem(
                format!("metrics.global_labels.{}", name.0),
                format!("`{}` is already a label of an instrumented family", name.0),
            ));
        }
    }
    let buckets = settings.metrics.default_buckets().0;
    for site in catalogue.sites() {
        if let Some(latency) = site.slo().and_then(|s| s.latency)
            && site.buckets().is_none()
            && !buckets.iter().any(|bound| (bound - latency).abs() < 1e-12)
        {
            return Err(problem(
                "metrics.default_buckets".into(),
                format!(
                    "the latency objective of `{}` ({}) needs the bound {latency}, which these buckets lack",
                    site.function(),
                    site.location()
                ),
            ));
        }
    }
    Ok(())
}

/// Every check given to the builder follows the rules, once.
#[cfg(feature = "health")]
fn check_health(checks: &[Arc<dyn crate::health::HealthCheck>]) -> Result<(), InstallError> {
    let mut names = Vec::new();
    for check in checks {
        let spec = check.spec();
        crate::health::validate_spec(&spec)?;
        if names.contains(&spec.name) {
            return Err(crate::health::HealthError::Duplicate(spec.name.to_string()).into());
        }
        names.push(spec.name);
    }
    Ok(())
}

fn recorder(settings: &Config, namespace: &str, catalogue: &Catalogue) -> Arc<Shared> {
    let m = &settings.metrics;
    let default_bounds: Arc<[f64]> = m.default_buckets().0.into();
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
        m.native_histograms().then(|| NativeLayout {
            schema: m.native_schema().0,
            max_buckets: m.native_max_buckets().0,
        }),
        m.global_labels
            .iter()
            .map(|(k, v)| (k.0.clone(), v.0.clone()))
            .collect(),
        Cardinality::new(namespace, m.max_series_per_family().0),
        m.created_timestamps(),
    ));
    for family in catalogue.families() {
        shared.describe(family.name(), family.help());
    }
    shared
}
