//! Differentiable primitives, each a plain function `f` with a hand-written split-mode
//! derivative `f_fwd` (`#[differentiable(custom_fwd)]`), from which the macro builds `f_vjp`
//! (and `f_grad` for a scalar output).
//!
//! `f_fwd` follows the calling convention of `#[differentiable]`, so differentiable code that
//! calls `f(...)` runs `f`'s forward pass once and differentiates through its pullback without
//! knowing how it is written:
//!
//! - `f_fwd(args)` returns the value and a pullback; the pullback takes the arguments again,
//!   each array followed by its shadow `Option<&mut T>` (`None`: no gradient wanted, and the
//!   work is skipped: a batched layer's input gradient, one of its three products), then the
//!   output's cotangent `d_out` (`f32` for a scalar output, `&Out` for an array), and returns
//!   the gradients of the scalar (`f32`) arguments;
//! - gradients are **added** into the shadows (`+=`, never overwritten: the caller zeroes them);
//! - `f_vjp(args with shadows &mut T, d_out)` is both in one call, returning the value and then
//!   the scalar arguments' gradients.
//!
//! ```
//! use backprop_runtime::ops::{dot, dot_fwd, dot_vjp, leaky_relu_vjp};
//!
//! let (a, b) = ([1.0, 2.0], [3.0, 4.0]);
//! let (mut d_a, mut d_b) = ([0.0; 2], [0.0; 2]);
//! assert_eq!(dot(&a, &b), 11.0);
//! assert_eq!(dot_vjp(&a, &mut d_a, &b, &mut d_b, 1.0), 11.0);
//! assert_eq!((d_a, d_b), (b, a));
//!
//! // Split: the gradient of `b` only.
//! let (value, pullback) = dot_fwd(&a, &b);
//! let mut d_b = [0.0; 2];
//! pullback(&a, None, &b, Some(&mut d_b), 1.0);
//! assert_eq!((value, d_b), (11.0, a));
//!
//! // A scalar input's gradient is returned after the value.
//! let x = [2.0, -3.0];
//! let mut d_x = [0.0; 2];
//! let (y, d_slope) = leaky_relu_vjp(&x, &mut d_x, 0.1, &[1.0, 1.0]);
//! assert_eq!((y, d_x, d_slope), ([2.0, -0.3], [1.0, 0.1], -3.0));
//! ```
//!
//! | family | primitives | shapes |
//! | --- | --- | --- |
//! | [`linalg`] | [`dot`], [`matvec`], [`linear`] | `[f32; N]`, weights `[[f32; IN]; OUT]` |
//! | | [`matmul`], [`linear_batch`] (+ `_into`, `_backward`) | batches `[[f32; K]; M]`, GEMM |
//! | [`reduce`] | [`sum`], [`mean`] | any tensor -> `f32` |
//! | [`elementwise`] | [`add`], [`sub`], [`mul`], [`scale`] | any tensor |
//! | [`activation`] | [`relu`], [`leaky_relu`], [`sigmoid`], [`tanh`], [`softplus`], [`gelu`], [`silu`] | any tensor, and `f32` in [`scalar`] |
//! | [`probability`] | [`log_sum_exp`], [`softmax`], [`log_softmax`] | one row `[f32; N]` |
//!
//! Element-wise primitives and reductions are generic over [`Tensor`], so they
//! take `[f32; N]` and batches `[[f32; N]; B]` alike; the softmax family works on one `[f32; N]`
//! row. Scalar forms of the activations (`f32` by value) live in [`scalar`]. Everything is
//! numerically stable at large magnitudes (see each function), and kinks follow PyTorch
//! (`relu'(0) = 0`).
//!
//! [`Tensor`]: crate::Tensor

// A pullback's type spells out every argument it takes again, and every shadow.
#![allow(clippy::type_complexity)]

pub mod activation;
pub mod elementwise;
// The convolution and recurrent layers (`nn::conv`, `nn::recurrent`) run on the GEMM too.
pub(crate) mod gemm;
pub mod linalg;
pub mod probability;
pub mod reduce;

pub use activation::{
    gelu, gelu_fwd, gelu_jvp, gelu_jvpk, gelu_vjp, leaky_relu, leaky_relu_fwd, leaky_relu_jvp,
    leaky_relu_jvpk, leaky_relu_vjp, relu, relu_fwd, relu_jvp, relu_jvpk, relu_vjp, sigmoid,
    sigmoid_fwd, sigmoid_jvp, sigmoid_jvpk, sigmoid_vjp, silu, silu_fwd, silu_jvp, silu_jvpk,
    silu_vjp, softplus, softplus_fwd, softplus_jvp, softplus_jvpk, softplus_vjp, tanh, tanh_fwd,
    tanh_jvp, tanh_jvpk, tanh_vjp,
};
pub use elementwise::{
    add, add_fwd, add_jvp, add_jvpk, add_vjp, mul, mul_fwd, mul_jvp, mul_jvpk, mul_vjp, scale,
    scale_fwd, scale_jvp, scale_jvpk, scale_vjp, sub, sub_fwd, sub_jvp, sub_jvpk, sub_vjp,
};
#[cfg(feature = "std")]
pub use linalg::zeroed_box;
pub use linalg::{
    dot, dot_fwd, dot_jvp, dot_jvpk, dot_vjp, linear, linear_batch, linear_batch_backward,
    linear_batch_fwd, linear_batch_into, linear_batch_jvp, linear_batch_jvpk, linear_batch_vjp,
    linear_fwd, linear_jvp, linear_jvpk, linear_vjp, matmul, matmul_backward, matmul_fwd,
    matmul_into, matmul_jvp, matmul_jvpk, matmul_vjp, matvec, matvec_fwd, matvec_jvp, matvec_jvpk,
    matvec_vjp,
};
pub use probability::{
    log_softmax, log_softmax_fwd, log_softmax_jvp, log_softmax_jvpk, log_softmax_vjp, log_sum_exp,
    log_sum_exp_fwd, log_sum_exp_jvp, log_sum_exp_jvpk, log_sum_exp_vjp, softmax, softmax_fwd,
    softmax_jvp, softmax_jvpk, softmax_vjp,
};
pub use reduce::{
    mean, mean_fwd, mean_jvp, mean_jvpk, mean_vjp, sum, sum_fwd, sum_jvp, sum_jvpk, sum_vjp,
};

/// Scalar (`f32` by value) forms of the activations: `sigmoid(x: f32) -> f32` and
/// `sigmoid_vjp(x, d_out) -> (f32, f32)`, and so on.
pub mod scalar {
    pub use super::activation::scalar::*;
}

use crate::tensor::Tensor;

/// `f` applied to every element of `x`.
#[inline]
fn map<T: Tensor>(x: &T, f: impl Fn(f32) -> f32) -> T {
    let mut y = *x;
    for v in y.flat_mut() {
        *v = f(*v);
    }
    y
}

/// `d[i] += g(a[i], b[i])` for every element, if the shadow `d` is given: the pullbacks'
/// accumulation, skipped where the caller wants no gradient.
#[inline]
fn add_into<T: Tensor>(d: Option<&mut T>, a: &T, b: &T, g: impl Fn(f32, f32) -> f32) {
    if let Some(d) = d {
        for ((d, a), b) in d.flat_mut().iter_mut().zip(a.flat()).zip(b.flat()) {
            *d += g(*a, *b);
        }
    }
}

/// `f` applied to every pair of elements of `a` and `b`.
#[inline]
fn zip_map<T: Tensor>(a: &T, b: &T, f: impl Fn(f32, f32) -> f32) -> T {
    let mut y = *a;
    for (v, w) in y.flat_mut().iter_mut().zip(b.flat()) {
        *v = f(*v, *w);
    }
    y
}

#[cfg(test)]
pub(crate) mod check;
