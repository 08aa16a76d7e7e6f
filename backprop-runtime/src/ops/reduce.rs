//! Reductions of a whole tensor to a scalar: `sum`, `mean`.

use crate::differentiable;
use crate::tensor::Tensor;

/// The sum of every element of `x`.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn sum<T: Tensor>(x: &T) -> f32 {
    x.flat().iter().sum()
}

/// [`sum`] and its pullback: every element of `d_x` gets `d_out`.
#[inline]
pub fn sum_fwd<T: Tensor>(x: &T) -> (f32, impl FnOnce(&T, Option<&mut T>, f32)) {
    (sum(x), |_: &T, d_x: Option<&mut T>, d_out: f32| {
        fill_into(d_x, d_out)
    })
}

/// [`sum`] and its tangent, the sum of `x_dot` (forward mode).
#[inline]
pub fn sum_jvp<T: Tensor>(x: &T, x_dot: &T) -> (f32, f32) {
    (sum(x), sum(x_dot))
}

/// The mean of every element of `x` (NaN for an empty tensor, as in PyTorch).
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn mean<T: Tensor>(x: &T) -> f32 {
    sum(x) / T::LEN as f32
}

/// [`mean`] and its pullback: every element of `d_x` gets `d_out / len`.
#[inline]
pub fn mean_fwd<T: Tensor>(x: &T) -> (f32, impl FnOnce(&T, Option<&mut T>, f32)) {
    (mean(x), |_: &T, d_x: Option<&mut T>, d_out: f32| {
        fill_into(d_x, d_out / T::LEN as f32)
    })
}

/// [`mean`] and its tangent, the mean of `x_dot` (forward mode).
#[inline]
pub fn mean_jvp<T: Tensor>(x: &T, x_dot: &T) -> (f32, f32) {
    (mean(x), mean(x_dot))
}

/// `d += g` for every element of an optional shadow.
#[inline]
fn fill_into<T: Tensor>(d: Option<&mut T>, g: f32) {
    if let Some(d) = d {
        for d in d.flat_mut() {
            *d += g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{check_vjp, rand};

    #[test]
    fn values_by_hand() {
        let x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        assert_eq!(sum(&x), 21.0);
        assert_eq!(mean(&x), 3.5);
        assert!(mean(&[0.0f32; 0]).is_nan());
    }

    #[test]
    fn vjps_match_finite_differences() {
        let x: [[f32; 3]; 4] = rand(1);
        check_vjp(sum, |x, d_x, u: &f32| sum_vjp(x, d_x, *u), &x, 1e-2);
        check_vjp(mean, |x, d_x, u: &f32| mean_vjp(x, d_x, *u), &x, 1e-2);
    }
}
