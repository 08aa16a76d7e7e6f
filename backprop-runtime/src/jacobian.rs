//! Jacobians and Hessians from the generated derivatives: `jacobian` by forward or reverse mode,
//! whichever takes fewer passes, and `hessian` from Hessian-vector products, column by column.
//!
//! Functions of an array `&[f32; N]` take the generated functions directly: the K-tangent
//! form `f_jvpk(x, [x_dot; K]) -> (y, [y_dot; K])` (with `#[differentiable(jvp)]`), `f_vjp(x, d_x, d_out) -> y` and, for a
//! scalar `f` with `#[differentiable(hvp)]`, `f_hvp(x, x_dot, d_x) -> f32`. Any other signature is a closure away. Nothing is allocated:
//! the results are arrays on the stack.
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::differentiable;
//! use backprop::jacobian::{hessian, jacobian_fwd};
//!
//! #[differentiable(hvp)]
//! fn f(x: &[f32; 2]) -> f32 {
//!     x[0] * x[0] * x[1]
//! }
//!
//! #[differentiable(jvp)]
//! fn polar(p: &[f32; 2]) -> [f32; 2] {
//!     let mut xy = [0.0; 2];
//!     xy[0] = p[0] * p[1].cos();
//!     xy[1] = p[0] * p[1].sin();
//!     xy
//! }
//!
//! let h = hessian(f_hvp, &[3.0, 2.0]);
//! assert_eq!(h, [[4.0, 6.0], [6.0, 0.0]]);
//! let j = jacobian_fwd(polar_jvpk, &[2.0, 0.0]);
//! assert_eq!(j, [[1.0, 0.0], [0.0, 2.0]]);
//! ```

/// The Jacobian `J[i][j] = dy_i / dx_j` by forward mode, in one pass: the K-tangent form
/// `f_jvpk` with `K = N` lanes, lane `j` the unit vector `e_j` (its tangent is column `j`), so
/// the value and every partial are computed once for all columns. Cheaper than
/// [`jacobian_rev`] when `N <= M`.
pub fn jacobian_fwd<const N: usize, const M: usize>(
    jvpk: impl Fn(&[f32; N], [&[f32; N]; N]) -> ([f32; M], [[f32; M]; N]),
    x: &[f32; N],
) -> [[f32; N]; M] {
    let units: [[f32; N]; N] = core::array::from_fn(unit);
    let (_, columns) = jvpk(x, core::array::from_fn(|j| &units[j]));
    core::array::from_fn(|i| core::array::from_fn(|j| columns[j][i]))
}

/// The Jacobian by reverse mode: one `vjp` per output (row `i` is the gradient of `y_i`).
/// Cheaper than [`jacobian_fwd`] when `M < N`.
pub fn jacobian_rev<const N: usize, const M: usize>(
    vjp: impl Fn(&[f32; N], &mut [f32; N], &[f32; M]) -> [f32; M],
    x: &[f32; N],
) -> [[f32; N]; M] {
    core::array::from_fn(|row| {
        let mut d_x = [0.0; N];
        vjp(x, &mut d_x, &unit(row));
        d_x
    })
}

/// The Jacobian by whichever mode is cheaper: forward for `N <= M` (one K-form pass with `N`
/// lanes), reverse otherwise (`M` vjps).
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::differentiable;
///
/// #[differentiable(jvp)]
/// fn spread(x: &[f32; 1]) -> [f32; 3] {
///     let mut y = [0.0; 3];
///     for i in 0..3 {
///         y[i] = (i as f32 + 1.0) * x[0];
///     }
///     y
/// }
///
/// let j = backprop::jacobian::jacobian(spread_jvpk, spread_vjp, &[5.0]);
/// assert_eq!(j, [[1.0], [2.0], [3.0]]);
/// ```
pub fn jacobian<const N: usize, const M: usize>(
    jvpk: impl Fn(&[f32; N], [&[f32; N]; N]) -> ([f32; M], [[f32; M]; N]),
    vjp: impl Fn(&[f32; N], &mut [f32; N], &[f32; M]) -> [f32; M],
    x: &[f32; N],
) -> [[f32; N]; M] {
    if N <= M {
        jacobian_fwd(jvpk, x)
    } else {
        jacobian_rev(vjp, x)
    }
}

/// The Hessian of a scalar function from `N` Hessian-vector products, column `j` being
/// `H e_j`: no symbolic second derivatives, so the code stays the size of one `_hvp`.
pub fn hessian<const N: usize>(
    hvp: impl Fn(&[f32; N], &[f32; N], &mut [f32; N]) -> f32,
    x: &[f32; N],
) -> [[f32; N]; N] {
    let mut h = [[0.0; N]; N];
    for col in 0..N {
        let mut column = [0.0; N];
        hvp(x, &unit(col), &mut column);
        for (row, d) in h.iter_mut().zip(column) {
            row[col] = d;
        }
    }
    h
}

/// The unit vector `e_k`.
fn unit<const N: usize>(k: usize) -> [f32; N] {
    let mut e = [0.0; N];
    e[k] = 1.0;
    e
}
