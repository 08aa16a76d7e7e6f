//! The functions `benches/scalar_grad` measures, each three ways: the plain function, the gradient
//! `#[differentiable]` generates, and a gradient written by hand the way an engineer who knows the
//! maths would write it (one fused pass, forward values reused, nothing stored that can be had for
//! free). `tests/integration/hand_written_grads.rs` checks the two gradients agree.

// The macro accepts `for i in a..b` loops (not iterators), so the functions index arrays.
#![allow(clippy::needless_range_loop)]

use backprop::differentiable;

// ---- the tutorial's loss ------------------------------------------------------------------

/// The linear-model tutorial's loss of one sample: (xw - y)².
#[differentiable(wrt(w), hvp)]
pub fn tutorial_loss(w: f32, x: f32, y: f32) -> f32 {
    let y_pred = x * w;
    (y_pred - y).powi(2)
}

/// d/dw (xw - y)² = 2x(xw - y).
#[inline]
pub fn tutorial_loss_grad_by_hand(w: f32, x: f32, y: f32) -> (f32, f32) {
    let r = x * w - y;
    (r * r, 2.0 * r * x)
}

// ---- a 14-term expression ------------------------------------------------------------------

/// A sum of fourteen polynomial and transcendental terms in two variables.
#[differentiable(hvp)]
pub fn expression(x: f32, y: f32) -> f32 {
    let a = x * y;
    1.5 + 2.0 * x - 0.5 * y + 0.25 * x * x + 3.0 * a - 0.1 * a * a
        + y * x.sin()
        + 0.3 * x.cos()
        + x * (-y * y).exp()
        + (1.0 + x * x).ln()
        + y.tanh()
        + 0.01 * x.powi(3)
        + 0.2 * (0.5 * y).exp()
        + (1.0 + y * y).sqrt()
}

/// The gradient of [`expression`], term by term:
///
/// ∂/∂x = 2 + 0.5x + 3y - 0.2·a·y + y·cos x - 0.3·sin x + e^(-y²) + 2x/(1 + x²) + 0.03x²
///
/// ∂/∂y = -0.5 + 3x - 0.2·a·x + sin x - 2xy·e^(-y²) + (1 - tanh² y) + 0.1·e^(0.5y)
///        + y/√(1 + y²)
#[inline]
pub fn expression_grad_by_hand(x: f32, y: f32) -> (f32, f32, f32) {
    let a = x * y;
    let (s, c) = (x.sin(), x.cos());
    let g = (-y * y).exp();
    let q = 1.0 + x * x;
    let t = y.tanh();
    let e = (0.5 * y).exp();
    let r = (1.0 + y * y).sqrt();
    let value = 1.5 + 2.0 * x - 0.5 * y + 0.25 * x * x + 3.0 * a - 0.1 * a * a
        + y * s
        + 0.3 * c
        + x * g
        + q.ln()
        + t
        + 0.01 * x * x * x
        + 0.2 * e
        + r;
    let dx =
        2.0 + 0.5 * x + 3.0 * y - 0.2 * a * y + y * c - 0.3 * s + g + 2.0 * x / q + 0.03 * x * x;
    let dy = -0.5 + 3.0 * x - 0.2 * a * x + s - 2.0 * a * g + (1.0 - t * t) + 0.1 * e + y / r;
    (value, dx, dy)
}

// ---- the 6-step tanh recurrence of DESIGN.md -----------------------------------------------

/// h ← tanh(w·h + xᵢ) six times from h = 0, then h².
#[differentiable(hvp)]
pub fn recurrence(w: f32, x: &[f32; 6]) -> f32 {
    let mut h = 0.0;
    for i in 0..6 {
        h = (w * h + x[i]).tanh();
    }
    h * h
}

/// The gradient of [`recurrence`]: keep every hᵢ (seven floats on the stack), then walk back:
/// with hᵢ₊₁ = tanh(w·hᵢ + xᵢ), the adjoint of the pre-activation is d·(1 - hᵢ₊₁²), which adds
/// hᵢ times itself to d_w, itself to d_xᵢ, and w times itself becomes the adjoint of hᵢ.
#[inline]
pub fn recurrence_grad_by_hand(w: f32, x: &[f32; 6], d_x: &mut [f32; 6]) -> (f32, f32) {
    let mut h = [0.0f32; 7];
    for i in 0..6 {
        h[i + 1] = (w * h[i] + x[i]).tanh();
    }
    let value = h[6] * h[6];
    let mut d_h = 2.0 * h[6];
    let mut d_w = 0.0;
    for i in (0..6).rev() {
        let d_z = d_h * (1.0 - h[i + 1] * h[i + 1]);
        d_w += d_z * h[i];
        d_x[i] += d_z;
        d_h = d_z * w;
    }
    (value, d_w)
}

// ---- a small dense layer -------------------------------------------------------------------

/// Inputs of the dense layer.
pub const IN: usize = 8;
/// Outputs of the dense layer.
pub const OUT: usize = 4;

/// The squared error of a tanh layer: Σₒ (tanh(bₒ + Σᵢ wₒᵢ·xᵢ) - yₒ)², trained in w and b.
#[differentiable(wrt(w, b), hvp)]
pub fn dense_loss(w: &[[f32; IN]; OUT], b: &[f32; OUT], x: &[f32; IN], y: &[f32; OUT]) -> f32 {
    let mut loss = 0.0;
    for o in 0..OUT {
        let mut z = b[o];
        for i in 0..IN {
            z += w[o][i] * x[i];
        }
        let r = z.tanh() - y[o];
        loss += r * r;
    }
    loss
}

/// The gradient of [`dense_loss`] in one pass: each output's adjoint
/// d_zₒ = 2·rₒ·(1 - tanh² zₒ) is known as soon as zₒ is, so d_bₒ += d_zₒ and
/// d_wₒᵢ += d_zₒ·xᵢ follow at once.
#[inline]
pub fn dense_loss_grad_by_hand(
    w: &[[f32; IN]; OUT],
    d_w: &mut [[f32; IN]; OUT],
    b: &[f32; OUT],
    d_b: &mut [f32; OUT],
    x: &[f32; IN],
    y: &[f32; OUT],
) -> f32 {
    let mut loss = 0.0;
    for o in 0..OUT {
        let mut z = b[o];
        for i in 0..IN {
            z += w[o][i] * x[i];
        }
        let t = z.tanh();
        let r = t - y[o];
        loss += r * r;
        let d_z = 2.0 * r * (1.0 - t * t);
        d_b[o] += d_z;
        for i in 0..IN {
            d_w[o][i] += d_z * x[i];
        }
    }
    loss
}

// ---- inputs ----------------------------------------------------------------------------------

/// Inputs of the dense layer: weights, bias, x, y (fixed, irregular values of size ~1).
pub fn dense_inputs() -> ([[f32; IN]; OUT], [f32; OUT], [f32; IN], [f32; OUT]) {
    let mut w = [[0.0; IN]; OUT];
    for (o, row) in w.iter_mut().enumerate() {
        for (i, v) in row.iter_mut().enumerate() {
            *v = ((o * IN + i) as f32 * 0.37).sin() * 0.5;
        }
    }
    let b = [0.1, -0.2, 0.05, 0.3];
    let x = [0.5, -1.0, 0.25, 0.8, -0.3, 0.9, -0.6, 0.1];
    let y = [0.2, -0.4, 0.6, 0.0];
    (w, b, x, y)
}

/// Input of the recurrence.
pub const RECURRENCE_X: [f32; 6] = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
