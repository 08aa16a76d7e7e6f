//! The linear model of the PyTorch back-propagation tutorial, on a generated gradient.
//!
//! The model is `y_pred = x * w`, the data are (1, 2), (2, 4), (3, 6), so the answer is w = 2.
//! Starting from w = 1, plain SGD (lr 0.01) updates w after every sample, for 100 epochs:
//!
//! ```python
//! for epoch in range(100):
//!     for x_val, y_val in zip(x_data, y_data):
//!         l = loss(forward(x_val), y_val)
//!         l.backward()
//!         print("\tgrad: ", x_val, y_val, w.grad.item())
//!         w.data = w.data - 0.01 * w.grad.item()
//!         w.grad.data.zero_()
//!     print("progress:", epoch, l.item())
//! ```
//!
//! Here `loss_grad` does the forward pass and `backward()` in one call, generated at compile time
//! by `#[differentiable]`. `tests/integration/examples/linear_model.rs` checks every number this
//! prints against the same tutorial run in PyTorch.
//!
//! Run with `cargo run --example linear_model`.

use backprop::differentiable;

/// The inputs of the training data.
pub const X_DATA: [f32; 3] = [1.0, 2.0, 3.0];
/// The targets of the training data: y = 2x.
pub const Y_DATA: [f32; 3] = [2.0, 4.0, 6.0];

/// The model: a line through the origin.
pub fn forward(w: f32, x: f32) -> f32 {
    x * w
}

/// The squared error of one sample. `#[differentiable(wrt(w))]` generates
/// `loss_grad(w, x, y) -> (loss, d loss / d w)`; x and y are data, not trained.
#[differentiable(wrt(w))]
pub fn loss(w: f32, x: f32, y: f32) -> f32 {
    let y_pred = x * w;
    (y_pred - y).powi(2)
}

/// What training reports as it goes, in the order the tutorial prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// The gradient of one sample's loss, before the step it drives.
    Grad {
        /// The sample's input.
        x: f32,
        /// The sample's target.
        y: f32,
        /// d loss / d w at the current w.
        grad: f32,
    },
    /// The end of an epoch, with the loss of its last sample (what the tutorial prints).
    Epoch {
        /// The epoch's index, from 0.
        epoch: usize,
        /// The last sample's loss.
        loss: f32,
    },
}

/// Trains w from `w0` with per-sample SGD and returns the trained w; `report` sees each step.
pub fn train(w0: f32, lr: f32, epochs: usize, mut report: impl FnMut(Event)) -> f32 {
    let mut w = w0;
    for epoch in 0..epochs {
        let mut l = 0.0;
        for (&x, &y) in X_DATA.iter().zip(&Y_DATA) {
            let (loss, grad) = loss_grad(w, x, y); // forward + backward
            report(Event::Grad { x, y, grad });
            w -= lr * grad; // the SGD step; the gradient is a fresh value, no zero_grad needed
            l = loss;
        }
        report(Event::Epoch { epoch, loss: l });
    }
    w
}

fn main() {
    let w = 1.0;
    println!("predict (before training) 4 {:?}", forward(w, 4.0));

    let w = train(w, 0.01, 100, |event| match event {
        Event::Grad { x, y, grad } => println!("\tgrad:  {x:?} {y:?} {grad:?}"),
        Event::Epoch { epoch, loss } => println!("progress: {epoch} {loss:?}"),
    });

    let prediction = forward(w, 4.0);
    println!("predict (after training) 4 {prediction:?}");
    assert!(
        (prediction - 8.0).abs() < 1e-3,
        "the model did not learn y = 2x"
    );
}
