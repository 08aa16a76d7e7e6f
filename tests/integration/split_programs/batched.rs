//! One SGD step of a 784-128-10 ReLU network on a batch of 64, written batched: two
//! `ops::linear_batch` layers, `ops::relu` between them, the mean cross-entropy
//! (`loss::cross_entropy_batch`), differentiated with respect to the parameters only (the
//! input batch is a constant).
//!
//! The batch is 196 KiB and each weight matrix 392 KiB, so they live in boxes.

use backprop::nn::Linear;
use backprop::ops::zeroed_box;
use backprop::optim::{zero_grad, Optimizer, Sgd, SgdConfig};
use backprop::{ops, Parameters, Zero};

pub const B: usize = 64;
pub const IN: usize = 784;
pub const HIDDEN: usize = 128;
pub const CLASSES: usize = 10;

pub type Batch = [[f32; IN]; B];

#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Net {
    pub l1: Linear<IN, HIDDEN>,
    pub l2: Linear<HIDDEN, CLASSES>,
}

/// The batched loss, written once: `$linear` is the batched layer it calls
/// (`ops::linear_batch` in the benchmark; the GEMM-counting test passes a wrapper).
#[macro_export]
macro_rules! batched_loss {
    ($name:ident, $($linear:tt)+) => {
        #[::backprop::differentiable(wrt(net))]
        pub fn $name(
            net: &Net,
            x: &Batch,
            y: &[usize; B],
        ) -> f32 {
            let z = $($linear)+(x, &net.l1.weight, &net.l1.bias);
            let h = ::backprop::ops::relu(&z);
            let logits = $($linear)+(&h, &net.l2.weight, &net.l2.bias);
            ::backprop::loss::cross_entropy_batch(&logits, y)
        }
    };
}

batched_loss!(batch_loss, ops::linear_batch);

/// The network with PyTorch's default initialisation from a fixed seed (boxed), a batch of
/// inputs uniform in `[-1, 1)` (boxed) and its class labels.
pub fn batched_inputs() -> (Box<Net>, Box<Batch>, [usize; B]) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut net: Box<Net> = Box::new(Net::zero());
    net.l1 = Linear::new(&mut rng);
    net.l2 = Linear::new(&mut rng);
    let mut x: Box<Batch> = zeroed_box();
    x.as_flattened_mut().fill_with(super::uniform(5, 1.0));
    let y = core::array::from_fn(|i| (i * 7 + 3) % CLASSES);
    (net, x, y)
}

/// SGD at learning rate 0.01, PyTorch's `optim.SGD(lr=0.01)`.
pub fn sgd() -> Sgd<Net> {
    Sgd::new(SgdConfig {
        lr: 0.01,
        ..Default::default()
    })
    .expect("valid hyperparameters")
}

/// One training step: `zero_grad`, the forward and backward pass, `step`; returns the loss.
pub fn train_step(
    net: &mut Net,
    grads: &mut Net,
    opt: &mut Sgd<Net>,
    x: &Batch,
    y: &[usize; B],
) -> f32 {
    zero_grad(grads);
    let l = batch_loss_grad(net, grads, x, y);
    opt.step(net, grads);
    l
}

/// Multiply-adds times two of the step's products: the forward pass of both layers and the
/// weight gradients of both, and the input gradient of the second layer only (the first
/// layer's input is the data).
pub const STEP_FLOPS: u64 = {
    let big = 2 * (B * IN * HIDDEN) as u64;
    let small = 2 * (B * HIDDEN * CLASSES) as u64;
    2 * big + 3 * small
};
