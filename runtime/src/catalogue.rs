//! The catalogue: every instrumented call site and every declared metric group linked into the
//! program, and the metric families they make up.
//!
//! Call sites and groups register themselves before `main` runs (an `inventory` collection: one
//! static node each, linked into a list by a constructor the linker runs), so the catalogue is
//! complete when the program starts and costs nothing to assemble. `Vitals::install` describes
//! every family from it and refuses to start when two of them disagree about a family, or when
//! a declared metric would share its family with anything else.

use crate::error_code::ErrorCodes;
use std::collections::BTreeMap;
use std::fmt;

use crate::__private::{CallSite, SiteDescriptor, call_sites};
use crate::declared::{GroupDescriptor, MetricDescriptor};

/// Objectives of a call site, declared with `#[instrumented(slo(..))]`.
pub use crate::__private::SloSpec as Slo;

/// The catalogue of the running program: see [`catalogue()`].
#[derive(Debug, Clone)]
pub struct Catalogue {
    sites: Vec<Site>,
    declared: Vec<Declared>,
    families: Vec<Family>,
}

/// The catalogue of every `#[instrumented]` function and every `#[derive(MetricGroup)]` struct
/// linked into this program, sorted by source location.
pub fn catalogue() -> Catalogue {
    Catalogue::new(call_sites(), crate::declared::groups())
}

/// One field of a `#[derive(MetricGroup)]` struct: a declared metric.
#[derive(Clone, Copy)]
pub struct Declared {
    group: &'static GroupDescriptor,
    metric: &'static MetricDescriptor,
}

impl fmt::Debug for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Declared")
            .field("family", &self.family())
            .field("location", &self.location())
            .finish()
    }
}

impl Declared {
    /// The family name.
    pub fn family(&self) -> &'static str {
        self.metric.name
    }

    /// The group: the struct deriving `MetricGroup`.
    pub fn group(&self) -> &'static str {
        self.group.name
    }

    /// `Group::field`, as written.
    pub fn field(&self) -> String {
        format!("{}::{}", self.group.name, self.metric.field)
    }

    /// The module of the group.
    pub fn module(&self) -> &'static str {
        self.group.module
    }

    /// `file:line` of the field.
    pub fn location(&self) -> String {
        format!("{}:{}", self.group.file, self.metric.line)
    }

    /// Its Prometheus type.
    pub fn kind(&self) -> MetricType {
        self.metric.kind
    }

    /// `seconds`, `bytes`, `ratio`, or empty for a plain count.
    pub fn unit(&self) -> &'static str {
        self.metric.unit
    }

    /// The field's doc comment.
    pub fn doc(&self) -> &'static str {
        self.metric.help
    }

    /// Its label names, in order.
    pub fn label_keys(&self) -> &'static [&'static str] {
        self.metric.labels.names
    }

    /// How many label sets (series, or histograms) it has.
    pub fn cardinality(&self) -> usize {
        self.metric.labels.cardinality
    }

    #[cfg_attr(not(feature = "exporter"), allow(dead_code))]
    pub(crate) fn descriptor(&self) -> &'static MetricDescriptor {
        self.metric
    }
}

/// One instrumented function.
#[derive(Clone, Copy)]
pub struct Site(&'static CallSite);

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("function", &self.function())
            .field("location", &self.location())
            .finish()
    }
}

impl Site {
    fn desc(&self) -> &'static SiteDescriptor {
        self.0.descriptor()
    }

    #[cfg_attr(not(feature = "exporter"), allow(dead_code))]
    pub(crate) fn call_site(&self) -> &'static CallSite {
        self.0
    }

    /// The function, as `name` or `Type::name` (inside an instrumented impl block).
    pub fn function(&self) -> &'static str {
        self.desc().function
    }

    /// The module the function is defined in.
    pub fn module(&self) -> &'static str {
        self.desc().module
    }

    /// `file:line` of the function.
    pub fn location(&self) -> String {
        format!("{}:{}", self.desc().file, self.desc().line)
    }

    /// The metric namespace.
    pub fn namespace(&self) -> &'static str {
        self.desc().namespace
    }

    /// The base name the family names are built from.
    pub fn name(&self) -> &'static str {
        self.desc().name
    }

    /// Fixed labels of every series of this site, `op` first.
    pub fn labels(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        self.desc().labels.iter().map(|l| (l.key(), l.value()))
    }

    /// First paragraph of the function's doc comment (empty if none).
    pub fn doc(&self) -> &'static str {
        self.desc().doc
    }

    /// Bucket bounds declared with `buckets = [..]`.
    pub fn buckets(&self) -> Option<&'static [f64]> {
        self.desc().buckets
    }

    /// Objectives declared with `slo(..)`.
    pub fn slo(&self) -> Option<Slo> {
        self.desc().slo
    }

    /// `{ns}_{name}_total`, the family of its calls.
    #[cfg_attr(not(feature = "artifacts"), allow(dead_code))]
    pub(crate) fn calls_family(&self) -> &'static str {
        self.desc().calls
    }

    /// The name of the label whose value comes from an argument, if any.
    pub fn arg_label(&self) -> Option<&'static str> {
        self.desc().arg_label
    }

    fn label_keys(&self) -> Vec<&'static str> {
        self.labels()
            .map(|(k, _)| k)
            .chain(self.desc().arg_label)
            .collect()
    }
}

/// What a family measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// `*_total`: completed calls.
    Calls,
    /// `*_duration_seconds`: call durations.
    Duration,
    /// `*_errors_total`: failed calls by `code`.
    Errors,
    /// `*_in_flight`: calls under way.
    InFlight,
    /// A field of a `#[derive(MetricGroup)]` struct.
    Declared,
    /// A family vitalsign defines itself (health, logs, process, build, limits), declared once
    /// in the room that records it, with its type, labels and HELP ([`Family::help`]).
    Own,
}

pub use crate::declared::MetricType;

/// One of the families a call site makes up.
struct SiteFamily {
    role: Role,
    kind: MetricType,
    /// The words its HELP starts with.
    lead: &'static str,
    /// Which of the site's names it is (none: the site keeps no such family).
    name: fn(&SiteDescriptor) -> Option<&'static str>,
}

/// The families one call site makes up.
const SITE_FAMILIES: [SiteFamily; 4] = [
    SiteFamily {
        role: Role::Calls,
        kind: MetricType::Counter,
        lead: "Completed calls",
        name: |d| Some(d.calls),
    },
    SiteFamily {
        role: Role::Duration,
        kind: MetricType::Histogram,
        lead: "Call duration in seconds",
        name: |d| Some(d.duration),
    },
    SiteFamily {
        role: Role::Errors,
        kind: MetricType::Counter,
        lead: "Failed calls by error code",
        name: |d| Some(d.errors),
    },
    SiteFamily {
        role: Role::InFlight,
        kind: MetricType::Gauge,
        lead: "Calls in progress",
        name: |d| d.in_flight,
    },
];

/// One of vitalsign's own families, declared once, as a constant, in the room that records it:
/// its name, type, labels and HELP together. The room names its series with [`OwnSpec::name_in`]
/// and hands the declaration to the catalogue with [`OwnSpec::in_namespace`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OwnSpec {
    /// The name after `{namespace}_` (`uptime_seconds`), or, for a family with a standard name
    /// of its own (`process_cpu_seconds_total`), the whole name.
    pub(crate) name: &'static str,
    /// Whether the name takes the namespace.
    pub(crate) namespaced: bool,
    pub(crate) kind: MetricType,
    pub(crate) labels: &'static [&'static str],
    /// HELP, without its final full stop.
    pub(crate) help: &'static str,
}

#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
impl OwnSpec {
    /// A family named `{namespace}_{name}`.
    pub(crate) const fn new(
        name: &'static str,
        kind: MetricType,
        labels: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        Self {
            name,
            namespaced: true,
            kind,
            labels,
            help,
        }
    }

    /// A family with a standard name of its own, without the namespace.
    #[cfg_attr(not(feature = "process"), allow(dead_code))]
    pub(crate) const fn standard(name: &'static str, kind: MetricType, help: &'static str) -> Self {
        Self {
            name,
            namespaced: false,
            kind,
            labels: &[],
            help,
        }
    }

    /// The family's name in `namespace`.
    pub(crate) fn name_in(&self, namespace: &str) -> String {
        if self.namespaced {
            format!("{namespace}_{}", self.name)
        } else {
            self.name.to_owned()
        }
    }

    /// The catalogue's entry for the family in `namespace`.
    pub(crate) fn in_namespace(&'static self, namespace: &str) -> OwnFamily {
        OwnFamily {
            name: self.name_in(namespace),
            spec: self,
        }
    }
}

/// One metric family (`rstmdb_requests_total`) and the call sites that feed it.
#[derive(Debug, Clone)]
pub struct Family {
    name: String,
    role: Role,
    kind: MetricType,
    label_keys: Vec<&'static str>,
    buckets: Option<&'static [f64]>,
    sites: Vec<Site>,
    /// The declared metric, for a group's field.
    declared: Option<Declared>,
    /// The words a call site's family's HELP starts with, or a whole HELP (own families).
    lead: &'static str,
    /// The declaration of a family vitalsign defines itself.
    own: Option<&'static OwnSpec>,
}

impl Family {
    /// The family name as exposed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it measures.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Its Prometheus type.
    pub fn kind(&self) -> MetricType {
        self.kind
    }

    /// Its label names (global labels not included), in order.
    pub fn label_keys(&self) -> &[&'static str] {
        &self.label_keys
    }

    /// Bucket bounds of a duration family declared at its sites (`None`: the default buckets).
    pub fn buckets(&self) -> Option<&'static [f64]> {
        self.buckets
    }

    /// The call sites that record into it.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// The group field that declares it, for a declared family.
    pub fn declared(&self) -> Option<Declared> {
        self.declared
    }

    /// Where it comes from: the first site's or the field's `file:line`.
    fn origin(&self) -> String {
        match (self.sites.first(), self.declared) {
            (Some(site), _) => site.location(),
            (None, Some(d)) => d.location(),
            (None, None) => "vitalsign's own metrics".into(),
        }
    }

    /// The HELP text: the doc comment when the sites share one, else a generated summary.
    pub fn help(&self) -> String {
        if let Some(own) = self.own {
            return format!("{}.", own.help);
        }
        if let Some(d) = self.declared {
            return match d.doc() {
                "" => format!("`{}`.", d.field()),
                doc => doc.to_owned(),
            };
        }
        let what = self.lead;
        let Some(first) = self.sites.first().map(Site::doc) else {
            return format!("{what}.");
        };
        if !first.is_empty() && self.sites.iter().all(|s| s.doc() == first) {
            return format!("{what}: {first}");
        }
        let mut names: Vec<&str> = self.sites.iter().map(Site::function).collect();
        names.dedup();
        match names.as_slice() {
            [one] => format!("{what}, for `{one}`."),
            [a, b] => format!("{what}, for `{a}` and `{b}`."),
            [a, b, rest @ ..] => format!("{what}, for `{a}`, `{b}` and {} more.", rest.len()),
            [] => format!("{what}."),
        }
    }
}

/// The families one instrumented `{namespace}_{name}` makes up, from its sites' descriptors:
/// what the generated files and `/stats` read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(any(feature = "server", feature = "artifacts")), allow(dead_code))]
pub(crate) struct Group {
    /// `{namespace}_{name}`.
    pub(crate) base: String,
    pub(crate) calls: String,
    pub(crate) errors: String,
    pub(crate) duration: String,
    /// When one of its sites keeps the gauge.
    pub(crate) in_flight: Option<String>,
}

/// A family vitalsign defines itself rather than a call site, in one namespace: each room that
/// records metrics of its own declares them as [`OwnSpec`]s, and `install()` adds them to the
/// catalogue so that conflicts with call sites are found too.
#[derive(Debug, Clone)]
pub(crate) struct OwnFamily {
    pub(crate) name: String,
    pub(crate) spec: &'static OwnSpec,
}

/// Two call sites that disagree about one family.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The family the sites disagree about (`rstmdb_requests_total`).
    pub family: String,
    /// What differs, both ways.
    pub what: String,
    /// `file:line` of the first site.
    pub first: String,
    /// `file:line` of the second site.
    pub second: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "metric family `{}`: {} (at {} and {})",
            self.family, self.what, self.first, self.second
        )
    }
}

/// The conflicts found in a catalogue.
#[derive(Debug, Clone)]
pub struct CatalogueError(pub Vec<Conflict>);

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the metric catalogue has {} conflict(s):", self.0.len())?;
        for conflict in &self.0 {
            write!(f, "\n  - {conflict}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogueError {}

impl Catalogue {
    fn new(
        sites: impl Iterator<Item = &'static CallSite>,
        groups: impl Iterator<Item = &'static GroupDescriptor>,
    ) -> Self {
        let mut sites: Vec<Site> = sites.map(Site).collect();
        sites.sort_by_key(|s| (s.desc().file, s.desc().line, s.function()));
        let mut declared: Vec<Declared> = groups
            .flat_map(|group| {
                group
                    .fields
                    .iter()
                    .map(move |metric| Declared { group, metric })
            })
            .collect();
        declared.sort_by_key(|d| (d.group.file, d.metric.line));
        let mut by_name: BTreeMap<&'static str, Vec<Family>> = BTreeMap::new();
        for d in &declared {
            by_name.entry(d.family()).or_default().push(Family {
                name: d.family().to_owned(),
                role: Role::Declared,
                kind: d.kind(),
                label_keys: d.label_keys().to_vec(),
                buckets: d.metric.buckets,
                sites: Vec::new(),
                declared: Some(*d),
                lead: "",
                own: None,
            });
        }
        for site in &sites {
            for SiteFamily {
                role,
                kind,
                lead,
                name,
            } in SITE_FAMILIES
            {
                let Some(name) = name(site.desc()) else {
                    continue;
                };
                let mut label_keys = site.label_keys();
                if role == Role::Errors {
                    label_keys.push(vitalsign_naming::CODE_LABEL);
                    label_keys.push(vitalsign_naming::CLASS_LABEL);
                }
                let buckets = if role == Role::Duration {
                    site.buckets()
                } else {
                    None
                };
                by_name.entry(name).or_default().push(Family {
                    name: name.to_owned(),
                    role,
                    kind,
                    label_keys,
                    buckets,
                    sites: vec![*site],
                    declared: None,
                    lead,
                    own: None,
                });
            }
        }
        // Merge the members that agree; keep the disagreeing ones apart for `conflicts`.
        let mut families = Vec::new();
        for (_, members) in by_name {
            let mut merged: Vec<Family> = Vec::new();
            for member in members {
                match merged
                    .iter_mut()
                    .find(|f| disagreement(f, &member).is_none())
                {
                    Some(f) => f.sites.extend(member.sites),
                    None => merged.push(member),
                }
            }
            families.extend(merged);
        }
        Self {
            sites,
            declared,
            families,
        }
    }

    /// Every instrumented function, sorted by source location.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// Every declared metric (a field of a `#[derive(MetricGroup)]` struct), sorted by source
    /// location.
    pub fn declared(&self) -> &[Declared] {
        &self.declared
    }

    /// Every type deriving `ErrorCode` in the program, with its codes and their classes, sorted
    /// by module and name: what the `code` and `class` labels of `_errors_total` can hold.
    pub fn error_types(&self) -> Vec<&'static ErrorCodes> {
        crate::error_code::error_types()
    }

    /// Every family, sorted by name.
    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// Adds the families vitalsign defines itself (health, logs, process, build), as
    /// `install()` does with those of every room it was built with.
    #[cfg_attr(not(feature = "exporter"), allow(dead_code))]
    pub(crate) fn with_own(mut self, families: impl IntoIterator<Item = OwnFamily>) -> Self {
        self.families.extend(families.into_iter().map(|own| Family {
            name: own.name,
            role: Role::Own,
            kind: own.spec.kind,
            label_keys: own.spec.labels.to_vec(),
            buckets: None,
            sites: Vec::new(),
            declared: None,
            lead: own.spec.help,
            own: Some(own.spec),
        }));
        self.families.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// The instrumented family groups, sorted by base name.
    #[cfg_attr(not(any(feature = "server", feature = "artifacts")), allow(dead_code))]
    pub(crate) fn groups(&self) -> Vec<Group> {
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        for site in &self.sites {
            let d = site.desc();
            let group = groups
                .entry(format!("{}_{}", d.namespace, d.name))
                .or_insert_with_key(|base| Group {
                    base: base.clone(),
                    calls: d.calls.to_owned(),
                    errors: d.errors.to_owned(),
                    duration: d.duration.to_owned(),
                    in_flight: None,
                });
            if group.in_flight.is_none() {
                group.in_flight = d.in_flight.map(str::to_owned);
            }
        }
        groups.into_values().collect()
    }

    /// The name of one of vitalsign's own families, if this catalogue holds it.
    #[cfg_attr(not(feature = "artifacts"), allow(dead_code))]
    pub(crate) fn own_family(&self, spec: &OwnSpec) -> Option<&str> {
        self.families
            .iter()
            .find(|f| f.own == Some(spec))
            .map(|f| f.name.as_str())
    }

    /// Conflicts: a family name used with different types, label names or buckets; a declared
    /// family written by anything else; two call sites writing the same series without both
    /// saying so (`labels(op = ..)` on each).
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out = self.silent_merges();
        for pair in self.families.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.name == b.name {
                out.push(Conflict {
                    family: a.name.clone(),
                    what: disagreement(a, b).unwrap_or_default(),
                    first: a.origin(),
                    second: b.origin(),
                });
            }
        }
        out
    }

    /// Call sites of one calls family whose label sets are equal, so that their calls would sum
    /// into one series, unless every one of them gave its `op` explicitly: two functions named
    /// `work` in two modules are not one operation by accident.
    fn silent_merges(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        for family in self.families.iter().filter(|f| f.role == Role::Calls) {
            let mut seen: Vec<(Vec<(&str, &str)>, Site)> = Vec::new();
            for site in &family.sites {
                let labels: Vec<(&str, &str)> = site.labels().collect();
                match seen.iter().find(|(l, _)| *l == labels) {
                    Some((_, first)) if !(first.desc().op_given && site.desc().op_given) => {
                        let series = labels
                            .iter()
                            .map(|(k, v)| format!("{k}=\"{v}\""))
                            .collect::<Vec<_>>()
                            .join(",");
                        out.push(Conflict {
                            family: family.name.clone(),
                            what: format!(
                                "`{}::{}` and `{}::{}` would write the same series {{{series}}}; if they are one operation, give both `labels(op = \"{}\")`, else name them apart",
                                first.module(),
                                first.function(),
                                site.module(),
                                site.function(),
                                site.desc().op()
                            ),
                            first: first.location(),
                            second: site.location(),
                        });
                    }
                    Some(_) => {}
                    None => seen.push((labels, *site)),
                }
            }
        }
        out
    }

    /// `Ok` if no family is used inconsistently; else every conflict, with both source
    /// locations.
    pub fn validate(&self) -> Result<(), CatalogueError> {
        let conflicts = self.conflicts();
        if conflicts.is_empty() {
            Ok(())
        } else {
            Err(CatalogueError(conflicts))
        }
    }
}

fn disagreement(a: &Family, b: &Family) -> Option<String> {
    // A declared family is one field's own: anything else writing it would merge silently.
    match (a.declared, b.declared) {
        (Some(x), Some(y)) => {
            return Some(format!(
                "`{}` and `{}` both declare it",
                x.field(),
                y.field()
            ));
        }
        (Some(x), None) | (None, Some(x)) => {
            let other = if a.sites.is_empty() && b.sites.is_empty() {
                "vitalsign defines it too".to_owned()
            } else {
                "an instrumented function records it too".to_owned()
            };
            return Some(format!("`{}` declares it and {other}", x.field()));
        }
        (None, None) => {}
    }
    // A family vitalsign defines is its own: a call site's family of that name would merge.
    match (a.own, b.own) {
        (Some(own), None) | (None, Some(own)) => {
            return Some(format!(
                "vitalsign defines it itself ({}): name yours otherwise",
                own.help
            ));
        }
        _ => {}
    }
    if a.role != b.role || a.kind != b.kind {
        return Some(format!(
            "it is a {} ({:?}) at one site and a {} ({:?}) at the other",
            a.kind().as_str(),
            a.role,
            b.kind().as_str(),
            b.role
        ));
    }
    if a.label_keys != b.label_keys {
        return Some(format!(
            "label names differ: {:?} vs {:?}",
            a.label_keys, b.label_keys
        ));
    }
    if a.buckets != b.buckets {
        return Some(format!(
            "buckets differ: {:?} vs {:?}",
            a.buckets, b.buckets
        ));
    }
    None
}
