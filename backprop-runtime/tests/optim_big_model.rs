//! Optimizers for a model of megabytes build and step on a small stack: with `std` their
//! buffers are allocated zeroed on the heap, never built on the stack first.

use backprop_runtime::nn::Linear;
use backprop_runtime::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, RmsProp,
    RmsPropConfig, Sgd, SgdConfig,
};
use backprop_runtime::Parameters;

/// A 784-1024-10 perceptron: 814,090 scalars, 3.3 MB.
#[derive(Parameters)]
struct Mnist {
    layer1: Linear<784, 1024>,
    layer2: Linear<1024, 10>,
}

/// A zeroed `Mnist` on the heap, built in place.
fn boxed_mnist() -> Box<Mnist> {
    let zeroed = Box::<Mnist>::new_zeroed();
    // SAFETY: `Mnist` is two `Linear`s, whose fields are `f32` arrays and nothing else; all-zero
    // bits are the value 0.0 of every element.
    unsafe { zeroed.assume_init() }
}

/// The model is twelve times the stack of the thread the optimizers run on.
const MODEL_BYTES: usize = std::mem::size_of::<Mnist>();
const STACK: usize = 256 * 1024;

/// Builds an optimizer and takes one step from a model of ones along a gradient of alternating
/// signs; returns the change of the first two weights.
fn one_step<O: Optimizer<Params = Mnist>>(make: impl FnOnce() -> O) -> [f32; 2] {
    let mut model = boxed_mnist();
    let mut grad = boxed_mnist();
    for k in 0..Mnist::TENSORS {
        model.tensor_mut(k).fill(1.0);
        for (i, g) in grad.tensor_mut(k).iter_mut().enumerate() {
            *g = if i % 2 == 0 { 0.5 } else { -0.5 };
        }
    }
    let mut opt = make();
    opt.step(&mut model, &grad);
    assert_eq!(opt.steps(), 1);
    // Every tensor moved, the last one too.
    let last = model.layer2.bias;
    assert!(last.iter().all(|&b| b != 1.0), "{last:?}");
    [
        model.layer1.weight[0][0] - 1.0,
        model.layer1.weight[0][1] - 1.0,
    ]
}

#[test]
fn optimizers_of_a_3_mb_model_fit_a_256_kb_stack() {
    const { assert!(MODEL_BYTES > 12 * STACK) };
    let steps = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(|| {
            let lr = 0.1;
            [
                one_step(|| {
                    Adam::<Mnist>::new(AdamConfig {
                        lr,
                        amsgrad: true,
                        ..Default::default()
                    })
                    .unwrap()
                }),
                one_step(|| {
                    AdamW::<Mnist>::new(AdamWConfig {
                        lr,
                        ..Default::default()
                    })
                    .unwrap()
                }),
                one_step(|| {
                    Sgd::<Mnist>::new(SgdConfig {
                        lr,
                        momentum: 0.9,
                        ..Default::default()
                    })
                    .unwrap()
                }),
                one_step(|| {
                    RmsProp::<Mnist>::new(RmsPropConfig {
                        lr,
                        centered: true,
                        momentum: 0.5,
                        ..Default::default()
                    })
                    .unwrap()
                }),
                one_step(|| {
                    Adagrad::<Mnist>::new(AdagradConfig {
                        lr,
                        ..Default::default()
                    })
                    .unwrap()
                }),
            ]
        })
        .expect("spawn")
        .join()
        .expect("the optimizers ran on a 256 KB stack");
    // The first step of each, from its formula with g = ±0.5 (signs alternate):
    // Adam: lr * g / |g| (bias-corrected moments), AdamW: the same after p *= 1 - lr * 0.01,
    // SGD: lr * g, centered RMSprop: lr * g / sqrt(a (1 - a) g²) with a = 0.99,
    // Adagrad: lr * g / |g|.
    let rms = (0.99f32 * 0.01).sqrt();
    let expected = [
        [-0.1, 0.1],
        [-0.1 - 0.001, 0.1 - 0.001],
        [-0.05, 0.05],
        [-0.1 / rms, 0.1 / rms],
        [-0.1, 0.1],
    ];
    for (name, (got, want)) in ["Adam", "AdamW", "SGD", "RMSprop", "Adagrad"]
        .iter()
        .zip(steps.iter().zip(expected))
    {
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-4 * w.abs().max(1.0),
                "{name}: {got:?} vs {want:?}"
            );
        }
    }
}
