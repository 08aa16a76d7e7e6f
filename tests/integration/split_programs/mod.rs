//! Programs shared by `tests/integration/composed_gradients.rs` and `benches/split_mode.rs`:
//! the README's composed MLP per sample, with a hand-written one-pass gradient beside it, and
//! the batched 784-128-10 training step (`docs/benchmarks-split.md`).
#![allow(dead_code, clippy::needless_range_loop)]

pub mod batched;
pub mod mlp;

/// A reproducible stream of floats uniform in `[-scale, scale)` (a linear congruential
/// generator: the bench and the tests need fixed inputs, not good randomness).
pub fn uniform(seed: u32, scale: f32) -> impl FnMut() -> f32 {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    move || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        ((state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0) * scale
    }
}
