//! `examples/two_layer_sigmoid.rs` against PyTorch's autograd on the same network
//! (`scripts/tutorial_fixtures.py` wrote `tests/fixtures/tutorials.json`).

#[allow(dead_code)]
#[path = "../../../examples/two_layer_sigmoid.rs"]
mod example;

use super::tutorial_fixture::*;
use example::{gradients, gradients_by_hand, Net, X, Y};

/// A handful of float32 operations per value; the gradients are as small as 1e-4, so the
/// tolerance is relative, with an absolute floor far below them.
const RTOL: f32 = 1e-5;
const ATOL: f32 = 1e-9;

#[test]
fn the_example_uses_the_fixture_inputs_and_weights() {
    let f = fixture("two_layer_sigmoid");
    assert_eq!(X, array::<3>(&f["x"]));
    assert_eq!(Y, array::<2>(&f["y"]));
    let net = Net::tutorial();
    assert_eq!(net.layer1.weight, matrix::<2, 3>(&f["w1"]));
    assert_eq!(net.layer1.bias, array::<2>(&f["b1"]));
    assert_eq!(net.layer2.weight, matrix::<2, 2>(&f["w2"]));
    assert_eq!(net.layer2.bias, array::<2>(&f["b2"]));
}

#[test]
fn activations_loss_and_every_gradient_match_pytorch() {
    let f = fixture("two_layer_sigmoid");
    let net = Net::tutorial();
    assert_close("h", &net.hidden(&X), &floats(&f["hidden"]), RTOL, ATOL);
    assert_close("out", &net.forward(&X), &floats(&f["output"]), RTOL, ATOL);
    let (l, grads) = gradients(&net);
    assert_close("loss", &[l], &[float(&f["loss"])], RTOL, ATOL);
    assert_parameters_close("gradient of", &grads, &f["grads"], RTOL, ATOL);
}

#[test]
fn the_chain_rule_by_hand_matches_pytorch_too() {
    let f = fixture("two_layer_sigmoid");
    let by_hand = gradients_by_hand(&Net::tutorial());
    assert_parameters_close(
        "hand-derived gradient of",
        &by_hand,
        &f["grads"],
        RTOL,
        ATOL,
    );
}
