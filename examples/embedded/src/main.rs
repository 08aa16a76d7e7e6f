//! Training a 2-4-1 network on XOR on a Cortex-M4F: `#![no_std]`, no allocator, every tensor a
//! fixed-size array on the stack, the gradient generated at compile time by `#[differentiable]`.
//!
//! `cargo run --release` (in this directory) boots it on QEMU's `mps2-an386` board; the loss
//! at a few epochs and the final predictions come out through semihosting.
#![no_std]
#![no_main]

use backprop::batch::{batch_gradient, Reduction};
use backprop::nn::{Linear, Tanh};
use backprop::{differentiable, Parameters};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

/// `Linear(2, 4) -> Tanh -> Linear(4, 1)`.
#[derive(Clone, Copy, Parameters)]
struct Xor {
    hidden: Linear<2, 4>,
    tanh: Tanh,
    out: Linear<4, 1>,
}

impl Xor {
    #[differentiable]
    fn forward(&self, x: &[f32; 2]) -> [f32; 1] {
        let h = self.tanh.forward(&self.hidden.forward(x));
        self.out.forward(&h)
    }
}

/// The four XOR cases: inputs and target.
const DATA: [([f32; 2], f32); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];

/// The squared error of one case.
#[differentiable(wrt(model))]
#[allow(dead_code)] // trained through its gradient
fn squared_error(model: &Xor, x: &[f32; 2], y: f32) -> f32 {
    let out = model.forward(x);
    let e = out[0] - y;
    e * e
}

/// The mean squared error over the data set and its gradient (full-batch gradient descent),
/// summed case by case without an allocator. Never inlined, so that the gradient's code has
/// a symbol of its own to measure (`docs/embedded.md`).
#[inline(never)]
#[no_mangle]
fn xor_loss_grad(model: &Xor) -> (f32, Xor) {
    batch_gradient(model, &DATA, Reduction::Mean, |m, grad, (x, y)| {
        squared_error_grad(m, grad, x, *y)
    })
    .expect("the data set is not empty")
}

/// Plain SGD, `w -= lr * g`, over every tensor of the parameter tree.
fn sgd_step<P: Parameters>(params: &mut P, grad: &P, lr: f32) {
    for k in 0..P::TENSORS {
        for (w, g) in params.tensor_mut(k).iter_mut().zip(grad.tensor(k)) {
            *w -= lr * g;
        }
    }
}

const EPOCHS: usize = 1000;
const LEARNING_RATE: f32 = 0.1;
/// The run fails (exit code 1) unless training gets the loss below this.
const LOSS_THRESHOLD: f32 = 0.01;

#[entry]
fn main() -> ! {
    // Fixed, PyTorch-like initial weights (uniform in ±1/sqrt(fan_in)): reproducible without
    // a random number generator.
    let mut model = Xor {
        hidden: Linear::from_parts(
            [[0.54, -0.31], [-0.62, 0.48], [0.27, 0.66], [-0.45, -0.58]],
            [0.11, -0.23, 0.05, 0.39],
        ),
        tanh: Tanh,
        out: Linear::from_parts([[0.36, -0.42, 0.18, -0.27]], [0.07]),
    };
    hprintln!("training a 2-4-1 net on XOR: {} parameters", Xor::numel());
    let mut current = f32::NAN;
    // EPOCHS steps; the last pass only measures the loss of the trained model.
    for epoch in 0..=EPOCHS {
        let grad;
        (current, grad) = xor_loss_grad(&model);
        if epoch % 200 == 0 {
            hprintln!("epoch {}: loss {}", epoch, current);
        }
        if epoch < EPOCHS {
            sgd_step(&mut model, &grad, LEARNING_RATE);
        }
    }
    for (x, y) in &DATA {
        let [prediction] = model.forward(x);
        hprintln!("xor({}, {}) = {} (target {})", x[0], x[1], prediction, y);
    }
    hprintln!("final loss: {}", current);
    if current < LOSS_THRESHOLD {
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("FAIL: the loss is not below {}", LOSS_THRESHOLD);
        debug::exit(debug::EXIT_FAILURE);
    }
    // Only reached on hardware without a debugger attached, where the exit request is ignored.
    loop {
        cortex_m::asm::wfi();
    }
}
