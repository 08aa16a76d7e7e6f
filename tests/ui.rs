//! Compile-fail tests: each mistake gives one clear error pointing at the offending token.
//! Refresh the `.stderr` snapshots with `TRYBUILD=overwrite cargo test --test ui` and review
//! the diff; the pinned toolchain keeps them stable.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/derive-*.rs");
}
