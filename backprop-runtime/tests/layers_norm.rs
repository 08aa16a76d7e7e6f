//! The `norm` layers against PyTorch (scripts/layers_norm_fixtures.py writes the fixtures):
//! forward values and every gradient (input, weight, bias), BatchNorm's running statistics,
//! a PyTorch-saved `state_dict`; the gradients also against central differences; and the
//! train/eval mode contract (dropout only in training, the mask reused by the gradient).

// Differentiable code loops over ranges (the macro takes no iterators).
#![allow(clippy::needless_range_loop)]

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::nn::{
    BatchNorm1d, BatchNorm2d, Dropout, Embedding, LayerNorm, LeakyReLU, Linear, LogSoftmax, Mode,
    SiLU, Softmax, GELU,
};
use backprop::{differentiable, io, BufferDtype, Parameters, Tensor, Zero};
use backprop_runtime as backprop;
use serde_json::Value;

fn fixtures() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/layers_norm.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A tensor filled from the fixture's flat values.
fn tensor<T: Tensor>(v: &Value) -> T {
    let values = numbers(v);
    let mut t = T::zero();
    assert_eq!(t.flat().len(), values.len(), "fixture size");
    for (x, v) in t.flat_mut().iter_mut().zip(values) {
        *x = v as f32;
    }
    t
}

/// `got` equals PyTorch's float64 reference to float32 accuracy.
#[track_caller]
fn assert_close(what: &str, got: &[f32], want: &Value) {
    let want = numbers(want);
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let err = (*g as f64 - w).abs();
        assert!(
            err <= 2e-5 * (1.0 + w.abs()),
            "{what}[{i}]: {g} against PyTorch's {w}"
        );
    }
}

/// The scalar `<y, d_out>` whose gradient is the vjp with `d_out`: what gradcheck differentiates.
fn dot<T: Tensor>(y: &T, d_out: &T) -> f32 {
    y.flat().iter().zip(d_out.flat()).map(|(a, b)| a * b).sum()
}

#[track_caller]
fn gradcheck<P: Parameters>(f: impl Fn(&P) -> f32, grad: impl Fn(&P, &mut P) -> f32, at: &P) {
    if let Err(err) = check_gradient(f, grad, at, Tolerance::default()) {
        panic!("{err}");
    }
}

/// The gradient of the input that `vjp(x, d_x, d_out)` adds, against central differences of
/// `<y, d_out>`.
#[track_caller]
fn gradcheck_input<T: Tensor>(vjp: impl Fn(&T, &mut T, &T) -> T, x: &T, d_out: &T) {
    gradcheck(
        |x: &T| dot(&vjp(x, &mut T::zero(), d_out), d_out),
        |x, d_x| dot(&vjp(x, d_x, d_out), d_out),
        x,
    );
}

/// The rows of the LayerNorm and activation fixtures.
type Rows = [[f32; 6]; 4];

// ---- Activations ----

#[test]
fn activation_layers_match_pytorch() {
    let f = fixtures();
    type Vjp = Box<dyn Fn(&Rows, &mut Rows, &Rows) -> Rows>;
    let leaky = LeakyReLU::new(0.2).unwrap();
    let layers: [(&str, Vjp); 5] = [
        (
            "gelu",
            Box::new(|x, dx, u| GELU.forward_vjp(&mut GELU, x, dx, u)),
        ),
        (
            "silu",
            Box::new(|x, dx, u| SiLU.forward_vjp(&mut SiLU, x, dx, u)),
        ),
        (
            "leaky_relu",
            Box::new(move |x, dx, u| leaky.forward_vjp(&mut LeakyReLU::zero(), x, dx, u)),
        ),
        (
            "softmax",
            Box::new(|x, dx, u| Softmax.forward_batch_vjp(&mut Softmax, x, dx, u)),
        ),
        (
            "log_softmax",
            Box::new(|x, dx, u| LogSoftmax.forward_batch_vjp(&mut LogSoftmax, x, dx, u)),
        ),
    ];
    for (name, vjp) in layers {
        let case = &f[name];
        let (x, d_out): (Rows, Rows) = (tensor(&case["x"]), tensor(&case["d_out"]));
        let mut d_x = Rows::zero();
        let y = vjp(&x, &mut d_x, &d_out);
        assert_close(&format!("{name}: y"), y.flat(), &case["y"]);
        assert_close(&format!("{name}: d_x"), d_x.flat(), &case["d_x"]);
        gradcheck_input(&vjp, &x, &d_out);
    }
}

#[test]
fn leaky_relu_slope_is_checked_and_defaults_as_pytorch() {
    assert_eq!(LeakyReLU::zero().negative_slope(), 0.01);
    assert_eq!(LeakyReLU::new(0.3).unwrap().negative_slope(), 0.3);
    let err = LeakyReLU::new(f32::INFINITY).unwrap_err();
    assert_eq!(err.name, "negative_slope");
}

// ---- Dropout and the mode ----

#[test]
fn dropout_is_the_identity_until_training_is_asked_for() {
    let x = [[1.5f32; 32]; 8];
    let drop = Dropout::new(0.5).unwrap();
    assert_eq!(drop.mode(), Mode::Eval);
    assert_eq!(drop.forward(&x), x);
    // A zeroed layer (a gradient, a model loaded from a file) is in evaluation too.
    assert_eq!(Dropout::zero().forward(&x), x);
    let mut d_x = [[0.0; 32]; 8];
    let y = drop.forward_vjp(&mut Dropout::zero(), &x, &mut d_x, &[[2.0; 32]; 8]);
    assert_eq!((y, d_x), (x, [[2.0; 32]; 8]));
}

#[test]
fn dropout_in_training_drops_p_and_scales_the_rest() {
    let mut drop = Dropout::new(0.3).unwrap().with_seed(11);
    drop.train();
    let x = [[1.0f32; 100]; 100];
    let y = drop.forward(&x);
    let dropped = y.flat().iter().filter(|v| **v == 0.0).count();
    // 10,000 Bernoulli(0.3) draws: the count is within 4.4 standard deviations (46) of 3,000.
    assert!((2800..3200).contains(&dropped), "{dropped}");
    assert!(y
        .flat()
        .iter()
        .all(|v| *v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-6));
    // The next call draws another mask.
    assert_ne!(drop.forward(&x), y);
    // p = 1 zeroes everything (PyTorch's convention), p = 0 is the identity.
    let mut all = Dropout::new(1.0).unwrap();
    all.train();
    assert_eq!(all.forward(&x[0]), [0.0; 100]);
    let mut none = Dropout::new(0.0).unwrap();
    none.train();
    assert_eq!(none.forward(&x[0]), x[0]);
}

#[test]
fn dropout_gradient_reuses_the_forward_mask() {
    let mut drop = Dropout::new(0.5).unwrap().with_seed(3);
    drop.train();
    let x: [[f32; 16]; 4] =
        core::array::from_fn(|b| core::array::from_fn(|i| 1.0 + (b * 16 + i) as f32));
    let mut d_x = [[0.0; 16]; 4];
    let y = drop.forward_vjp(&mut Dropout::zero(), &x, &mut d_x, &[[1.0; 16]; 4]);
    for b in 0..4 {
        for i in 0..16 {
            assert_eq!(d_x[b][i], y[b][i] / x[b][i], "[{b}][{i}]");
        }
    }
    assert!(y.flat().contains(&0.0) && y.flat().iter().any(|v| *v != 0.0));
}

#[test]
fn dropout_is_reproducible_from_its_seed() {
    let draw = |seed: u64| {
        let mut drop = Dropout::new(0.5).unwrap().with_seed(seed);
        drop.train();
        [drop.forward(&[1.0f32; 64]), drop.forward(&[1.0f32; 64])]
    };
    assert_eq!(draw(5), draw(5));
    assert_ne!(draw(5), draw(6));
    // A clone continues from where the original is.
    let mut drop = Dropout::new(0.5).unwrap().with_seed(9);
    drop.train();
    let _ = drop.forward(&[1.0f32; 64]);
    let twin = drop.clone();
    assert_eq!(twin.forward(&[1.0f32; 64]), drop.forward(&[1.0f32; 64]));
    assert!(Dropout::new(-0.1).is_err() && Dropout::new(f32::NAN).is_err());
}

// ---- LayerNorm ----

fn layer_norm(case: &Value) -> LayerNorm<6> {
    let mut norm = LayerNorm::new();
    norm.weight = tensor(&case["weight"]);
    norm.bias = tensor(&case["bias"]);
    norm
}

#[test]
fn layer_norm_matches_pytorch() {
    let case = &fixtures()["layer_norm"];
    let norm = layer_norm(case);
    let (x, d_out): (Rows, Rows) = (tensor(&case["x"]), tensor(&case["d_out"]));
    let mut d_norm = LayerNorm::zero();
    let mut d_x = Rows::zero();
    let y = norm.forward_batch_vjp(&mut d_norm, &x, &mut d_x, &d_out);
    assert_close("y", y.flat(), &case["y"]);
    assert_close("d_x", d_x.flat(), &case["d_x"]);
    assert_close("d_weight", &d_norm.weight, &case["d_weight"]);
    assert_close("d_bias", &d_norm.bias, &case["d_bias"]);
    // One sample is a batch of one.
    let mut d_row = [0.0; 6];
    let row = norm.forward_vjp(&mut LayerNorm::zero(), &x[1], &mut d_row, &d_out[1]);
    assert_close(
        "one row",
        &row,
        &Value::from(&case["y"].as_array().unwrap()[6..12]),
    );
    assert_close(
        "its d_x",
        &d_row,
        &Value::from(&case["d_x"].as_array().unwrap()[6..12]),
    );
}

#[test]
fn layer_norm_gradients_match_central_differences() {
    let case = &fixtures()["layer_norm"];
    let norm = layer_norm(case);
    let (x, d_out): (Rows, Rows) = (tensor(&case["x"]), tensor(&case["d_out"]));
    gradcheck_input(
        |x, d_x, u| norm.forward_batch_vjp(&mut LayerNorm::zero(), x, d_x, u),
        &x,
        &d_out,
    );
    gradcheck(
        |n: &LayerNorm<6>| dot(&n.forward_batch(&x), &d_out),
        |n, d_n| {
            dot(
                &n.forward_batch_vjp(d_n, &x, &mut Rows::zero(), &d_out),
                &d_out,
            )
        },
        &norm,
    );
}

// ---- BatchNorm ----

/// A batch norm with the fixture's weight and bias, in `mode`.
fn batch_norm<const C: usize, const D: usize>(
    case: &Value,
    mode: Mode,
) -> backprop::nn::BatchNorm<C, D> {
    let mut bn = backprop::nn::BatchNorm::new();
    bn.weight = tensor(&case["weight"]);
    bn.bias = tensor(&case["bias"]);
    bn.set_mode(mode);
    bn
}

/// The gradients of a batch norm through `vjp`, against the fixture, and the running
/// statistics it leaves against PyTorch's (recorded after the same forward call).
fn check_batch_norm<const C: usize, const D: usize, T: Tensor>(
    case: &Value,
    mode: Mode,
    vjp: impl Fn(
        &backprop::nn::BatchNorm<C, D>,
        &mut backprop::nn::BatchNorm<C, D>,
        &T,
        &mut T,
        &T,
    ) -> T,
) {
    let bn = batch_norm::<C, D>(case, mode);
    let (x, d_out): (T, T) = (tensor(&case["x"]), tensor(&case["d_out"]));
    let mut d_bn = backprop::nn::BatchNorm::zero();
    let mut d_x = T::zero();
    let y = vjp(&bn, &mut d_bn, &x, &mut d_x, &d_out);
    assert_close("y", y.flat(), &case["y"]);
    assert_close("d_x", d_x.flat(), &case["d_x"]);
    assert_close("d_weight", &d_bn.weight, &case["d_weight"]);
    assert_close("d_bias", &d_bn.bias, &case["d_bias"]);
    if mode == Mode::Train {
        assert_close(
            "running_mean",
            &bn.running_mean.values(),
            &case["running_mean"],
        );
        assert_close(
            "running_var",
            &bn.running_var.values(),
            &case["running_var"],
        );
        assert_eq!(bn.num_batches_tracked.get(), 1);
    }
    // The gradient is a gradient: no statistics in it.
    assert_eq!(d_bn.num_batches_tracked.get(), 0);
}

#[test]
fn batch_norm_1d_matches_pytorch_in_training() {
    let f = fixtures();
    check_batch_norm::<3, 1, [[f32; 3]; 5]>(
        &f["batch_norm1d_train"],
        Mode::Train,
        |bn, d, x, dx, u| bn.forward_batch_vjp(d, x, dx, u),
    );
    check_batch_norm::<3, 1, [[[f32; 4]; 3]; 2]>(
        &f["batch_norm1d_seq_train"],
        Mode::Train,
        |bn, d, x, dx, u| bn.forward_batch_seq_vjp(d, x, dx, u),
    );
}

type Images = [[[[f32; 4]; 3]; 2]; 3];

#[test]
fn batch_norm_2d_matches_pytorch_in_training() {
    check_batch_norm::<2, 2, Images>(
        &fixtures()["batch_norm2d_train"],
        Mode::Train,
        |bn, d, x, dx, u| bn.forward_batch_vjp(d, x, dx, u),
    );
}

#[test]
fn running_statistics_follow_pytorch_and_serve_evaluation() {
    let f = fixtures();
    for (key, momentum) in [
        ("batch_norm2d_running", Some(0.1)),
        ("batch_norm2d_cumulative", None),
    ] {
        let case = &f[key];
        let mut bn = batch_norm::<2, 2>(case, Mode::Train)
            .with_momentum(momentum)
            .unwrap();
        for batch in case["batches"].as_array().unwrap() {
            // The plain forward pass updates them, as PyTorch's does under no_grad.
            let _ = bn.forward_batch(&tensor::<Images>(batch));
        }
        assert_close(
            "running_mean",
            &bn.running_mean.values(),
            &case["running_mean"],
        );
        assert_close(
            "running_var",
            &bn.running_var.values(),
            &case["running_var"],
        );
        assert_eq!(
            bn.num_batches_tracked.get() as i64,
            case["num_batches_tracked"].as_i64().unwrap()
        );
        bn.eval();
        let before = bn.clone();
        let (x, d_out): (Images, Images) = (tensor(&case["x"]), tensor(&case["d_out"]));
        let mut d_bn = BatchNorm2d::zero();
        let mut d_x = Images::zero();
        let y = bn.forward_batch_vjp(&mut d_bn, &x, &mut d_x, &d_out);
        assert_close(&format!("{key}: y"), y.flat(), &case["y"]);
        assert_close("d_x", d_x.flat(), &case["d_x"]);
        assert_close("d_weight", &d_bn.weight, &case["d_weight"]);
        assert_close("d_bias", &d_bn.bias, &case["d_bias"]);
        assert_eq!(bn, before, "evaluation changes no statistic");
    }
}

#[test]
fn batch_norm_gradients_match_central_differences() {
    let f = fixtures();
    for (key, mode) in [
        ("batch_norm2d_train", Mode::Train),
        ("batch_norm2d_running", Mode::Eval),
    ] {
        let case = &f[key];
        let bn = batch_norm::<2, 2>(case, mode);
        let (x, d_out): (Images, Images) = (tensor(&case["x"]), tensor(&case["d_out"]));
        gradcheck_input(
            |x, d_x, u| bn.forward_batch_vjp(&mut BatchNorm2d::zero(), x, d_x, u),
            &x,
            &d_out,
        );
        // Weight and bias as one `[2][C]` tensor: gradcheck copies tensors only, so the layer
        // (and its mode) is rebuilt around them.
        let with = |affine: &[[f32; 2]; 2]| {
            let mut b = bn.clone();
            (b.weight, b.bias) = (affine[0], affine[1]);
            b
        };
        gradcheck(
            |a: &[[f32; 2]; 2]| dot(&with(a).forward_batch(&x), &d_out),
            |a, d_a| {
                let mut d_bn = BatchNorm2d::zero();
                let y = with(a).forward_batch_vjp(&mut d_bn, &x, &mut Images::zero(), &d_out);
                d_a[0]
                    .iter_mut()
                    .zip(d_bn.weight)
                    .for_each(|(d, g)| *d += g);
                d_a[1].iter_mut().zip(d_bn.bias).for_each(|(d, g)| *d += g);
                dot(&y, &d_out)
            },
            &[bn.weight, bn.bias],
        );
    }
}

#[test]
fn batch_norm_hyperparameters_are_checked() {
    let err = BatchNorm1d::<2>::new()
        .with_momentum(Some(1.5))
        .unwrap_err();
    assert_eq!((err.name, err.value), ("momentum", 1.5));
    assert!(BatchNorm1d::<2>::new().with_eps(-1.0).is_err());
    assert!(BatchNorm1d::<2>::new().with_eps(f32::NAN).is_err());
    assert_eq!(BatchNorm1d::<2>::new().momentum(), Some(0.1));
    assert_eq!(
        BatchNorm1d::<2>::new()
            .with_momentum(None)
            .unwrap()
            .momentum(),
        None
    );
}

#[test]
fn a_batch_of_one_in_training_keeps_the_running_variance() {
    let mut bn = BatchNorm1d::<2>::new();
    bn.train();
    let y = bn.forward_batch(&[[3.0, -1.0]]);
    assert_eq!(y, [[0.0, 0.0]]); // the bias: nothing to normalise by
    assert_eq!(bn.running_var.values(), [1.0, 1.0]);
    assert_eq!(bn.running_mean.values(), [0.3, -0.1]);
}

// ---- Embedding ----

#[test]
fn embedding_matches_pytorch_and_touches_only_the_rows_used() {
    let case = &fixtures()["embedding"];
    let table = Embedding::<7, 3>::from_weight(tensor(&case["weight"]));
    let ids: Vec<usize> = case["indices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect();
    let ids: [usize; 5] = ids.try_into().unwrap();
    let d_out: [[f32; 3]; 5] = tensor(&case["d_out"]);
    // NaN in every row: a row the pullback read or wrote would not stay NaN or become a number.
    let mut d_table = Embedding::from_weight([[f32::NAN; 3]; 7]);
    for &i in &ids {
        d_table.weight[i] = [0.0; 3];
    }
    let y = table.forward_vjp(&mut d_table, &ids, &d_out);
    assert_close("y", y.flat(), &case["y"]);
    let want = numbers(&case["d_weight"]);
    for row in 0..7 {
        if ids.contains(&row) {
            assert_close(
                "d_weight",
                &d_table.weight[row],
                &Value::from(&want[3 * row..3 * row + 3]),
            );
        } else {
            assert!(
                d_table.weight[row].iter().all(|d| d.is_nan()),
                "row {row} was touched"
            );
            assert!(want[3 * row..3 * row + 3].iter().all(|d| *d == 0.0));
        }
    }
    gradcheck(
        |t: &Embedding<7, 3>| dot(&t.forward(&ids), &d_out),
        |t, d_t| dot(&t.forward_vjp(d_t, &ids, &d_out), &d_out),
        &table,
    );
}

#[test]
fn embedding_indices_out_of_range_are_errors() {
    let table = Embedding::<4, 2>::from_weight([[0.0; 2]; 4]);
    let err = table.try_forward(&[1, 4, 0]).unwrap_err();
    assert_eq!((err.position, err.index, err.rows), (1, 4, 4));
    assert_eq!(
        err.to_string(),
        "embedding index 4 at position 1 is outside the table of 4 rows"
    );
    assert!(table.check(&[3, 0]).is_ok());
}

/// A model with every kind of field: tensors' layers, a dropout, a batch norm (buffers).
#[derive(Clone, Parameters)]
#[parameters(crate = "backprop_runtime")]
struct Small {
    emb: Embedding<7, 3>,
    norm: LayerNorm<3>,
    proj: Linear<3, 4>,
    bn: BatchNorm1d<4>,
    drop: Dropout,
}

impl Small {
    #[differentiable(crate = "backprop_runtime")]
    fn forward<const B: usize>(&self, ids: &[usize; B]) -> [[f32; 4]; B] {
        let h = self.norm.forward_batch(&self.emb.forward(ids));
        self.drop
            .forward(&self.bn.forward_batch(&self.proj.forward_batch(&h)))
    }
}

#[differentiable(crate = "backprop_runtime", wrt(m))]
fn small_loss(m: &Small, ids: &[usize; 6]) -> f32 {
    let y = m.forward(ids);
    let mut s = 0.0;
    for b in 0..6 {
        for j in 0..4 {
            s += y[b][j] * y[b][j];
        }
    }
    s / 24.0
}

#[test]
fn mode_reaches_every_layer_of_a_derived_model() {
    let mut m: Small = Small::zero();
    assert_eq!((m.drop.mode(), m.bn.mode()), (Mode::Eval, Mode::Eval));
    m.train();
    assert_eq!((m.drop.mode(), m.bn.mode()), (Mode::Train, Mode::Train));
    m.eval();
    assert_eq!((m.drop.mode(), m.bn.mode()), (Mode::Eval, Mode::Eval));
}

#[test]
fn a_pytorch_state_dict_loads_with_its_buffers() {
    let case = &fixtures()["state_dict"];
    let names: Vec<String> = (0..Small::TENSORS)
        .map(Small::name)
        .chain((0..Small::BUFFERS).map(Small::buffer_name))
        .collect();
    let want: Vec<&str> = case["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(names, want, "PyTorch's state_dict keys, in its order");
    assert_eq!(Small::buffer_dtype(2), BufferDtype::I64);

    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/layers_norm.safetensors"
    ))
    .unwrap();
    let m: Small = io::from_bytes(&bytes).unwrap();
    assert_eq!(m.bn.mode(), Mode::Eval, "a loaded model evaluates");
    assert_close(
        "running_mean",
        &m.bn.running_mean.values(),
        &case["running_mean"],
    );
    assert_eq!(
        i64::from(m.bn.num_batches_tracked.get()),
        case["num_batches_tracked"].as_i64().unwrap()
    );
    let ids: [usize; 4] = [3, 1, 6, 0];
    assert_eq!(case["indices"], serde_json::json!(ids));
    assert_close("eval output", m.forward(&ids).flat(), &case["y"]);

    // And back: our file has the same tensors, dtypes included, and reloads equal.
    let again: Small = io::from_bytes(&io::to_bytes(&m).unwrap()).unwrap();
    assert_eq!(again.bn, m.bn);
    assert_eq!(again.emb, m.emb);
}

#[test]
fn a_buffer_of_the_wrong_dtype_is_a_typed_error() {
    let m = Small::zero();
    m.bn.running_var.set(0, 2.0);
    let bytes = io::to_bytes(&m).unwrap();
    // Rewrite num_batches_tracked as F32: a file PyTorch would not write.
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<(String, safetensors::tensor::TensorView)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| name != "bn.num_batches_tracked")
        .collect();
    let four = [0u8; 4];
    tensors.push((
        "bn.num_batches_tracked".into(),
        safetensors::tensor::TensorView::new(safetensors::tensor::Dtype::F32, vec![], &four)
            .unwrap(),
    ));
    let bad = safetensors::serialize(tensors, None).unwrap();
    match io::from_bytes::<Small>(&bad) {
        Err(io::FileError::DtypeMismatch { name, found }) => {
            assert_eq!(
                (name.as_str(), found.as_str()),
                ("bn.num_batches_tracked", "F32")
            )
        }
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn a_derived_model_trains_through_dropout_and_batch_norm() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut m = Small {
        emb: Embedding::new(&mut rng),
        norm: LayerNorm::new(),
        proj: Linear::new(&mut rng),
        bn: BatchNorm1d::new(),
        drop: Dropout::new(0.2).unwrap().with_seed(4),
    };
    let ids = [0, 1, 2, 3, 4, 5];
    m.eval();
    // In evaluation nothing is random and the loss and its gradient are the plain function's.
    let mut grad = Small::zero();
    let value = small_loss_grad(&m, &mut grad, &ids);
    assert_eq!(value, small_loss(&m, &ids));
    gradcheck(
        |p: &Small| small_loss(p, &ids),
        |p, d| small_loss_grad(p, d, &ids),
        &m,
    );
    // In training the batch norm tracks the batches the gradient sees.
    m.train();
    let _ = small_loss_grad(&m, &mut grad, &ids);
    assert_eq!(m.bn.num_batches_tracked.get(), 1);
    assert_eq!(grad.bn.num_batches_tracked.get(), 0);
}
