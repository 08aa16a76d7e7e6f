//! Training a regression network: a 10-5-1 ReLU net, 1000 epochs of SGD, as in PyTorch's
//! tutorial.
//!
//! ```python
//! model = RegressionNet()                  # fc1 = Linear(10, 5), ReLU, fc2 = Linear(5, 1)
//! criterion = nn.MSELoss()
//! optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
//!
//! for epoch in range(1000):
//!     outputs = model(X)                   # all 100 samples: one full batch per epoch
//!     loss = criterion(outputs, y)
//!     optimizer.zero_grad()
//!     loss.backward()
//!     optimizer.step()
//!     if (epoch + 1) % 100 == 0:
//!         print(f"Epoch [{epoch + 1}/1000], Loss: {loss.item():.4f}")
//! ```
//!
//! Each epoch is one step on the whole data set (100 samples, the batch the tutorial uses), and the
//! loss printed is the one computed before that epoch's step, as `loss.item()` is. The targets are
//! a noisy linear function of the inputs; data and initial weights are PyTorch's own
//! (`examples/data/train_regression.rs`), and `tests/integration/examples/train_regression.rs`
//! checks the whole loss trajectory against PyTorch's.
//!
//! Run with `cargo run --release --example train_regression`.

use backprop::loss::mse;
use backprop::nn::{Linear, ReLU};
use backprop::optim::{zero_grad, Optimizer, Sgd, SgdConfig};
use backprop::{differentiable, Parameters, Zero};

/// PyTorch's data and initial weights, written by `scripts/tutorial_fixtures.py`.
pub mod data {
    include!("data/train_regression.rs");
}

/// The number of samples.
pub const SAMPLES: usize = 100;
/// The number of epochs.
pub const EPOCHS: usize = 1000;

/// `fc1 -> ReLU -> fc2` (tensor names `fc1.weight`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct RegressionNet {
    /// `nn.Linear(10, 5)`.
    pub fc1: Linear<10, 5>,
    /// `nn.ReLU()`.
    pub relu: ReLU,
    /// `nn.Linear(5, 1)`.
    pub fc2: Linear<5, 1>,
}

impl RegressionNet {
    /// The network with PyTorch's initial weights.
    pub const fn initial() -> Self {
        RegressionNet {
            fc1: Linear::from_parts(data::FC1_WEIGHT, data::FC1_BIAS),
            relu: ReLU,
            fc2: Linear::from_parts(data::FC2_WEIGHT, data::FC2_BIAS),
        }
    }

    /// `fc2(relu(fc1(x)))` for one sample.
    #[differentiable]
    pub fn forward(&self, x: &[f32; 10]) -> [f32; 1] {
        self.fc2.forward(&self.relu.forward(&self.fc1.forward(x)))
    }
}

/// `nn.MSELoss()` over a batch of `B` samples.
#[differentiable(wrt(model))]
pub fn loss<const B: usize>(model: &RegressionNet, x: &[[f32; 10]; B], y: &[[f32; 1]; B]) -> f32 {
    let mut total = 0.0;
    for b in 0..B {
        total += mse(&model.forward(&x[b]), &y[b]);
    }
    total / B as f32
}

/// One training step on a batch, returning the loss before it.
pub fn train_step<const B: usize>(
    model: &mut RegressionNet,
    grads: &mut RegressionNet,
    optimizer: &mut Sgd<RegressionNet>,
    x: &[[f32; 10]; B],
    y: &[[f32; 1]; B],
) -> f32 {
    zero_grad(grads);
    let l = loss_grad(model, grads, x, y); // forward and backward
    optimizer.step(model, grads);
    l
}

/// Trains `model` for `epochs` full-batch epochs of SGD with learning rate `lr`; `report` sees
/// each epoch's index (from 0) and loss.
pub fn train(
    model: &mut RegressionNet,
    x: &[[f32; 10]; SAMPLES],
    y: &[[f32; 1]; SAMPLES],
    epochs: usize,
    lr: f64,
    mut report: impl FnMut(usize, f32),
) {
    let mut optimizer = Sgd::new(SgdConfig {
        lr,
        ..Default::default()
    })
    .expect("a valid learning rate");
    let mut grads = RegressionNet::zero();
    for epoch in 0..epochs {
        let l = train_step(model, &mut grads, &mut optimizer, x, y);
        report(epoch, l);
    }
}

fn main() {
    let mut model = RegressionNet::initial();
    train(&mut model, &data::X, &data::Y, EPOCHS, 0.01, |epoch, l| {
        if (epoch + 1) % 100 == 0 {
            println!("Epoch [{}/{EPOCHS}], Loss: {l:.4}", epoch + 1);
        }
    });
}
