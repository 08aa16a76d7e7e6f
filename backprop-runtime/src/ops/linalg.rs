//! Linear algebra: `dot`, `matvec`, `linear` (one sample), and the batched `matmul` and
//! `linear_batch` on a GEMM kernel.
//!
//! Matrices are nested arrays in PyTorch's layout: a weight `w: [[f32; IN]; OUT]` is
//! `nn.Linear(IN, OUT).weight`, and a batch `[[f32; IN]; B]` holds one sample per row.
//!
//! # Big shapes and the stack
//!
//! A batch of 64 MNIST images, `[[f32; 784]; 64]`, is 196 KiB, and test threads have 2 MiB
//! stacks. The by-value forms ([`matmul`], [`linear_batch`] and their vjps) return their
//! output on the stack, which suits small and medium shapes. For big ones, keep the arrays on
//! the heap ([`zeroed_box`]) and use the forms that write into caller buffers: [`matmul_into`]
//! and [`linear_batch_into`] for the forward pass, [`matmul_backward`] and
//! [`linear_batch_backward`] for the gradients (they skip the forward product that a `_vjp`
//! recomputes).

use super::gemm::{gemm, View};
use crate::differentiable;

/// `<a, b> = sum_i a_i b_i`.
#[differentiable(custom_fwd, jvp, jvpk)]
#[inline]
pub fn dot<const N: usize>(a: &[f32; N], b: &[f32; N]) -> f32 {
    // Eight running sums instead of one: float addition is not associative, so the compiler
    // may not reorder a single sum into SIMD lanes itself. Measured at N = 784: 64 ns
    // instead of 380 ns (and the rounding error grows more slowly, too).
    const LANES: usize = 8;
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(a, b)| a * b)
        .sum();
    let mut lanes = [0.0f32; LANES];
    for (x, y) in a_chunks.zip(b_chunks) {
        for l in 0..LANES {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// [`dot`] and its pullback: `d_a += d_out * b`, `d_b += d_out * a`.
#[inline]
pub fn dot_fwd<const N: usize>(
    a: &[f32; N],
    b: &[f32; N],
) -> (
    f32,
    impl FnOnce(&[f32; N], Option<&mut [f32; N]>, &[f32; N], Option<&mut [f32; N]>, f32),
) {
    (
        dot(a, b),
        |a: &[f32; N],
         d_a: Option<&mut [f32; N]>,
         b: &[f32; N],
         d_b: Option<&mut [f32; N]>,
         d_out: f32| {
            if let Some(d_a) = d_a {
                axpy(d_out, b, d_a);
            }
            if let Some(d_b) = d_b {
                axpy(d_out, a, d_b);
            }
        },
    )
}

/// `y += alpha x`.
/// [`dot`] and its tangent `<a_dot, b> + <a, b_dot>` (forward mode).
#[inline]
pub fn dot_jvp<const N: usize>(
    a: &[f32; N],
    a_dot: &[f32; N],
    b: &[f32; N],
    b_dot: &[f32; N],
) -> (f32, f32) {
    (dot(a, b), dot(a_dot, b) + dot(a, b_dot))
}

/// [`dot`] and `K` tangents `<a_dot, b> + <a, b_dot>` (forward mode).
#[inline]
pub fn dot_jvpk<const N: usize, const K: usize>(
    a: &[f32; N],
    a_dot: [&[f32; N]; K],
    b: &[f32; N],
    b_dot: [&[f32; N]; K],
) -> (f32, [f32; K]) {
    let tangents = core::array::from_fn(|k| dot(a_dot[k], b) + dot(a, b_dot[k]));
    (dot(a, b), tangents)
}

#[inline]
fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// `w x`: the matrix `w` (`OUT x IN`, PyTorch's `Linear` weight layout) times the vector `x`.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn matvec<const IN: usize, const OUT: usize>(
    w: &[[f32; IN]; OUT],
    x: &[f32; IN],
) -> [f32; OUT] {
    core::array::from_fn(|o| dot(&w[o], x))
}

/// [`matvec`] and its pullback: `d_w += d_out x^T` (an outer product), `d_x += w^T d_out`.
#[inline]
pub fn matvec_fwd<const IN: usize, const OUT: usize>(
    w: &[[f32; IN]; OUT],
    x: &[f32; IN],
) -> (
    [f32; OUT],
    impl FnOnce(
        &[[f32; IN]; OUT],
        Option<&mut [[f32; IN]; OUT]>,
        &[f32; IN],
        Option<&mut [f32; IN]>,
        &[f32; OUT],
    ),
) {
    (
        matvec(w, x),
        |w: &[[f32; IN]; OUT],
         d_w: Option<&mut [[f32; IN]; OUT]>,
         x: &[f32; IN],
         d_x: Option<&mut [f32; IN]>,
         d_out: &[f32; OUT]| {
            matvec_backward(w, d_w, x, d_x, d_out);
        },
    )
}

/// The gradients of [`matvec`] into the shadows given.
/// [`matvec`] and its tangent `w_dot x + w x_dot` (forward mode).
#[inline]
pub fn matvec_jvp<const IN: usize, const OUT: usize>(
    w: &[[f32; IN]; OUT],
    w_dot: &[[f32; IN]; OUT],
    x: &[f32; IN],
    x_dot: &[f32; IN],
) -> ([f32; OUT], [f32; OUT]) {
    let tangent = core::array::from_fn(|o| dot(&w_dot[o], x) + dot(&w[o], x_dot));
    (matvec(w, x), tangent)
}

#[inline]
fn matvec_backward<const IN: usize, const OUT: usize>(
    w: &[[f32; IN]; OUT],
    d_w: Option<&mut [[f32; IN]; OUT]>,
    x: &[f32; IN],
    d_x: Option<&mut [f32; IN]>,
    d_out: &[f32; OUT],
) {
    if let Some(d_w) = d_w {
        for (row, g) in d_w.iter_mut().zip(d_out) {
            axpy(*g, x, row);
        }
    }
    if let Some(d_x) = d_x {
        for (row, g) in w.iter().zip(d_out) {
            axpy(*g, row, d_x);
        }
    }
}

/// `w x + b` for one sample: PyTorch's `nn.Linear` forward.
#[differentiable(custom_fwd, jvp, jvpk)]
#[inline]
pub fn linear<const IN: usize, const OUT: usize>(
    x: &[f32; IN],
    w: &[[f32; IN]; OUT],
    b: &[f32; OUT],
) -> [f32; OUT] {
    core::array::from_fn(|o| dot(&w[o], x) + b[o])
}

/// [`linear`] and its pullback: `d_x += w^T d_out`, `d_w += d_out x^T`, `d_b += d_out`.
#[inline]
pub fn linear_fwd<const IN: usize, const OUT: usize>(
    x: &[f32; IN],
    w: &[[f32; IN]; OUT],
    b: &[f32; OUT],
) -> (
    [f32; OUT],
    impl FnOnce(
        &[f32; IN],
        Option<&mut [f32; IN]>,
        &[[f32; IN]; OUT],
        Option<&mut [[f32; IN]; OUT]>,
        &[f32; OUT],
        Option<&mut [f32; OUT]>,
        &[f32; OUT],
    ),
) {
    (
        linear(x, w, b),
        |x: &[f32; IN],
         d_x: Option<&mut [f32; IN]>,
         w: &[[f32; IN]; OUT],
         d_w: Option<&mut [[f32; IN]; OUT]>,
         _: &[f32; OUT],
         d_b: Option<&mut [f32; OUT]>,
         d_out: &[f32; OUT]| {
            if let Some(d_b) = d_b {
                axpy(1.0, d_out, d_b);
            }
            matvec_backward(w, d_w, x, d_x, d_out);
        },
    )
}

/// [`linear`] and its tangent `w_dot x + w x_dot + b_dot` (forward mode).
#[inline]
pub fn linear_jvp<const IN: usize, const OUT: usize>(
    x: &[f32; IN],
    x_dot: &[f32; IN],
    w: &[[f32; IN]; OUT],
    w_dot: &[[f32; IN]; OUT],
    b: &[f32; OUT],
    b_dot: &[f32; OUT],
) -> ([f32; OUT], [f32; OUT]) {
    let tangent = core::array::from_fn(|o| dot(&w_dot[o], x) + dot(&w[o], x_dot) + b_dot[o]);
    (linear(x, w, b), tangent)
}

/// [`linear`] and `K` tangents `w_dot x + w x_dot + b_dot` (forward mode): the product `w x`
/// once, then two products per lane.
#[inline]
#[allow(clippy::type_complexity)]
pub fn linear_jvpk<const IN: usize, const OUT: usize, const K: usize>(
    x: &[f32; IN],
    x_dot: [&[f32; IN]; K],
    w: &[[f32; IN]; OUT],
    w_dot: [&[[f32; IN]; OUT]; K],
    b: &[f32; OUT],
    b_dot: [&[f32; OUT]; K],
) -> ([f32; OUT], [[f32; OUT]; K]) {
    let tangents = core::array::from_fn(|k| {
        core::array::from_fn(|o| dot(&w_dot[k][o], x) + dot(&w[o], x_dot[k]) + b_dot[k][o])
    });
    (linear(x, w, b), tangents)
}

/// `a b`: the matrix product of `a` (`M x K`) and `b` (`K x N`), on the GEMM kernel.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn matmul<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
) -> [[f32; N]; M] {
    let mut out = [[0.0; N]; M];
    matmul_into(a, b, &mut out);
    out
}

/// [`matmul`] written into `out` (overwritten), for shapes too big for the stack.
#[inline]
pub fn matmul_into<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
    out: &mut [[f32; N]; M],
) {
    gemm(View::of(a), View::of(b), out.as_flattened_mut(), false);
}

/// The gradients of [`matmul`] without its value, each only if its shadow is given:
/// `d_a += d_out b^T`, `d_b += a^T d_out`.
#[inline]
pub fn matmul_backward<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    d_a: Option<&mut [[f32; K]; M]>,
    b: &[[f32; N]; K],
    d_b: Option<&mut [[f32; N]; K]>,
    d_out: &[[f32; N]; M],
) {
    if let Some(d_a) = d_a {
        gemm(
            View::of(d_out),
            View::of(b).t(),
            d_a.as_flattened_mut(),
            true,
        );
    }
    if let Some(d_b) = d_b {
        gemm(
            View::of(a).t(),
            View::of(d_out),
            d_b.as_flattened_mut(),
            true,
        );
    }
}

/// [`matmul`] and its pullback (see [`matmul_backward`]).
#[inline]
pub fn matmul_fwd<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
) -> (
    [[f32; N]; M],
    impl FnOnce(
        &[[f32; K]; M],
        Option<&mut [[f32; K]; M]>,
        &[[f32; N]; K],
        Option<&mut [[f32; N]; K]>,
        &[[f32; N]; M],
    ),
) {
    (matmul(a, b), matmul_backward)
}

/// [`matmul`] and its tangent `a_dot b + a b_dot` (forward mode), two more products.
#[inline]
pub fn matmul_jvp<const M: usize, const K: usize, const N: usize>(
    a: &[[f32; K]; M],
    a_dot: &[[f32; K]; M],
    b: &[[f32; N]; K],
    b_dot: &[[f32; N]; K],
) -> ([[f32; N]; M], [[f32; N]; M]) {
    let mut tangent = matmul(a_dot, b);
    gemm(
        View::of(a),
        View::of(b_dot),
        tangent.as_flattened_mut(),
        true,
    );
    (matmul(a, b), tangent)
}

/// `x w^T + b` for a batch `x` of `B` samples: `nn.Linear(IN, OUT)` on a `[B, IN]` input.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn linear_batch<const B: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; B],
    w: &[[f32; IN]; OUT],
    b: &[f32; OUT],
) -> [[f32; OUT]; B] {
    let mut out = [[0.0; OUT]; B];
    linear_batch_into(x, w, b, &mut out);
    out
}

/// [`linear_batch`] written into `out` (overwritten), for shapes too big for the stack.
#[inline]
pub fn linear_batch_into<const B: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; B],
    w: &[[f32; IN]; OUT],
    b: &[f32; OUT],
    out: &mut [[f32; OUT]; B],
) {
    linear_rows(x, w, b, out.as_flattened_mut());
}

/// The gradients of [`linear_batch`] without its value, each only if its shadow is given:
/// `d_x += d_out w`, `d_w += d_out^T x`, and `d_b +=` the column sums of `d_out`. With the
/// input's shadow `None` (a network's first layer), this is two products of the three.
#[inline]
pub fn linear_batch_backward<const B: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; B],
    d_x: Option<&mut [[f32; IN]; B]>,
    w: &[[f32; IN]; OUT],
    d_w: Option<&mut [[f32; IN]; OUT]>,
    d_b: Option<&mut [f32; OUT]>,
    d_out: &[[f32; OUT]; B],
) {
    linear_rows_backward(
        x,
        d_x.map(|d| &mut d[..]),
        w,
        d_w.map(|d| &mut d[..]),
        d_b.map(|d| &mut d[..]),
        d_out.as_flattened(),
    );
}

/// [`linear_batch_into`] on slices, for the layers whose row counts and stacked weights are
/// not array types of their const generics (`B * T` rows of a sequence, the `3 * E` rows of
/// attention's `in_proj_weight`): `x` is `R` rows, `w` `N` rows (`b` their `N` biases) and
/// `out` `R x N`, overwritten.
#[inline]
pub(crate) fn linear_rows<const IN: usize>(
    x: &[[f32; IN]],
    w: &[[f32; IN]],
    b: &[f32],
    out: &mut [f32],
) {
    for row in out.chunks_exact_mut(b.len().max(1)) {
        row.copy_from_slice(b);
    }
    gemm(View::of(x), View::of(w).t(), out, true);
}

/// The tangent of [`linear_rows`] (forward mode): `out_dot = x_dot wᵀ + x w_dotᵀ + b_dot`,
/// two products, in its layout.
#[inline]
pub(crate) fn linear_rows_tangent<const IN: usize>(
    x: &[[f32; IN]],
    x_dot: &[[f32; IN]],
    w: &[[f32; IN]],
    w_dot: &[[f32; IN]],
    b_dot: &[f32],
    out_dot: &mut [f32],
) {
    linear_rows(x_dot, w, b_dot, out_dot);
    gemm(View::of(x), View::of(w_dot).t(), out_dot, true);
}

/// [`linear_batch_backward`] on slices, in the layout of [`linear_rows`] (`d_out` is
/// `R x N`).
#[inline]
pub(crate) fn linear_rows_backward<const IN: usize>(
    x: &[[f32; IN]],
    d_x: Option<&mut [[f32; IN]]>,
    w: &[[f32; IN]],
    d_w: Option<&mut [[f32; IN]]>,
    d_b: Option<&mut [f32]>,
    d_out: &[f32],
) {
    let d_out_rows = View::row_major(d_out, x.len(), w.len());
    if let Some(d_x) = d_x {
        gemm(d_out_rows, View::of(w), d_x.as_flattened_mut(), true);
    }
    if let Some(d_w) = d_w {
        gemm(d_out_rows.t(), View::of(x), d_w.as_flattened_mut(), true);
    }
    if let Some(d_b) = d_b {
        for row in d_out.chunks_exact(w.len().max(1)) {
            axpy(1.0, row, d_b);
        }
    }
}

/// [`linear_batch`] and its pullback (see [`linear_batch_backward`]).
#[inline]
pub fn linear_batch_fwd<const B: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; B],
    w: &[[f32; IN]; OUT],
    b: &[f32; OUT],
) -> (
    [[f32; OUT]; B],
    impl FnOnce(
        &[[f32; IN]; B],
        Option<&mut [[f32; IN]; B]>,
        &[[f32; IN]; OUT],
        Option<&mut [[f32; IN]; OUT]>,
        &[f32; OUT],
        Option<&mut [f32; OUT]>,
        &[[f32; OUT]; B],
    ),
) {
    (
        linear_batch(x, w, b),
        |x: &[[f32; IN]; B],
         d_x: Option<&mut [[f32; IN]; B]>,
         w: &[[f32; IN]; OUT],
         d_w: Option<&mut [[f32; IN]; OUT]>,
         _: &[f32; OUT],
         d_b: Option<&mut [f32; OUT]>,
         d_out: &[[f32; OUT]; B]| {
            linear_batch_backward(x, d_x, w, d_w, d_b, d_out);
        },
    )
}

/// [`linear_batch`] and its tangent `x_dot w^T + x w_dot^T + b_dot` (forward mode).
#[inline]
pub fn linear_batch_jvp<const B: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; B],
    x_dot: &[[f32; IN]; B],
    w: &[[f32; IN]; OUT],
    w_dot: &[[f32; IN]; OUT],
    b: &[f32; OUT],
    b_dot: &[f32; OUT],
) -> ([[f32; OUT]; B], [[f32; OUT]; B]) {
    let mut tangent = linear_batch(x_dot, w, b_dot);
    gemm(
        View::of(x),
        View::of(w_dot).t(),
        tangent.as_flattened_mut(),
        true,
    );
    (linear_batch(x, w, b), tangent)
}

/// A zeroed `[T; N]` on the heap, built without passing through the stack (only one `T` ever
/// is): `zeroed_box::<[f32; 784], 64>()` is a batch of 64 MNIST images.
#[cfg(feature = "std")]
pub fn zeroed_box<T: crate::tensor::Zero + Clone, const N: usize>() -> Box<[T; N]> {
    let boxed: Box<[T]> = vec![T::zero(); N].into_boxed_slice();
    match boxed.try_into() {
        Ok(array) => array,
        Err(_) => unreachable!("a vec of N elements converts to [T; N]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{check_vjp, rand};
    use crate::tensor::Zero;

    #[test]
    fn values_by_hand() {
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, -5.0, 6.0]), 12.0);
        // Past one chunk of lanes, with a tail: sum_{i<19} i * 2 = 342.
        let ramp: [f32; 19] = core::array::from_fn(|i| i as f32);
        assert_eq!(dot(&ramp, &[2.0; 19]), 342.0);
        let w = [[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]];
        assert_eq!(matvec(&w, &[1.0, 1.0]), [3.0, 7.0, -1.0]);
        assert_eq!(linear(&[1.0, 1.0], &w, &[0.5, 0.0, 1.0]), [3.5, 7.0, 0.0]);
        assert_eq!(matmul(&[[1.0, 2.0]], &[[3.0], [4.0]]), [[11.0]]);
        let batch = linear_batch(&[[1.0, 1.0], [2.0, 0.0]], &w, &[0.5, 0.0, 1.0]);
        assert_eq!(batch, [[3.5, 7.0, 0.0], [2.5, 6.0, 1.0]]);
    }

    #[test]
    fn dot_and_matvec_vjps_match_finite_differences() {
        let (a, b): ([f32; 6], [f32; 6]) = (rand(1), rand(2));
        check_vjp(
            |a| dot(a, &b),
            |a, d, u: &f32| dot_vjp(a, d, &b, &mut [0.0; 6], *u),
            &a,
            1e-2,
        );
        check_vjp(
            |b| dot(&a, b),
            |b, d, u: &f32| dot_vjp(&a, &mut [0.0; 6], b, d, *u),
            &b,
            1e-2,
        );

        let (w, x): ([[f32; 6]; 4], [f32; 6]) = (rand(3), rand(4));
        check_vjp(
            |w| matvec(w, &x),
            |w, d, u| matvec_vjp(w, d, &x, &mut [0.0; 6], u),
            &w,
            1e-2,
        );
        check_vjp(
            |x| matvec(&w, x),
            |x, d, u| matvec_vjp(&w, &mut Zero::zero(), x, d, u),
            &x,
            1e-2,
        );
    }

    #[test]
    fn linear_vjp_matches_finite_differences() {
        let (x, w, b): ([f32; 5], [[f32; 5]; 3], [f32; 3]) = (rand(1), rand(2), rand(3));
        let z = <[[f32; 5]; 3]>::zero;
        check_vjp(
            |x| linear(x, &w, &b),
            |x, d, u| linear_vjp(x, d, &w, &mut z(), &b, &mut [0.0; 3], u),
            &x,
            1e-2,
        );
        check_vjp(
            |w| linear(&x, w, &b),
            |w, d, u| linear_vjp(&x, &mut [0.0; 5], w, d, &b, &mut [0.0; 3], u),
            &w,
            1e-2,
        );
        check_vjp(
            |b| linear(&x, &w, b),
            |b, d, u| linear_vjp(&x, &mut [0.0; 5], &w, &mut z(), b, d, u),
            &b,
            1e-2,
        );
    }

    #[test]
    fn matmul_vjp_matches_finite_differences() {
        type A = [[f32; 5]; 3];
        type B = [[f32; 4]; 5];
        let (a, b): (A, B) = (rand(1), rand(2));
        check_vjp(
            |a| matmul(a, &b),
            |a, d, u| matmul_vjp(a, d, &b, &mut B::zero(), u),
            &a,
            1e-2,
        );
        check_vjp(
            |b| matmul(&a, b),
            |b, d, u| matmul_vjp(&a, &mut A::zero(), b, d, u),
            &b,
            1e-2,
        );
    }

    #[test]
    fn linear_batch_vjp_matches_finite_differences() {
        type X = [[f32; 7]; 4];
        type W = [[f32; 7]; 3];
        let (x, w, b): (X, W, [f32; 3]) = (rand(1), rand(2), rand(3));
        let vjp =
            |x: &X, d_x: &mut X, w: &W, d_w: &mut W, b: &[f32; 3], d_b: &mut [f32; 3], u: &_| {
                linear_batch_vjp(x, d_x, w, d_w, b, d_b, u)
            };
        check_vjp(
            |x| linear_batch(x, &w, &b),
            |x, d, u| vjp(x, d, &w, &mut W::zero(), &b, &mut [0.0; 3], u),
            &x,
            1e-2,
        );
        check_vjp(
            |w| linear_batch(&x, w, &b),
            |w, d, u| vjp(&x, &mut X::zero(), w, d, &b, &mut [0.0; 3], u),
            &w,
            1e-2,
        );
        check_vjp(
            |b| linear_batch(&x, &w, b),
            |b, d, u| vjp(&x, &mut X::zero(), &w, &mut W::zero(), b, d, u),
            &b,
            1e-2,
        );
    }

    /// The shape of the benchmark, on the heap: the GEMM path against sums in `f64`.
    #[test]
    fn mnist_sized_batch_on_the_heap() {
        const B: usize = 64;
        const IN: usize = 784;
        const OUT: usize = 128;
        let mut x = zeroed_box::<[f32; IN], B>();
        let mut w = zeroed_box::<[f32; IN], OUT>();
        fill(&mut x[..], 1);
        fill(&mut w[..], 2);
        let b: [f32; OUT] = rand(3);
        let d_out: [[f32; OUT]; B] = rand(4);
        let mut out = zeroed_box::<[f32; OUT], B>();
        let (mut d_x, mut d_w, mut d_b) = (
            zeroed_box::<[f32; IN], B>(),
            zeroed_box::<[f32; IN], OUT>(),
            [0.0; OUT],
        );
        linear_batch_into(&x, &w, &b, &mut out);
        linear_batch_backward(
            &x,
            Some(&mut d_x),
            &w,
            Some(&mut d_w),
            Some(&mut d_b),
            &d_out,
        );

        let close = |got: f32, want: f64| (f64::from(got) - want).abs() < 1e-4 * (1.0 + want.abs());
        for (r, o) in [(0, 0), (17, 99), (63, 127), (40, 3)] {
            let want: f64 = (0..IN)
                .map(|i| f64::from(x[r][i]) * f64::from(w[o][i]))
                .sum::<f64>()
                + f64::from(b[o]);
            assert!(close(out[r][o], want), "out[{r}][{o}]");
        }
        for (r, i) in [(0, 0), (5, 783), (63, 400)] {
            let want: f64 = (0..OUT)
                .map(|o| f64::from(d_out[r][o]) * f64::from(w[o][i]))
                .sum();
            assert!(close(d_x[r][i], want), "d_x[{r}][{i}]");
        }
        for (o, i) in [(0, 0), (127, 783), (64, 1)] {
            let want: f64 = (0..B)
                .map(|r| f64::from(d_out[r][o]) * f64::from(x[r][i]))
                .sum();
            assert!(close(d_w[o][i], want), "d_w[{o}][{i}]");
        }
        let want: f64 = (0..B).map(|r| f64::from(d_out[r][5])).sum();
        assert!(close(d_b[5], want));
    }

    /// Fills a matrix in place, row by row, so a heap matrix never passes through the stack.
    fn fill<const C: usize>(m: &mut [[f32; C]], seed: u64) {
        for (r, row) in m.iter_mut().enumerate() {
            *row = rand(seed * 1000 + r as u64);
        }
    }
}
