//! Activations, element-wise on any tensor (`[f32; N]`, a batch `[[f32; N]; B]`, ...), with
//! their scalar forms in [`scalar`].
//!
//! Each derivative is written once, in [`scalar`], and the tensor forms map it over the
//! elements. Derivatives reuse the forward value where the maths allows (sigmoid, tanh).

use super::{add_into, map, zip_map};
use crate::differentiable;
use crate::tensor::Tensor;

/// Scalar forms: `f(x: f32, ...) -> f32` and `f_vjp(x, ..., d_out) -> (f32, d_x, ...)`.
pub mod scalar {
    use crate::{differentiable, math};
    use core::f32::consts::{FRAC_1_SQRT_2, PI};

    /// `max(x, 0)` (NaN stays NaN, as in PyTorch).
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn relu(x: f32) -> f32 {
        if x <= 0.0 {
            0.0
        } else {
            x
        }
    }

    /// [`relu`] and its derivative times `d_out`; `relu'(0) = 0`, as in PyTorch.
    #[inline]
    pub fn relu_vjp(x: f32, d_out: f32) -> (f32, f32) {
        (relu(x), if x <= 0.0 { 0.0 } else { d_out })
    }

    /// `x` for `x > 0`, else `slope * x` (PyTorch's `negative_slope`).
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn leaky_relu(x: f32, slope: f32) -> f32 {
        if x > 0.0 {
            x
        } else {
            slope * x
        }
    }

    /// [`leaky_relu`] and the gradients of `x` and `slope`; at `x = 0` the slope side is taken,
    /// as in PyTorch.
    #[inline]
    pub fn leaky_relu_vjp(x: f32, slope: f32, d_out: f32) -> (f32, f32, f32) {
        if x > 0.0 {
            (x, d_out, 0.0)
        } else {
            (slope * x, slope * d_out, x * d_out)
        }
    }

    /// `1 / (1 + e^-x)`, never exponentiating a positive number, so it cannot overflow.
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn sigmoid(x: f32) -> f32 {
        if x >= 0.0 {
            1.0 / (1.0 + math::exp(-x))
        } else {
            let e = math::exp(x);
            e / (1.0 + e)
        }
    }

    /// [`sigmoid`] and its derivative `s (1 - s)` times `d_out`.
    #[inline]
    pub fn sigmoid_vjp(x: f32, d_out: f32) -> (f32, f32) {
        let s = sigmoid(x);
        (s, s * (1.0 - s) * d_out)
    }

    /// The hyperbolic tangent.
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn tanh(x: f32) -> f32 {
        math::tanh(x)
    }

    /// [`tanh`] and its derivative `1 - t^2` times `d_out`.
    #[inline]
    pub fn tanh_vjp(x: f32, d_out: f32) -> (f32, f32) {
        let t = tanh(x);
        (t, (1.0 - t * t) * d_out)
    }

    /// `ln(1 + e^x)`, as `max(x, 0) + ln(1 + e^-|x|)` so large `|x|` neither overflows nor
    /// loses the small term.
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn softplus(x: f32) -> f32 {
        relu(x) + math::ln_1p(math::exp(-math::abs(x)))
    }

    /// [`softplus`] and its derivative `sigmoid(x)` times `d_out`.
    #[inline]
    pub fn softplus_vjp(x: f32, d_out: f32) -> (f32, f32) {
        (softplus(x), sigmoid(x) * d_out)
    }

    /// SiLU (swish), `x sigmoid(x)`.
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn silu(x: f32) -> f32 {
        x * sigmoid(x)
    }

    /// [`silu`] and its derivative `s (1 + x (1 - s))` times `d_out`, `s = sigmoid(x)`.
    #[inline]
    pub fn silu_vjp(x: f32, d_out: f32) -> (f32, f32) {
        let s = sigmoid(x);
        (x * s, s * (1.0 + x * (1.0 - s)) * d_out)
    }

    /// The standard normal CDF `Phi(x) = erfc(-x / sqrt 2) / 2` (`erfc` keeps the left tail
    /// accurate where `1 + erf` would cancel).
    #[inline]
    fn normal_cdf(x: f32) -> f32 {
        0.5 * libm::erfcf(-x * FRAC_1_SQRT_2)
    }

    /// GELU in PyTorch's default (exact, erf) form: `x Phi(x)`.
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn gelu(x: f32) -> f32 {
        x * normal_cdf(x)
    }

    /// [`gelu`] and its derivative `Phi(x) + x phi(x)` times `d_out`.
    #[inline]
    pub fn gelu_vjp(x: f32, d_out: f32) -> (f32, f32) {
        let cdf = normal_cdf(x);
        let pdf = math::exp(-0.5 * x * x) / math::sqrt(2.0 * PI);
        (x * cdf, (cdf + x * pdf) * d_out)
    }

    /// The forward-mode derivatives of the one-input activations: a function of one variable
    /// has a 1x1 Jacobian, so its tangent is its vjp with the cotangent `x_dot`.
    macro_rules! jvp_of_one_variable {
        ($($jvp:ident = $vjp:ident),*) => {$(
            #[doc = concat!("The value and its tangent (forward mode): [`", stringify!($vjp), "`] with `x_dot` as the cotangent.")]
            #[inline]
            pub fn $jvp(x: f32, x_dot: f32) -> (f32, f32) {
                $vjp(x, x_dot)
            }
        )*};
    }

    jvp_of_one_variable!(
        relu_jvp = relu_vjp,
        sigmoid_jvp = sigmoid_vjp,
        tanh_jvp = tanh_vjp,
        softplus_jvp = softplus_vjp,
        gelu_jvp = gelu_vjp,
        silu_jvp = silu_vjp
    );

    /// [`leaky_relu`] and its tangent `d/dx x_dot + d/dslope slope_dot` (forward mode).
    #[inline]
    pub fn leaky_relu_jvp(x: f32, x_dot: f32, slope: f32, slope_dot: f32) -> (f32, f32) {
        let (y, d_x, d_slope) = leaky_relu_vjp(x, slope, 1.0);
        (y, d_x * x_dot + d_slope * slope_dot)
    }
}

macro_rules! unary_activation {
    ($($name:ident, $fwd:ident, $jvp:ident, $doc:literal, $residual:ident, |$r:ident, $u:ident| $grad:expr;)*) => {$(
        #[doc = concat!($doc, ", element-wise (see [`scalar::", stringify!($name), "`]).")]
        #[differentiable(custom_fwd, jvp)]
        #[inline]
        pub fn $name<T: Tensor>(x: &T) -> T {
            map(x, scalar::$name)
        }

        #[doc = concat!("[`", stringify!($name), "`] and its pullback.")]
        #[inline]
        pub fn $fwd<T: Tensor>(x: &T) -> (T, impl FnOnce(&T, Option<&mut T>, &T)) {
            let y = $name(x);
            (y, unary_activation!(@pullback $residual, y, |$r, $u| $grad))
        }

        #[doc = concat!("[`", stringify!($name), "`] and its tangent (forward mode): the pullback's derivative applied to `x_dot`, a 1x1 Jacobian per element.")]
        #[inline]
        pub fn $jvp<T: Tensor>(x: &T, x_dot: &T) -> (T, T) {
            let y = $name(x);
            let residual = unary_activation!(@residual $residual, x, y);
            (y, zip_map(residual, x_dot, |$r, $u| $grad))
        }
    )*};
    (@residual input, $x:ident, $y:ident) => { $x };
    (@residual output, $x:ident, $y:ident) => { &$y };
    // The derivative reads the input, or the output where that is cheaper (no second `exp`).
    (@pullback input, $y:ident, |$r:ident, $u:ident| $grad:expr) => {
        move |x: &T, d_x: Option<&mut T>, d_out: &T| add_into(d_x, x, d_out, |$r, $u| $grad)
    };
    (@pullback output, $y:ident, |$r:ident, $u:ident| $grad:expr) => {
        move |_: &T, d_x: Option<&mut T>, d_out: &T| add_into(d_x, &$y, d_out, |$r, $u| $grad)
    };
}

unary_activation! {
    relu, relu_fwd, relu_jvp, "`max(x, 0)`", input, |x, u| scalar::relu_vjp(x, u).1;
    sigmoid, sigmoid_fwd, sigmoid_jvp, "`1 / (1 + e^-x)`", output, |s, u| s * (1.0 - s) * u;
    tanh, tanh_fwd, tanh_jvp, "The hyperbolic tangent", output, |t, u| (1.0 - t * t) * u;
    softplus, softplus_fwd, softplus_jvp, "`ln(1 + e^x)`", input, |x, u| scalar::softplus_vjp(x, u).1;
    gelu, gelu_fwd, gelu_jvp, "GELU, `x Phi(x)` (PyTorch's default erf form)", input, |x, u| scalar::gelu_vjp(x, u).1;
    silu, silu_fwd, silu_jvp, "SiLU, `x sigmoid(x)`", input, |x, u| scalar::silu_vjp(x, u).1;
}

/// `x` where `x > 0`, else `slope * x`, element-wise (see [`scalar::leaky_relu`]).
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn leaky_relu<T: Tensor>(x: &T, slope: f32) -> T {
    map(x, |x| scalar::leaky_relu(x, slope))
}

/// [`leaky_relu`] and its pullback, which returns the gradient of `slope`.
#[inline]
pub fn leaky_relu_fwd<T: Tensor>(
    x: &T,
    slope: f32,
) -> (T, impl FnOnce(&T, Option<&mut T>, f32, &T) -> f32) {
    (
        leaky_relu(x, slope),
        |x: &T, d_x: Option<&mut T>, slope: f32, d_out: &T| {
            add_into(d_x, x, d_out, |x, u| scalar::leaky_relu_vjp(x, slope, u).1);
            x.flat()
                .iter()
                .zip(d_out.flat())
                .map(|(x, u)| scalar::leaky_relu_vjp(*x, slope, *u).2)
                .sum()
        },
    )
}

/// [`leaky_relu`] and its tangent (forward mode), with the tangent `slope_dot` of the slope.
#[inline]
pub fn leaky_relu_jvp<T: Tensor>(x: &T, x_dot: &T, slope: f32, slope_dot: f32) -> (T, T) {
    (
        leaky_relu(x, slope),
        zip_map(x, x_dot, |x, x_dot| {
            scalar::leaky_relu_jvp(x, x_dot, slope, slope_dot).1
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{check_vjp, rand};
    use crate::tensor::Zero;

    type V = [f32; 12];

    /// Random inputs in `[-3, 3)` kept `step` away from the kinks at 0.
    fn inputs(step: f32) -> V {
        let mut x: V = rand(5);
        for v in &mut x {
            *v *= 3.0;
            if v.abs() < 2.0 * step {
                *v += 4.0 * step;
            }
        }
        x
    }

    #[test]
    fn kinks_follow_pytorch() {
        assert_eq!(scalar::relu_vjp(0.0, 1.0), (0.0, 0.0));
        assert_eq!(scalar::leaky_relu_vjp(0.0, 0.1, 1.0), (0.0, 0.1, 0.0));
        assert!(scalar::relu(f32::NAN).is_nan());
    }

    #[test]
    fn values_by_hand() {
        assert_eq!(relu(&[-1.0, 0.0, 2.0]), [0.0, 0.0, 2.0]);
        assert_eq!(leaky_relu(&[-1.0, 2.0], 0.25), [-0.25, 2.0]);
        assert_eq!(sigmoid(&[0.0]), [0.5]);
        assert_eq!(softplus(&[0.0]), [core::f32::consts::LN_2]);
        assert_eq!(gelu(&[0.0, 1e30, -1e30]), [0.0, 1e30, -0.0]);
        // Phi(1) = 0.8413447460685429...
        assert!((scalar::gelu(1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn extreme_inputs_stay_finite() {
        for x in [-1000.0, -100.0, 100.0, 1000.0] {
            for (y, d) in [
                scalar::sigmoid_vjp(x, 1.0),
                scalar::tanh_vjp(x, 1.0),
                scalar::softplus_vjp(x, 1.0),
                scalar::gelu_vjp(x, 1.0),
                scalar::silu_vjp(x, 1.0),
            ] {
                assert!(
                    y.is_finite() && d.is_finite(),
                    "f({x}) = {y}, f'({x}) = {d}"
                );
            }
        }
        assert_eq!(scalar::softplus(100.0), 100.0);
        assert_eq!(scalar::sigmoid(-100.0), libm::expf(-100.0));
    }

    #[test]
    fn vjps_match_finite_differences() {
        let h = 1e-2;
        let x = inputs(h);
        type F = fn(&V) -> V;
        type Vjp = fn(&V, &mut V, &V) -> V;
        let ops: [(F, Vjp); 6] = [
            (relu, relu_vjp),
            (sigmoid, sigmoid_vjp),
            (tanh, tanh_vjp),
            (softplus, softplus_vjp),
            (gelu, gelu_vjp),
            (silu, silu_vjp),
        ];
        for (f, f_vjp) in ops {
            check_vjp(f, f_vjp, &x, h);
        }
    }

    #[test]
    fn leaky_relu_vjp_matches_finite_differences() {
        let h = 1e-2;
        let (x, slope) = (inputs(h), 0.2);
        check_vjp(
            |x| leaky_relu(x, slope),
            |x, d, u| leaky_relu_vjp(x, d, slope, u).0,
            &x,
            h,
        );
        let d_slope = |s: &f32, d_s: &mut f32, u: &V| {
            let (y, g) = leaky_relu_vjp(&x, &mut V::zero(), *s, u);
            *d_s += g;
            y
        };
        check_vjp(|s: &f32| leaky_relu(&x, *s), d_slope, &slope, h);
    }

    #[test]
    fn batches_are_element_wise() {
        let x: [[f32; 3]; 2] = [[-1.0, 0.5, 2.0], [3.0, -0.5, 0.0]];
        let mut d_x = [[0.0; 3]; 2];
        let y = relu_vjp(&x, &mut d_x, &[[1.0; 3]; 2]);
        assert_eq!(y, [[0.0, 0.5, 2.0], [3.0, 0.0, 0.0]]);
        assert_eq!(d_x, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]);
    }
}
