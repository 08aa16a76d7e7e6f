//! Anomaly detection: `#[differentiable(check_finite)]` names the first non-finite adjoint.
// Some functions here are only called through their generated derivatives.
#![allow(dead_code)]
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]
use backprop::{differentiable, NonFinite};

#[differentiable(check_finite)]
fn log_loss(p: f32, y: f32) -> f32 {
    let log_p = p.ln();
    -(y * log_p)
}

#[differentiable(check_finite)]
fn scaled_inverse(x: f32) -> f32 {
    2.0 / x
}

#[differentiable(check_finite)]
fn root_sum(x: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        s += x[i].sqrt();
    }
    s
}

#[test]
fn finite_gradients_pass_through() {
    let (v, dp, dy) = log_loss_grad(0.5, 1.0).expect("finite");
    assert!((v - 0.5f32.ln().abs()).abs() < 1e-6);
    assert!((dp + 2.0).abs() < 1e-6);
    assert!((dy + 0.5f32.ln()).abs() < 1e-6);
}

#[test]
fn the_first_non_finite_adjoint_is_named() {
    // At p = 0 both d/dy = -ln p and d/dp = -y / p are infinite; the reverse sweep meets `y`
    // first (parameters are finished last to first).
    let err = log_loss_grad(0.0, 1.0).unwrap_err();
    assert_eq!((err.function, err.variable), ("log_loss", "y"));
    assert_eq!(err.value, f32::INFINITY);
    let msg = err.to_string();
    assert!(msg.contains("log_loss") && msg.contains("`y`"), "{msg}");
    // d/dx (2 / x) = -2 / x^2 = -inf at x = 0, named `x`.
    let err = scaled_inverse_grad(0.0).unwrap_err();
    assert_eq!((err.variable, err.value), ("x", f32::NEG_INFINITY));
}

#[test]
fn loops_are_checked_too() {
    let mut d = [0.0; 3];
    let err: NonFinite = root_sum_grad(&[1.0, 0.0, 4.0], &mut d).unwrap_err();
    assert_eq!(err.function, "root_sum");
    assert!(err.value.is_infinite());
    let mut d = [0.0; 3];
    assert!(root_sum_grad(&[1.0, 4.0, 9.0], &mut d).is_ok());
    assert_eq!(d, [0.5, 0.25, 1.0 / 6.0]);
}
