//! Instrumented functions recording into a `metrics` recorder other than vitalsign's.

/// Makes every instrumented function and declared metric record through the `metrics` recorder installed globally
/// by other means (a statsd or OpenTelemetry exporter, say), caching that recorder's handles per
/// call site as they do with vitalsign's own: no lookup per call. Their series are registered
/// (at zero) at once.
///
/// Call it once that recorder is installed: called before, it binds every call site to the
/// `metrics` no-op recorder for the rest of the process. Without it, instrumented functions
/// still record every call into whatever recorder is installed, but look their series up on
/// each call, since a recorder installed later must not find call sites bound to an earlier one.
/// With [`Vitals::builder().install()`](crate::Builder::install), which installs vitalsign's
/// own recorder, there is no need: this does nothing more.
pub fn bind_to_global_recorder() {
    crate::__private::mark_bound();
    for site in crate::__private::call_sites() {
        site.bind();
    }
    for group in crate::declared::groups() {
        group.fields.iter().for_each(crate::declared::register);
    }
}
