//! Compile-time behaviour of the macros, as trybuild snapshots.
//!
//! `tests/ui/*.rs`: one small program per construct the macros reject, each with the exact
//! diagnostics (`.stderr`) a user sees. `tests/ui-pass/*.rs`: programs that must compile and run
//! (each checks its own results), among them reproducers of macro bugs fixed since.
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test --test ui`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
