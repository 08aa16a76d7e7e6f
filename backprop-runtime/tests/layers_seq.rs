//! The recurrent cells against PyTorch: one step and the sequence form, forward and every
//! gradient (weights, biases, input, initial state), from `scripts/layers_seq_fixtures.py`;
//! the same gradients against central differences; and PyTorch-saved `state_dict`s loaded.

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::nn::{GRUCell, LSTMCell, RNNCell};
use backprop::{io, Parameters, Zero};
use backprop_runtime as backprop;
use fixture::{assert_close, assert_grads, layer as cell, tensor, weighted};
use serde_json::Value;

mod fixture;

const IN: usize = 3;
const H: usize = 4;
const B: usize = 2;
const T: usize = 5;

fn fixtures() -> Value {
    let text = include_str!("fixtures/layers_seq.json");
    serde_json::from_str(text).expect("the fixture is JSON")
}

/// The tests of a cell whose state is its hidden state alone, in a module of their own.
macro_rules! hidden_state_cell_tests {
    ($module:ident, $cell:ident, $kind:literal) => {
        mod $module {
            use super::*;

            #[derive(backprop::Parameters)]
            struct Seq {
                cell: $cell<IN, H>,
                x: [[[f32; IN]; T]; B],
                h0: [[f32; H]; B],
            }

            #[test]
            fn step_matches_pytorch() {
                let f = &fixtures()[$kind];
                let s = &f["step"];
                let c: $cell<IN, H> = cell(&f["params"]);
                let (x, h): ([[f32; IN]; B], [[f32; H]; B]) = (tensor(&s["x"]), tensor(&s["h"]));
                let d_out: [[f32; H]; B] = tensor(&s["d_h_new"]);
                let mut d_cell = $cell::zero();
                let (mut d_x, mut d_h) = ([[0.0; IN]; B], [[0.0; H]; B]);
                let y = c.forward_vjp(&mut d_cell, &x, &mut d_x, &h, &mut d_h, &d_out);
                assert_eq!(y, c.forward(&x, &h));
                assert_close(y.as_flattened(), &s["h_new"], "h'");
                assert_close(d_x.as_flattened(), &s["d_x"], "d_x");
                assert_close(d_h.as_flattened(), &s["d_h"], "d_h");
                assert_grads(&d_cell, &s["grads"], "step");
            }

            #[test]
            fn sequence_matches_pytorch() {
                let f = &fixtures()[$kind];
                let s = &f["seq"];
                let c: $cell<IN, H> = cell(&f["params"]);
                let (x, h0): ([[[f32; IN]; T]; B], [[f32; H]; B]) =
                    (tensor(&s["x"]), tensor(&s["h0"]));
                let d_out: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
                let mut d_cell = $cell::zero();
                let (mut d_x, mut d_h0) = ([[[0.0; IN]; T]; B], [[0.0; H]; B]);
                let y = c.forward_seq_vjp(&mut d_cell, &x, &mut d_x, &h0, &mut d_h0, &d_out);
                assert_eq!(y, c.forward_seq(&x, &h0));
                assert_close(y.as_flattened().as_flattened(), &s["out"], "output");
                assert_close(d_x.as_flattened().as_flattened(), &s["d_x"], "d_x");
                assert_close(d_h0.as_flattened(), &s["d_h0"], "d_h0");
                assert_grads(&d_cell, &s["grads"], "sequence");

                // The sequence is its steps.
                let mut h = h0;
                for t in 0..T {
                    h = c.forward(&core::array::from_fn(|b| x[b][t]), &h);
                    for b in 0..B {
                        assert_eq!(h[b], y[b][t], "step {t}");
                    }
                }
            }

            #[test]
            fn sequence_gradient_matches_central_differences() {
                let f = &fixtures()[$kind];
                let s = &f["seq"];
                let at = Seq {
                    cell: cell(&f["params"]),
                    x: tensor(&s["x"]),
                    h0: tensor(&s["h0"]),
                };
                let g: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
                let report = check_gradient(
                    |p: &Seq| weighted(&p.cell.forward_seq(&p.x, &p.h0), &g),
                    |p, d| {
                        let y = p.cell.forward_seq_vjp(
                            &mut d.cell,
                            &p.x,
                            &mut d.x,
                            &p.h0,
                            &mut d.h0,
                            &g,
                        );
                        weighted(&y, &g)
                    },
                    &at,
                    Tolerance::default(),
                )
                .expect("the gradient matches central differences");
                assert_eq!(report.checked, Seq::numel());
            }
        }
    };
}

hidden_state_cell_tests!(gru, GRUCell, "gru");
hidden_state_cell_tests!(rnn, RNNCell, "rnn");

#[test]
fn split_mode_skips_the_gradients_not_asked_for() {
    let f = &fixtures()["gru"];
    let s = &f["seq"];
    let c: GRUCell<IN, H> = cell(&f["params"]);
    let (x, h0): ([[[f32; IN]; T]; B], [[f32; H]; B]) = (tensor(&s["x"]), tensor(&s["h0"]));
    let d_out: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
    let (_, pullback) = c.forward_seq_fwd(&x, &h0);
    let mut d_cell = GRUCell::zero();
    pullback(&c, Some(&mut d_cell), &x, None, &h0, None, &d_out);
    assert_grads(&d_cell, &s["grads"], "weights only");
    // And the input's gradient alone.
    let (_, pullback) = c.forward_seq_fwd(&x, &h0);
    let mut d_x = [[[0.0; IN]; T]; B];
    pullback(&c, None, &x, Some(&mut d_x), &h0, None, &d_out);
    assert_close(d_x.as_flattened().as_flattened(), &s["d_x"], "d_x alone");
}

/// The cell `kind` as PyTorch initialised and saved it, its fixture, and whether what this
/// crate saves of it (PyTorch's names and shapes) reads back the same.
fn load_saved<P: Parameters + PartialEq + core::fmt::Debug>(kind: &str) -> (P, Value) {
    let path = format!(
        "{}/tests/fixtures/layers_seq_{kind}_cell.safetensors",
        env!("CARGO_MANIFEST_DIR")
    );
    let cell: P = io::load(path).expect("PyTorch's state_dict loads");
    let again: P = io::from_bytes(&io::to_bytes(&cell).unwrap()).unwrap();
    assert_eq!(again, cell);
    (cell, fixtures()[kind]["state_dict"].clone())
}

#[test]
fn loads_a_gru_state_dict_saved_by_pytorch() {
    let (c, s) = load_saved::<GRUCell<IN, H>>("gru");
    let y = c.forward::<B>(&tensor(&s["x"]), &tensor(&s["h"]));
    assert_close(y.as_flattened(), &s["h_new"], "h' of the loaded cell");
}

#[test]
fn loads_an_rnn_state_dict_saved_by_pytorch() {
    let (c, s) = load_saved::<RNNCell<IN, H>>("rnn");
    let y = c.forward::<B>(&tensor(&s["x"]), &tensor(&s["h"]));
    assert_close(y.as_flattened(), &s["h_new"], "h' of the loaded cell");
}

#[test]
fn loads_an_lstm_state_dict_saved_by_pytorch() {
    let (c, s) = load_saved::<LSTMCell<IN, H>>("lstm");
    let h: [[f32; H]; B] = tensor(&s["h"]);
    let y = c.forward::<B>(&tensor(&s["x"]), &[h, h]);
    assert_close(y[0].as_flattened(), &s["h_new"], "h' of the loaded cell");
}

#[derive(backprop::Parameters)]
struct LstmSeq {
    cell: LSTMCell<IN, H>,
    x: [[[f32; IN]; T]; B],
    state0: [[[f32; H]; B]; 2],
}

#[test]
fn lstm_step_matches_pytorch() {
    let f = &fixtures()["lstm"];
    let s = &f["step"];
    let c: LSTMCell<IN, H> = cell(&f["params"]);
    let x: [[f32; IN]; B] = tensor(&s["x"]);
    let state = [tensor(&s["h"]), tensor(&s["c"])];
    let d_out = [tensor(&s["d_h_new"]), tensor(&s["d_c_new"])];
    let mut d_cell = LSTMCell::zero();
    let (mut d_x, mut d_state) = ([[0.0; IN]; B], [[[0.0; H]; B]; 2]);
    let y = c.forward_vjp(&mut d_cell, &x, &mut d_x, &state, &mut d_state, &d_out);
    assert_eq!(y, c.forward(&x, &state));
    assert_close(y[0].as_flattened(), &s["h_new"], "h'");
    assert_close(y[1].as_flattened(), &s["c_new"], "c'");
    assert_close(d_x.as_flattened(), &s["d_x"], "d_x");
    assert_close(d_state[0].as_flattened(), &s["d_h"], "d_h");
    assert_close(d_state[1].as_flattened(), &s["d_c"], "d_c");
    assert_grads(&d_cell, &s["grads"], "step");
}

#[test]
fn lstm_sequence_matches_pytorch() {
    let f = &fixtures()["lstm"];
    let s = &f["seq"];
    let c: LSTMCell<IN, H> = cell(&f["params"]);
    let x: [[[f32; IN]; T]; B] = tensor(&s["x"]);
    let state0 = [tensor(&s["h0"]), tensor(&s["c0"])];
    let d_out: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
    let mut d_cell = LSTMCell::zero();
    let (mut d_x, mut d_state0) = ([[[0.0; IN]; T]; B], [[[0.0; H]; B]; 2]);
    let y = c.forward_seq_vjp(&mut d_cell, &x, &mut d_x, &state0, &mut d_state0, &d_out);
    assert_eq!(y, c.forward_seq(&x, &state0));
    assert_close(y.as_flattened().as_flattened(), &s["out"], "output");
    assert_close(d_x.as_flattened().as_flattened(), &s["d_x"], "d_x");
    assert_close(d_state0[0].as_flattened(), &s["d_h0"], "d_h0");
    assert_close(d_state0[1].as_flattened(), &s["d_c0"], "d_c0");
    assert_grads(&d_cell, &s["grads"], "sequence");

    // The sequence is its steps, and the last step's c is PyTorch's c_n.
    let mut state = state0;
    for t in 0..T {
        state = c.forward(&core::array::from_fn(|b| x[b][t]), &state);
        for b in 0..B {
            assert_eq!(state[0][b], y[b][t], "step {t}");
        }
    }
    assert_close(state[1].as_flattened(), &s["c_n"], "c_n");
}

#[test]
fn lstm_sequence_gradient_matches_central_differences() {
    let f = &fixtures()["lstm"];
    let s = &f["seq"];
    let at = LstmSeq {
        cell: cell(&f["params"]),
        x: tensor(&s["x"]),
        state0: [tensor(&s["h0"]), tensor(&s["c0"])],
    };
    let g: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
    let report = check_gradient(
        |p: &LstmSeq| weighted(&p.cell.forward_seq(&p.x, &p.state0), &g),
        |p, d| {
            let y =
                p.cell
                    .forward_seq_vjp(&mut d.cell, &p.x, &mut d.x, &p.state0, &mut d.state0, &g);
            weighted(&y, &g)
        },
        &at,
        Tolerance::default(),
    )
    .expect("the gradient matches central differences");
    assert_eq!(report.checked, LstmSeq::numel());
}

#[test]
fn initialisation_is_pytorchs() {
    use rand::SeedableRng;
    let c = GRUCell::<5, 16>::new(&mut rand::rngs::StdRng::seed_from_u64(3));
    let bound = 0.25; // 1 / sqrt(16)
    for k in 0..4 {
        let t = c.tensor(k);
        assert!(
            t.iter().all(|w| w.abs() <= bound),
            "{}",
            GRUCell::<5, 16>::name(k)
        );
        assert!(
            t.iter().any(|w| w.abs() > 0.8 * bound),
            "spread over the interval"
        );
    }
    assert_eq!(GRUCell::<5, 16>::shape(0).dims(), [48, 5]);
    assert_eq!(GRUCell::<5, 16>::shape(1).dims(), [48, 16]);
    assert_eq!(GRUCell::<5, 16>::shape(3).dims(), [48]);
}
