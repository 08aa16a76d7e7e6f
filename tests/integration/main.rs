//! The integration tests: one binary, one module for each thing checked.
//!
//! One binary links once, where one binary per file linked 25 times: on 2 cores that is most
//! of the suite's build (`docs/design.md`, "Tests"). `ui`, `difftest`, `no_alloc` (its own
//! global allocator) and `distributed` (its own harness, under `mpirun`) stay apart.
//! `cargo test --test integration MODULE` runs one module.

mod basic_gradients;
mod calls_between_functions;
mod check_finite;
mod common;
mod composed_gradients;
mod derive_parameters;
mod examples;
mod float64;
mod forward_mode;
mod hand_written_grads;
mod hvp_everywhere;
mod k_tangents;
mod lanes;
mod layers_in_a_model;
mod loop_markers;
mod loops;
mod losses;
mod one_pass;
mod ops_in_a_loss;
mod ops_vs_pytorch;
mod params_vs_pytorch;
mod regressions;
mod runtime_length;
mod scalar_constructs;
mod scalar_rules;
mod split_mode;
mod subnormal_adjoints;
mod vec_shadows;
mod whole_array;
mod wrt_selected;
