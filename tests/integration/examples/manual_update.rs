//! `examples/manual_update.rs` against the same steps in PyTorch
//! (`scripts/tutorial_fixtures.py` wrote `tests/fixtures/tutorials.json`).

#[allow(dead_code)]
#[path = "../../../examples/manual_update.rs"]
mod example;

use super::tutorial_fixture::*;
use backprop::Zero;
use example::{data, loss_and_gradient, momentum_by_hand, sgd_by_hand, train, Model0, X, Y};

/// A few steps on values of order one: only the order of a few float32 roundings differs
/// (sums of three terms, the log-sum-exp).
const RTOL: f32 = 1e-5;
const ATOL: f32 = 1e-6;

#[test]
fn the_example_uses_the_fixture_data_and_weights() {
    let f = fixture("manual_update");
    assert_eq!(X, matrix::<3, 3>(&f["x"]));
    let y: Vec<usize> = f["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(Y.as_slice(), y);
    assert_eq!(Model0::initial(), parameters::<Model0>(&f["initial"]));
    assert_eq!(
        data::LAYER1_WEIGHT,
        matrix::<3, 3>(&f["initial"]["layer1.weight"])
    );
}

#[test]
fn loss_and_gradients_match_pytorch() {
    let f = fixture("manual_update");
    let (l, grads) = loss_and_gradient(&parameters(&f["initial"]));
    assert_close("loss", &[l], &[float(&f["loss"])], RTOL, ATOL);
    assert_parameters_close("gradient of", &grads, &f["grads"], RTOL, ATOL);
}

#[test]
fn the_hand_written_sgd_step_matches_pytorch() {
    let f = fixture("manual_update");
    assert_eq!(float(&f["sgd_lr"]), 0.1);
    let mut model: Model0 = parameters(&f["initial"]);
    let (_, grads) = loss_and_gradient(&model);
    sgd_by_hand(&mut model, &grads, 0.1);
    assert_parameters_close("after p -= lr * grad,", &model, &f["sgd"], RTOL, ATOL);
}

#[test]
fn two_hand_written_momentum_steps_match_pytorch() {
    let f = fixture("manual_update");
    assert_eq!(float(&f["momentum_lr"]), 0.1);
    assert_eq!(float(&f["momentum_gamma"]), 0.9);
    let mut model: Model0 = parameters(&f["initial"]);
    let mut velocity = Model0::zero();
    let mut losses = Vec::new();
    for _ in 0..2 {
        let (l, grads) = loss_and_gradient(&model);
        losses.push(l);
        momentum_by_hand(&mut model, &mut velocity, &grads, 0.1, 0.9);
    }
    assert_close("loss", &losses, &floats(&f["momentum_losses"]), RTOL, ATOL);
    let v = &f["momentum_velocity"];
    assert_parameters_close("velocity of", &velocity, v, RTOL, ATOL);
    assert_parameters_close("after momentum,", &model, &f["momentum"], RTOL, ATOL);
}

/// 100 steps: the few-ulp differences of each step add up, so the tolerance is ten times that
/// of a single step (the observed difference is below 1e-6).
#[test]
fn training_with_sgd_and_momentum_matches_pytorch() {
    let f = fixture("manual_update");
    assert_eq!(float(&f["train_lr"]), 0.01);
    assert_eq!(float(&f["train_momentum"]), 0.9);
    let mut model: Model0 = parameters(&f["initial"]);
    let mut losses = Vec::new();
    train(&mut model, 100, |i, l| {
        assert_eq!(i, losses.len());
        losses.push(l);
    });
    let want = floats(&f["losses"]);
    assert_close("loss", &losses, &want, 10.0 * RTOL, 10.0 * ATOL);
    assert_parameters_close("final", &model, &f["final"], 10.0 * RTOL, 10.0 * ATOL);
    assert!(losses[99] < losses[0] / 4.0, "it trained");
}
