//! Element-wise arithmetic on tensors of one shape: `a + b`, `a - b`, `a * b`, `s * x`.

use super::{add_into, map, zip_map};
use crate::differentiable;
use crate::tensor::Tensor;

/// `a + b`, element-wise.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn add<T: Tensor>(a: &T, b: &T) -> T {
    zip_map(a, b, |a, b| a + b)
}

/// [`add`] and its pullback: `d_a += d_out`, `d_b += d_out`.
#[inline]
pub fn add_fwd<T: Tensor>(
    a: &T,
    b: &T,
) -> (T, impl FnOnce(&T, Option<&mut T>, &T, Option<&mut T>, &T)) {
    (
        add(a, b),
        |_: &T, d_a: Option<&mut T>, _: &T, d_b: Option<&mut T>, d_out: &T| {
            add_into(d_a, d_out, d_out, |u, _| u);
            add_into(d_b, d_out, d_out, |u, _| u);
        },
    )
}

/// [`add`] and its tangent `a_dot + b_dot` (forward mode).
#[inline]
pub fn add_jvp<T: Tensor>(a: &T, a_dot: &T, b: &T, b_dot: &T) -> (T, T) {
    (add(a, b), add(a_dot, b_dot))
}

/// `a - b`, element-wise.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn sub<T: Tensor>(a: &T, b: &T) -> T {
    zip_map(a, b, |a, b| a - b)
}

/// [`sub`] and its pullback: `d_a += d_out`, `d_b -= d_out`.
#[inline]
pub fn sub_fwd<T: Tensor>(
    a: &T,
    b: &T,
) -> (T, impl FnOnce(&T, Option<&mut T>, &T, Option<&mut T>, &T)) {
    (
        sub(a, b),
        |_: &T, d_a: Option<&mut T>, _: &T, d_b: Option<&mut T>, d_out: &T| {
            add_into(d_a, d_out, d_out, |u, _| u);
            add_into(d_b, d_out, d_out, |u, _| -u);
        },
    )
}

/// [`sub`] and its tangent `a_dot - b_dot` (forward mode).
#[inline]
pub fn sub_jvp<T: Tensor>(a: &T, a_dot: &T, b: &T, b_dot: &T) -> (T, T) {
    (sub(a, b), sub(a_dot, b_dot))
}

/// `a * b`, element-wise (the Hadamard product).
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn mul<T: Tensor>(a: &T, b: &T) -> T {
    zip_map(a, b, |a, b| a * b)
}

/// [`mul`] and its pullback: `d_a += d_out * b`, `d_b += d_out * a`.
#[inline]
pub fn mul_fwd<T: Tensor>(
    a: &T,
    b: &T,
) -> (T, impl FnOnce(&T, Option<&mut T>, &T, Option<&mut T>, &T)) {
    (
        mul(a, b),
        |a: &T, d_a: Option<&mut T>, b: &T, d_b: Option<&mut T>, d_out: &T| {
            add_into(d_a, d_out, b, |u, b| u * b);
            add_into(d_b, d_out, a, |u, a| u * a);
        },
    )
}

/// [`mul`] and its tangent `a_dot * b + a * b_dot` (forward mode).
#[inline]
pub fn mul_jvp<T: Tensor>(a: &T, a_dot: &T, b: &T, b_dot: &T) -> (T, T) {
    let mut tangent = mul(a_dot, b);
    add_into(Some(&mut tangent), a, b_dot, |a, b_dot| a * b_dot);
    (mul(a, b), tangent)
}

/// `s * x`: every element of `x` times the scalar `s`.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn scale<T: Tensor>(x: &T, s: f32) -> T {
    map(x, |x| s * x)
}

/// [`scale`] and its pullback: `d_x += s * d_out`; it returns `<x, d_out>`, the gradient of
/// `s`.
#[inline]
pub fn scale_fwd<T: Tensor>(x: &T, s: f32) -> (T, impl FnOnce(&T, Option<&mut T>, f32, &T) -> f32) {
    (
        scale(x, s),
        |x: &T, d_x: Option<&mut T>, s: f32, d_out: &T| {
            add_into(d_x, d_out, d_out, |u, _| s * u);
            x.flat().iter().zip(d_out.flat()).map(|(x, u)| x * u).sum()
        },
    )
}

/// [`scale`] and its tangent `s * x_dot + s_dot * x` (forward mode).
#[inline]
pub fn scale_jvp<T: Tensor>(x: &T, x_dot: &T, s: f32, s_dot: f32) -> (T, T) {
    (
        scale(x, s),
        zip_map(x, x_dot, |x, x_dot| s * x_dot + s_dot * x),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{check_vjp, rand};
    use crate::tensor::Zero;

    type M = [[f32; 4]; 3];

    #[test]
    fn values_by_hand() {
        let (a, b) = ([1.0, 2.0], [0.5, -4.0]);
        assert_eq!(add(&a, &b), [1.5, -2.0]);
        assert_eq!(sub(&a, &b), [0.5, 6.0]);
        assert_eq!(mul(&a, &b), [0.5, -8.0]);
        assert_eq!(scale(&a, -2.0), [-2.0, -4.0]);
        assert_eq!(add(&[[1.0f32], [2.0]], &[[3.0], [4.0]]), [[4.0], [6.0]]);
    }

    #[test]
    fn binary_vjps_match_finite_differences() {
        let (a, b): (M, M) = (rand(1), rand(2));
        type F = fn(&M, &M) -> M;
        type Vjp = fn(&M, &mut M, &M, &mut M, &M) -> M;
        let ops: [(F, Vjp); 3] = [(add, add_vjp), (sub, sub_vjp), (mul, mul_vjp)];
        for (f, f_vjp) in ops {
            check_vjp(
                |a| f(a, &b),
                |a, d_a, u| f_vjp(a, d_a, &b, &mut M::zero(), u),
                &a,
                1e-2,
            );
            check_vjp(
                |b| f(&a, b),
                |b, d_b, u| f_vjp(&a, &mut M::zero(), b, d_b, u),
                &b,
                1e-2,
            );
        }
    }

    #[test]
    fn scale_vjp_matches_finite_differences() {
        let x: M = rand(3);
        let s = 0.7;
        check_vjp(
            |x| scale(x, s),
            |x, d_x, u| scale_vjp(x, d_x, s, u).0,
            &x,
            1e-2,
        );
        let d_s = |s: &f32, d_s: &mut f32, u: &M| {
            let (y, g) = scale_vjp(&x, &mut M::zero(), *s, u);
            *d_s += g;
            y
        };
        check_vjp(|s: &f32| scale(&x, *s), d_s, &s, 1e-2);
    }
}
