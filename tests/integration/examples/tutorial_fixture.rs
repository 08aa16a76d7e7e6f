//! Reading `tests/fixtures/tutorials.json` (written by `scripts/tutorial_fixtures.py` with
//! PyTorch) and comparing against it.

// Each tutorial test uses a part of this module.
#![allow(dead_code)]

use backprop::Parameters;
use serde_json::Value;

/// The fixture of one tutorial.
pub fn fixture(tutorial: &str) -> Value {
    let all: Value =
        serde_json::from_str(include_str!("../../fixtures/tutorials.json")).expect("valid JSON");
    all[tutorial].clone()
}

/// Every number of a (nested) JSON array, in row-major order, as `f32` (exact: PyTorch's
/// float32 values are stored as the `f64`s they convert to).
pub fn floats(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().expect("a number") as f32],
        other => panic!("not a number or an array: {other}"),
    }
}

/// One number.
pub fn float(v: &Value) -> f32 {
    v.as_f64().expect("a number") as f32
}

/// A `[f32; N]` from a JSON array of `N` numbers (nested arrays are flattened).
pub fn array<const N: usize>(v: &Value) -> [f32; N] {
    floats(v).try_into().expect("the fixture's length")
}

/// A `[[f32; C]; R]` from a JSON array of `R` rows.
pub fn matrix<const R: usize, const C: usize>(v: &Value) -> [[f32; C]; R] {
    let rows: Vec<[f32; C]> = v
        .as_array()
        .expect("an array of rows")
        .iter()
        .map(array)
        .collect();
    rows.try_into().expect("the fixture's row count")
}

/// A parameter tree from a JSON object of tensors keyed by their PyTorch names.
pub fn parameters<P: Parameters>(tensors: &Value) -> P {
    let mut p = P::zero();
    for k in 0..P::TENSORS {
        let want = floats(&tensors[P::name(k).as_str()]);
        assert_eq!(want.len(), p.tensor(k).len(), "{}", P::name(k));
        p.tensor_mut(k).copy_from_slice(&want);
    }
    p
}

/// `|got - want| <= atol + rtol |want|`, element by element.
pub fn assert_close(what: &str, got: &[f32], want: &[f32], rtol: f32, atol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what}[{i}]: {g} vs PyTorch {w} (difference {})",
            (g - w).abs()
        );
    }
}

/// Every tensor of `got` close to the fixture's tensor of the same name.
pub fn assert_parameters_close<P: Parameters>(
    what: &str,
    got: &P,
    want: &Value,
    rtol: f32,
    atol: f32,
) {
    for k in 0..P::TENSORS {
        let name = P::name(k);
        assert_close(
            &format!("{what} {name}"),
            got.tensor(k),
            &floats(&want[name.as_str()]),
            rtol,
            atol,
        );
    }
}
