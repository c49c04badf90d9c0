//! Without `namespace`, the crate name is used; the default base name is `calls` and the `op`
//! label names the function.
#![deny(warnings)]

#[vitalsign::instrumented]
fn handler() {}

fn main() {
    handler();
    let site = vitalsign::catalogue().sites().iter().find(|s| s.function() == "handler").copied().unwrap();
    assert_eq!(site.name(), "calls");
    // trybuild names the crate after the package and file; whatever it is, it is snake_case.
    assert!(site.namespace().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    assert_eq!(site.labels().collect::<Vec<_>>(), vec![("op", "handler")]);
}
