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

    /// `e^x` for `x <= 0` (clamped at `-87`, where it is `1.6e-38`, the smallest normal
    /// float's order) in straight-line arithmetic, so a loop over it vectorises, as a call
    /// into libm's `expf` does not: `x = n ln 2 + r`, `|r| <= ln 2 / 2`, and Cephes' degree-6
    /// polynomial for `e^r` (within 2 ulp of `expf` on `[-87, 0]`, tested), times `2^n` built
    /// from its bits. Plain multiplies and adds, no `mul_add`: without hardware FMA (the
    /// baseline x86-64 target) that would be a call into a software `fmaf`.
    #[inline(always)]
    pub(crate) fn exp_nonpositive(x: f32) -> f32 {
        // 1.5 * 2^23: adding it rounds to an integer, which lands in the low mantissa bits.
        const ROUND: f32 = 12_582_912.0;
        let x = if x < -87.0 { -87.0 } else { x };
        let shifted = x * core::f32::consts::LOG2_E + ROUND;
        let n = shifted - ROUND;
        let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
        // ln 2 in two parts, the first exact in few bits, so that n ln 2 is exact enough.
        let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
        let mut p = 1.987_569_1e-4;
        p = p * r + 1.398_199_9e-3;
        p = p * r + 8.333_452e-3;
        p = p * r + 4.166_579_6e-2;
        p = p * r + 1.666_666_5e-1;
        p = p * r + 0.5;
        let e_r = p * r * r + r + 1.0;
        e_r * f32::from_bits(((n_bits + 127) as u32) << 23)
    }

    /// `sigmoid(x)` for SiLU, branch-free on [`exp_nonpositive`] so it vectorises:
    /// `1 / (1 + e)` or `e / (1 + e)` with `e = e^-|x|`, never exponentiating a positive number.
    #[inline(always)]
    fn silu_sigmoid(x: f32) -> f32 {
        let e = exp_nonpositive(-math::abs(x));
        let num = if x >= 0.0 { 1.0 } else { e };
        num / (1.0 + e)
    }

    /// SiLU (swish), `x sigmoid(x)`.
    #[differentiable(custom_vjp, jvp)]
    #[inline]
    pub fn silu(x: f32) -> f32 {
        x * silu_sigmoid(x)
    }

    /// [`silu`]'s derivative `s (1 + x (1 - s))` times `d_out`, from `s = sigmoid(x)`.
    #[inline(always)]
    pub(crate) fn silu_derivative(x: f32, s: f32, d_out: f32) -> f32 {
        s * (1.0 + x * (1.0 - s)) * d_out
    }

    /// [`silu`] and its derivative times `d_out`.
    #[inline]
    pub fn silu_vjp(x: f32, d_out: f32) -> (f32, f32) {
        let s = silu_sigmoid(x);
        (x * s, silu_derivative(x, s, d_out))
    }

    /// The sigmoids [`silu`] multiplies by, element-wise, for its pullback to keep.
    #[inline]
    pub(crate) fn silu_sigmoids<T: crate::Tensor>(x: &T) -> T {
        super::map(x, silu_sigmoid)
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
    ($($name:ident, $fwd:ident, $jvp:ident, $jvpk:ident, $doc:literal, $residual:ident, |$r:ident, $u:ident| $grad:expr;)*) => {$(
        #[doc = concat!($doc, ", element-wise (see [`scalar::", stringify!($name), "`]).")]
        #[differentiable(custom_fwd, jvp, jvpk)]
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

        #[doc = concat!("[`", stringify!($name), "`] and `K` tangents (forward mode): the value and the residual once, then the derivative applied to each lane of `x_dot`.")]
        #[inline]
        pub fn $jvpk<T: Tensor, const K: usize>(x: &T, x_dot: [&T; K]) -> (T, [T; K]) {
            let y = $name(x);
            let residual = unary_activation!(@residual $residual, x, y);
            (y, x_dot.map(|x_dot| zip_map(residual, x_dot, |$r, $u| $grad)))
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
    relu, relu_fwd, relu_jvp, relu_jvpk, "`max(x, 0)`", input, |x, u| scalar::relu_vjp(x, u).1;
    sigmoid, sigmoid_fwd, sigmoid_jvp, sigmoid_jvpk, "`1 / (1 + e^-x)`", output, |s, u| s * (1.0 - s) * u;
    tanh, tanh_fwd, tanh_jvp, tanh_jvpk, "The hyperbolic tangent", output, |t, u| (1.0 - t * t) * u;
    softplus, softplus_fwd, softplus_jvp, softplus_jvpk, "`ln(1 + e^x)`", input, |x, u| scalar::softplus_vjp(x, u).1;
    gelu, gelu_fwd, gelu_jvp, gelu_jvpk, "GELU, `x Phi(x)` (PyTorch's default erf form)", input, |x, u| scalar::gelu_vjp(x, u).1;
}

/// SiLU, `x sigmoid(x)`, element-wise (see [`scalar::silu`]).
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn silu<T: Tensor>(x: &T) -> T {
    map(x, scalar::silu)
}

/// [`silu`] and its pullback, which keeps the sigmoids: one `exp` per element in all, and
/// both passes vectorise (PyTorch's `SiLU` kernel is vectorised too).
#[inline]
pub fn silu_fwd<T: Tensor>(x: &T) -> (T, impl FnOnce(&T, Option<&mut T>, &T)) {
    let s = scalar::silu_sigmoids(x);
    let mut y = s;
    for (y, x) in y.flat_mut().iter_mut().zip(x.flat()) {
        *y *= x;
    }
    (y, move |x: &T, d_x: Option<&mut T>, d_out: &T| {
        let Some(d_x) = d_x else { return };
        let inputs = x.flat().iter().zip(s.flat()).zip(d_out.flat());
        for (d, ((x, s), u)) in d_x.flat_mut().iter_mut().zip(inputs) {
            *d += scalar::silu_derivative(*x, *s, *u);
        }
    })
}

/// [`silu`] and its tangent (forward mode): the derivative applied to `x_dot`, element-wise.
#[inline]
pub fn silu_jvp<T: Tensor>(x: &T, x_dot: &T) -> (T, T) {
    (silu(x), zip_map(x, x_dot, |x, u| scalar::silu_vjp(x, u).1))
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
    fn the_polynomial_exp_and_silu_are_within_a_few_ulp() {
        // Units in the last place of the float32 nearest to the true value.
        let ulps = |got: f32, want: f64| {
            let w = want as f32;
            (got - w).abs() / (f32::from_bits(w.to_bits() + 1) - w)
        };
        let mut worst = (0.0f32, 0.0f32);
        for i in 0..=200_000 {
            let x = -87.0 * i as f32 / 200_000.0;
            let e = ulps(scalar::exp_nonpositive(x), f64::from(x).exp());
            let x = x / 4.0 + 15.0 * (i % 2) as f32; // both signs of silu, over [-22, 15]
            let silu = f64::from(x) / (1.0 + (-f64::from(x)).exp());
            let s = if silu == 0.0 {
                0.0
            } else {
                ulps(scalar::silu(x), silu)
            };
            worst = (worst.0.max(e), worst.1.max(s));
        }
        assert!(
            worst.0 <= 2.0 && worst.1 <= 4.0,
            "worst ulps: exp {}, silu {}",
            worst.0,
            worst.1
        );
        assert_eq!(scalar::exp_nonpositive(0.0), 1.0);
        assert!(scalar::exp_nonpositive(-1000.0) < 2e-38);
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
