//! Failing on purpose: minimal reproducers of macro bugs not fixed yet, each a program that
//! should compile and check its own results (`tests/known-bugs/*.rs`). When a fix lands, move
//! its file to `tests/ui-pass/` and delete this test once the directory is empty.

#[test]
fn known_bugs_compile_and_run() {
    trybuild::TestCases::new().pass("tests/known-bugs/*.rs");
}
