//! The linear-model example against the same tutorial run in PyTorch
//! (`scripts/linear_model_fixtures.py` wrote `tests/fixtures/linear_model.json`).

// The example itself, so the test checks the code the example runs (its `main` goes unused).
#[allow(dead_code)]
#[path = "../../../examples/linear_model.rs"]
mod example;

use example::{forward, train, Event, X_DATA, Y_DATA};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../../fixtures/linear_model.json")).expect("valid JSON")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

fn float(v: &Value) -> f32 {
    v.as_f64().expect("a number") as f32
}

/// Equal up to a few f32 roundings: PyTorch takes the SGD step in f64 before rounding to f32.
fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-6 + 1e-5 * b.abs()
}

#[test]
fn same_data_and_hyperparameters_as_the_fixture() {
    let f = fixture();
    assert_eq!(floats(&f["x"]), X_DATA);
    assert_eq!(floats(&f["y"]), Y_DATA);
    assert_eq!(float(&f["w0"]), 1.0);
    assert_eq!(float(&f["lr"]), 0.01);
    assert_eq!(f["epochs"].as_u64(), Some(100));
}

#[test]
fn training_matches_pytorch() {
    let f = fixture();
    let (mut grads, mut losses) = (Vec::new(), Vec::new());
    let w = train(1.0, 0.01, 100, |event| match event {
        Event::Grad { grad, .. } => grads.push(grad),
        Event::Epoch { epoch, loss } => {
            assert_eq!(epoch, losses.len());
            losses.push(loss);
        }
    });

    let (want_grads, want_losses) = (floats(&f["grads"]), floats(&f["losses"]));
    assert_eq!(grads.len(), want_grads.len());
    for (k, (&got, &want)) in grads.iter().zip(&want_grads).enumerate() {
        assert!(close(got, want), "gradient {k}: {got} vs PyTorch {want}");
    }
    assert_eq!(losses.len(), want_losses.len());
    for (k, (&got, &want)) in losses.iter().zip(&want_losses).enumerate() {
        assert!(close(got, want), "epoch {k} loss: {got} vs PyTorch {want}");
    }

    assert!(close(w, float(&f["w"])), "w = {w}");
    let prediction = forward(w, 4.0);
    assert!(close(prediction, float(&f["prediction_after"])));
    assert!((prediction - 8.0).abs() < 1e-3, "prediction {prediction}");
}

#[test]
fn first_gradients_are_the_tutorials() {
    // By hand: d/dw (xw - y)² = 2x(xw - y). At w = 1: 2·1·(1 - 2) = -2, then w = 1.02,
    // 2·2·(2.04 - 4) = -7.84, then w = 1.0984, 2·3·(3.2952 - 6) = -16.2288.
    let mut grads = Vec::new();
    train(1.0, 0.01, 1, |event| {
        if let Event::Grad { grad, .. } = event {
            grads.push(grad);
        }
    });
    assert_eq!(grads[0], -2.0);
    assert!((grads[1] + 7.84).abs() < 1e-5, "{}", grads[1]);
    assert!((grads[2] + 16.2288).abs() < 1e-4, "{}", grads[2]);
}
