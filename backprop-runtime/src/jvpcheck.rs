//! Checks of forward-mode and second-order derivatives for users' tests, as [`gradcheck`]
//! checks gradients: a `_jvp` against central differences along its tangent and against its
//! `_vjp` (the dot-product test `<J v, u> = <v, J^T u>`), an `_hvp` against central
//! differences of the gradient.
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::differentiable;
//! use backprop::gradcheck::Tolerance;
//! use backprop::jvpcheck::{check_hvp, check_jvp};
//!
//! #[differentiable(hvp)]
//! fn f(x: &[f32; 2]) -> f32 {
//!     (x[0] * x[1]).sin() + x[0] * x[0]
//! }
//!
//! #[differentiable(jvp)]
//! fn g(x: &[f32; 2]) -> [f32; 2] {
//!     let mut y = [0.0; 2];
//!     y[0] = x[0].exp() * x[1];
//!     y[1] = x[1] / (1.0 + x[0] * x[0]);
//!     y
//! }
//!
//! let (x, v, u) = ([0.3, -0.8], [1.0, 0.5], [0.25, -2.0]);
//! check_jvp(g, g_jvp, g_vjp, &x, &v, &u, Tolerance::default())?;
//! check_hvp(|x: &[f32; 2], d_x: &mut [f32; 2]| f_grad(x, d_x), f_hvp, &x, &v, Tolerance::default())?;
//! # Ok::<(), backprop::jvpcheck::JvpCheckError>(())
//! ```
//!
//! [`gradcheck`]: crate::gradcheck

use crate::gradcheck::Tolerance;
use std::fmt;

/// Why a check failed.
#[derive(Clone, Debug, PartialEq)]
pub enum JvpCheckError {
    /// The derivative's value differs from the function's.
    Value {
        /// The output entry.
        index: usize,
        /// What the derivative returned.
        derivative: f32,
        /// What the function returned.
        function: f32,
    },
    /// An entry of the tangent (or of `H v`) differs from the central difference along `v`.
    Tangent {
        /// The entry.
        index: usize,
        /// The generated value.
        analytic: f64,
        /// The central difference.
        numeric: f64,
    },
    /// `<J v, u>` differs from `<v, J^T u>` beyond `f32` rounding.
    DotProduct {
        /// `<J v, u>`, from the `_jvp`.
        forward: f64,
        /// `<v, J^T u>`, from the `_vjp`.
        reverse: f64,
    },
    /// A value or derivative is not finite.
    NonFinite,
}

impl fmt::Display for JvpCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JvpCheckError::Value { index, derivative, function } => write!(
                f,
                "entry {index}: the derivative's value {derivative} is not the function's {function}"
            ),
            JvpCheckError::Tangent { index, analytic, numeric } => write!(
                f,
                "entry {index}: the derivative {analytic} differs from the central difference {numeric}"
            ),
            JvpCheckError::DotProduct { forward, reverse } => write!(
                f,
                "dot-product test: <J v, u> = {forward} but <v, J^T u> = {reverse}"
            ),
            JvpCheckError::NonFinite => write!(f, "a value or a derivative is not finite"),
        }
    }
}

impl std::error::Error for JvpCheckError {}

/// Checks `jvp` (a `_jvp`) at `x` along `v`: its value against `f`, its tangent against
/// central differences of `f` along `v`, and against `vjp` (a `_vjp`) with the cotangent `u`.
pub fn check_jvp<const N: usize, const M: usize>(
    f: impl Fn(&[f32; N]) -> [f32; M],
    jvp: impl Fn(&[f32; N], &[f32; N]) -> ([f32; M], [f32; M]),
    vjp: impl Fn(&[f32; N], &mut [f32; N], &[f32; M]) -> [f32; M],
    x: &[f32; N],
    v: &[f32; N],
    u: &[f32; M],
    tolerance: Tolerance,
) -> Result<(), JvpCheckError> {
    let (value, tangent) = jvp(x, v);
    check_values(&value, &f(x), &tolerance)?;
    check_directional(&f, &tangent, x, v, &tolerance)?;
    let mut d_x = [0.0; N];
    vjp(x, &mut d_x, u);
    let forward = dot(&tangent, u);
    let reverse = dot(v, &d_x);
    // Both sides carry the rounding of their f32 sums: a few ulps of the sizes of the terms.
    let size = norm(&tangent) * norm(u) + norm(v) * norm(&d_x);
    if !(forward.is_finite() && reverse.is_finite()) {
        return Err(JvpCheckError::NonFinite);
    }
    if (forward - reverse).abs() > 1e-5 * size + f64::from(tolerance.abs) {
        return Err(JvpCheckError::DotProduct { forward, reverse });
    }
    Ok(())
}

/// Checks `hvp` (an `_hvp`) at `x` along `v`: its value against `grad`'s (a `_grad`) and `H v`
/// against central differences of the gradient along `v`.
pub fn check_hvp<const N: usize>(
    grad: impl Fn(&[f32; N], &mut [f32; N]) -> f32,
    hvp: impl Fn(&[f32; N], &[f32; N], &mut [f32; N]) -> f32,
    x: &[f32; N],
    v: &[f32; N],
    tolerance: Tolerance,
) -> Result<(), JvpCheckError> {
    let mut hv = [0.0; N];
    let value = hvp(x, v, &mut hv);
    let mut unused = [0.0; N];
    check_values(&[value], &[grad(x, &mut unused)], &tolerance)?;
    let gradient = |x: &[f32; N]| {
        let mut g = [0.0; N];
        grad(x, &mut g);
        g
    };
    check_directional(&gradient, &hv, x, v, &tolerance)
}

fn check_values(
    derivative: &[f32],
    function: &[f32],
    tolerance: &Tolerance,
) -> Result<(), JvpCheckError> {
    for (index, (&d, &f)) in derivative.iter().zip(function).enumerate() {
        let size = d.abs().max(f.abs());
        if (d - f).abs() > tolerance.abs + 4.0 * f32::EPSILON * size {
            return Err(JvpCheckError::Value {
                index,
                derivative: d,
                function: f,
            });
        }
    }
    Ok(())
}

/// `analytic` against `(f(x + h v) - f(x - h v)) / 2h`, with `gradcheck`'s allowance.
fn check_directional<const N: usize, const M: usize>(
    f: &impl Fn(&[f32; N]) -> [f32; M],
    analytic: &[f32; M],
    x: &[f32; N],
    v: &[f32; N],
    tolerance: &Tolerance,
) -> Result<(), JvpCheckError> {
    let scale = x.iter().fold(1.0f32, |m, x| m.max(x.abs()));
    let h = tolerance.step * scale / v.iter().fold(f32::MIN_POSITIVE, |m, v| m.max(v.abs()));
    let moved = |s: f32| f(&core::array::from_fn(|i| x[i] + s * v[i]));
    let (up, down) = (moved(h), moved(-h));
    let numeric: [f64; M] =
        core::array::from_fn(|i| (f64::from(up[i]) - f64::from(down[i])) / (2.0 * f64::from(h)));
    let largest = numeric.iter().fold(0.0f64, |m, n| m.max(n.abs()));
    for index in 0..M {
        let (a, n) = (f64::from(analytic[index]), numeric[index]);
        if !(a.is_finite() && n.is_finite()) {
            return Err(JvpCheckError::NonFinite);
        }
        let noise = f64::from(f32::EPSILON) * f64::from(up[index].abs().max(down[index].abs()))
            / f64::from(h);
        if (a - n).abs() > tolerance.allowed(a, n, noise, largest) {
            return Err(JvpCheckError::Tangent {
                index,
                analytic: a,
                numeric: n,
            });
        }
    }
    Ok(())
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| f64::from(*a) * f64::from(*b))
        .sum()
}

fn norm(a: &[f32]) -> f64 {
    dot(a, a).sqrt()
}
