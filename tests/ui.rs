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

/// The guide's table of compile errors names every UI test, so a new error cannot land
/// without its row (what the user wrote, what the error says, what to write instead).
#[test]
fn the_guide_lists_every_compile_error() {
    let guide = std::fs::read_to_string("docs/guide.md").expect("docs/guide.md");
    let listed: Vec<&str> = guide
        .split("(ui: ")
        .skip(1)
        .filter_map(|s| s.split(')').next())
        .flat_map(|names| names.split(", "))
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir("tests/ui").expect("tests/ui") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if !listed.contains(&name.as_str()) {
                missing.push(name);
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "UI tests without a row in docs/guide.md: {missing:?}"
    );
}
