//! The `norm` layers against PyTorch (scripts/layers_norm_fixtures.py writes the fixtures):
//! forward values and every gradient (input, weight, bias), BatchNorm's running statistics,
//! a PyTorch-saved `state_dict`; the gradients also against central differences; and the
//! train/eval mode contract (dropout only in training, the mask reused by the gradient).

// Differentiable code loops over ranges (the macro takes no iterators).
#![allow(clippy::needless_range_loop)]

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::nn::{Dropout, LayerNorm, LeakyReLU, LogSoftmax, Mode, SiLU, Softmax, GELU};
use backprop::{Parameters, Tensor, Zero};
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
        gradcheck(
            |x: &Rows| dot(&vjp(x, &mut Rows::zero(), &d_out), &d_out),
            |x, d_x| dot(&vjp(x, d_x, &d_out), &d_out),
            &x,
        );
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
    gradcheck(
        |x: &Rows| dot(&norm.forward_batch(x), &d_out),
        |x, d_x| {
            dot(
                &norm.forward_batch_vjp(&mut LayerNorm::zero(), x, d_x, &d_out),
                &d_out,
            )
        },
        &x,
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
