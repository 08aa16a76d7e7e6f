//! Custom derivatives: a function with a hand-written derivative is differentiable, marked
//! `#[differentiable(custom_vjp)]` or `#[differentiable(custom_fwd)]`.
//!
//! `round_ste` rounds in the forward pass and lets the gradient straight through in the
//! backward pass (the straight-through estimator of quantisation-aware training). Its `_vjp`
//! follows the documented layout: the inputs, then `d_out`; it returns the value and the
//! gradients of the by-value float inputs. The macro adapts it to split mode (joint: the
//! pullback calls `_vjp`, which runs the forward pass again).
//!
//! `softplus` has a split-mode `_fwd` instead, the full-speed form: the forward pass runs once
//! and the pullback keeps what the derivative needs.
//!
//! Forward mode is opt-in (`jvp`): `quantized_loss_jvp` calls the callee's `_jvp`, so the two
//! hand-written derivatives say `jvp` too and come with a hand-written `_jvp` (the inputs, each
//! float one followed by its tangent, returning the value and the output's tangent).

use backprop::differentiable;

/// Rounds to the nearest integer.
#[differentiable(custom_vjp, jvp)]
fn round_ste(x: f32) -> f32 {
    x.round()
}

/// The custom derivative of `round_ste`: as if it were the identity.
fn round_ste_vjp(x: f32, d_out: f32) -> (f32, f32) {
    (x.round(), d_out)
}

/// Forward mode, as straight through as the backward pass.
fn round_ste_jvp(x: f32, x_dot: f32) -> (f32, f32) {
    (x.round(), x_dot)
}

/// A closed-form derivative: `softplus(x) = ln(1 + e^x)`, `softplus'(x) = sigmoid(x)`, written
/// once by hand instead of being derived through `ln` and `exp` (and stable for large `x`).
#[differentiable(custom_fwd, jvp)]
fn softplus(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn softplus_fwd(x: f32) -> (f32, impl FnOnce(f32, f32) -> f32) {
    let sigmoid = 1.0 / (1.0 + (-x).exp());
    // The pullback takes the argument again, then `d_out`, and returns `x`'s gradient.
    (softplus(x), move |_x: f32, d_out: f32| d_out * sigmoid)
}

fn softplus_jvp(x: f32, x_dot: f32) -> (f32, f32) {
    (softplus(x), x_dot / (1.0 + (-x).exp()))
}

#[differentiable(jvp)]
fn quantized_loss(w: f32) -> f32 {
    let q = round_ste(w * 4.0);
    (q - 3.0) * (q - 3.0) + softplus(w)
}

fn main() {
    for w in [0.1f32, 0.6, 1.0] {
        let (loss, dw) = quantized_loss_grad(w);
        assert_eq!(
            loss,
            quantized_loss(w),
            "the gradient's value is the function's"
        );
        let (_, slope) = quantized_loss_jvp(w, 1.0);
        assert_eq!(slope, dw, "one input: the tangent of 1 is the gradient");
        println!("w = {w:.1}: loss = {loss:.4}, d loss / d w = {dw:.4}");
    }
}
