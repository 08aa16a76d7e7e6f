//! An `exp`'s contribution to the reverse sweep is zero where it is below the smallest normal
//! number (`__private::flushed_product`, docs/design.md "Subnormal adjoints"): only there, and
//! exactly where `d * e^x` is itself that small, so a large adjoint keeps a subnormal `e^x`.
//! The references are the same products in f64.

// The functions are only called through their generated gradients.
#![allow(dead_code)]

use backprop::differentiable;

#[differentiable]
fn exp(x: f32) -> f32 {
    x.exp()
}

#[differentiable]
fn scaled_exp(x: f32, s: f32) -> f32 {
    s * x.exp()
}

#[differentiable]
fn exp2(x: f32) -> f32 {
    x.exp2()
}

#[differentiable]
fn scaled_exp2(x: f32, s: f32) -> f32 {
    s * x.exp2()
}

/// `ln(e^a + e^b)`: the weight of a far term is what the flush is for.
#[differentiable]
fn logaddexp(a: f32, b: f32) -> f32 {
    (a.exp() + b.exp()).ln()
}

#[differentiable]
fn exp_f64(x: f64) -> f64 {
    x.exp()
}

fn close(got: f32, want: f64) -> bool {
    (f64::from(got) - want).abs() <= 1e-5 * want.abs()
}

#[test]
fn a_subnormal_contribution_is_zero_and_the_value_is_kept() {
    let (y, dx) = exp_grad(-100.0);
    assert_eq!(y, (-100.0f32).exp());
    assert!(
        y > 0.0 && y < f32::MIN_POSITIVE,
        "e^-100 is subnormal in f32: {y:e}"
    );
    assert_eq!(dx, 0.0);
    let (y, dx) = exp2_grad(-140.0);
    assert!(y > 0.0 && y < f32::MIN_POSITIVE);
    assert_eq!(dx, 0.0);
}

#[test]
fn a_normal_contribution_is_exact() {
    // e^-87 = 1.6e-38, just above f32::MIN_POSITIVE = 1.2e-38
    let (y, dx) = exp_grad(-87.0);
    assert!(y >= f32::MIN_POSITIVE);
    assert_eq!(dx, y);
    let (_, dx) = exp_grad(3.0);
    assert!(close(dx, 3f64.exp()), "{dx}");
}

#[test]
fn a_large_adjoint_keeps_a_subnormal_exp() {
    // d/dx 1e30 e^x at -90 is 8.2e-10: e^-90 is subnormal, the product is not
    let (_, dx, ds) = scaled_exp_grad(-90.0, 1e30);
    assert!(close(dx, 1e30 * (-90f64).exp()), "{dx:e}");
    assert_eq!(ds, (-90.0f32).exp());
    let (_, dx, _) = scaled_exp2_grad(-140.0, 1e30);
    assert!(close(dx, 1e30 * (-140f64).exp2() * 2f64.ln()), "{dx:e}");
    // a small adjoint with a normal e^x whose product underflows is flushed as well
    let (_, dx, _) = scaled_exp_grad(-80.0, 1e-10);
    assert!(1e-10 * (-80f64).exp() < f64::from(f32::MIN_POSITIVE));
    assert_eq!(dx, 0.0);
}

#[test]
fn the_far_term_of_a_log_sum_exp_gets_no_weight() {
    let (_, da, db) = logaddexp_grad(0.0, -100.0);
    assert_eq!(da, 1.0);
    assert_eq!(db, 0.0);
    // near terms share the weight as before
    let (_, da, db) = logaddexp_grad(0.0, -2.0);
    let w = 1.0 / (1.0 + 2f64.exp());
    assert!(close(db, w) && close(da, 1.0 - w), "{da} {db}");
}

#[test]
fn nan_and_infinity_pass_through() {
    let (_, dx, _) = scaled_exp_grad(-100.0, f32::NAN);
    assert!(dx.is_nan());
    let (_, dx, _) = scaled_exp_grad(f32::NAN, 1.0);
    assert!(dx.is_nan());
    let (_, dx, _) = scaled_exp_grad(100.0, 1.0);
    assert_eq!(dx, f32::INFINITY);
    let (_, dx, _) = scaled_exp_grad(-100.0, f32::INFINITY);
    assert_eq!(dx, f32::INFINITY);
}

#[test]
fn f64_flushes_at_its_own_smallest_normal() {
    // e^-100 is normal in f64
    let (y, dx) = exp_f64_grad(-100.0);
    assert_eq!(dx, y);
    let (y, dx) = exp_f64_grad(-720.0);
    assert!(y > 0.0 && y < f64::MIN_POSITIVE);
    assert_eq!(dx, 0.0);
}
