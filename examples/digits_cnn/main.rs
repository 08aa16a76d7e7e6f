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

use backprop::io;
use indicatif::{ProgressBar, ProgressStyle};
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

/// The settings the printed results come from.
const CONFIG: model::TrainConfig = model::TrainConfig {
    epochs: 30,
    lr: 5e-3,
    seed: 0,
};
/// The fraction of each digit held out, and the seed of the split.
const TEST_FRACTION: f64 = 0.2;
const SPLIT_SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let samples = data::digits()?;
    let (train_set, test_set) = data::split(&samples, TEST_FRACTION, SPLIT_SEED);
    println!(
        "UCI digits: {} images, {} for training, {} for testing",
        samples.len(),
        train_set.len(),
        test_set.len()
    );

    println!("per epoch: loss and accuracy on the training set / on the test set");
    let bar = ProgressBar::new(CONFIG.epochs as u64).with_style(ProgressStyle::with_template(
        "{bar:20} {pos:>2}/{len}  {msg}",
    )?);
    let mut history = Vec::new();
    let start = Instant::now();
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
    let trained = cnn::train(&train_set, &test_set, config, |report| {
        let line = format!(
            "loss {:.4} / {:.4}  accuracy {:.2}% / {:.2}%",
            report.train.loss,
            report.test.loss,
            100.0 * report.train.accuracy,
            100.0 * report.test.accuracy,
        );
        if report.epoch % 5 == 0 {
            bar.println(format!("epoch {:>2}  {line}", report.epoch));
        }
        bar.set_message(line);
        bar.inc(1);
        history.push(*report);
    })?;
    let elapsed = start.elapsed();
    bar.finish_and_clear();

    let last = history.last().ok_or("no epochs were run")?;
    println!(
        "trained in {:.2} s ({:.2} s of gradient steps): test accuracy {:.2}% ({} of {}), test loss {:.4}",
        elapsed.as_secs_f64(),
        trained.training.as_secs_f64(),
        100.0 * last.test.accuracy,
        (last.test.accuracy * test_set.len() as f32).round(),
        test_set.len(),
        last.test.loss,
    );

    let out = output_dir();
    std::fs::create_dir_all(&out)?;
    let png = out.join("digits-cnn-curves.png");
    plot::curves(&history, &png)?;
    println!("curves: {}", png.display());

    let weights = out.join("digits-cnn.safetensors");
    io::save(&trained.model, &weights)?;
    let reloaded: cnn::Cnn = io::load(&weights)?;
    let same = test_set
        .iter()
        .all(|s| reloaded.forward(&s.pixels) == trained.model.forward(&s.pixels));
    let metrics = cnn::evaluate(&reloaded, &test_set);
    println!(
        "weights: {} ({} parameters), reloaded: test accuracy {:.2}%, identical logits: {same}",
        weights.display(),
        <cnn::Cnn as backprop::Parameters>::numel(),
        100.0 * metrics.accuracy,
    );
    if !same || metrics != last.test {
        return Err("the reloaded model differs from the trained one".into());
    }
    Ok(())
}

/// Cargo's target directory: the program runs as `<target>/<profile>/examples/digits_cnn`.
fn output_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"))
}
