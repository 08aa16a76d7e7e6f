//! Handwritten digits: a 64-128-10 perceptron trained with Adam on the UCI digits, end to end.
//!
//! The 1,797 8x8 images ship with the repository (`data/digits.csv.gz`, see `data/README.md`).
//! A fixed-seed stratified split keeps 20% of each digit for testing; pixels are scaled to
//! `[0, 1]`. The network is a struct of `backprop::nn` layers with a `#[differentiable]` forward
//! pass, and the mean cross-entropy of a mini-batch is a `#[differentiable]` loop over samples:
//! `batch_loss_grad` is the whole backward pass, generated at compile time. Adam with a cosine
//! learning-rate schedule trains it for 30 epochs (under a second in release mode), then:
//!
//! - the loss and accuracy curves go to `target/digits-curves.png`;
//! - the trained weights go to `target/digits-mlp.safetensors` (PyTorch's names: `fc1.weight`,
//!   ...), are read back, and must classify the test set exactly as before.
//!
//! Run with `cargo run --release --example digits`. `tests/integration/examples/digits.rs` runs the
//! same code, shorter.

mod data;
mod model;
mod plot;
mod run;

use std::error::Error;

/// The settings the printed results come from.
const CONFIG: model::TrainConfig = model::TrainConfig {
    epochs: 30,
    lr: 5e-3,
    seed: 0,
};

fn main() -> Result<(), Box<dyn Error>> {
    let (train_set, test_set) = run::split_digits()?;
    let (trained, history) = run::train_with_progress(
        CONFIG.epochs,
        &test_set,
        |report| model::train(&train_set, &test_set, CONFIG, report),
        |_| String::new(),
    )?;
    run::save_and_check(
        "digits",
        "digits-mlp",
        &history,
        &trained,
        &test_set,
        model::Mlp::forward,
        model::evaluate,
    )
}
