//! Compile-time promises: every mistake in `tests/ui/fail` is a compile error with the checked-in
//! message and span, and every form in `tests/ui/pass` compiles cleanly and runs.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
