//! Every scalar derivative rule of `#[differentiable]`, one function per rule, checked at
//! fixture points (smooth ones and kinks) against PyTorch (`scripts/scalar_fixtures.py`) and,
//! away from kinks, against central differences of the same body in f64.
//!
//! `cargo test --test scalar_rules -- --nocapture` prints the largest deviations seen.
#![allow(clippy::eq_op)] // `a / a` has a rule of its own

use crate::common::{case, check, check_except, check_vjp, twin, Case, Vjp};
use backprop::differentiable;

// Operators.
twin! { #[differentiable(jvp)] fn add(a: f32, b: f32) -> f32 { a + b } }
twin! { #[differentiable(jvp)] fn sub(a: f32, b: f32) -> f32 { a - b } }
twin! { #[differentiable(jvp)] fn mul(a: f32, b: f32) -> f32 { a * b } }
twin! { #[differentiable(jvp)] fn div(a: f32, b: f32) -> f32 { a / b } }
twin! { #[differentiable(jvp)] fn neg(a: f32) -> f32 { -a } }
twin! { #[differentiable(jvp)] fn square(a: f32) -> f32 { a * a } }
twin! { #[differentiable(jvp)] fn self_ratio(a: f32) -> f32 { a / a } }

// Maths methods of one argument.
twin! { #[differentiable(jvp)] fn exp(x: f32) -> f32 { x.exp() } }
twin! { #[differentiable(jvp)] fn exp2(x: f32) -> f32 { x.exp2() } }
twin! { #[differentiable(jvp)] fn ln(x: f32) -> f32 { x.ln() } }
twin! { #[differentiable(jvp)] fn log2(x: f32) -> f32 { x.log2() } }
twin! { #[differentiable(jvp)] fn log10(x: f32) -> f32 { x.log10() } }
twin! { #[differentiable(jvp)] fn sqrt(x: f32) -> f32 { x.sqrt() } }
twin! { #[differentiable(jvp)] fn cbrt(x: f32) -> f32 { x.cbrt() } }
twin! { #[differentiable(jvp)] fn sin(x: f32) -> f32 { x.sin() } }
twin! { #[differentiable(jvp)] fn cos(x: f32) -> f32 { x.cos() } }
twin! { #[differentiable(jvp)] fn tan(x: f32) -> f32 { x.tan() } }
twin! { #[differentiable(jvp)] fn tanh(x: f32) -> f32 { x.tanh() } }
twin! { #[differentiable(jvp)] fn sinh(x: f32) -> f32 { x.sinh() } }
twin! { #[differentiable(jvp)] fn cosh(x: f32) -> f32 { x.cosh() } }
twin! { #[differentiable(jvp)] fn asin(x: f32) -> f32 { x.asin() } }
twin! { #[differentiable(jvp)] fn acos(x: f32) -> f32 { x.acos() } }
twin! { #[differentiable(jvp)] fn atan(x: f32) -> f32 { x.atan() } }
twin! { #[differentiable(jvp)] fn abs(x: f32) -> f32 { x.abs() } }
twin! { #[differentiable(jvp)] fn recip(x: f32) -> f32 { x.recip() } }
twin! { #[differentiable(jvp)] fn exp_m1(x: f32) -> f32 { x.exp_m1() } }
twin! { #[differentiable(jvp)] fn ln_1p(x: f32) -> f32 { x.ln_1p() } }
twin! { #[differentiable(jvp)] fn floor(x: f32) -> f32 { x.floor() } }
twin! { #[differentiable(jvp)] fn ceil(x: f32) -> f32 { x.ceil() } }
twin! { #[differentiable(jvp)] fn round(x: f32) -> f32 { x.round() } }
twin! { #[differentiable(jvp)] fn signum(x: f32) -> f32 { x.signum() } }

// powi with literal exponents (each has its own rule).
twin! { #[differentiable(jvp)] fn powi_0(x: f32) -> f32 { x.powi(0) } }
twin! { #[differentiable(jvp)] fn powi_1(x: f32) -> f32 { x.powi(1) } }
twin! { #[differentiable(jvp)] fn powi_2(x: f32) -> f32 { x.powi(2) } }
twin! { #[differentiable(jvp)] fn powi_3(x: f32) -> f32 { x.powi(3) } }
twin! { #[differentiable(jvp)] fn powi_m2(x: f32) -> f32 { x.powi(-2) } }

// Several arguments, a gradient to each.
twin! { #[differentiable(jvp)] fn powf(x: f32, e: f32) -> f32 { x.powf(e) } }
twin! { #[differentiable(jvp)] fn atan2(a: f32, b: f32) -> f32 { a.atan2(b) } }
twin! { #[differentiable(jvp)] fn hypot(a: f32, b: f32) -> f32 { a.hypot(b) } }
twin! { #[differentiable(jvp)] fn max(a: f32, b: f32) -> f32 { a.max(b) } }
twin! { #[differentiable(jvp)] fn min(a: f32, b: f32) -> f32 { a.min(b) } }
twin! { #[differentiable(jvp)] fn fn_max(a: f32, b: f32) -> f32 { f32::max(a, b) } }
twin! { #[differentiable(jvp)] fn clamp(x: f32, lo: f32, hi: f32) -> f32 { x.clamp(lo, hi) } }
twin! { #[differentiable(jvp)] fn mul_add(x: f32, a: f32, b: f32) -> f32 { x.mul_add(a, b) } }

// Clamp with constant bounds, only for the disagreement at the bounds.
twin! { #[differentiable(jvp)] fn clamp_const(x: f32) -> f32 { x.clamp(0.0, 1.0) } }

fn rules() -> Vec<Case> {
    vec![
        case!(add, add_grad),
        case!(sub, sub_grad),
        case!(mul, mul_grad),
        case!(div, div_grad),
        case!(neg, neg_grad),
        case!(square, square_grad),
        case!(self_ratio, self_ratio_grad),
        case!(exp, exp_grad),
        case!(exp2, exp2_grad),
        case!(ln, ln_grad),
        case!(log2, log2_grad),
        case!(log10, log10_grad),
        case!(sqrt, sqrt_grad),
        case!(cbrt, cbrt_grad),
        case!(sin, sin_grad),
        case!(cos, cos_grad),
        case!(tan, tan_grad),
        case!(tanh, tanh_grad),
        case!(sinh, sinh_grad),
        case!(cosh, cosh_grad),
        case!(asin, asin_grad),
        case!(acos, acos_grad),
        case!(atan, atan_grad),
        case!(abs, abs_grad),
        case!(recip, recip_grad),
        case!(exp_m1, exp_m1_grad),
        case!(ln_1p, ln_1p_grad),
        case!(floor, floor_grad),
        case!(ceil, ceil_grad),
        case!(round, round_grad),
        case!(signum, signum_grad),
        case!(powi_0, powi_0_grad),
        case!(powi_1, powi_1_grad),
        case!(powi_2, powi_2_grad),
        case!(powi_3, powi_3_grad),
        case!(powi_m2, powi_m2_grad),
        case!(powf, powf_grad),
        case!(atan2, atan2_grad),
        case!(hypot, hypot_grad),
        case!(max, max_grad),
        case!(min, min_grad),
        case!(fn_max, fn_max_grad),
        case!(clamp, clamp_grad),
        case!(mul_add, mul_add_grad),
    ]
}

#[test]
fn every_rule_matches_pytorch_and_finite_differences() {
    check("rules", &rules());
}

#[test]
fn vjp_is_d_out_times_the_gradient() {
    let vjps = [
        Vjp::new("div", div_vjp),
        Vjp::new("exp", exp_vjp),
        Vjp::new("powf", powf_vjp),
        Vjp::new("atan2", atan2_vjp),
        Vjp::new("max", max_vjp),
        Vjp::new("clamp", clamp_vjp),
        Vjp::new("mul_add", mul_add_vjp),
    ];
    check_vjp("rules", &rules(), &vjps);
}

// The tutorials' worked example: d(x^3)/dx at 1 is 3, whichever way x^3 is written.
#[differentiable]
fn cube(x: f32) -> f32 {
    x * x * x
}

#[test]
fn derivative_of_x_cubed_at_1_is_3() {
    assert_eq!(cube_grad(1.0), (1.0, 3.0));
    assert_eq!(powi_3_grad(1.0), (1.0, 3.0));
    assert_eq!(cube_grad(2.0), (cube(2.0), 12.0));
}

/// Kinks where PyTorch has its own conventions: clamp on its bounds, atan2 at the origin,
/// max/min with a NaN argument.
#[test]
fn kinks_at_bounds_origins_and_nans_follow_pytorch() {
    check(
        "disagreements",
        &[
            Case::new("clamp_at_bounds", clamp, clamp_grad, clamp::exact),
            Case::new(
                "clamp_const_at_bounds",
                clamp_const,
                clamp_const_grad,
                clamp_const::exact,
            ),
            Case::new("atan2_origin", atan2, atan2_grad, atan2::exact),
            Case::new("max_nan", max, max_grad, max::exact),
            Case::new("min_nan", min, min_grad, min::exact),
        ],
    );
}

/// A case whose gradient is read off `_jvp` with unit tangents, one per argument: forward
/// mode uses the same rules, so it must match PyTorch's gradients and the differences too.
macro_rules! by_jvp {
    ($f:ident, $jvp:ident, 1) => {
        Case::new(stringify!($f), $f, |a: f32| $jvp(a, 1.0), $f::exact)
    };
    ($f:ident, $jvp:ident, 2) => {
        Case::new(
            stringify!($f),
            $f,
            |a: f32, b: f32| {
                let (v, da) = $jvp(a, 1.0, b, 0.0);
                (v, da, $jvp(a, 0.0, b, 1.0).1)
            },
            $f::exact,
        )
    };
    ($f:ident, $jvp:ident, 3) => {
        Case::new(
            stringify!($f),
            $f,
            |a: f32, b: f32, c: f32| {
                let (v, da) = $jvp(a, 1.0, b, 0.0, c, 0.0);
                let db = $jvp(a, 0.0, b, 1.0, c, 0.0).1;
                (v, da, db, $jvp(a, 0.0, b, 0.0, c, 1.0).1)
            },
            $f::exact,
        )
    };
}

#[test]
fn forward_mode_matches_pytorch_and_finite_differences() {
    let cases = vec![
        by_jvp!(add, add_jvp, 2),
        by_jvp!(sub, sub_jvp, 2),
        by_jvp!(mul, mul_jvp, 2),
        by_jvp!(div, div_jvp, 2),
        by_jvp!(neg, neg_jvp, 1),
        by_jvp!(square, square_jvp, 1),
        by_jvp!(self_ratio, self_ratio_jvp, 1),
        by_jvp!(exp, exp_jvp, 1),
        by_jvp!(exp2, exp2_jvp, 1),
        by_jvp!(ln, ln_jvp, 1),
        by_jvp!(log2, log2_jvp, 1),
        by_jvp!(log10, log10_jvp, 1),
        by_jvp!(sqrt, sqrt_jvp, 1),
        by_jvp!(cbrt, cbrt_jvp, 1),
        by_jvp!(sin, sin_jvp, 1),
        by_jvp!(cos, cos_jvp, 1),
        by_jvp!(tan, tan_jvp, 1),
        by_jvp!(tanh, tanh_jvp, 1),
        by_jvp!(sinh, sinh_jvp, 1),
        by_jvp!(cosh, cosh_jvp, 1),
        by_jvp!(asin, asin_jvp, 1),
        by_jvp!(acos, acos_jvp, 1),
        by_jvp!(atan, atan_jvp, 1),
        by_jvp!(abs, abs_jvp, 1),
        by_jvp!(recip, recip_jvp, 1),
        by_jvp!(exp_m1, exp_m1_jvp, 1),
        by_jvp!(ln_1p, ln_1p_jvp, 1),
        by_jvp!(floor, floor_jvp, 1),
        by_jvp!(ceil, ceil_jvp, 1),
        by_jvp!(round, round_jvp, 1),
        by_jvp!(signum, signum_jvp, 1),
        by_jvp!(powi_0, powi_0_jvp, 1),
        by_jvp!(powi_1, powi_1_jvp, 1),
        by_jvp!(powi_2, powi_2_jvp, 1),
        by_jvp!(powi_3, powi_3_jvp, 1),
        by_jvp!(powi_m2, powi_m2_jvp, 1),
        by_jvp!(powf, powf_jvp, 2),
        by_jvp!(atan2, atan2_jvp, 2),
        by_jvp!(hypot, hypot_jvp, 2),
        by_jvp!(max, max_jvp, 2),
        by_jvp!(min, min_jvp, 2),
        by_jvp!(fn_max, fn_max_jvp, 2),
        by_jvp!(clamp, clamp_jvp, 3),
        by_jvp!(mul_add, mul_add_jvp, 3),
    ];
    // At x < 0 the derivative of x^e in e is NaN (ln x): the tangent with the unit tangent
    // of x is NaN * 0 + 12 = NaN, as in torch.func.jvp and JAX; a gradient keeps the two apart.
    check_except("rules", &cases, &[("powf", &[-2.0, 3.0])]);
}
