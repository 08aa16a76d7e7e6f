// Some functions here are only called through their generated derivatives.
#![allow(dead_code)]
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]
use backprop::differentiable;

#[differentiable(wrt(w))]
fn loss(w: f32, x: f32, y: f32) -> f32 {
    let y_hat = x * w;
    (y_hat - y) * (y_hat - y)
}

#[differentiable]
fn f(x: f32, y: f32) -> f32 {
    let a = x * y;
    a.sin() + a * a
}

#[differentiable]
fn r(w: f32, x: &[f32; 6]) -> f32 {
    let mut h = 0.0;
    for i in 0..6 {
        h = (w * h + x[i]).tanh();
    }
    h * h
}

#[differentiable]
fn relu_sum(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        let y = if x[i] > 0.0 { x[i] * 2.0 } else { 0.0 };
        s += y;
    }
    s
}

#[test]
fn smoke() {
    let (l, dw) = loss_grad(1.0, 2.0, 4.0);
    assert_eq!((l, dw), (4.0, -8.0));
    let (v, dx, dy) = f_grad(0.5, 2.0);
    let a: f32 = 1.0;
    assert!((v - (a.sin() + 1.0)).abs() < 1e-6);
    assert!((dx - (a.cos() + 2.0) * 2.0).abs() < 1e-5, "{dx}");
    assert!((dy - (a.cos() + 2.0) * 0.5).abs() < 1e-5, "{dy}");
    let x = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
    let mut dx = [0.0; 6];
    let (v, dw) = r_grad(0.7, &x, &mut dx);
    let eps = 1e-3;
    let num = (r(0.7 + eps, &x) - r(0.7 - eps, &x)) / (2.0 * eps);
    assert!((dw - num).abs() < 1e-3, "{dw} vs {num}");
    for i in 0..6 {
        let mut xp = x;
        xp[i] += eps;
        let mut xm = x;
        xm[i] -= eps;
        let num = (r(0.7, &xp) - r(0.7, &xm)) / (2.0 * eps);
        assert!((dx[i] - num).abs() < 1e-3, "{i}: {} vs {num}", dx[i]);
    }
    assert_eq!(v, r(0.7, &x));
    let mut dx = [0.0; 4];
    let v = relu_sum_grad(&[1.0, -1.0, 2.0, -3.0], &mut dx);
    assert_eq!(v, 6.0);
    assert_eq!(dx, [2.0, 0.0, 2.0, 0.0]);
}
