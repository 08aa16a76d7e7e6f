//! `examples/simple_network.rs` against the same step in PyTorch
//! (`scripts/tutorial_fixtures.py` wrote `tests/fixtures/tutorials.json`).

// The example itself, so the test checks the code the example runs (its `main` goes unused).
#[allow(dead_code)]
#[path = "../../../examples/simple_network.rs"]
mod example;

use super::tutorial_fixture::*;
use backprop::Zero;
use example::{data, loss, loss_grad, optimizer, train_step, SimpleNet};

/// One step: only the summation order differs from PyTorch (its GEMM blocks the sums), a few
/// float32 roundings on values of order one.
const RTOL: f32 = 1e-5;
const ATOL: f32 = 1e-6;

#[test]
fn the_example_embeds_the_fixture_data_and_weights() {
    let f = fixture("simple_network");
    assert_eq!(data::X, matrix::<5, 10>(&f["x"]));
    assert_eq!(data::Y, matrix::<5, 1>(&f["y"]));
    assert_eq!(SimpleNet::initial(), parameters::<SimpleNet>(&f["initial"]));
    assert_eq!(float(&f["lr"]), 0.01);
}

#[test]
fn forward_loss_and_gradients_match_pytorch() {
    let f = fixture("simple_network");
    let model = parameters::<SimpleNet>(&f["initial"]);
    let (x, y) = (matrix::<5, 10>(&f["x"]), matrix::<5, 1>(&f["y"]));
    let outputs: Vec<f32> = x.iter().map(|x| model.forward(x)[0]).collect();
    assert_close("output", &outputs, &floats(&f["output"]), RTOL, ATOL);

    let mut grads = SimpleNet::zero();
    let l = loss_grad(&model, &mut grads, &x, &y);
    assert_close("loss", &[l], &[float(&f["loss"])], RTOL, ATOL);
    assert_parameters_close("gradient of", &grads, &f["grads"], RTOL, ATOL);
}

#[test]
fn one_sgd_step_matches_pytorch() {
    let f = fixture("simple_network");
    let mut model = parameters::<SimpleNet>(&f["initial"]);
    let (x, y) = (matrix::<5, 10>(&f["x"]), matrix::<5, 1>(&f["y"]));
    let mut grads = SimpleNet::zero();
    let mut opt = optimizer();
    let l = train_step(&mut model, &mut grads, &mut opt, &x, &y);
    assert_close("loss", &[l], &[float(&f["loss"])], RTOL, ATOL);
    assert_parameters_close("after the step,", &model, &f["after"], RTOL, ATOL);
    let after = loss(&model, &x, &y);
    assert_close(
        "loss after",
        &[after],
        &[float(&f["loss_after"])],
        RTOL,
        ATOL,
    );
    // The step went downhill.
    assert!(after < l);
}
