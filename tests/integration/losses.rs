//! The losses against PyTorch (tests/fixtures/losses.json, from scripts/loss_fixtures.py) and
//! against central finite differences.
use backprop::loss::*;
use serde_json::Value;

fn fixtures() -> Vec<Value> {
    let text = include_str!("../fixtures/losses.json");
    let json: Value = serde_json::from_str(text).expect("valid fixture JSON");
    json["cases"].as_array().expect("cases").clone()
}

fn floats(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().expect("a number") as f32],
        other => panic!("not numeric: {other}"),
    }
}

fn array<const N: usize>(v: &Value) -> [f32; N] {
    floats(v).try_into().expect("fixture length")
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-6 + 1e-5 * b.abs()
}

/// Value and gradient of one case, computed by the generated `_grad`.
fn ours(case: &Value) -> (f32, Vec<f32>) {
    let input = &case["input"];
    let consts = &case["consts"];
    let scalar = |k: &str| consts[k].as_f64().expect("a scalar") as f32;
    let index = |k: &str| consts[k].as_u64().expect("an index") as usize;
    match case["name"].as_str().expect("a name") {
        "mse" | "huber" | "smooth_l1" => {
            let (x, t) = (array::<4>(input), array::<4>(&consts["target"]));
            let mut d = [0.0; 4];
            let v = match case["name"].as_str() {
                Some("mse") => mse_grad(&x, &mut d, &t),
                Some("huber") => huber_grad(&x, &mut d, &t, scalar("delta")),
                _ => smooth_l1_grad(&x, &mut d, &t, scalar("beta")),
            };
            (v, d.to_vec())
        }
        "cross_entropy" => {
            let x = array::<3>(input);
            let mut d = [0.0; 3];
            (cross_entropy_grad(&x, &mut d, index("target")), d.to_vec())
        }
        "cross_entropy_batch" => {
            let flat = array::<12>(input);
            let x: [[f32; 3]; 4] =
                core::array::from_fn(|b| core::array::from_fn(|j| flat[3 * b + j]));
            let targets: [usize; 4] =
                core::array::from_fn(|b| consts["targets"][b].as_u64().unwrap() as usize);
            let mut d = [[0.0; 3]; 4];
            (
                cross_entropy_batch_grad(&x, &mut d, &targets),
                d.iter().flatten().copied().collect(),
            )
        }
        "nll_batch" => {
            let flat = array::<9>(input);
            let x: [[f32; 3]; 3] =
                core::array::from_fn(|b| core::array::from_fn(|j| flat[3 * b + j]));
            let targets: [usize; 3] =
                core::array::from_fn(|b| consts["targets"][b].as_u64().unwrap() as usize);
            let mut d = [[0.0; 3]; 3];
            (
                nll_batch_grad(&x, &mut d, &targets),
                d.iter().flatten().copied().collect(),
            )
        }
        "binary_cross_entropy" | "binary_cross_entropy_with_logits" => {
            let (x, t) = (array::<5>(input), array::<5>(&consts["targets"]));
            let mut d = [0.0; 5];
            let v = if case["name"] == "binary_cross_entropy" {
                binary_cross_entropy_grad(&x, &mut d, &t)
            } else {
                binary_cross_entropy_with_logits_grad(&x, &mut d, &t)
            };
            (v, d.to_vec())
        }
        other => panic!("no test for {other}"),
    }
}

#[test]
fn losses_match_pytorch() {
    let cases = fixtures();
    assert!(cases.len() >= 15);
    for case in &cases {
        let (value, grad) = ours(case);
        let expected = case["value"].as_f64().unwrap() as f32;
        let name = &case["name"];
        assert!(
            value.is_finite() && close(value, expected),
            "{name}: value {value} vs {expected}"
        );
        let expected = floats(&case["grad"]);
        assert_eq!(grad.len(), expected.len());
        for (i, (a, b)) in grad.iter().zip(&expected).enumerate() {
            assert!(
                a.is_finite() && close(*a, *b),
                "{name}: grad[{i}] {a} vs {b}"
            );
        }
    }
}

#[test]
fn stable_on_extreme_logits() {
    // log-sum-exp of [1000, 1001, 999] and cross-entropy on [1000, -1000, 0]: finite.
    let mut d = [0.0; 3];
    let l = cross_entropy_grad(&[1000.0, 1001.0, 999.0], &mut d, 1);
    let expected = (1.0f64 + (-1.0f64).exp() + (-2.0f64).exp()).ln() as f32;
    // f32 spacing near 1000 is 6e-5: the result is exact to that.
    assert!((l - expected).abs() < 1e-4, "{l}");
    assert!(d.iter().all(|g| g.is_finite()));
    let mut d = [0.0; 3];
    let l = cross_entropy_grad(&[1000.0, -1000.0, 0.0], &mut d, 2);
    assert_eq!(l, 1000.0);
    assert_eq!(d, [1.0, 0.0, -1.0]);
}

#[test]
fn huber_matches_finite_differences_on_both_sides_of_delta() {
    let x = [0.3f32, -2.5, 1.2, 4.0];
    let t = [0.0f32; 4];
    let mut d = [0.0; 4];
    huber_grad(&x, &mut d, &t, 1.0);
    let eps = 1e-3;
    for i in 0..4 {
        let (mut p, mut m) = (x, x);
        p[i] += eps;
        m[i] -= eps;
        let num = (huber(&p, &t, 1.0) - huber(&m, &t, 1.0)) / (2.0 * eps);
        assert!((d[i] - num).abs() < 1e-3, "{i}: {} vs {num}", d[i]);
    }
}
