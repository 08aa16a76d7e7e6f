//! What the two digits examples (`digits`, the perceptron, and `digits_cnn`) do around their
//! training, written once: the data and its split, the progress bar over the epochs, and the
//! curves and weights written out, the weights read back and checked.

use crate::data::{self, Sample, CLASSES, FEATURES};
use crate::model::{EpochReport, Metrics};
use crate::plot;
use backprop::{io, Parameters};
use indicatif::{ProgressBar, ProgressStyle};
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

/// The fraction of each digit held out, and the seed of the split.
const TEST_FRACTION: f64 = 0.2;
const SPLIT_SEED: u64 = 0;

/// The digits, split into a training and a test set, with a line saying so.
pub fn split_digits() -> Result<(Vec<Sample>, Vec<Sample>), Box<dyn Error>> {
    let samples = data::digits()?;
    let (train_set, test_set) = data::split(&samples, TEST_FRACTION, SPLIT_SEED);
    println!(
        "UCI digits: {} images, {} for training, {} for testing",
        samples.len(),
        train_set.len(),
        test_set.len()
    );
    Ok((train_set, test_set))
}

/// Runs `train` (given the callback for each epoch's report) under a progress bar over its
/// `epochs`, on which every fifth epoch's line stays; then prints the test accuracy and loss
/// of the last epoch and the time taken (`detail` adds to it). The trained value and the
/// epochs' reports, in order.
pub fn train_with_progress<T, E: Error + 'static>(
    epochs: usize,
    test_set: &[Sample],
    train: impl FnOnce(&mut dyn FnMut(&EpochReport)) -> Result<T, E>,
    detail: impl FnOnce(&T) -> String,
) -> Result<(T, Vec<EpochReport>), Box<dyn Error>> {
    println!("per epoch: loss and accuracy on the training set / on the test set");
    let style = ProgressStyle::with_template("{bar:20} {pos:>2}/{len}  {msg}")?;
    let bar = ProgressBar::new(epochs as u64).with_style(style);
    let mut history = Vec::new();
    let start = Instant::now();
    let trained = train(&mut |report: &EpochReport| {
        let line = format!(
            "loss {:.4} / {:.4}  accuracy {:.2}% / {:.2}%",
            report.train.loss,
            report.test.loss,
            100.0 * report.train.accuracy,
            100.0 * report.test.accuracy,
        );
        if report.epoch.is_multiple_of(5) {
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
        "trained in {:.2} s{}: test accuracy {:.2}% ({} of {}), test loss {:.4}",
        elapsed.as_secs_f64(),
        detail(&trained),
        100.0 * last.test.accuracy,
        (last.test.accuracy * test_set.len() as f32).round(),
        test_set.len(),
        last.test.loss,
    );
    Ok((trained, history))
}

/// Draws the curves of `history` to `<target>/<name>-curves.png`, saves `model` to
/// `<target>/<weights>.safetensors`, reads it back, and checks that the copy gives the same
/// logits (`forward`) and metrics (`evaluate`) on the test set as the last epoch did.
pub fn save_and_check<M: Parameters>(
    name: &str,
    weights: &str,
    history: &[EpochReport],
    model: &M,
    test_set: &[Sample],
    forward: impl Fn(&M, &[f32; FEATURES]) -> [f32; CLASSES],
    evaluate: impl Fn(&M, &[Sample]) -> Metrics,
) -> Result<(), Box<dyn Error>> {
    let last = history.last().ok_or("no epochs were run")?;
    let out = output_dir();
    std::fs::create_dir_all(&out)?;
    let png = out.join(format!("{name}-curves.png"));
    plot::curves(history, &png)?;
    println!("curves: {}", png.display());

    let path = out.join(format!("{weights}.safetensors"));
    io::save(model, &path)?;
    let reloaded: M = io::load(&path)?;
    let same = test_set
        .iter()
        .all(|s| forward(&reloaded, &s.pixels) == forward(model, &s.pixels));
    let metrics = evaluate(&reloaded, test_set);
    println!(
        "weights: {} ({} parameters), reloaded: test accuracy {:.2}%, identical logits: {same}",
        path.display(),
        M::numel(),
        100.0 * metrics.accuracy,
    );
    if !same || metrics != last.test {
        return Err("the reloaded model differs from the trained one".into());
    }
    Ok(())
}

/// Cargo's target directory: the examples run as `<target>/<profile>/examples/<name>`.
fn output_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"))
}
