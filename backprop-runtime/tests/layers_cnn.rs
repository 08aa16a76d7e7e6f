//! The CNN layers against PyTorch (`tests/fixtures/layers_cnn.json`, made by
//! `scripts/layers_cnn_fixtures.py`): for every case the forward pass and the gradients of the
//! input, weight and bias; the same gradients against central differences; the split pullback
//! without an input gradient; and a PyTorch-saved `state_dict` loaded by name.

use backprop_runtime::gradcheck::{check_gradient, Tolerance};
use backprop_runtime::loss::cross_entropy_batch;
use backprop_runtime::nn::{
    AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, Flatten, Linear, MaxPool2d, ReLU,
};
use backprop_runtime::{differentiable, io, Parameters, Tensor, Zero};
use serde_json::Value;
use std::sync::OnceLock;

fn fixtures() -> &'static Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        serde_json::from_str(include_str!("fixtures/layers_cnn.json")).expect("valid JSON")
    })
}

fn numbers(case: &Value, key: &str) -> Vec<f32> {
    case[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key}"))
        .iter()
        .map(|v| v.as_f64().expect("a number") as f32)
        .collect()
}

fn filled<T: Zero + Parameters>(case: &Value, key: &str) -> T {
    let mut t = T::zero();
    t.tensor_mut(0).copy_from_slice(&numbers(case, key));
    t
}

/// `got` is PyTorch's `want` up to float rounding in another summation order: within `1e-5`
/// of the tensor's largest entry, plus `1e-5` relative.
fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * scale + 1e-5 * w.abs(),
            "{what}[{i}]: {g} != {w} (PyTorch)"
        );
    }
}

/// Checks a layer's vjp on a case against PyTorch, then its gradients against central
/// differences of `<forward(x), d_y>`, and that the pullback without an input shadow gives the
/// same parameter gradients.
fn check<L, X, Y>(
    name: &str,
    forward: impl Fn(&L, &X) -> Y,
    vjp: impl Fn(&L, &mut L, &X, &mut X, &Y) -> Y,
    fwd_no_input: impl Fn(&L, &mut L, &X, &Y),
) where
    L: Parameters + Zero + Copy,
    X: Tensor,
    Y: Tensor,
{
    let case = &fixtures()[name];
    let mut layer = L::zero();
    for k in 0..L::TENSORS {
        layer
            .tensor_mut(k)
            .copy_from_slice(&numbers(case, &L::name(k)));
    }
    let x: X = filled(case, "x");
    let d_y: Y = filled(case, "d_y");
    let (mut d_layer, mut d_x) = (L::zero(), X::zero());
    let y = vjp(&layer, &mut d_layer, &x, &mut d_x, &d_y);
    assert_close(&format!("{name}: y"), y.flat(), &numbers(case, "y"));
    assert_close(&format!("{name}: d_x"), d_x.flat(), &numbers(case, "d_x"));
    for k in 0..L::TENSORS {
        let key = format!("d_{}", L::name(k));
        assert_close(
            &format!("{name}: {key}"),
            d_layer.tensor(k),
            &numbers(case, &key),
        );
    }

    let mut d_params_only = L::zero();
    fwd_no_input(&layer, &mut d_params_only, &x, &d_y);
    for k in 0..L::TENSORS {
        assert_eq!(d_params_only.tensor(k), d_layer.tensor(k), "{name}: no d_x");
    }

    let dot = |y: &Y| {
        y.flat()
            .iter()
            .zip(d_y.flat())
            .map(|(a, b)| a * b)
            .sum::<f32>()
    };
    let tol = Tolerance::default();
    check_gradient(
        |x: &X| dot(&forward(&layer, x)),
        |x: &X, d_x: &mut X| dot(&vjp(&layer, &mut L::zero(), x, d_x, &d_y)),
        &x,
        tol,
    )
    .unwrap_or_else(|e| panic!("{name}: d_x against central differences: {e}"));
    if L::TENSORS > 0 {
        check_gradient(
            |l: &L| dot(&forward(l, &x)),
            |l: &L, d_l: &mut L| dot(&vjp(l, d_l, &x, &mut X::zero(), &d_y)),
            &layer,
            tol,
        )
        .unwrap_or_else(|e| panic!("{name}: parameters against central differences: {e}"));
    }
}

/// One fixture case of a layer type, its input and output types spelled out.
macro_rules! case {
    ($test:ident, $name:literal, $layer:ty, $x:ty, $y:ty) => {
        #[test]
        fn $test() {
            check::<$layer, $x, $y>(
                $name,
                |l, x| l.forward(x),
                |l, d_l, x, d_x, d_y| l.forward_vjp(d_l, x, d_x, d_y),
                |l, d_l, x, d_y| {
                    let (_, pullback) = l.forward_fwd::<_, _, _, _, _, _>(x);
                    pullback(l, Some(d_l), x, None, d_y)
                },
            );
        }
    };
}

/// `[B][C][H][W]` maps.
type Maps<const B: usize, const C: usize, const H: usize, const W: usize> = [[[[f32; W]; H]; C]; B];

case!(conv2d_digits_first_layer, "conv2d_digits1", Conv2d<1, 16, 3, 3, 1, 1>, Maps<2, 1, 8, 8>, Maps<2, 16, 8, 8>);
case!(conv2d_digits_second_layer, "conv2d_digits2", Conv2d<16, 32, 3, 3, 1, 1>, Maps<1, 16, 4, 4>, Maps<1, 32, 4, 4>);
case!(conv2d_rectangular_kernel_stride_2, "conv2d_rect_stride2", Conv2d<3, 4, 3, 2, 2>, Maps<2, 3, 7, 6>, Maps<2, 4, 3, 3>);
case!(conv2d_padding_and_dilation, "conv2d_pad2_dil2", Conv2d<2, 3, 3, 3, 1, 2, 2>, Maps<1, 2, 6, 5>, Maps<1, 3, 6, 5>);
case!(conv2d_two_groups, "conv2d_groups2", Conv2d<2, 6, 3, 3, 1, 1, 1, 2>, Maps<2, 4, 5, 5>, Maps<2, 6, 5, 5>);
case!(conv2d_depthwise, "conv2d_depthwise", Conv2d<1, 3, 2, 2, 2, 1, 1, 3>, Maps<1, 3, 5, 4>, Maps<1, 3, 3, 3>);
case!(maxpool2d_2, "maxpool2d_2", MaxPool2d<2>, Maps<2, 3, 8, 8>, Maps<2, 3, 4, 4>);
case!(maxpool2d_stride_padding_dilation, "maxpool2d_3_s2_p1_d2", MaxPool2d<3, 2, 1, 2>, Maps<2, 2, 9, 8>, Maps<2, 2, 4, 3>);
case!(maxpool2d_overlapping_windows, "maxpool2d_3_s1_p1", MaxPool2d<3, 1, 1>, Maps<1, 2, 5, 5>, Maps<1, 2, 5, 5>);
case!(avgpool2d_2, "avgpool2d_2", AvgPool2d<2>, Maps<2, 3, 8, 8>, Maps<2, 3, 4, 4>);
case!(avgpool2d_padding_counts, "avgpool2d_3_s2_p1", AvgPool2d<3, 2, 1>, Maps<2, 2, 7, 6>, Maps<2, 2, 4, 3>);
case!(adaptive_avgpool2d_uneven_windows, "adaptiveavgpool2d_3x2", AdaptiveAvgPool2d, Maps<2, 2, 7, 5>, Maps<2, 2, 3, 2>);
case!(adaptive_avgpool2d_global, "adaptiveavgpool2d_1", AdaptiveAvgPool2d, Maps<2, 3, 4, 4>, Maps<2, 3, 1, 1>);

#[test]
fn conv1d_plain() {
    type L = Conv1d<3, 4, 3>;
    check::<L, [[[f32; 9]; 3]; 2], [[[f32; 7]; 4]; 2]>(
        "conv1d_plain",
        |l, x| l.forward(x),
        |l, d_l, x, d_x, d_y| l.forward_vjp(d_l, x, d_x, d_y),
        |l, d_l, x, d_y| {
            let (_, pullback) = l.forward_fwd(x);
            pullback(l, Some(d_l), x, None, d_y)
        },
    );
}

#[test]
fn conv1d_stride_padding_dilation_groups() {
    type L = Conv1d<2, 6, 3, 2, 2, 2, 2>;
    check::<L, [[[f32; 11]; 4]; 2], [[[f32; 6]; 6]; 2]>(
        "conv1d_all",
        |l, x| l.forward(x),
        |l, d_l, x, d_x, d_y| l.forward_vjp(d_l, x, d_x, d_y),
        |l, d_l, x, d_y| {
            let (_, pullback) = l.forward_fwd(x);
            pullback(l, Some(d_l), x, None, d_y)
        },
    );
}

#[test]
fn flatten_is_pytorch_order() {
    check::<Flatten, Maps<2, 3, 2, 4>, [[f32; 24]; 2]>(
        "flatten",
        |l, x| l.forward(x),
        |l, d_l, x, d_x, d_y| l.forward_vjp(d_l, x, d_x, d_y),
        |_, _, _, _| {},
    );
}

#[test]
fn maxpool2d_sends_a_tie_to_the_first_maximum() {
    let case = &fixtures()["maxpool2d_ties"];
    let x: Maps<1, 1, 2, 4> = filled(case, "x");
    let mut d_x = Maps::<1, 1, 2, 4>::zero();
    MaxPool2d::<2>.forward_vjp(&mut MaxPool2d, &x, &mut d_x, &[[[[1.0; 2]; 1]; 1]; 1]);
    assert_eq!(d_x.flat(), numbers(case, "d_x"));
}

/// The `examples/digits_cnn` model, with PyTorch's module names.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
struct DigitsCnn {
    conv1: Conv2d<1, 16, 3, 3, 1, 1>,
    conv2: Conv2d<16, 32, 3, 3, 1, 1>,
    fc: Linear<128, 10>,
    relu: ReLU,
    pool: MaxPool2d<2>,
    flatten: Flatten,
}

impl DigitsCnn {
    #[differentiable]
    fn forward<const B: usize>(&self, x: &Maps<B, 1, 8, 8>) -> [[f32; 10]; B] {
        let h: [[[[f32; 8]; 8]; 16]; B] = self.conv1.forward(x);
        let h: [[[[f32; 8]; 8]; 16]; B] = self.relu.forward(&h);
        let h: [[[[f32; 4]; 4]; 16]; B] = self.pool.forward(&h);
        let h: [[[[f32; 4]; 4]; 32]; B] = self.conv2.forward(&h);
        let h: [[[[f32; 4]; 4]; 32]; B] = self.relu.forward(&h);
        let h: [[[[f32; 2]; 2]; 32]; B] = self.pool.forward(&h);
        let h: [[f32; 128]; B] = self.flatten.forward(&h);
        self.fc.forward_batch(&h)
    }
}

#[test]
fn a_pytorch_state_dict_loads_and_gives_pytorchs_logits() {
    let model: DigitsCnn =
        io::from_bytes(include_bytes!("fixtures/layers_cnn.safetensors")).expect("loads");
    let case = &fixtures()["state_dict"];
    let x: Maps<3, 1, 8, 8> = filled(case, "x");
    assert_close("logits", model.forward(&x).flat(), &numbers(case, "logits"));

    // The whole model's gradient, through every layer's pullback, is PyTorch's.
    let labels = [3, 0, 7];
    let mut grads = DigitsCnn::zero();
    loss_grad(&model, &mut grads, &x, &labels);
    for k in 0..DigitsCnn::TENSORS {
        let name = DigitsCnn::name(k);
        assert_close(&name, grads.tensor(k), &numbers(&case["grads"], &name));
    }
}

#[differentiable(wrt(model))]
#[allow(dead_code)] // the test runs its gradient
fn loss<const B: usize>(model: &DigitsCnn, x: &Maps<B, 1, 8, 8>, y: &[usize; B]) -> f32 {
    cross_entropy_batch(&model.forward(x), y)
}
