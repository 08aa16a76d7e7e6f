//! Element-wise arithmetic on tensors of one shape: `a + b`, `a - b`, `a * b`, `s * x`.

use super::{map, zip_map};
use crate::tensor::Tensor;

/// `a + b`, element-wise.
#[inline]
pub fn add<T: Tensor>(a: &T, b: &T) -> T {
    zip_map(a, b, |a, b| a + b)
}

/// [`add`] and its vjp: `d_a += d_out`, `d_b += d_out`.
#[inline]
pub fn add_vjp<T: Tensor>(a: &T, d_a: &mut T, b: &T, d_b: &mut T, d_out: &T) -> T {
    for ((da, db), g) in d_a
        .flat_mut()
        .iter_mut()
        .zip(d_b.flat_mut())
        .zip(d_out.flat())
    {
        *da += g;
        *db += g;
    }
    add(a, b)
}

/// `a - b`, element-wise.
#[inline]
pub fn sub<T: Tensor>(a: &T, b: &T) -> T {
    zip_map(a, b, |a, b| a - b)
}

/// [`sub`] and its vjp: `d_a += d_out`, `d_b -= d_out`.
#[inline]
pub fn sub_vjp<T: Tensor>(a: &T, d_a: &mut T, b: &T, d_b: &mut T, d_out: &T) -> T {
    for ((da, db), g) in d_a
        .flat_mut()
        .iter_mut()
        .zip(d_b.flat_mut())
        .zip(d_out.flat())
    {
        *da += g;
        *db -= g;
    }
    sub(a, b)
}

/// `a * b`, element-wise (the Hadamard product).
#[inline]
pub fn mul<T: Tensor>(a: &T, b: &T) -> T {
    zip_map(a, b, |a, b| a * b)
}

/// [`mul`] and its vjp: `d_a += d_out * b`, `d_b += d_out * a`.
#[inline]
pub fn mul_vjp<T: Tensor>(a: &T, d_a: &mut T, b: &T, d_b: &mut T, d_out: &T) -> T {
    let grads = d_a
        .flat_mut()
        .iter_mut()
        .zip(d_b.flat_mut())
        .zip(d_out.flat());
    for (((da, db), g), (a, b)) in grads.zip(a.flat().iter().zip(b.flat())) {
        *da += g * b;
        *db += g * a;
    }
    mul(a, b)
}

/// `s * x`: every element of `x` times the scalar `s`.
#[inline]
pub fn scale<T: Tensor>(x: &T, s: f32) -> T {
    map(x, |x| s * x)
}

/// [`scale`] and its vjp: `d_x += s * d_out`; returns `(s * x, <x, d_out>)`, the second being
/// the gradient of `s`.
#[inline]
pub fn scale_vjp<T: Tensor>(x: &T, d_x: &mut T, s: f32, d_out: &T) -> (T, f32) {
    let mut d_s = 0.0;
    for ((dx, g), x) in d_x.flat_mut().iter_mut().zip(d_out.flat()).zip(x.flat()) {
        *dx += s * g;
        d_s += x * g;
    }
    (scale(x, s), d_s)
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
