//! Training a 2-4-1 network on XOR on a Cortex-M4F: `#![no_std]`, no allocator, every tensor a
//! fixed-size array on the stack, the gradient generated at compile time by `#[differentiable]`.
//!
//! `cargo run --release` (in this directory) boots it on QEMU's `mps2-an386` board; the loss
//! at a few epochs and the final predictions come out through semihosting.
#![no_std]
#![no_main]

use backprop::nn::{Linear, Tanh};
use backprop::{differentiable, Parameters, Zero};
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

/// The four XOR cases and their targets.
const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const TARGETS: [f32; 4] = [0.0, 1.0, 1.0, 0.0];

/// Mean squared error over the whole data set (full-batch gradient descent).
#[differentiable(wrt(model))]
fn loss(model: &Xor, x: &[[f32; 2]; 4], y: &[f32; 4]) -> f32 {
    let mut total = 0.0;
    for b in 0..4 {
        let out = model.forward(&x[b]);
        let e = out[0] - y[b];
        total += e * e;
    }
    total / 4.0
}

/// The generated gradient behind a call that is never inlined, so that its code has a symbol
/// of its own to measure (`docs/embedded.md`).
#[inline(never)]
#[no_mangle]
fn xor_loss_grad(model: &Xor, grad: &mut Xor) -> f32 {
    loss_grad(model, grad, &INPUTS, &TARGETS)
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
    let mut grad = Xor::zero();
    hprintln!("training a 2-4-1 net on XOR: {} parameters", Xor::numel());
    let mut current = 0.0;
    for epoch in 0..=EPOCHS {
        grad.set_zero();
        current = xor_loss_grad(&model, &mut grad);
        if epoch % 200 == 0 {
            hprintln!("epoch {}: loss {}", epoch, current);
        }
        sgd_step(&mut model, &grad, LEARNING_RATE);
    }
    for (x, y) in INPUTS.iter().zip(TARGETS) {
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
