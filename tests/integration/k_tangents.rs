//! The K-tangent forward mode `f_jvpk`: each of its `K` lanes is `f_jvp` with that tangent,
//! bit for bit (the same operations in the same order, lane by lane), on the maths methods,
//! loops with recurrences and branches, calls, methods on structs, arrays in and out and an MLP
//! on `Linear`; its tangents against central differences; `jacobian_fwd` (one K-form pass)
//! against `jacobian_rev` and `torch.func.jacfwd` (`scripts/jvp_fixtures.py` ->
//! `tests/fixtures/jvp.json`).
#![allow(clippy::needless_range_loop)] // differentiable code indexes its arrays

use backprop::differentiable;
use backprop::jacobian::{jacobian, jacobian_fwd, jacobian_rev};
use backprop::nn::Linear;
use backprop::ops::{dot, log_softmax, tanh};
use backprop::Parameters;
use serde_json::Value;

/// Every maths method the macro knows, in its domain for `x, y` in `(0.2, 0.8)`.
#[differentiable(jvp)]
fn maths(x: f32, y: f32) -> f32 {
    let a = x.exp() + x.exp2() + x.ln() + x.log2() + x.log10() + x.sqrt() + x.cbrt();
    let b = x.powf(y) + x.sin() * y.cos() + x.tan() + x.tanh() + x.sinh() - y.cosh();
    let c = x.asin() + y.acos() + x.atan() + x.atan2(y) + (x - y).abs();
    let d = x.max(y) * x.min(y) + (3.0 * x).clamp(0.5, 1.5) + x.recip() + x.hypot(y);
    let e = x.mul_add(y, 0.5) + x.exp_m1() + y.ln_1p() + x.powi(3);
    let f = (4.0 * x).floor() + (4.0 * y).ceil() + (4.0 * x).round() + (x - y).signum();
    a * b + c * d - e / (1.0 + f * f) + f
}

#[differentiable(jvp)]
fn recurrence(w: &[f32; 3], x0: f32) -> f32 {
    let mut h = x0;
    for i in 0..3 {
        h = (h * w[i]).tanh();
        if h > 0.1 {
            h = h * h;
        } else {
            h -= 0.5 * w[i];
        }
    }
    h
}

#[differentiable(jvp)]
fn pairs(x: [f32; 2]) -> [f32; 2] {
    let mut y = [0.0; 2];
    y[0] = x[0] * x[1];
    y[1] = x[0].max(x[1]) + x[0].sin();
    y
}

#[differentiable(jvp)]
fn caller(x: f32, w: &[f32; 3]) -> f32 {
    let a = maths(x, 0.5);
    let b = recurrence(w, x);
    let ab = [a, b];
    let c = pairs(ab);
    c[0] + dot(w, w) * c[1]
}

#[derive(Clone, Copy, Parameters)]
struct Cell {
    w: [f32; 3],
    b: f32,
}

impl Cell {
    #[differentiable(jvp)]
    fn step(&self, h: f32, x: f32) -> f32 {
        (self.w[0] * h + self.w[1] * x + self.b).tanh() * self.w[2]
    }

    #[differentiable(jvp)]
    fn run(&self, xs: &[f32; 4]) -> f32 {
        let mut h = 0.0;
        for i in 0..4 {
            h = self.step(h, xs[i]) + 0.5 * h;
        }
        h
    }
}

#[derive(Clone, Copy, Parameters)]
struct Mlp {
    l1: Linear<3, 4>,
    l2: Linear<4, 2>,
}

impl Mlp {
    #[differentiable(jvp)]
    fn forward(&self, x: &[f32; 3]) -> [f32; 2] {
        let h = tanh(&self.l1.forward(x));
        log_softmax(&self.l2.forward(&h))
    }
}

/// `x` in `R^3` to `R^3`, for the Jacobians.
#[differentiable(jvp)]
fn field(x: &[f32; 3]) -> [f32; 3] {
    let mut y = [0.0; 3];
    y[0] = x[0] * x[1].sin();
    y[1] = (x[1] * x[2]).exp() - x[0];
    for i in 0..3 {
        y[2] += x[i] * x[i] * (i as f32 + 1.0);
    }
    y
}

/// A fixed pseudo-random value in `(lo, hi)`.
fn rnd(seed: &mut u32, lo: f32, hi: f32) -> f32 {
    *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    lo + (hi - lo) * ((*seed >> 8) as f32 / (1u32 << 24) as f32)
}

fn rnd_array<const N: usize>(seed: &mut u32) -> [f32; N] {
    core::array::from_fn(|_| rnd(seed, -1.0, 1.0))
}

#[test]
fn lanes_equal_single_tangents_bit_for_bit() {
    let mut s = 7;
    // Scalars: `[f32; K]` tangents.
    let (x, y) = (0.37, 0.61);
    let (dx, dy): ([f32; 4], [f32; 4]) = (rnd_array(&mut s), rnd_array(&mut s));
    let (v, t) = maths_jvpk(x, dx, y, dy);
    assert_eq!(v.to_bits(), maths(x, y).to_bits());
    for k in 0..4 {
        let (v1, t1) = maths_jvp(x, dx[k], y, dy[k]);
        assert_eq!(
            (v.to_bits(), t[k].to_bits()),
            (v1.to_bits(), t1.to_bits()),
            "maths lane {k}"
        );
    }
    // `&` arrays: `[&T; K]` tangents; loops and branches.
    let w = [0.9, -1.3, 0.7];
    let dw: [[f32; 3]; 3] = [rnd_array(&mut s), rnd_array(&mut s), rnd_array(&mut s)];
    let dx0: [f32; 3] = rnd_array(&mut s);
    let (v, t) = recurrence_jvpk(&w, [&dw[0], &dw[1], &dw[2]], 0.4, dx0);
    for k in 0..3 {
        let (v1, t1) = recurrence_jvp(&w, &dw[k], 0.4, dx0[k]);
        assert_eq!(
            (v.to_bits(), t[k].to_bits()),
            (v1.to_bits(), t1.to_bits()),
            "recurrence lane {k}"
        );
    }
    // Arrays by value in and out, and calls (the runtime's `dot` through its K-form).
    let dp: [[f32; 2]; 2] = [rnd_array(&mut s), rnd_array(&mut s)];
    let (v, t) = pairs_jvpk([0.3, -0.8], dp);
    for k in 0..2 {
        assert_eq!((v, t[k]), pairs_jvp([0.3, -0.8], dp[k]), "pairs lane {k}");
    }
    let dxs: [f32; 8] = rnd_array(&mut s);
    let dws: [[f32; 3]; 8] = core::array::from_fn(|_| rnd_array(&mut s));
    let (v, t) = caller_jvpk::<8>(0.45, dxs, &w, core::array::from_fn(|k| &dws[k]));
    for k in 0..8 {
        let (v1, t1) = caller_jvp(0.45, dxs[k], &w, &dws[k]);
        assert_eq!(
            (v.to_bits(), t[k].to_bits()),
            (v1.to_bits(), t1.to_bits()),
            "caller lane {k}"
        );
    }
}

#[test]
fn methods_and_layers_lanes_equal_single_tangents() {
    let mut s = 11;
    let cell = Cell {
        w: [0.8, -0.6, 1.2],
        b: 0.1,
    };
    let dcells: [Cell; 2] = core::array::from_fn(|_| Cell {
        w: rnd_array(&mut s),
        b: rnd(&mut s, -1.0, 1.0),
    });
    let xs = [0.5, -0.25, 0.75, 0.1];
    let dxs: [[f32; 4]; 2] = [rnd_array(&mut s), rnd_array(&mut s)];
    let (v, t) = cell.run_jvpk([&dcells[0], &dcells[1]], &xs, [&dxs[0], &dxs[1]]);
    assert_eq!(v.to_bits(), cell.run(&xs).to_bits());
    for k in 0..2 {
        let (v1, t1) = cell.run_jvp(&dcells[k], &xs, &dxs[k]);
        assert_eq!(
            (v.to_bits(), t[k].to_bits()),
            (v1.to_bits(), t1.to_bits()),
            "cell lane {k}"
        );
    }
    fn layer<const I: usize, const O: usize>(s: &mut u32) -> Linear<I, O> {
        Linear::from_parts(core::array::from_fn(|_| rnd_array(s)), rnd_array(s))
    }
    let mlp = Mlp {
        l1: layer(&mut s),
        l2: layer(&mut s),
    };
    let dmlps: [Mlp; 4] = core::array::from_fn(|_| Mlp {
        l1: layer(&mut s),
        l2: layer(&mut s),
    });
    let x: [f32; 3] = rnd_array(&mut s);
    let dx: [[f32; 3]; 4] = core::array::from_fn(|_| rnd_array(&mut s));
    let (v, t) = mlp.forward_jvpk::<4>(
        core::array::from_fn(|k| &dmlps[k]),
        &x,
        core::array::from_fn(|k| &dx[k]),
    );
    for k in 0..4 {
        let (v1, t1) = mlp.forward_jvp(&dmlps[k], &x, &dx[k]);
        assert_eq!(v, v1);
        assert_eq!(v, mlp.forward(&x));
        assert_eq!(t[k], t1, "mlp lane {k}");
    }
}

#[test]
fn lanes_match_central_differences() {
    let mut s = 3;
    let w = [0.9, -1.3, 0.7];
    let x0 = 0.4;
    let dw: [[f32; 3]; 4] = core::array::from_fn(|_| rnd_array(&mut s));
    let dx: [f32; 4] = rnd_array(&mut s);
    let (_, t) = caller_jvpk::<4>(x0, dx, &w, core::array::from_fn(|k| &dw[k]));
    let h = 1e-3;
    for k in 0..4 {
        let at = |e: f32| {
            let w: [f32; 3] = core::array::from_fn(|i| w[i] + e * dw[k][i]);
            caller(x0 + e * dx[k], &w)
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        assert!(
            (t[k] - fd).abs() <= 2e-2 * (1.0 + fd.abs()),
            "lane {k}: {} vs {fd}",
            t[k]
        );
    }
}

#[test]
fn jacobians_by_one_k_pass_match_reverse_mode_and_differences() {
    let x = [0.3, -0.7, 0.5];
    let fwd = jacobian_fwd(field_jvpk, &x);
    let rev = jacobian_rev(field_vjp, &x);
    let either = jacobian(field_jvpk, field_vjp, &x);
    let h = 1e-3;
    for i in 0..3 {
        for j in 0..3 {
            assert!(
                (fwd[i][j] - rev[i][j]).abs() <= 1e-5 * (1.0 + rev[i][j].abs()),
                "{i} {j}"
            );
            let mut hi = x;
            let mut lo = x;
            hi[j] += h;
            lo[j] -= h;
            let fd = (field(&hi)[i] - field(&lo)[i]) / (2.0 * h);
            assert!(
                (fwd[i][j] - fd).abs() <= 1e-2 * (1.0 + fd.abs()),
                "{i} {j}: {} vs {fd}",
                fwd[i][j]
            );
        }
    }
    assert_eq!(either, fwd);
}

fn floats(v: &Value) -> Vec<f32> {
    match v.as_array() {
        Some(items) => items.iter().flat_map(floats).collect(),
        None => vec![v.as_f64().unwrap() as f32],
    }
}

fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "{what}: {g} vs {w}");
    }
}

/// The fixtures' twins: `torch.func.jacfwd` of `field` and of the MLP in its input
/// (`scripts/jvp_fixtures.py`).
#[test]
fn jacobians_match_torch_func_jacfwd() {
    let all: Value = serde_json::from_str(include_str!("../fixtures/jvp.json")).unwrap();
    let case = &all["jacfwd"]["field"];
    let x: [f32; 3] = floats(&case["x"]).try_into().unwrap();
    let got = jacobian_fwd(field_jvpk, &x);
    assert_close(
        got.as_flattened(),
        &floats(&case["jacobian"]),
        1e-5,
        "field",
    );
    let (value, _) = field_jvpk::<0>(&x, []);
    assert_close(&value, &floats(&case["value"]), 1e-6, "field value");

    let case = &all["jacfwd"]["mlp"];
    let array = |key: &str| floats(&case[key]);
    let mlp = Mlp {
        l1: Linear::from_parts(
            core::array::from_fn(|o| core::array::from_fn(|i| array("w1")[o * 3 + i])),
            array("b1").try_into().unwrap(),
        ),
        l2: Linear::from_parts(
            core::array::from_fn(|o| core::array::from_fn(|i| array("w2")[o * 4 + i])),
            array("b2").try_into().unwrap(),
        ),
    };
    let fixed = backprop::Zero::zero();
    let x: [f32; 3] = array("x").try_into().unwrap();
    let jvpk = |x: &[f32; 3], x_dot: [&[f32; 3]; 3]| mlp.forward_jvpk([&fixed; 3], x, x_dot);
    let got = jacobian_fwd(jvpk, &x);
    assert_close(got.as_flattened(), &array("jacobian"), 1e-5, "mlp");
    assert_close(&mlp.forward(&x), &array("value"), 1e-6, "mlp value");
}

/// The runtime's hand-written K-forms (the value once, the tangent per lane) and the ones built
/// on a hand-written `_jvp` (one call per lane) against the single-tangent `_jvp`.
#[test]
fn runtime_k_forms_equal_single_tangents() {
    use backprop::ops::{
        dot_jvp, dot_jvpk, linear_jvp, linear_jvpk, log_softmax_jvp, log_softmax_jvpk, mul_jvp,
        mul_jvpk, sigmoid_jvp, sigmoid_jvpk, tanh_jvp, tanh_jvpk,
    };
    let mut s = 5;
    let x: [f32; 4] = rnd_array(&mut s);
    let dx: [[f32; 4]; 3] = core::array::from_fn(|_| rnd_array(&mut s));
    let w: [[f32; 4]; 2] = core::array::from_fn(|_| rnd_array(&mut s));
    let dw: [[[f32; 4]; 2]; 3] =
        core::array::from_fn(|_| core::array::from_fn(|_| rnd_array(&mut s)));
    let b: [f32; 2] = rnd_array(&mut s);
    let db: [[f32; 2]; 3] = core::array::from_fn(|_| rnd_array(&mut s));
    fn lanes<T>(a: &[T; 3]) -> [&T; 3] {
        [&a[0], &a[1], &a[2]]
    }
    let (v, t) = linear_jvpk(
        &x,
        lanes(&dx),
        &w,
        [&dw[0], &dw[1], &dw[2]],
        &b,
        [&db[0], &db[1], &db[2]],
    );
    let (v2, t2) = tanh_jvpk(&x, lanes(&dx));
    let (v3, t3) = sigmoid_jvpk(&x, lanes(&dx));
    let (v4, t4) = dot_jvpk(&x, lanes(&dx), &w[0], lanes(&dx));
    let (v5, t5) = log_softmax_jvpk(&x, lanes(&dx));
    let (v6, t6) = mul_jvpk(&x, lanes(&dx), &w[1], lanes(&dx));
    for k in 0..3 {
        assert_eq!(
            (v, t[k]),
            linear_jvp(&x, &dx[k], &w, &dw[k], &b, &db[k]),
            "linear {k}"
        );
        assert_eq!((v2, t2[k]), tanh_jvp(&x, &dx[k]), "tanh {k}");
        assert_eq!((v3, t3[k]), sigmoid_jvp(&x, &dx[k]), "sigmoid {k}");
        assert_eq!((v4, t4[k]), dot_jvp(&x, &dx[k], &w[0], &dx[k]), "dot {k}");
        assert_eq!((v5, t5[k]), log_softmax_jvp(&x, &dx[k]), "log_softmax {k}");
        assert_eq!((v6, t6[k]), mul_jvp(&x, &dx[k], &w[1], &dx[k]), "mul {k}");
    }
}
