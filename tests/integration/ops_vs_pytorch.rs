//! The primitives of `backprop::ops` against PyTorch: tests/fixtures/ops.json, written by
//! scripts/ops_fixtures.py, holds for each case the inputs, a random upstream cotangent `d_out`,
//! and PyTorch's value and gradients (computed in float64 from the same float32 inputs).
use backprop::ops::{self, scalar};
use backprop::{Tensor, Zero};
use serde_json::Value;
use std::collections::BTreeSet;

/// `|got - want| <= RTOL (|want| + scale) + ATOL`: float32 against exact answers. `scale` is 0,
/// except for the products (dot, matvec, matmul, ...), whose entries are sums that may cancel:
/// there float32 rounding is relative to the size of the terms, so `scale` is the root mean
/// square of the expected tensor.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

fn fixtures() -> Vec<Value> {
    let json: Value =
        serde_json::from_str(include_str!("../fixtures/ops.json")).expect("valid JSON");
    json["cases"].as_array().expect("a list of cases").clone()
}

fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().expect("a number")],
        other => panic!("not numeric: {other}"),
    }
}

fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(items) => {
            let mut dims = vec![items.len()];
            dims.extend(items.first().map(shape).unwrap_or_default());
            dims
        }
        _ => Vec::new(),
    }
}

/// One fixture case, read into the types the primitives take.
struct Case<'a> {
    json: &'a Value,
    name: &'a str,
    /// Whether the outputs are sums of products (see [`RTOL`]).
    sums: bool,
}

impl Case<'_> {
    fn tensor<T: Tensor>(&self, v: &Value) -> T {
        assert_eq!(shape(v), T::SHAPE.dims(), "{}: fixture shape", self.name);
        let mut t = T::zero();
        for (x, f) in t.flat_mut().iter_mut().zip(floats(v)) {
            *x = f as f32;
        }
        t
    }
    fn input<T: Tensor>(&self, key: &str) -> T {
        self.tensor(&self.json["inputs"][key])
    }
    fn scalar(&self, key: &str) -> f32 {
        self.json["scalars"][key].as_f64().expect("a scalar input") as f32
    }
    fn d_out<T: Tensor>(&self) -> T {
        self.tensor(&self.json["d_out"])
    }
    fn assert_close<T: Tensor>(&self, what: &str, got: &T, want: &Value) {
        let want = floats(want);
        assert_eq!(want.len(), T::LEN, "{}: {what} length", self.name);
        let scale = if self.sums {
            (want.iter().map(|w| w * w).sum::<f64>() / want.len() as f64).sqrt()
        } else {
            0.0
        };
        for (i, (g, w)) in got.flat().iter().zip(&want).enumerate() {
            let err = (f64::from(*g) - w).abs();
            assert!(
                err <= RTOL * (w.abs() + scale) + ATOL,
                "{}: {what}[{i}] = {g}, PyTorch says {w}",
                self.name
            );
        }
    }
    fn assert_out<T: Tensor>(&self, got: &T) {
        self.assert_close("value", got, &self.json["out"]);
    }
    fn assert_grad<T: Tensor>(&self, key: &str, got: &T) {
        self.assert_close(&format!("gradient of {key}"), got, &self.json["grads"][key]);
    }
}

/// Replays a unary element-wise activation (array form and scalar form) on a tensor `T`.
fn activation<T: Tensor>(
    c: &Case,
    vjp: fn(&T, &mut T, &T) -> T,
    scalar_vjp: fn(f32, f32) -> (f32, f32),
) {
    let (x, d_out): (T, T) = (c.input("x"), c.d_out());
    let mut d_x = T::zero();
    c.assert_out(&vjp(&x, &mut d_x, &d_out));
    c.assert_grad("x", &d_x);

    let (mut y, mut d_x) = (T::zero(), T::zero());
    for i in 0..T::LEN {
        (y.flat_mut()[i], d_x.flat_mut()[i]) = scalar_vjp(x.flat()[i], d_out.flat()[i]);
    }
    c.assert_out(&y);
    c.assert_grad("x", &d_x);
}

fn unary<T: Tensor>(c: &Case, op: &str) {
    match op {
        "relu" => activation::<T>(c, ops::relu_vjp, scalar::relu_vjp),
        "sigmoid" => activation::<T>(c, ops::sigmoid_vjp, scalar::sigmoid_vjp),
        "tanh" => activation::<T>(c, ops::tanh_vjp, scalar::tanh_vjp),
        "softplus" => activation::<T>(c, ops::softplus_vjp, scalar::softplus_vjp),
        "gelu" => activation::<T>(c, ops::gelu_vjp, scalar::gelu_vjp),
        _ => unreachable!(),
    }
}

fn leaky_relu<T: Tensor>(c: &Case) {
    let (x, slope, d_out): (T, f32, T) = (c.input("x"), c.scalar("slope"), c.d_out());
    let mut d_x = T::zero();
    let (y, d_slope) = ops::leaky_relu_vjp(&x, &mut d_x, slope, &d_out);
    c.assert_out(&y);
    c.assert_grad("x", &d_x);
    c.assert_grad("slope", &d_slope);

    let mut sum_d_slope = 0.0;
    for i in 0..T::LEN {
        let (y_i, d_x_i, d_s) = scalar::leaky_relu_vjp(x.flat()[i], slope, d_out.flat()[i]);
        assert_eq!(
            (y_i, d_x_i),
            (y.flat()[i], d_x.flat()[i]),
            "{}: scalar form",
            c.name
        );
        sum_d_slope += d_s;
    }
    c.assert_grad("slope", &sum_d_slope);
}

fn sum_or_mean<T: Tensor>(c: &Case, vjp: fn(&T, &mut T, f32) -> f32) {
    let x: T = c.input("x");
    let mut d_x = T::zero();
    c.assert_out(&vjp(&x, &mut d_x, c.d_out()));
    c.assert_grad("x", &d_x);
}

fn binary<T: Tensor>(c: &Case, vjp: fn(&T, &mut T, &T, &mut T, &T) -> T) {
    let (a, b, d_out): (T, T, T) = (c.input("a"), c.input("b"), c.d_out());
    let (mut d_a, mut d_b) = (T::zero(), T::zero());
    c.assert_out(&vjp(&a, &mut d_a, &b, &mut d_b, &d_out));
    c.assert_grad("a", &d_a);
    c.assert_grad("b", &d_b);
}

fn matmul<const M: usize, const K: usize, const N: usize>(c: &Case) {
    let (a, b): ([[f32; K]; M], [[f32; N]; K]) = (c.input("a"), c.input("b"));
    let (mut d_a, mut d_b) = (Zero::zero(), Zero::zero());
    c.assert_out(&ops::matmul_vjp(&a, &mut d_a, &b, &mut d_b, &c.d_out()));
    c.assert_grad("a", &d_a);
    c.assert_grad("b", &d_b);
}

fn linear_batch<const B: usize, const IN: usize, const OUT: usize>(c: &Case) {
    let x: [[f32; IN]; B] = c.input("input");
    let (w, b): ([[f32; IN]; OUT], [f32; OUT]) = (c.input("weight"), c.input("bias"));
    let (mut d_x, mut d_w, mut d_b) = (Zero::zero(), Zero::zero(), Zero::zero());
    c.assert_out(&ops::linear_batch_vjp(
        &x,
        &mut d_x,
        &w,
        &mut d_w,
        &b,
        &mut d_b,
        &c.d_out(),
    ));
    c.assert_grad("input", &d_x);
    c.assert_grad("weight", &d_w);
    c.assert_grad("bias", &d_b);

    // The caller-buffer forms compute the same.
    let mut out = Zero::zero();
    ops::linear_batch_into(&x, &w, &b, &mut out);
    c.assert_out(&out);
    let (mut d_x, mut d_w, mut d_b) = (Zero::zero(), Zero::zero(), Zero::zero());
    ops::linear_batch_backward(
        &x,
        Some(&mut d_x),
        &w,
        Some(&mut d_w),
        Some(&mut d_b),
        &c.d_out(),
    );
    c.assert_grad("input", &d_x);
    c.assert_grad("weight", &d_w);
    c.assert_grad("bias", &d_b);
}

fn row<const N: usize>(c: &Case, op: &str) {
    let x: [f32; N] = c.input("x");
    let mut d_x = [0.0; N];
    match op {
        "log_sum_exp" => c.assert_out(&ops::log_sum_exp_vjp(&x, &mut d_x, c.d_out())),
        "softmax" => c.assert_out(&ops::softmax_vjp(&x, &mut d_x, &c.d_out())),
        "log_softmax" => c.assert_out(&ops::log_softmax_vjp(&x, &mut d_x, &c.d_out())),
        "cross_entropy" => {
            // loss = -log_softmax(x)[target], so its cotangent on log_softmax is -d_out there.
            let target = c.json["consts"]["target"].as_u64().expect("a class index") as usize;
            let mut d_log_p = [0.0; N];
            d_log_p[target] = -c.d_out::<f32>();
            let log_p = ops::log_softmax_vjp(&x, &mut d_x, &d_log_p);
            c.assert_out(&-log_p[target]);
        }
        _ => unreachable!(),
    }
    c.assert_grad("x", &d_x);
}

fn replay(c: &Case) {
    type V = [f32; 16];
    type Batch = [[f32; 5]; 4];
    type M = [[f32; 4]; 3];
    let op = c.json["op"].as_str().expect("an op");
    let batch = c.name.ends_with("_batch");
    match (op, c.name) {
        ("dot", _) => {
            let (a, b): ([f32; 7], [f32; 7]) = (c.input("a"), c.input("b"));
            let (mut d_a, mut d_b) = ([0.0; 7], [0.0; 7]);
            c.assert_out(&ops::dot_vjp(&a, &mut d_a, &b, &mut d_b, c.d_out()));
            c.assert_grad("a", &d_a);
            c.assert_grad("b", &d_b);
        }
        ("matvec", _) => {
            let (w, x): ([[f32; 7]; 5], [f32; 7]) = (c.input("w"), c.input("x"));
            let (mut d_w, mut d_x) = (Zero::zero(), [0.0; 7]);
            c.assert_out(&ops::matvec_vjp(&w, &mut d_w, &x, &mut d_x, &c.d_out()));
            c.assert_grad("w", &d_w);
            c.assert_grad("x", &d_x);
        }
        ("linear", _) => {
            let x: [f32; 7] = c.input("input");
            let (w, b): ([[f32; 7]; 5], [f32; 5]) = (c.input("weight"), c.input("bias"));
            let (mut d_x, mut d_w, mut d_b) = ([0.0; 7], Zero::zero(), [0.0; 5]);
            c.assert_out(&ops::linear_vjp(
                &x,
                &mut d_x,
                &w,
                &mut d_w,
                &b,
                &mut d_b,
                &c.d_out(),
            ));
            c.assert_grad("input", &d_x);
            c.assert_grad("weight", &d_w);
            c.assert_grad("bias", &d_b);
        }
        ("matmul", "matmul") => matmul::<4, 6, 3>(c),
        ("matmul", "matmul_tall") => matmul::<33, 17, 9>(c),
        ("linear_batch", "linear_batch") => linear_batch::<8, 20, 6>(c),
        ("linear_batch", "linear_batch_wide") => linear_batch::<32, 48, 16>(c),
        ("sum", "sum_vector") => sum_or_mean::<[f32; 5]>(c, ops::sum_vjp),
        ("sum", "sum_batch") => sum_or_mean::<M>(c, ops::sum_vjp),
        ("mean", "mean_vector") => sum_or_mean::<[f32; 5]>(c, ops::mean_vjp),
        ("mean", "mean_batch") => sum_or_mean::<M>(c, ops::mean_vjp),
        ("add", _) => binary::<M>(c, ops::add_vjp),
        ("sub", _) => binary::<M>(c, ops::sub_vjp),
        ("mul", _) => binary::<M>(c, ops::mul_vjp),
        ("scale", _) => {
            let (x, s, d_out): (M, f32, M) = (c.input("x"), c.scalar("s"), c.d_out());
            let mut d_x = M::zero();
            let (y, d_s) = ops::scale_vjp(&x, &mut d_x, s, &d_out);
            c.assert_out(&y);
            c.assert_grad("x", &d_x);
            c.assert_grad("s", &d_s);
        }
        ("leaky_relu", _) if batch => leaky_relu::<Batch>(c),
        ("leaky_relu", _) => leaky_relu::<V>(c),
        ("relu" | "sigmoid" | "tanh" | "softplus" | "gelu", _) => {
            if batch {
                unary::<Batch>(c, op);
            } else {
                unary::<V>(c, op);
            }
        }
        ("log_sum_exp" | "softmax" | "log_softmax" | "cross_entropy", _) => {
            match shape(&c.json["inputs"]["x"]).as_slice() {
                [3] => row::<3>(c, op),
                [6] => row::<6>(c, op),
                other => panic!("{}: no replay for a row of shape {other:?}", c.name),
            }
        }
        _ => panic!("{}: no replay for op {op}", c.name),
    }
}

#[test]
fn every_primitive_matches_pytorch() {
    let cases = fixtures();
    let mut ops_seen = BTreeSet::new();
    for json in &cases {
        let name = json["name"].as_str().expect("a name");
        let op = json["op"].as_str().expect("an op");
        let sums = ["dot", "matvec", "linear", "matmul", "linear_batch"].contains(&op);
        replay(&Case { json, name, sums });
        ops_seen.insert(op.to_owned());
    }
    // Every primitive family of the fixture script is here, with its stability cases.
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    assert_eq!(ops_seen.len(), 21, "ops replayed: {ops_seen:?}");
    for name in [
        "log_softmax_far_apart",
        "log_sum_exp_near_1000",
        "cross_entropy_far_apart_1",
    ] {
        assert!(
            cases.iter().any(|c| c["name"] == name),
            "missing the stability case {name}"
        );
    }
}
