//! The recurrent cells against PyTorch: one step and the sequence form, forward and every
//! gradient (weights, biases, input, initial state), from `scripts/layers_seq_fixtures.py`;
//! the same gradients against central differences; and PyTorch-saved `state_dict`s loaded.

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::nn::GRUCell;
use backprop::{io, Parameters, Tensor, Zero};
use backprop_runtime as backprop;
use serde_json::Value;

const IN: usize = 3;
const H: usize = 4;
const B: usize = 2;
const T: usize = 5;

fn fixtures() -> Value {
    let text = include_str!("fixtures/layers_seq.json");
    serde_json::from_str(text).expect("the fixture is JSON")
}

fn floats(v: &Value) -> Vec<f32> {
    let list = v.as_array().expect("a list of numbers");
    list.iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

/// A tensor from a flat list in row-major order.
fn tensor<X: Tensor>(v: &Value) -> X {
    let mut t = X::zero();
    let values = floats(v);
    assert_eq!(values.len(), t.flat().len(), "fixture of the wrong length");
    t.flat_mut().copy_from_slice(&values);
    t
}

/// A cell's tensors from the fixture's `params`, by their PyTorch names.
fn cell<P: Parameters>(params: &Value) -> P {
    let mut p = P::zero();
    for k in 0..P::TENSORS {
        let values = floats(&params[P::name(k)]);
        p.tensor_mut(k).copy_from_slice(&values);
    }
    p
}

/// `got` equals PyTorch's float64 value to float32 accuracy.
#[track_caller]
fn assert_close(got: &[f32], want: &Value, what: &str) {
    let want = floats(want);
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 2e-6 + 1e-5 * w.abs(),
            "{what}[{i}]: {g} != PyTorch's {w}"
        );
    }
}

/// Every tensor of a cell's gradient against the fixture's `grads`.
#[track_caller]
fn assert_grads<P: Parameters>(d: &P, want: &Value, what: &str) {
    for k in 0..P::TENSORS {
        assert_close(
            d.tensor(k),
            &want[P::name(k)],
            &format!("{what} {}", P::name(k)),
        );
    }
}

/// `sum(y * g)`: the scalar whose gradient the fixtures hold.
fn weighted<X: Tensor>(y: &X, g: &X) -> f32 {
    y.flat().iter().zip(g.flat()).map(|(y, g)| y * g).sum()
}

#[derive(backprop::Parameters)]
struct GruSeq {
    cell: GRUCell<IN, H>,
    x: [[[f32; IN]; T]; B],
    h0: [[f32; H]; B],
}

#[test]
fn gru_step_matches_pytorch() {
    let f = &fixtures()["gru"];
    let s = &f["step"];
    let c: GRUCell<IN, H> = cell(&f["params"]);
    let (x, h): ([[f32; IN]; B], [[f32; H]; B]) = (tensor(&s["x"]), tensor(&s["h"]));
    let d_out: [[f32; H]; B] = tensor(&s["d_h_new"]);
    let mut d_cell = GRUCell::zero();
    let (mut d_x, mut d_h) = ([[0.0; IN]; B], [[0.0; H]; B]);
    let y = c.forward_vjp(&mut d_cell, &x, &mut d_x, &h, &mut d_h, &d_out);
    assert_eq!(y, c.forward(&x, &h));
    assert_close(y.as_flattened(), &s["h_new"], "h'");
    assert_close(d_x.as_flattened(), &s["d_x"], "d_x");
    assert_close(d_h.as_flattened(), &s["d_h"], "d_h");
    assert_grads(&d_cell, &s["grads"], "step");
}

#[test]
fn gru_sequence_matches_pytorch() {
    let f = &fixtures()["gru"];
    let s = &f["seq"];
    let c: GRUCell<IN, H> = cell(&f["params"]);
    let (x, h0): ([[[f32; IN]; T]; B], [[f32; H]; B]) = (tensor(&s["x"]), tensor(&s["h0"]));
    let d_out: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
    let mut d_cell = GRUCell::zero();
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
fn gru_sequence_gradient_matches_central_differences() {
    let f = &fixtures()["gru"];
    let s = &f["seq"];
    let at = GruSeq {
        cell: cell(&f["params"]),
        x: tensor(&s["x"]),
        h0: tensor(&s["h0"]),
    };
    let g: [[[f32; H]; T]; B] = tensor(&s["d_out"]);
    let report = check_gradient(
        |p: &GruSeq| weighted(&p.cell.forward_seq(&p.x, &p.h0), &g),
        |p, d| {
            let y = p
                .cell
                .forward_seq_vjp(&mut d.cell, &p.x, &mut d.x, &p.h0, &mut d.h0, &g);
            weighted(&y, &g)
        },
        &at,
        Tolerance::default(),
    )
    .expect("the gradient matches central differences");
    assert_eq!(report.checked, GruSeq::numel());
}

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

#[test]
fn loads_a_state_dict_saved_by_pytorch() {
    let f = fixtures();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/layers_seq_gru_cell.safetensors"
    );
    let c: GRUCell<IN, H> = io::load(path).expect("PyTorch's GRUCell state_dict loads");
    let s = &f["gru"]["state_dict"];
    let y = c.forward::<B>(&tensor(&s["x"]), &tensor(&s["h"]));
    assert_close(y.as_flattened(), &s["h_new"], "h' of the loaded cell");
    // And what this crate saves, PyTorch's names and shapes, reads back the same.
    let again: GRUCell<IN, H> = io::from_bytes(&io::to_bytes(&c).unwrap()).unwrap();
    assert_eq!(again, c);
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
