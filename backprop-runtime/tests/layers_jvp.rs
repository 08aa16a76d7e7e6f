//! Every layer's forward mode (`forward_jvp` and its batch and sequence forms) along a tangent of
//! all its parameters and inputs at once: its value against the layer's `forward`, its tangent
//! against `torch.func.jvp` (`tests/fixtures/layers_jvp.json`, made by
//! `scripts/layers_jvp_fixtures.py`) and against central differences of `forward`, and the
//! dot-product test `<J v, u> = <v, J^T u>` against the layer's `forward_vjp`. Then a small
//! `#[differentiable(jvp)]` CNN and a GRU over a sequence, end to end.

mod fixture;

use backprop::nn::{
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Buffer, Conv1d, Conv2d, Dropout,
    Embedding, Flatten, GRUCell, LSTMCell, LayerNorm, Linear, LogSoftmax, MaxPool2d,
    MultiheadAttention, RNNCell, ReLU, Softmax,
};
use backprop::{differentiable, Parameters, Tensor, Zero};
use backprop_runtime as backprop;
use fixture::{assert_close, floats, layer};
use serde_json::Value;
use std::sync::OnceLock;

fn fixtures() -> &'static Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        serde_json::from_str(include_str!("fixtures/layers_jvp.json")).expect("valid JSON")
    })
}

/// A layer and its input: the point forward mode differentiates at, and (with the tangents of
/// both) the direction it differentiates along.
#[derive(Clone, Parameters)]
struct Point<L, X> {
    layer: L,
    x: X,
}

/// A recurrent cell, its input and its state (or initial state).
#[derive(Clone, Parameters)]
struct Cell<L, X, S> {
    layer: L,
    x: X,
    state: S,
}

/// A layer alone (an embedding: its indices have no tangent).
#[derive(Clone, Parameters)]
struct Alone<L> {
    layer: L,
}

/// `p + t v`, tensor by tensor (buffers, modes and dropout streams are `p`'s).
fn moved<P: Parameters + Clone>(p: &P, t: f32, v: &P) -> P {
    let mut q = p.clone();
    for k in 0..P::TENSORS {
        for (q, v) in q.tensor_mut(k).iter_mut().zip(v.tensor(k)) {
            *q += t * v;
        }
    }
    q
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| f64::from(*a) * f64::from(*b))
        .sum()
}

fn dot_all<P: Parameters>(a: &P, b: &P) -> f64 {
    (0..P::TENSORS).map(|k| dot(a.tensor(k), b.tensor(k))).sum()
}

/// A fixed cotangent, spread in `[-1, 1]`.
fn cotangent<Y: Tensor>() -> Y {
    let mut u = Y::zero();
    for (i, u) in u.flat_mut().iter_mut().enumerate() {
        *u = ((i * 7919 % 97) as f32 / 48.0) - 1.0;
    }
    u
}

/// Checks `jvp` at `point` along `dir`: its value is `forward`'s; its tangent is PyTorch's
/// (when `torch` names a fixture case), within the allowance of central differences of
/// `forward` along `dir`, and passes the dot-product test against `vjp`. Every call runs on a
/// clone of `point`, so a dropout layer draws the same mask in each.
fn check<P, Y>(
    name: &str,
    point: &P,
    dir: &P,
    forward: impl Fn(&P) -> Y,
    jvp: impl Fn(&P, &P) -> (Y, Y),
    vjp: impl Fn(&P, &mut P, &Y) -> Y,
    torch: Option<&Value>,
) where
    P: Parameters + Zero + Clone,
    Y: Tensor,
{
    let (y, y_dot) = jvp(&point.clone(), dir);
    assert_eq!(y.flat(), forward(&point.clone()).flat(), "{name}: value");
    if let Some(case) = torch {
        assert_close(y.flat(), &case["y"], &format!("{name}: y"));
        assert_close(y_dot.flat(), &case["y_dot"], &format!("{name}: y_dot"));
    }

    // Central differences, with gradcheck's allowance (relative, rounding floor, scale).
    let h = 5e-3;
    let (up, down) = (
        forward(&moved(point, h, dir)),
        forward(&moved(point, -h, dir)),
    );
    let numeric: Vec<f64> = up
        .flat()
        .iter()
        .zip(down.flat())
        .map(|(u, d)| (f64::from(*u) - f64::from(*d)) / (2.0 * f64::from(h)))
        .collect();
    let largest = numeric.iter().fold(0.0f64, |m, n| m.max(n.abs()));
    for (i, (a, n)) in y_dot.flat().iter().zip(&numeric).enumerate() {
        let a = f64::from(*a);
        let size = up.flat()[i].abs().max(down.flat()[i].abs());
        let noise = f64::from(f32::EPSILON) * f64::from(size) / f64::from(h);
        let allowed = 1e-2 * a.abs().max(n.abs()) + 4.0 * noise + 1e-3 * largest;
        assert!(
            (a - n).abs() <= allowed,
            "{name}: tangent[{i}] {a} against the central difference {n}"
        );
    }

    // <J v, u> = <v, J^T u>, both sides with f32 rounding of their terms.
    let u: Y = cotangent();
    let mut d_point = P::zero();
    vjp(&point.clone(), &mut d_point, &u);
    let (forward_side, reverse_side) = (dot(y_dot.flat(), u.flat()), dot_all(dir, &d_point));
    let size = dot(y_dot.flat(), y_dot.flat()).sqrt() * dot(u.flat(), u.flat()).sqrt()
        + dot_all(dir, dir).sqrt() * dot_all(&d_point, &d_point).sqrt();
    assert!(
        (forward_side - reverse_side).abs() <= 1e-5 * size,
        "{name}: <J v, u> = {forward_side} but <v, J^T u> = {reverse_side}"
    );
}

/// The point and direction of a fixture case.
fn case<P: Parameters>(name: &str) -> (P, P, &'static Value) {
    let case = &fixtures()[name];
    assert!(case.is_object(), "no fixture case {name}");
    (layer(&case["point"]), layer(&case["dir"]), case)
}

/// A layer of one input against its fixture case, on `forward`, `forward_jvp` and
/// `forward_vjp` (or the methods named).
macro_rules! one_input {
    ($test:ident, $case:literal, $layer:ty, $x:ty, $y:ty) => {
        one_input!(
            $test,
            $case,
            $layer,
            $x,
            $y,
            forward,
            forward_jvp,
            forward_vjp
        );
    };
    ($test:ident, $case:literal, $layer:ty, $x:ty, $y:ty, $f:ident, $jvp:ident, $vjp:ident) => {
        #[test]
        fn $test() {
            let (point, dir, torch) = case::<Point<$layer, $x>>($case);
            check::<_, $y>(
                $case,
                &point,
                &dir,
                |p| p.layer.$f(&p.x),
                |p, v| p.layer.$jvp(&v.layer, &p.x, &v.x),
                |p, d, u| p.layer.$vjp(&mut d.layer, &p.x, &mut d.x, u),
                Some(torch),
            );
        }
    };
}

/// `[B][C][H][W]` maps.
type Maps<const B: usize, const C: usize, const H: usize, const W: usize> = [[[[f32; W]; H]; C]; B];

// The convolutions: the weight's, the bias's and the input's tangents together.
one_input!(conv2d_padding, "conv2d_pad1", Conv2d<2, 3, 3, 3, 1, 1>, Maps<2, 2, 5, 5>, Maps<2, 3, 5, 5>);
one_input!(conv2d_rect_stride_padding_dilation_groups, "conv2d_all", Conv2d<2, 6, 3, 2, 2, 1, 2, 2>, Maps<1, 4, 7, 6>, Maps<1, 6, 3, 3>);
one_input!(conv1d_stride_padding_dilation_groups, "conv1d_all", Conv1d<2, 6, 3, 2, 2, 2, 2>, [[[f32; 11]; 4]; 2], [[[f32; 6]; 6]; 2]);

// The poolings and Flatten: no parameters.
one_input!(maxpool2d, "maxpool2d_3_s2_p1_d2", MaxPool2d<3, 2, 1, 2>, Maps<2, 2, 9, 8>, Maps<2, 2, 4, 3>);
one_input!(avgpool2d, "avgpool2d_3_s2_p1", AvgPool2d<3, 2, 1>, Maps<2, 2, 7, 6>, Maps<2, 2, 4, 3>);
one_input!(adaptive_avgpool2d, "adaptiveavgpool2d_3x2", AdaptiveAvgPool2d, Maps<2, 2, 7, 5>, Maps<2, 2, 3, 2>);
one_input!(flatten, "flatten", Flatten, Maps<2, 3, 2, 2>, [[f32; 12]; 2]);

// Along rows.
one_input!(
    softmax_batch,
    "softmax",
    Softmax,
    [[f32; 5]; 3],
    [[f32; 5]; 3],
    forward_batch,
    forward_batch_jvp,
    forward_batch_vjp
);
one_input!(
    log_softmax_batch,
    "log_softmax",
    LogSoftmax,
    [[f32; 5]; 3],
    [[f32; 5]; 3],
    forward_batch,
    forward_batch_jvp,
    forward_batch_vjp
);
one_input!(
    layer_norm_batch,
    "layernorm",
    LayerNorm<5>,
    [[f32; 5]; 3],
    [[f32; 5]; 3],
    forward_batch,
    forward_batch_jvp,
    forward_batch_vjp
);

#[test]
fn one_row_is_a_batch_of_one() {
    // forward_jvp on one row against the batch form's row (the batch form is checked above).
    let (point, dir, _) = case::<Point<LayerNorm<5>, [[f32; 5]; 3]>>("layernorm");
    let (y, y_dot) = point.layer.forward_batch_jvp(&dir.layer, &point.x, &dir.x);
    for b in 0..3 {
        let row = point.layer.forward_jvp(&dir.layer, &point.x[b], &dir.x[b]);
        assert_eq!(row, (y[b], y_dot[b]), "LayerNorm row {b}");
        let row = Softmax.forward_jvp(&Softmax, &point.x[b], &dir.x[b]);
        let batch = Softmax.forward_batch_jvp(&Softmax, &point.x, &dir.x);
        assert_eq!(row, (batch.0[b], batch.1[b]), "Softmax row {b}");
        let row = LogSoftmax.forward_jvp(&LogSoftmax, &point.x[b], &dir.x[b]);
        let batch = LogSoftmax.forward_batch_jvp(&LogSoftmax, &point.x, &dir.x);
        assert_eq!(row, (batch.0[b], batch.1[b]), "LogSoftmax row {b}");
    }
}

/// A batch norm case: in training, through the batch's statistics; in evaluation, through the
/// fixture's running statistics.
macro_rules! batch_norm {
    ($test:ident, $case:literal, $layer:ty, $x:ty, $f:ident, $jvp:ident, $vjp:ident, $train:expr) => {
        #[test]
        fn $test() {
            let (mut point, dir, torch) = case::<Point<$layer, $x>>($case);
            let stats = |key: &str| floats(&torch[key]).try_into().expect("one per channel");
            point.layer.running_mean = Buffer::new(stats("running_mean"));
            point.layer.running_var = Buffer::new(stats("running_var"));
            if $train {
                point.layer.train();
            }
            check::<_, $x>(
                $case,
                &point,
                &dir,
                |p| p.layer.$f(&p.x),
                |p, v| p.layer.$jvp(&v.layer, &p.x, &v.x),
                |p, d, u| p.layer.$vjp(&mut d.layer, &p.x, &mut d.x, u),
                Some(torch),
            );
            // The tangent's forward pass tracks the batch once, as the value's does.
            let tracked = point.layer.num_batches_tracked.get();
            let alone = point.clone();
            alone.layer.$f(&alone.x);
            point.layer.$jvp(&dir.layer, &point.x, &dir.x);
            assert_eq!(
                point.layer.num_batches_tracked.get(),
                tracked + u32::from($train)
            );
            assert_eq!(
                point.layer.running_mean.values(),
                alone.layer.running_mean.values()
            );
            assert_eq!(
                point.layer.running_var.values(),
                alone.layer.running_var.values()
            );
        }
    };
}

batch_norm!(
    batch_norm1d_train,
    "batchnorm1d_train",
    BatchNorm1d<3>,
    [[f32; 3]; 4],
    forward_batch,
    forward_batch_jvp,
    forward_batch_vjp,
    true
);
batch_norm!(
    batch_norm1d_sequences_train,
    "batchnorm1d_seq_train",
    BatchNorm1d<2>,
    [[[f32; 4]; 2]; 3],
    forward_batch_seq,
    forward_batch_seq_jvp,
    forward_batch_seq_vjp,
    true
);
batch_norm!(batch_norm2d_train, "batchnorm2d_train", BatchNorm2d<3>, Maps<2, 3, 3, 2>, forward_batch, forward_batch_jvp, forward_batch_vjp, true);
batch_norm!(batch_norm2d_eval, "batchnorm2d_eval", BatchNorm2d<3>, Maps<2, 3, 3, 2>, forward_batch, forward_batch_jvp, forward_batch_vjp, false);

#[test]
fn embedding_takes_the_rows_used_of_the_weight_tangent() {
    let (point, dir, torch) = case::<Alone<Embedding<5, 3>>>("embedding");
    let ids: [usize; 4] = serde_json::from_value(torch["ids"].clone()).expect("indices");
    check::<_, [[f32; 3]; 4]>(
        "embedding",
        &point,
        &dir,
        |p| p.layer.forward(&ids),
        |p, v| p.layer.forward_jvp(&v.layer, &ids),
        |p, d, u| p.layer.forward_vjp(&mut d.layer, &ids, u),
        Some(torch),
    );
}

#[test]
fn dropout_shares_its_mask_between_value_and_tangent() {
    let mut point = Point {
        layer: Dropout::new(0.4).expect("a probability").with_seed(11),
        x: cotangent::<[[f32; 16]; 4]>(),
    };
    let dir = Point {
        layer: Dropout::default(),
        x: moved(&cotangent::<[[f32; 16]; 4]>(), 2.0, &[[0.25; 16]; 4]),
    };
    // Evaluation: the identity on both.
    let (y, y_dot) = point.layer.forward_jvp(&dir.layer, &point.x, &dir.x);
    assert_eq!((y, y_dot), (point.x, dir.x));

    point.layer.train();
    let mask = point.layer.clone().forward(&[[1.0f32; 16]; 4]);
    let (y, y_dot) = point
        .layer
        .clone()
        .forward_jvp(&dir.layer, &point.x, &dir.x);
    let dropped = mask.flat().iter().filter(|m| **m == 0.0).count();
    assert!((10..40).contains(&dropped), "{dropped} of 64 dropped");
    for i in 0..64 {
        let m = mask.flat()[i];
        assert_eq!(y.flat()[i], point.x.flat()[i] * m, "value {i}");
        assert_eq!(y_dot.flat()[i], dir.x.flat()[i] * m, "tangent {i}");
    }
    // Each call draws the next mask: the differences and the vjp run on clones at one position.
    check::<_, [[f32; 16]; 4]>(
        "dropout",
        &point,
        &dir,
        |p| p.layer.forward(&p.x),
        |p, v| p.layer.forward_jvp(&v.layer, &p.x, &v.x),
        |p, d, u| p.layer.forward_vjp(&mut d.layer, &p.x, &mut d.x, u),
        None,
    );
}

/// A recurrent case: the cell's `forward` or `forward_seq` of `(x, state)`.
macro_rules! recurrent {
    ($test:ident, $case:literal, $cell:ty, $x:ty, $s:ty, $y:ty, $f:ident, $jvp:ident, $vjp:ident) => {
        #[test]
        fn $test() {
            let (point, dir, torch) = case::<Cell<$cell, $x, $s>>($case);
            check::<_, $y>(
                $case,
                &point,
                &dir,
                |p| p.layer.$f(&p.x, &p.state),
                |p, v| p.layer.$jvp(&v.layer, &p.x, &v.x, &p.state, &v.state),
                |p, d, u| {
                    p.layer
                        .$vjp(&mut d.layer, &p.x, &mut d.x, &p.state, &mut d.state, u)
                },
                Some(torch),
            );
        }
    };
}

recurrent!(rnn_step, "rnn_step", RNNCell<3, 4>, [[f32; 3]; 2], [[f32; 4]; 2], [[f32; 4]; 2], forward, forward_jvp, forward_vjp);
recurrent!(gru_step, "gru_step", GRUCell<3, 4>, [[f32; 3]; 2], [[f32; 4]; 2], [[f32; 4]; 2], forward, forward_jvp, forward_vjp);
recurrent!(lstm_step, "lstm_step", LSTMCell<3, 4>, [[f32; 3]; 2], [[[f32; 4]; 2]; 2], [[[f32; 4]; 2]; 2], forward, forward_jvp, forward_vjp);
recurrent!(rnn_sequence, "rnn_seq", RNNCell<3, 4>, [[[f32; 3]; 4]; 2], [[f32; 4]; 2], [[[f32; 4]; 4]; 2], forward_seq, forward_seq_jvp, forward_seq_vjp);
recurrent!(gru_sequence, "gru_seq", GRUCell<3, 4>, [[[f32; 3]; 4]; 2], [[f32; 4]; 2], [[[f32; 4]; 4]; 2], forward_seq, forward_seq_jvp, forward_seq_vjp);
recurrent!(lstm_sequence, "lstm_seq", LSTMCell<3, 4>, [[[f32; 3]; 4]; 2], [[[f32; 4]; 2]; 2], [[[f32; 4]; 4]; 2], forward_seq, forward_seq_jvp, forward_seq_vjp);

/// Self-attention, causal or not.
macro_rules! attention {
    ($test:ident, $case:literal, $layer:ty, $x:ty, $causal:expr) => {
        #[test]
        fn $test() {
            let (point, dir, torch) = case::<Point<$layer, $x>>($case);
            check::<_, $x>(
                $case,
                &point,
                &dir,
                |p| p.layer.forward(&p.x, $causal),
                |p, v| p.layer.forward_jvp(&v.layer, &p.x, &v.x, $causal),
                |p, d, u| {
                    p.layer
                        .forward_vjp(&mut d.layer, &p.x, &mut d.x, $causal, u)
                },
                Some(torch),
            );
        }
    };
}

attention!(attention_causal, "mha_causal", MultiheadAttention<8, 2>, [[[f32; 8]; 3]; 2], true);
attention!(attention_full, "mha_full", MultiheadAttention<8, 4>, [[[f32; 8]; 4]; 1], false);

/// conv -> relu -> pool -> flatten -> linear, whose `forward_jvp` the macro builds from the
/// layers' own.
#[derive(Clone, Parameters)]
struct Cnn {
    conv: Conv2d<1, 4, 3, 3, 1, 1>,
    relu: ReLU,
    pool: MaxPool2d<2>,
    flatten: Flatten,
    fc: Linear<16, 3>,
}

impl Cnn {
    #[differentiable(jvp)]
    fn forward(&self, x: &Maps<2, 1, 4, 4>) -> [[f32; 3]; 2] {
        // The macro reads the shapes from the types: spelled out, not through `Maps`.
        let h: [[[[f32; 4]; 4]; 4]; 2] = self.conv.forward(x);
        let h: [[[[f32; 4]; 4]; 4]; 2] = self.relu.forward(&h);
        let h: [[[[f32; 2]; 2]; 4]; 2] = self.pool.forward(&h);
        let h: [[f32; 16]; 2] = self.flatten.forward(&h);
        self.fc.forward_batch(&h)
    }
}

/// Deterministic values in `[-scale, scale]` for every tensor of `p`.
fn spread<P: Parameters + Zero>(seed: usize, scale: f32) -> P {
    let mut p = P::zero();
    let mut i = seed;
    for k in 0..P::TENSORS {
        for v in p.tensor_mut(k) {
            i = (i * 1103515245 + 12345) % (1 << 31);
            *v = scale * ((i >> 8) as f32 / (1 << 22) as f32 - 1.0);
        }
    }
    p
}

#[test]
fn a_cnn_differentiated_in_forward_mode_end_to_end() {
    let point: Point<Cnn, Maps<2, 1, 4, 4>> = spread(1, 1.0);
    let dir: Point<Cnn, Maps<2, 1, 4, 4>> = spread(2, 1.0);
    check::<_, [[f32; 3]; 2]>(
        "cnn",
        &point,
        &dir,
        |p| p.layer.forward(&p.x),
        |p, v| p.layer.forward_jvp(&v.layer, &p.x, &v.x),
        |p, d, u| p.layer.forward_vjp(&mut d.layer, &p.x, &mut d.x, u),
        None,
    );
    // The chain by hand, layer by layer, is what the macro built.
    let (p, v) = (&point.layer, &dir.layer);
    let (h, h_dot): (Maps<2, 4, 4, 4>, _) = p.conv.forward_jvp(&v.conv, &point.x, &dir.x);
    let (h, h_dot) = p.relu.forward_jvp(&ReLU, &h, &h_dot);
    let (h, h_dot): (Maps<2, 4, 2, 2>, _) = p.pool.forward_jvp(&MaxPool2d, &h, &h_dot);
    let (h, h_dot): ([[f32; 16]; 2], _) = p.flatten.forward_jvp(&Flatten, &h, &h_dot);
    let by_hand = p.fc.forward_batch_jvp(&v.fc, &h, &h_dot);
    assert_eq!(p.forward_jvp(v, &point.x, &dir.x), by_hand);
}

#[differentiable(jvp)]
#[allow(clippy::needless_range_loop)] // the macro differentiates index loops
fn last_state_energy(cell: &GRUCell<3, 4>, x: &[[[f32; 3]; 5]; 2], h0: &[[f32; 4]; 2]) -> f32 {
    let out = cell.forward_seq(x, h0);
    let mut s = 0.0;
    for b in 0..2 {
        for j in 0..4 {
            s += out[b][4][j] * out[b][4][j];
        }
    }
    s
}

#[test]
fn a_gru_over_a_sequence_in_forward_mode_end_to_end() {
    type Gru = Cell<GRUCell<3, 4>, [[[f32; 3]; 5]; 2], [[f32; 4]; 2]>;
    let (point, dir): (Gru, Gru) = (spread(3, 0.8), spread(4, 1.0));
    check::<_, f32>(
        "gru",
        &point,
        &dir,
        |p| last_state_energy(&p.layer, &p.x, &p.state),
        |p, v| last_state_energy_jvp(&p.layer, &v.layer, &p.x, &v.x, &p.state, &v.state),
        |p, d, u| {
            last_state_energy_vjp(
                &p.layer,
                &mut d.layer,
                &p.x,
                &mut d.x,
                &p.state,
                &mut d.state,
                *u,
            )
        },
        None,
    );
}
