//! Handwritten digits with a small CNN: two convolutions and max pooling on the 8x8 UCI digits,
//! trained with Adam, end to end.
//!
//! The data, the split, the recipe (Adam, cosine learning rate, batches of 32, 30 epochs), the
//! progress bar and the curves are those of the `digits` example; the training images are moved
//! by a random pixel or none along each axis, and the model differs:
//! `conv(1→16, 3x3) → ReLU → max-pool 2 → conv(16→32, 3x3) → ReLU → max-pool 2 → linear(128→10)`,
//! each layer a `backprop::nn` layer with PyTorch's parameter names, and the gradient of the
//! batch loss generated at compile time. Then:
//!
//! - the loss and accuracy curves go to `target/digits-cnn-curves.png`;
//! - the weights go to `target/digits-cnn.safetensors` (`conv1.weight`, ..., loadable with
//!   `safetensors.torch.load_file` into the PyTorch model of `scripts/digits_cnn_torch.py`),
//!   are read back, and must classify the test set exactly as before.
//!
//! Run with `cargo run --release --example digits_cnn`; `scripts/digits_cnn_torch.py` trains the
//! same model in PyTorch for the timing in docs/benchmarks-layers.md. `tests/digits_cnn.rs` runs
//! the same code, shorter.

#[allow(dead_code)]
#[path = "../digits/data.rs"]
mod data;
// The digits example's metrics, reports and settings (its MLP is not used here).
#[path = "model.rs"]
mod cnn;
#[allow(dead_code)]
#[path = "../digits/model.rs"]
mod model;
#[path = "../digits/plot.rs"]
mod plot;
#[path = "../digits/run.rs"]
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
    let mut config = CONFIG;
    if let Ok(v) = std::env::var("SEED") {
        config.seed = v.parse()?;
    }
    if let Ok(v) = std::env::var("EPOCHS") {
        config.epochs = v.parse()?;
    }
    if let Ok(v) = std::env::var("LR") {
        config.lr = v.parse()?;
    }
    let (trained, history) = run::train_with_progress(
        config.epochs,
        &test_set,
        |report| cnn::train(&train_set, &test_set, config, report),
        |trained| {
            format!(
                " ({:.2} s of gradient steps)",
                trained.training.as_secs_f64()
            )
        },
    )?;
    run::save_and_check(
        "digits-cnn",
        "digits-cnn",
        &history,
        &trained.model,
        &test_set,
        cnn::Cnn::forward,
        cnn::evaluate,
    )
}
