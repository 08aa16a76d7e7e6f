//! Forward mode: `_jvp` of straight-line code, loops, branches, arrays, calls and methods,
//! against central differences of each function in f64.
use backprop::differentiable;

#[differentiable]
fn poly(x: f32, y: f32) -> f32 {
    let a = x * y + x.sin();
    a * a / (1.0 + y.exp())
}

#[differentiable]
fn recurrence(w: &[f32; 3], x0: f32) -> f32 {
    let mut h = x0;
    for i in 0..3 {
        h = (h * w[i]).tanh();
        if h > 0.1 {
            h = h * h;
        }
    }
    h
}

#[differentiable]
fn arrays(x: [f32; 2]) -> [f32; 2] {
    let mut y = [0.0; 2];
    y[0] = x[0] * x[1];
    y[1] = x[0].max(x[1]);
    y
}

#[differentiable]
fn caller(x: f32, w: &[f32; 3]) -> f32 {
    let a = poly(x, w[0]);
    let b = recurrence(w, x);
    let ab = [a, b];
    let c = arrays(ab);
    c[0] + backprop::ops::dot(w, w) + c[1]
}

#[test]
fn smoke() {
    let (v, t) = poly_jvp(0.5, 1.0, 0.3, 0.0);
    let h = 1e-3;
    let fd = (poly(0.5 + h, 0.3) - poly(0.5 - h, 0.3)) / (2.0 * h);
    assert!((v - poly(0.5, 0.3)).abs() < 1e-6);
    assert!((t - fd).abs() < 1e-3, "{t} {fd}");
    let w = [0.5, -1.2, 0.8];
    let dw = [0.1, 0.2, -0.3];
    let (_, t) = recurrence_jvp(&w, &dw, 0.7, 0.5);
    let f = |s: f32| {
        recurrence(
            &[w[0] + s * dw[0], w[1] + s * dw[1], w[2] + s * dw[2]],
            0.7 + s * 0.5,
        )
    };
    let fd = (f(h) - f(-h)) / (2.0 * h);
    assert!((t - fd).abs() < 1e-3, "{t} {fd}");
    let (_, t) = caller_jvp(0.7, 0.5, &w, &dw);
    let f = |s: f32| {
        caller(
            0.7 + 0.5 * s,
            &[w[0] + s * dw[0], w[1] + s * dw[1], w[2] + s * dw[2]],
        )
    };
    let fd = (f(h) - f(-h)) / (2.0 * h);
    assert!((t - fd).abs() < 1e-2, "{t} {fd}");
}

#[differentiable(hvp)]
fn rosenbrock(x: &[f32; 2]) -> f32 {
    (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0])
}

#[differentiable(hvp)]
fn inner(a: f32, b: f32) -> f32 {
    (a * b).sin() + a * a * b
}

#[differentiable(hvp)]
fn outer(x: f32, w: &[f32; 2]) -> f32 {
    let mut s = 0.0;
    for i in 0..2 {
        s += inner(x, w[i]);
    }
    s * x
}

#[test]
fn hvp_smoke() {
    let x = [0.5f32, 0.8];
    let mut hv = [0.0f32; 2];
    let v = rosenbrock_hvp(&x, &[1.0, 0.0], &mut hv);
    assert_eq!(v, rosenbrock(&x));
    // H = [[2 - 400 (x1 - 3 x0^2), -400 x0], [-400 x0, 200]]
    let h00 = 2.0 - 400.0 * (x[1] - 3.0 * x[0] * x[0]);
    assert!((hv[0] - h00).abs() < 1e-3, "{hv:?} {h00}");
    assert!((hv[1] + 400.0 * x[0]).abs() < 1e-3, "{hv:?}");
    let w = [0.3f32, -0.7];
    let mut hw = [0.0f32; 2];
    let (_, hx) = outer_hvp(0.9, 1.0, &w, &[0.0, 0.0], &mut hw);
    let h = 1e-2f32;
    let g = |x: f32| {
        let mut d = [0.0; 2];
        outer_grad(x, &w, &mut d).1
    };
    let fd = (g(0.9 + h) - g(0.9 - h)) / (2.0 * h);
    assert!((hx - fd).abs() < 1e-2, "{hx} {fd}");
}
