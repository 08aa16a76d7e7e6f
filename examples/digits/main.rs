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
    let trained = model::train(&train_set, &test_set, CONFIG, |report| {
        let line = format!(
            "loss {:.4} / {:.4}  accuracy {:.2}% / {:.2}%",
            report.train.loss,
            report.test.loss,
            100.0 * report.train.accuracy,
            100.0 * report.test.accuracy,
        );
        // Every fifth epoch stays on screen above the bar.
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
        "trained in {:.2} s: test accuracy {:.2}% ({} of {}), test loss {:.4}",
        elapsed.as_secs_f64(),
        100.0 * last.test.accuracy,
        (last.test.accuracy * test_set.len() as f32).round(),
        test_set.len(),
        last.test.loss,
    );

    let out = output_dir();
    std::fs::create_dir_all(&out)?;
    let png = out.join("digits-curves.png");
    plot::curves(&history, &png)?;
    println!("curves: {}", png.display());

    let weights = out.join("digits-mlp.safetensors");
    io::save(&trained, &weights)?;
    let reloaded: model::Mlp = io::load(&weights)?;
    let same = test_set
        .iter()
        .all(|s| reloaded.forward(&s.pixels) == trained.forward(&s.pixels));
    let metrics = model::evaluate(&reloaded, &test_set);
    println!(
        "weights: {} ({} parameters), reloaded: test accuracy {:.2}%, identical logits: {same}",
        weights.display(),
        <model::Mlp as backprop::Parameters>::numel(),
        100.0 * metrics.accuracy,
    );
    if !same || metrics != last.test {
        return Err("the reloaded model differs from the trained one".into());
    }
    Ok(())
}

/// Cargo's target directory: the program runs as `<target>/<profile>/examples/digits`.
fn output_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"))
}
