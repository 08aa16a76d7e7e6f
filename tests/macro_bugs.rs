//! Reproducers of macro bugs found by the scalar tests, one file each under `tests/macro_bugs/`.
//! Each is ignored until fixed: `cargo test --test macro_bugs -- --ignored` shows them.

#[test]
#[ignore = "macro bug: `N as f32` for a const generic N loses its cast and does not compile"]
fn const_generic_cast() {
    trybuild::TestCases::new().pass("tests/macro_bugs/const-generic-cast.rs");
}

#[test]
#[ignore = "macro bug: inside a macro_rules! expansion the generated code cannot see the parameters"]
fn inside_macro_rules() {
    trybuild::TestCases::new().pass("tests/macro_bugs/inside-macro-rules.rs");
}
