//! Programs over data of run-time length and loops with a run-time trip count, written as a
//! user would; `runtime_length` checks their gradients and `tests/no_alloc.rs` that the ones
//! over stack data allocate nothing.

// Indexed range loops are the subject: the macro's subset has no iterator chains.
#![allow(clippy::needless_range_loop)]
use backprop::{differentiable, Parameters};

/// A logistic model of four features.
#[derive(Clone, Copy, Parameters)]
pub struct Logistic {
    /// Weights.
    pub w: [f32; 4],
    /// Bias.
    pub b: f32,
}

/// The mean binary cross-entropy of a logistic model over a data set of run-time length, as
/// PyTorch's `binary_cross_entropy_with_logits` computes it.
#[differentiable(wrt(m))]
pub fn logistic_loss(m: &Logistic, xs: &[[f32; 4]], ys: &[f32]) -> f32 {
    let mut loss = 0.0;
    for i in 0..xs.len() {
        let mut z = m.b;
        for j in 0..4 {
            z += m.w[j] * xs[i][j];
        }
        loss += z.max(0.0) - ys[i] * z + (-z.abs()).exp().ln_1p();
    }
    loss / xs.len() as f32
}

/// A weighted sum of squares over a `&[f32]` of run-time length.
#[differentiable(jvp)]
pub fn weighted_squares(xs: &[f32], a: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += a * xs[i] * xs[i];
    }
    s
}

/// A damped oscillator `x'' = -k x - c x'` integrated by explicit Euler for a run-time number of
/// steps: `x` and `v` are overwritten every step, so the reverse sweep keeps their old values
/// in buffers sized by the stated bound.
#[differentiable(max_iters = 1000, hvp)]
pub fn oscillator(k: f32, c: f32, x0: f32, v0: f32, dt: f32, n: usize) -> f32 {
    let mut x = x0;
    let mut v = v0;
    for _step in 0..n {
        let a = -k * x - c * v;
        let x_next = x + dt * v;
        v += dt * a;
        x = x_next;
    }
    x * x + 0.5 * v * v
}

/// Newton's iteration for the square root of `a`, to convergence: a `while` loop whose trip
/// count depends on the data, overwriting `x` every step.
#[differentiable(max_iters = 100, hvp)]
pub fn newton_sqrt(a: f32) -> f32 {
    let mut x = a.max(1.0);
    let mut step: f32 = 1.0;
    while step.abs() > 1e-6 * x {
        step = 0.5 * (x - a / x);
        x -= step;
    }
    x
}

/// A bounded loop left by `break` at the end of its body: an explicit Euler integration of
/// `x' = -k x` until `x` falls below `stop`, at most `n` steps.
#[differentiable(max_iters = 500, hvp)]
pub fn decay_until(k: f32, x0: f32, stop: f32, dt: f32, n: usize) -> f32 {
    let mut x = x0;
    let mut t = 0.0;
    for _step in 0..n {
        x -= dt * k * x;
        t += dt;
        if x < stop {
            break;
        }
    }
    t * x
}

/// Halves `x` while it is above `stop`.
#[differentiable(max_iters = 100)]
pub fn halve_until(x0: f32, stop: f32) -> f32 {
    let mut x = x0;
    while x > stop {
        x *= 0.5;
    }
    x
}
