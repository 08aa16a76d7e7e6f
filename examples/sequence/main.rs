//! A character model: a GRU learns to predict the next character of Genesis 1-11 (King James
//! Version, public domain: `data/genesis.txt`, see `data/README.md`), then writes some.
//!
//! The model is PyTorch's `nn.GRU(59, 128, batch_first=True)` over one-hot characters and an
//! `nn.Linear(128, 59)` on every step, as a struct of `backprop::nn` layers; its loss is a
//! `#[differentiable]` function whose `loss_grad` backpropagates through the head and through
//! time ([`GRUCell::forward_seq`](backprop::nn::GRUCell::forward_seq)'s hand-written pullback).
//! Adam trains it on batches of 32 windows of 32 characters drawn from the first 90% of the
//! text; the last 10% is held out. The loss curve is printed as it trains, then a sample.
//!
//! Run with `cargo run --release --example sequence`. `scripts/sequence_torch.py` trains the
//! same model in PyTorch for comparison (docs/benchmarks-layers.md);
//! `tests/integration/examples/sequence.rs` runs the same code, shorter.

mod model;

use model::{TrainConfig, ALPHABET};
use std::error::Error;
use std::time::{Duration, Instant};

/// The settings the printed results come from.
const CONFIG: TrainConfig = TrainConfig {
    steps: 600,
    lr: 3e-3,
    seed: 0,
};
/// The loss curve's resolution, in steps.
const EVERY: usize = 50;
/// Training runs on a thread with a main thread's stack, whatever the system's default: the
/// gates of every step (`GRUCell::forward_seq`, 2.6 MB) are kept on the heap, so this holds
/// the model, its gradient and a batch's activations, even in a debug build
/// (`tests/integration/examples/sequence.rs` checks it).
const STACK: usize = 8 << 20;

fn main() -> Result<(), Box<dyn Error>> {
    let text = model::encode(include_str!("../../data/genesis.txt"))?;
    let split = text.len() * 9 / 10;
    let (train_text, valid_text) = text.split_at(split);
    println!(
        "Genesis 1-11 (KJV): {} characters, {} distinct; {} for training, {} held out",
        text.len(),
        ALPHABET.len(),
        train_text.len(),
        valid_text.len()
    );
    println!(
        "GRU {}-{}-{}, {} steps of Adam (lr {}) on {} windows of {} characters",
        model::V,
        model::HIDDEN,
        model::V,
        CONFIG.steps,
        CONFIG.lr,
        model::BATCH,
        model::STEPS
    );
    println!("\n step  train loss  held-out loss  (nats per character)");

    let (train_text, valid_text) = (train_text.to_vec(), valid_text.to_vec());
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || train_and_sample(&train_text, &valid_text))?;
    worker
        .join()
        .map_err(|_| "the training thread panicked")?
        .map_err(|e| e as Box<dyn Error>)
}

fn train_and_sample(
    train_text: &[usize],
    valid_text: &[usize],
) -> Result<(), Box<dyn Error + Send + Sync>> {
    println!(
        "    0  {:>10}  {:>13.4}",
        "",
        model::evaluate(&model::CharGru::new(&mut seeded()), valid_text)
    );
    let mut recent = 0.0;
    let mut evaluating = Duration::ZERO;
    let start = Instant::now();
    let trained = model::train(train_text, CONFIG, |model, step, loss| {
        recent += loss;
        if step % EVERY == 0 {
            let t = Instant::now();
            let valid = model::evaluate(model, valid_text);
            let train = recent / EVERY as f32;
            println!("{step:>5}  {train:>10.4}  {valid:>13.4}  {}", bar(valid));
            recent = 0.0;
            evaluating += t.elapsed();
        }
    })?;
    let training = start.elapsed() - evaluating;
    println!(
        "\ntrained in {:.2} s ({:.2} ms a step; the held-out evaluations not counted)",
        training.as_secs_f64(),
        1e3 * training.as_secs_f64() / CONFIG.steps as f64
    );

    let prompt = model::encode("And God said")?;
    let text = model::sample(&trained, &prompt, 300, 0.7, &mut seeded());
    let decoded: String = prompt
        .iter()
        .chain(&text)
        .map(|&c| ALPHABET[c] as char)
        .collect();
    println!("\nsampled at temperature 0.7:\n{decoded}");
    Ok(())
}

/// The generator of the initialisation, so that step 0's loss is the trained model's start.
fn seeded() -> rand::rngs::StdRng {
    rand::SeedableRng::seed_from_u64(CONFIG.seed)
}

/// The loss as a bar, one `#` per 0.1 nats.
fn bar(loss: f32) -> String {
    "#".repeat((loss * 10.0).round().max(0.0) as usize)
}
