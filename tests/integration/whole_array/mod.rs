//! Whole arrays and rows assigned at once (`h = m.cell(&xs[t], &h)`, `q[i] =
//! m.wq.forward(&x[i])`, `h = [a, b]`, `row = m[i]`), against central differences and, for the
//! GRU and the attention, against PyTorch (`scripts/whole_array_fixtures.py`).

pub(crate) mod programs;

use crate::loops::programs::{assert_close, assert_fd, flat, scalar, tensor};
use backprop::nn::Linear;
use backprop::{Parameters, Tensor, Zero};
use programs::*;
use serde_json::Value;
use std::sync::OnceLock;

/// `tests/fixtures/whole_array.json`, written by `scripts/whole_array_fixtures.py`.
fn fixture(name: &str) -> &'static Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    let all = FIXTURES.get_or_init(|| {
        serde_json::from_str(include_str!("../../fixtures/whole_array.json"))
            .expect("valid fixture JSON")
    });
    assert!(all[name].is_object(), "no fixture for `{name}`");
    &all[name]
}

/// A parameter tree from the fixture's tensors, by their names.
fn params<P: Parameters>(json: &Value) -> P {
    let mut p = P::zero();
    for k in 0..P::TENSORS {
        let data = flat(&json[P::name(k)]);
        p.tensor_mut(k).copy_from_slice(&data);
    }
    p
}

/// Asserts every tensor of the gradient `grad` against the fixture's, by name.
#[track_caller]
pub(crate) fn assert_params_torch<P: Parameters>(grad: &P, json: &Value) {
    for k in 0..P::TENSORS {
        let name = P::name(k);
        assert_close(
            &format!("d_{name}"),
            grad.tensor(k),
            &flat(&json[&name]),
            1e-4,
            1e-5,
        );
    }
}

/// Asserts every tensor of the gradient `grad` against central differences of `f` at `p`.
#[track_caller]
pub(crate) fn assert_params_fd<P: Parameters + Copy>(grad: &P, p: &P, f: impl Fn(&P) -> f32) {
    for k in 0..P::TENSORS {
        let (eps, scale) = (1e-2, f(p).abs());
        let numeric: Vec<f32> = (0..p.tensor(k).len())
            .map(|e| {
                let (mut plus, mut minus) = (*p, *p);
                plus.tensor_mut(k)[e] += eps;
                minus.tensor_mut(k)[e] -= eps;
                (f(&plus) - f(&minus)) / (2.0 * eps)
            })
            .collect();
        let what = format!("d_{} (finite differences)", P::name(k));
        assert_close(
            &what,
            grad.tensor(k),
            &numeric,
            1e-2,
            2e-3 + 1e-7 * scale / eps,
        );
    }
}

/// The GRU fixture: the case, the model, the sequence and the initial state.
pub(crate) fn gru_case() -> (&'static Value, Gru, [[f32; D]; T], [f32; H]) {
    let case = fixture("gru");
    let xs = tensor(&case["xs"]);
    let h0 = tensor(&case["h0"]);
    (case, params(&case["params"]), xs, h0)
}

#[test]
fn gru_state_updated_by_a_call() {
    let (case, m, xs, h0) = gru_case();
    let (mut dm, mut dxs, mut dh0) = (Gru::zero(), <[[f32; D]; T]>::zero(), [0.0; H]);
    let v = gru_loss_grad(&m, &mut dm, &xs, &mut dxs, &h0, &mut dh0);
    assert_close("value", &[v], &[scalar(&case["value"])], 1e-5, 1e-5);
    assert_close(
        "value of the plain function",
        &[v],
        &[gru_loss(&m, &xs, &h0)],
        0.0,
        0.0,
    );
    assert_params_torch(&dm, &case["grads"]);
    assert_close("d_xs", dxs.flat(), &flat(&case["grads"]["xs"]), 1e-4, 1e-5);
    assert_close("d_h0", &dh0, &flat(&case["grads"]["h0"]), 1e-4, 1e-5);
    assert_params_fd(&dm, &m, |m| gru_loss(m, &xs, &h0));
    assert_fd("d_xs", dxs.flat(), &xs, |xs| gru_loss(&m, xs, &h0));
    assert_fd("d_h0", &dh0, &h0, |h0| gru_loss(&m, &xs, h0));
}

#[test]
fn gru_split_mode_agrees_with_grad() {
    let (case, m, xs, h0) = gru_case();
    let (mut dm, mut dxs, mut dh0) = (Gru::zero(), <[[f32; D]; T]>::zero(), [0.0; H]);
    let v = gru_loss_vjp(&m, &mut dm, &xs, &mut dxs, &h0, &mut dh0, 0.5);
    assert_close("value", &[v], &[scalar(&case["value"])], 1e-5, 1e-5);
    let half: Vec<f32> = flat(&case["grads"]["xs"]).iter().map(|g| 0.5 * g).collect();
    assert_close("d_xs", dxs.flat(), &half, 1e-4, 1e-5);
}

#[test]
fn attention_rows_filled_by_calls() {
    let case = fixture("attention");
    let m: Attention = params(&case["params"]);
    let x: [[f32; 4]; 3] = tensor(&case["x"]);
    let (mut dm, mut dx) = (Attention::zero(), <[[f32; 4]; 3]>::zero());
    let v = attention_loss_grad(&m, &mut dm, &x, &mut dx);
    assert_close("value", &[v], &[scalar(&case["value"])], 1e-5, 1e-5);
    assert_params_torch(&dm, &case["grads"]);
    assert_close("d_x", dx.flat(), &flat(&case["grads"]["x"]), 1e-4, 1e-5);
    assert_params_fd(&dm, &m, |m| attention_loss(m, &x));
    assert_fd("d_x", dx.flat(), &x, |x| attention_loss(&m, x));
}

#[test]
fn a_layer_applied_to_rows_in_place() {
    let layer = Linear::<3, 3> {
        weight: [[0.5, -0.3, 0.8], [0.1, 0.7, -0.4], [-0.6, 0.2, 0.3]],
        bias: [0.1, -0.2, 0.05],
    };
    let input = [[0.3, -1.1, 0.6], [0.9, 0.2, -0.5]];
    let (mut dl, mut dx) = (Linear::<3, 3>::zero(), <[[f32; 3]; 2]>::zero());
    let v = rows_in_place_grad(&layer, &mut dl, &input, &mut dx);
    assert_close("value", &[v], &[rows_in_place(&layer, &input)], 0.0, 0.0);
    assert_params_fd(&dl, &layer, |l| rows_in_place(l, &input));
    assert_fd("d_input", dx.flat(), &input, |x| rows_in_place(&layer, x));
}

#[test]
fn whole_array_updates_outside_loops() {
    let (v, u) = ([0.7, -0.4, 1.2], [0.3, 0.8, -0.5]);
    let (mut dv, mut du) = ([0.0; 3], [0.0; 3]);
    let value = straight_line_grad(&v, &mut dv, &u, &mut du);
    assert_close("value", &[value], &[straight_line(&v, &u)], 0.0, 0.0);
    assert_fd("d_v", &dv, &v, |v| straight_line(v, &u));
    assert_fd("d_u", &du, &u, |u| straight_line(&v, u));
    // Forward mode along a direction: the tangent is the gradient dotted with it.
    let (v_dot, u_dot) = ([0.5, -1.0, 0.25], [1.0, 0.5, -0.75]);
    let (jvp_value, tangent) = straight_line_jvp(&v, &v_dot, &u, &u_dot);
    assert_close("value of _jvp", &[jvp_value], &[value], 0.0, 0.0);
    let along: f32 = (0..3).map(|i| dv[i] * v_dot[i] + du[i] * u_dot[i]).sum();
    assert_close("tangent", &[tangent], &[along], 1e-4, 1e-5);
}

#[test]
fn literals_rows_and_repeats_in_loops() {
    let m = [[0.8, -0.3], [-0.2, 0.5], [0.4, 0.9], [1.1, -0.7]];
    let w = 0.6;
    let mut dm = <[[f32; 2]; 4]>::zero();
    let (value, dw) = literals_and_rows_grad(&m, &mut dm, w);
    assert_close("value", &[value], &[literals_and_rows(&m, w)], 0.0, 0.0);
    assert_fd("d_m", dm.flat(), &m, |m| literals_and_rows(m, w));
    assert_fd("d_w", &[dw], &w, |&w| literals_and_rows(&m, w));
}
