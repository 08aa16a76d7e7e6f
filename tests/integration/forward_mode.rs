//! Forward mode and second order: `_jvp` of straight-line code, loops with recurrences and
//! branches, arrays, calls and the runtime's primitives against `torch.func.jvp`
//! (`scripts/jvp_fixtures.py` -> `tests/fixtures/jvp.json`) and central differences; `_hvp`
//! (through calls too) and `hessian` against `torch.func.hessian` and differences of the
//! gradient; the dot-product test between `_jvp` and `_vjp`.
#![allow(clippy::needless_range_loop)] // differentiable code indexes its arrays

use backprop::differentiable;
use backprop::gradcheck::Tolerance;
use backprop::jacobian::hessian;
use backprop::jvpcheck::{check_hvp, check_jvp};
use backprop::ops::{linear, log_softmax, tanh};
use serde_json::Value;

#[differentiable(jvp)]
fn poly(x: f32, y: f32) -> f32 {
    let a = x * y + x.sin();
    a * a / (1.0 + y.exp())
}

#[differentiable(jvp)]
fn short_recurrence(w: &[f32; 3], x0: f32) -> f32 {
    let mut h = x0;
    for i in 0..3 {
        h = (h * w[i]).tanh();
        if h > 0.1 {
            h = h * h;
        }
    }
    h
}

#[differentiable(jvp)]
fn arrays(x: [f32; 2]) -> [f32; 2] {
    let mut y = [0.0; 2];
    y[0] = x[0] * x[1];
    y[1] = x[0].max(x[1]);
    y
}

#[differentiable(jvp)]
fn caller(x: f32, w: &[f32; 3]) -> f32 {
    let a = poly(x, w[0]);
    let b = short_recurrence(w, x);
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
    let (_, t) = short_recurrence_jvp(&w, &dw, 0.7, 0.5);
    let f = |s: f32| {
        short_recurrence(
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
    assert_eq!(inner_jvp(0.9, 1.0, w[0], 0.0).0, inner(0.9, w[0]));
    assert_eq!(
        outer_hvp(0.9, 1.0, &w, &[0.0, 0.0], &mut hw).0,
        outer(0.9, &w)
    );
    let h = 1e-2f32;
    let g = |x: f32| {
        let mut d = [0.0; 2];
        outer_grad(x, &w, &mut d).1
    };
    let fd = (g(0.9 + h) - g(0.9 - h)) / (2.0 * h);
    assert!((hx - fd).abs() < 1e-2, "{hx} {fd}");
}

/// The fixtures' twin functions.
#[differentiable(jvp)]
fn recurrence(w: f32, x: &[f32; 6]) -> f32 {
    let mut h = 0.0;
    for i in 0..6 {
        h = (w * h + x[i]).tanh();
        if h > 0.1 {
            h = h * h;
        }
    }
    h * h
}

#[differentiable(jvp)]
fn mlp(
    w1: &[[f32; 3]; 4],
    b1: &[f32; 4],
    w2: &[[f32; 4]; 2],
    b2: &[f32; 2],
    x: &[f32; 3],
) -> [f32; 2] {
    let h = tanh(&linear(x, w1, b1));
    log_softmax(&linear(&h, w2, b2))
}

#[differentiable(hvp)]
fn energy(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    let mut total = 0.0;
    for i in 0..4 {
        let d = x[i] - x[(i + 1) % 4];
        s += (d * d + 1.0).sqrt() * (-0.5 * x[i]).exp();
        total += x[i];
    }
    s.max(total)
}

fn fixtures() -> Value {
    serde_json::from_str(include_str!("../fixtures/jvp.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        v => vec![v.as_f64().unwrap() as f32],
    }
}

fn array<const N: usize>(v: &Value) -> [f32; N] {
    floats(v).try_into().unwrap()
}

fn matrix<const R: usize, const C: usize>(v: &Value) -> [[f32; C]; R] {
    let flat = floats(v);
    core::array::from_fn(|r| core::array::from_fn(|c| flat[r * C + c]))
}

/// `|got - want| <= 2e-6 + 2e-5 |want|`: float32 on both sides, different summation orders.
fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 2e-6 + 2e-5 * w.abs(),
            "{what}: {got:?} vs torch {want:?}"
        );
    }
}

#[test]
fn jvps_match_torch_func_jvp() {
    let all = fixtures();
    let case = &all["jvp"]["recurrence"];
    let (p, t) = (&case["primals"], &case["tangents"]);
    let x: [f32; 6] = array(&p[1]);
    let (value, tangent) = recurrence_jvp(floats(&p[0])[0], floats(&t[0])[0], &x, &array(&t[1]));
    assert_eq!(value, recurrence(floats(&p[0])[0], &x));
    assert_close(&[value], &floats(&case["value"]), "recurrence value");
    assert_close(&[tangent], &floats(&case["tangent"]), "recurrence tangent");

    let case = &all["jvp"]["mlp"];
    let (p, t) = (&case["primals"], &case["tangents"]);
    let (value, tangent) = mlp_jvp(
        &matrix(&p[0]),
        &matrix(&t[0]),
        &array(&p[1]),
        &array(&t[1]),
        &matrix(&p[2]),
        &matrix(&t[2]),
        &array(&p[3]),
        &array(&t[3]),
        &array(&p[4]),
        &array(&t[4]),
    );
    assert_close(&value, &floats(&case["value"]), "mlp value");
    assert_close(&tangent, &floats(&case["tangent"]), "mlp tangent");

    let case = &all["jvp"]["energy"];
    let (value, tangent) = energy_jvp(&array(&case["primals"][0]), &array(&case["tangents"][0]));
    assert_close(&[value], &floats(&case["value"]), "energy value");
    assert_close(&[tangent], &floats(&case["tangent"]), "energy tangent");
}

#[test]
fn hessians_from_hvps_match_torch_func_hessian() {
    let all = fixtures();
    let case = &all["hessian"]["rosenbrock"];
    let x: [f32; 2] = array(&case["x"]);
    let h = hessian(rosenbrock_hvp, &x);
    assert_close(
        h.as_flattened(),
        &floats(&case["hessian"]),
        "rosenbrock hessian",
    );
    let case = &all["hessian"]["energy"];
    let x: [f32; 4] = array(&case["x"]);
    let h = hessian(energy_hvp, &x);
    assert_close(
        h.as_flattened(),
        &floats(&case["hessian"]),
        "energy hessian",
    );
    assert_close(
        &[energy_hvp(&x, &[0.0; 4], &mut [0.0; 4])],
        &floats(&case["value"]),
        "value",
    );
}

#[test]
fn checks_pass_on_central_differences_and_the_dot_product_test() {
    let tolerance = Tolerance::default();
    let x = [0.4f32, -1.1, 0.7, 1.5];
    let v = [0.3f32, 0.2, -0.5, 1.0];
    check_jvp(
        |x: &[f32; 4]| [energy(x)],
        |x: &[f32; 4], v: &[f32; 4]| {
            let (value, tangent) = energy_jvp(x, v);
            ([value], [tangent])
        },
        |x: &[f32; 4], d_x: &mut [f32; 4], u: &[f32; 1]| [energy_vjp(x, d_x, u[0])],
        &x,
        &v,
        &[0.7],
        tolerance,
    )
    .unwrap();
    check_hvp(energy_grad, energy_hvp, &x, &v, tolerance).unwrap();
    // A wrong derivative fails: the tangent doubled.
    let doubled = check_jvp(
        |x: &[f32; 4]| [energy(x)],
        |x: &[f32; 4], v: &[f32; 4]| {
            let (value, tangent) = energy_jvp(x, v);
            ([value], [2.0 * tangent])
        },
        |x: &[f32; 4], d_x: &mut [f32; 4], u: &[f32; 1]| [energy_vjp(x, d_x, u[0])],
        &x,
        &v,
        &[0.7],
        tolerance,
    );
    assert!(doubled.is_err());
    // The MLP's Jacobian in its input: forward against reverse.
    let w1 = [
        [0.3f32, -0.2, 0.5],
        [0.1, 0.4, -0.6],
        [0.7, 0.2, 0.1],
        [-0.3, 0.9, 0.2],
    ];
    let w2 = [[0.2f32, -0.4, 0.6, 0.1], [0.3, 0.5, -0.2, 0.7]];
    let (b1, b2) = ([0.1f32, -0.1, 0.2, 0.0], [0.05f32, -0.05]);
    let (z4, z2) = ([0.0f32; 4], [0.0f32; 2]);
    check_jvp(
        |x: &[f32; 3]| mlp(&w1, &b1, &w2, &b2, x),
        |x: &[f32; 3], v: &[f32; 3]| {
            mlp_jvp(
                &w1,
                &Default::default(),
                &b1,
                &z4,
                &w2,
                &Default::default(),
                &b2,
                &z2,
                x,
                v,
            )
        },
        |x: &[f32; 3], d_x: &mut [f32; 3], u: &[f32; 2]| {
            let (mut a, mut b, mut c, mut d) = (Default::default(), z4, Default::default(), z2);
            mlp_vjp(
                &w1, &mut a, &b1, &mut b, &w2, &mut c, &b2, &mut d, x, d_x, u,
            )
        },
        &[0.5, -1.0, 0.25],
        &[1.0, 0.5, -0.5],
        &[0.3, -0.8],
        tolerance,
    )
    .unwrap();
}
