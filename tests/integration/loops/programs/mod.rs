//! Shared by the loop tests, the allocation test and the benches: the differentiable programs,
//! hand-written gradients for comparison, and the PyTorch fixtures.
#![allow(dead_code)]

pub mod adbench;
pub mod gmm;
pub mod mlp;
pub mod small;

use backprop::nn::Linear;
use backprop::Tensor;
use gmm::gmm_constant;
use mlp::Model0;
use serde_json::Value;
use std::sync::OnceLock;

/// `tests/fixtures/loops.json`, written by `scripts/loop_fixtures.py` (PyTorch, float32).
pub fn fixtures() -> &'static Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        serde_json::from_str(include_str!("../../../fixtures/loops.json"))
            .expect("valid fixture JSON")
    })
}

/// The fixture of one small program.
pub fn small_case(name: &str) -> &'static Value {
    let case = &fixtures()["small"][name];
    assert!(case.is_object(), "no fixture for `{name}`");
    case
}

/// Every number in a (nested) JSON array, row-major.
pub fn flat(v: &Value) -> Vec<f32> {
    match v {
        Value::Number(n) => vec![n.as_f64().expect("a number") as f32],
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        other => panic!("not a number or an array: {other}"),
    }
}

/// A JSON number or (nested) array as the tensor type `T`, checking the element count.
pub fn tensor<T: Tensor>(v: &Value) -> T {
    let data = flat(v);
    assert_eq!(
        data.len(),
        T::LEN,
        "fixture has {} numbers, the type {}",
        data.len(),
        T::LEN
    );
    let mut t = T::zero();
    t.flat_mut().copy_from_slice(&data);
    t
}

/// A JSON number as `f32`.
pub fn scalar(v: &Value) -> f32 {
    v.as_f64().expect("a number") as f32
}

/// Asserts `|got - want| <= atol + rtol * |want|` elementwise.
#[track_caller]
pub fn assert_close(what: &str, got: &[f32], want: &[f32], rtol: f32, atol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what}[{i}]: got {g}, expected {w}\n  got:      {got:?}\n  expected: {want:?}"
        );
    }
}

/// Asserts a generated value and gradient match PyTorch's (float32, so a few ulps of summation
/// order apart).
#[track_caller]
pub fn assert_torch(case: &Value, value: f32, grads: &[(&str, &[f32])]) {
    assert_close("value", &[value], &[scalar(&case["value"])], 1e-5, 1e-5);
    for (name, got) in grads {
        let want = flat(&case["grads"][*name]);
        assert_close(&format!("d_{name}"), got, &want, 1e-4, 1e-5);
    }
}

/// The central-difference gradient of `f` at `x` (step `eps` in every element in turn).
pub fn central_diff<T: Tensor>(x: &T, eps: f32, f: impl Fn(&T) -> f32) -> Vec<f32> {
    (0..T::LEN)
        .map(|k| {
            let mut plus = *x;
            plus.flat_mut()[k] += eps;
            let mut minus = *x;
            minus.flat_mut()[k] -= eps;
            (f(&plus) - f(&minus)) / (2.0 * eps)
        })
        .collect()
}

/// Asserts a gradient matches central differences of `f`. The steps are float32, so the
/// absolute tolerance grows with `|f(x)|`: rounding `f` costs about `|f| 2^-24 / eps`.
#[track_caller]
pub fn assert_fd<T: Tensor>(what: &str, grad: &[f32], x: &T, f: impl Fn(&T) -> f32) {
    assert_fd_step(what, grad, x, 1e-2, f);
}

/// [`assert_fd`] with a chosen step (smaller near kinks such as ReLU's).
#[track_caller]
pub fn assert_fd_step<T: Tensor>(what: &str, grad: &[f32], x: &T, eps: f32, f: impl Fn(&T) -> f32) {
    let scale = f(x).abs();
    let num = central_diff(x, eps, f);
    assert_close(what, grad, &num, 1e-2, 2e-3 + 1e-7 * scale / eps);
}

/// The tutorial's Model0 with the weights PyTorch initialised, the batch, and its targets.
pub fn model0_inputs() -> (Model0, [[f32; 3]; 3], [usize; 3]) {
    let f = &fixtures()["model0"];
    let p = &f["params"];
    let m = Model0 {
        l1: Linear {
            weight: tensor(&p["l1.weight"]),
            bias: tensor(&p["l1.bias"]),
        },
        l2: Linear {
            weight: tensor(&p["l2.weight"]),
            bias: tensor(&p["l2.bias"]),
        },
        l3: Linear {
            weight: tensor(&p["l3.weight"]),
            bias: tensor(&p["l3.bias"]),
        },
    };
    let x = tensor(&f["x"]);
    let mut targets = [0; 3];
    for (b, t) in f["targets"].as_array().expect("targets").iter().enumerate() {
        targets[b] = t.as_u64().expect("a class index") as usize;
    }
    (m, x, targets)
}

/// The fixture's inputs for one size.
pub struct GmmInputs<const D: usize, const K: usize, const N: usize, const L: usize> {
    /// `[K]`
    pub alphas: [f32; K],
    /// `[K, D]`
    pub means: [[f32; D]; K],
    /// `[K, L]`
    pub icf: [[f32; L]; K],
    /// `[N, D]`
    pub x: [[f32; D]; N],
    /// Wishart `gamma`.
    pub gamma: f32,
    /// Wishart `m`.
    pub m: f32,
    /// [`gmm_constant`] for these sizes.
    pub constant: f32,
}

/// The inputs of fixture `name` (`gmm_d2`, `gmm_d10`).
pub fn gmm_inputs<const D: usize, const K: usize, const N: usize, const L: usize>(
    name: &str,
) -> GmmInputs<D, K, N, L> {
    let i = &fixtures()[name]["inputs"];
    let (gamma, m) = (scalar(&i["gamma"]), scalar(&i["m"]));
    GmmInputs {
        alphas: tensor(&i["alphas"]),
        means: tensor(&i["means"]),
        icf: tensor(&i["icf"]),
        x: tensor(&i["x"]),
        gamma,
        m,
        constant: gmm_constant(D, K, N, gamma, m, scalar(&i["multigammaln"])),
    }
}
