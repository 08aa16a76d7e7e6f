//! Multilayer perceptrons written with loops, against PyTorch (`scripts/loop_fixtures.py`).

use super::programs::mlp::*;
use super::programs::*;
use backprop::{Parameters, Tensor, Zero};

/// Compares a Model0 gradient with PyTorch's, tensor by tensor, matched by their
/// `#[derive(Parameters)]` names (`l1.weight`, ...), which are PyTorch's `state_dict` keys.
#[track_caller]
fn assert_model0_torch(value: f32, g: &Model0) {
    let f = &fixtures()["model0"];
    assert_close("loss", &[value], &[scalar(&f["value"])], 1e-5, 1e-6);
    assert_eq!(
        Model0::TENSORS,
        f["grads"].as_object().expect("grads").len()
    );
    for k in 0..Model0::TENSORS {
        let name = Model0::name(k);
        assert_close(&name, g.tensor(k), &flat(&f["grads"][&name]), 1e-4, 1e-6);
    }
}

// The running maximum with `if` records one branch decision per iteration; a log-sum-exp's
// gradient does not depend on which element the shift `mx` came from (its contributions cancel),
// so this also checks that the shift's adjoint cancels.
#[test]
fn model0_cross_entropy_running_max_with_if() {
    let (m, x, targets) = model0_inputs();
    let mut g = Model0::zero();
    let v = model0_loss_grad(&m, &mut g, &x, &targets);
    assert_model0_torch(v, &g);
}

#[test]
fn model0_cross_entropy_matches_pytorch() {
    let (m, x, targets) = model0_inputs();
    let mut g = Model0::zero();
    let v = model0_loss_fmax_grad(&m, &mut g, &x, &targets);
    assert_model0_torch(v, &g);
    assert_eq!(v, model0_loss_fmax(&m, &x, &targets));
}

#[test]
fn model0_hand_written_gradient_matches_pytorch() {
    let (m, x, targets) = model0_inputs();
    let mut g = Model0::zero();
    let v = model0_loss_grad_hand(&m, &mut g, &x, &targets);
    assert_model0_torch(v, &g);
}

#[test]
fn model0_finite_differences() {
    // steps of 1e-3: the batch's inputs reach 6, so a larger step could cross a ReLU kink
    let (m, x, targets) = model0_inputs();
    let mut g = Model0::zero();
    model0_loss_fmax_grad(&m, &mut g, &x, &targets);
    let l1w = m.l1.weight;
    assert_fd_step("d_l1.weight", g.l1.weight.flat(), &l1w, 1e-3, |w| {
        let mut m = m;
        m.l1.weight = *w;
        model0_loss_fmax(&m, &x, &targets)
    });
    assert_fd_step("d_l2.bias", &g.l2.bias, &m.l2.bias, 1e-3, |b| {
        let mut m = m;
        m.l2.bias = *b;
        model0_loss_fmax(&m, &x, &targets)
    });
    assert_fd_step("d_l3.weight", g.l3.weight.flat(), &m.l3.weight, 1e-3, |w| {
        let mut m = m;
        m.l3.weight = *w;
        model0_loss_fmax(&m, &x, &targets)
    });
}

/// Inputs of the sigmoid network (the fixture's).
struct Sigmoid {
    w1: [[f32; 3]; 2],
    b1: [f32; 2],
    w2: [[f32; 2]; 2],
    b2: [f32; 2],
    x: [f32; 3],
    y: [f32; 2],
}

fn sigmoid_inputs() -> Sigmoid {
    let i = &fixtures()["sigmoid_mlp"]["inputs"];
    Sigmoid {
        w1: tensor(&i["w1"]),
        b1: tensor(&i["b1"]),
        w2: tensor(&i["w2"]),
        b2: tensor(&i["b2"]),
        x: tensor(&i["x"]),
        y: tensor(&i["y"]),
    }
}

#[test]
fn sigmoid_mlp_mse_matches_pytorch() {
    let Sigmoid {
        w1,
        b1,
        w2,
        b2,
        x,
        y,
    } = sigmoid_inputs();
    let (mut dw1, mut db1) = (<[[f32; 3]; 2]>::zero(), [0.0; 2]);
    let (mut dw2, mut db2) = (<[[f32; 2]; 2]>::zero(), [0.0; 2]);
    let v = sigmoid_mlp_grad(
        &w1, &mut dw1, &b1, &mut db1, &w2, &mut dw2, &b2, &mut db2, &x, &y,
    );
    let case = &fixtures()["sigmoid_mlp"];
    let grads: [(&str, &[f32]); 4] = [
        ("w1", dw1.flat()),
        ("b1", &db1),
        ("w2", dw2.flat()),
        ("b2", &db2),
    ];
    assert_torch(case, v, &grads);
    assert_fd("d_w1", dw1.flat(), &w1, |w1| {
        sigmoid_mlp(w1, &b1, &w2, &b2, &x, &y)
    });
    assert_fd("d_w2", dw2.flat(), &w2, |w2| {
        sigmoid_mlp(&w1, &b1, w2, &b2, &x, &y)
    });
    assert_fd("d_b2", &db2, &b2, |b2| {
        sigmoid_mlp(&w1, &b1, &w2, b2, &x, &y)
    });
}

#[test]
fn sigmoid_mlp_vjp_gives_input_and_target_gradients() {
    let Sigmoid {
        w1,
        b1,
        w2,
        b2,
        x,
        y,
    } = sigmoid_inputs();
    let (mut dw1, mut db1) = (<[[f32; 3]; 2]>::zero(), [0.0; 2]);
    let (mut dw2, mut db2) = (<[[f32; 2]; 2]>::zero(), [0.0; 2]);
    let (mut dx, mut dy) = ([0.0; 3], [0.0; 2]);
    let v = sigmoid_mlp_vjp(
        &w1, &mut dw1, &b1, &mut db1, &w2, &mut dw2, &b2, &mut db2, &x, &mut dx, &y, &mut dy, 1.0,
    );
    let case = &fixtures()["sigmoid_mlp"];
    assert_torch(case, v, &[("x", &dx), ("y", &dy), ("b1", &db1)]);
}
