//! Updating weights by hand, then with an optimizer: PyTorch's `Model0` tutorial.
//!
//! ```python
//! class Model0(nn.Module):                 # Linear(3, 3), ReLU, Linear(3, 2), ReLU, Linear(2, 3)
//!     ...
//! x = torch.tensor([[1, 2, 1.5], [3, 4, 2.3], [5, 6, 1.2]])
//! y = torch.tensor([0, 2, 1])
//! loss = nn.CrossEntropyLoss()(model(x), y)
//! loss.backward()
//! print(model.layer1.weight.grad)
//!
//! with torch.no_grad():                    # SGD by hand
//!     for p in model.parameters():
//!         p -= lr * p.grad
//!
//! v = gamma * v + lr * p.grad              # momentum by hand, for every parameter p
//! p -= v
//!
//! optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
//! for i in range(100):
//!     optimizer.zero_grad()
//!     loss = criterion(model(x), y)
//!     loss.backward()
//!     optimizer.step()
//! ```
//!
//! Each part starts from the same initial weights (PyTorch's, `examples/data/manual_update.rs`).
//! The momentum part takes two steps, since its first step (from `v = 0`) equals plain SGD. A "for
//! every parameter" loop is a loop over the model's tensors by index, the way `Parameters` presents
//! them to optimizers. `tests/integration/examples/manual_update.rs` checks every number against
//! PyTorch.
//!
//! Run with `cargo run --example manual_update`.

use backprop::loss::cross_entropy;
use backprop::nn::{Linear, ReLU};
use backprop::optim::{zero_grad, Optimizer, Sgd, SgdConfig};
use backprop::{differentiable, Parameters, Zero};

/// PyTorch's initial weights, written by `scripts/tutorial_fixtures.py`.
pub mod data {
    include!("data/manual_update.rs");
}

/// The inputs: three samples of three features.
pub const X: [[f32; 3]; 3] = [[1.0, 2.0, 1.5], [3.0, 4.0, 2.3], [5.0, 6.0, 1.2]];
/// The class of each sample.
pub const Y: [usize; 3] = [0, 2, 1];

/// The tutorial's `Model0` (tensor names `layer1.weight`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Model0 {
    /// `nn.Linear(3, 3)`.
    pub layer1: Linear<3, 3>,
    /// `nn.Linear(3, 2)`.
    pub layer2: Linear<3, 2>,
    /// `nn.Linear(2, 3)`.
    pub layer3: Linear<2, 3>,
    /// `nn.ReLU()`, used after the first two layers.
    pub relu: ReLU,
}

impl Model0 {
    /// The model with PyTorch's initial weights.
    pub const fn initial() -> Self {
        Model0 {
            layer1: Linear::from_parts(data::LAYER1_WEIGHT, data::LAYER1_BIAS),
            layer2: Linear::from_parts(data::LAYER2_WEIGHT, data::LAYER2_BIAS),
            layer3: Linear::from_parts(data::LAYER3_WEIGHT, data::LAYER3_BIAS),
            relu: ReLU,
        }
    }

    /// The logits of one sample.
    #[differentiable]
    pub fn forward(&self, x: &[f32; 3]) -> [f32; 3] {
        let h1 = self.relu.forward(&self.layer1.forward(x));
        let h2 = self.relu.forward(&self.layer2.forward(&h1));
        self.layer3.forward(&h2)
    }
}

/// `nn.CrossEntropyLoss()`: the mean over the batch of each sample's cross-entropy.
#[differentiable(wrt(model))]
pub fn loss<const B: usize>(model: &Model0, x: &[[f32; 3]; B], y: &[usize; B]) -> f32 {
    let mut total = 0.0;
    for b in 0..B {
        total += cross_entropy(&model.forward(&x[b]), y[b]);
    }
    total / B as f32
}

/// The loss and its gradient (`loss.backward()` with fresh `.grad`s).
pub fn loss_and_gradient(model: &Model0) -> (f32, Model0) {
    let mut grads = Model0::zero();
    let l = loss_grad(model, &mut grads, &X, &Y);
    (l, grads)
}

/// One hand-written SGD step: `p -= lr * p.grad` for every parameter.
pub fn sgd_by_hand(model: &mut Model0, grads: &Model0, lr: f32) {
    for k in 0..Model0::TENSORS {
        for (p, g) in model.tensor_mut(k).iter_mut().zip(grads.tensor(k)) {
            *p -= lr * g;
        }
    }
}

/// One hand-written momentum step: `v = gamma * v + lr * p.grad`, then `p -= v`.
pub fn momentum_by_hand(
    model: &mut Model0,
    velocity: &mut Model0,
    grads: &Model0,
    lr: f32,
    gamma: f32,
) {
    for k in 0..Model0::TENSORS {
        let params = model.tensor_mut(k).iter_mut();
        for ((p, v), g) in params.zip(velocity.tensor_mut(k)).zip(grads.tensor(k)) {
            *v = gamma * *v + lr * g;
            *p -= *v;
        }
    }
}

/// `torch.optim.SGD(lr=0.01, momentum=0.9)` for `iterations` steps; `report` sees each
/// iteration's index and loss (before its step).
pub fn train(model: &mut Model0, iterations: usize, mut report: impl FnMut(usize, f32)) {
    let mut optimizer = Sgd::new(SgdConfig {
        lr: 0.01,
        momentum: 0.9,
        ..Default::default()
    })
    .expect("valid hyperparameters");
    let mut grads = Model0::zero();
    for i in 0..iterations {
        zero_grad(&mut grads);
        let l = loss_grad(model, &mut grads, &X, &Y);
        optimizer.step(model, &grads);
        report(i, l);
    }
}

fn print_matrix(name: &str, m: &[[f32; 3]; 3]) {
    println!("{name}:");
    for row in m {
        println!("  [{:>11.7}, {:>11.7}, {:>11.7}]", row[0], row[1], row[2]);
    }
}

fn main() {
    let (l, grads) = loss_and_gradient(&Model0::initial());
    println!("loss: {l:.7}");
    print_matrix("layer1.weight.grad", &grads.layer1.weight);

    let mut model = Model0::initial();
    sgd_by_hand(&mut model, &grads, 0.1);
    print_matrix(
        "layer1.weight after p -= 0.1 * p.grad",
        &model.layer1.weight,
    );

    let mut model = Model0::initial();
    let mut velocity = Model0::zero();
    for step in 1..=2 {
        let (l, grads) = loss_and_gradient(&model);
        momentum_by_hand(&mut model, &mut velocity, &grads, 0.1, 0.9);
        println!("momentum step {step}: loss {l:.7}");
    }
    print_matrix("velocity of layer1.weight", &velocity.layer1.weight);
    print_matrix(
        "layer1.weight after two momentum steps",
        &model.layer1.weight,
    );

    let mut model = Model0::initial();
    train(&mut model, 100, |i, l| {
        if (i + 1) % 10 == 0 {
            println!("iteration {:>3}: loss {l:.7}", i + 1);
        }
    });
}
