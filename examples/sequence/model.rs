//! The character model, its loss and its training loop: the part of the example that
//! `tests/integration/examples/sequence.rs` runs too.

use backprop::loss::cross_entropy;
use backprop::nn::{GRUCell, Linear};
use backprop::optim::{Adam, AdamConfig, OptimError, Optimizer};
use backprop::{differentiable, Parameters, Zero};
use rand::{Rng, SeedableRng};

/// Every character of the text, in byte order; a character's index is its class.
pub const ALPHABET: &[u8] = b"\n '(),.:;?ABCDEFGHIJKLMNOPRSTUWYZabcdefghijklmnopqrstuvwxyz";
/// The number of characters.
pub const V: usize = 59;
const _: () = assert!(ALPHABET.len() == V);
/// Hidden units of the GRU.
pub const HIDDEN: usize = 128;
/// Sequences per gradient step.
pub const BATCH: usize = 32;
/// Characters per sequence (the length of backpropagation through time).
pub const STEPS: usize = 32;

/// A one-hot encoded batch of sequences, `[B][T][V]`.
pub type Inputs = [[[f32; V]; STEPS]; BATCH];
/// The next character after each input character, `[B][T]`.
pub type Targets = [[usize; STEPS]; BATCH];

/// The text as character indices; the error names the first character outside [`ALPHABET`].
pub fn encode(text: &str) -> Result<Vec<usize>, String> {
    text.bytes()
        .enumerate()
        .map(|(at, byte)| {
            ALPHABET.iter().position(|&a| a == byte).ok_or_else(|| {
                format!("byte {at} of the text, {byte:#04x}, is not in the alphabet")
            })
        })
        .collect()
}

/// PyTorch's `nn.GRU(V, HIDDEN, batch_first=True)` over one-hot characters, then
/// `nn.Linear(HIDDEN, V)` on every step's hidden state: the logits of the next character.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct CharGru {
    /// The recurrent layer.
    pub gru: GRUCell<V, HIDDEN>,
    /// Hidden state to the logits of the next character.
    pub head: Linear<HIDDEN, V>,
}

impl CharGru {
    /// A fresh model, PyTorch's default initialisation.
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        CharGru {
            gru: GRUCell::new(rng),
            head: Linear::new(rng),
        }
    }
}

/// The mean cross-entropy of predicting each next character of a batch of sequences, every
/// sequence starting from a zero state (PyTorch's `CrossEntropyLoss` over `B * T` predictions).
/// `loss_grad` is the backward pass through the head and through time.
#[differentiable(wrt(model))]
pub fn loss<const B: usize, const T: usize>(
    model: &CharGru,
    x: &[[[f32; V]; T]; B],
    y: &[[usize; T]; B],
) -> f32 {
    let h0 = [[0.0; HIDDEN]; B];
    let out = model.gru.forward_seq(x, &h0);
    let mut total = 0.0;
    for b in 0..B {
        let logits = model.head.forward_batch(&out[b]);
        for t in 0..T {
            total += cross_entropy(&logits[t], y[b][t]);
        }
    }
    total / (B * T) as f32
}

/// The batch of windows of `text` starting at `starts`: inputs one-hot, targets shifted by
/// one character.
pub fn batch(text: &[usize], starts: &[usize; BATCH], x: &mut Inputs, y: &mut Targets) {
    x.set_zero();
    for (b, &start) in starts.iter().enumerate() {
        for t in 0..STEPS {
            x[b][t][text[start + t]] = 1.0;
            y[b][t] = text[start + t + 1];
        }
    }
}

/// The mean loss over consecutive windows of `text` (a last partial batch is dropped).
pub fn evaluate(model: &CharGru, text: &[usize]) -> f32 {
    let windows = (text.len() - 1) / STEPS;
    let batches = windows / BATCH;
    let (mut x, mut y) = (Inputs::zero(), [[0; STEPS]; BATCH]);
    let mut total = 0.0;
    for k in 0..batches {
        let starts = core::array::from_fn(|b| (k * BATCH + b) * STEPS);
        batch(text, &starts, &mut x, &mut y);
        total += loss(model, &x, &y);
    }
    total / batches as f32
}

/// How to train.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// Gradient steps.
    pub steps: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seeds the initialisation and the windows drawn.
    pub seed: u64,
}

/// Trains a fresh model with Adam on batches of windows drawn uniformly from `train_text`,
/// calling `report(step, loss)` after every step with that step's batch loss.
pub fn train(
    train_text: &[usize],
    config: TrainConfig,
    mut report: impl FnMut(&CharGru, usize, f32),
) -> Result<CharGru, OptimError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let mut model = CharGru::new(&mut rng);
    let mut grads = CharGru::zero();
    let mut opt = Adam::<CharGru>::new(AdamConfig {
        lr: config.lr,
        ..Default::default()
    })?;
    let (mut x, mut y) = (Inputs::zero(), [[0; STEPS]; BATCH]);
    let last_start = train_text.len() - STEPS - 1;
    for step in 1..=config.steps {
        let starts = core::array::from_fn(|_| rng.random_range(0..=last_start));
        batch(train_text, &starts, &mut x, &mut y);
        opt.zero_grad(&mut grads);
        let l = loss_grad(&model, &mut grads, &x, &y);
        opt.step(&mut model, &grads);
        report(&model, step, l);
    }
    Ok(model)
}

/// `n` characters from the model, one at a time from a zero state after `prompt`, each drawn
/// from the softmax of the logits divided by `temperature`.
pub fn sample<R: Rng + ?Sized>(
    model: &CharGru,
    prompt: &[usize],
    n: usize,
    temperature: f32,
    rng: &mut R,
) -> Vec<usize> {
    let mut h = [[0.0; HIDDEN]; 1];
    let next = |h: &mut [[f32; HIDDEN]; 1], c: usize| {
        let mut x = [[0.0; V]; 1];
        x[0][c] = 1.0;
        *h = model.gru.forward(&x, h);
        model.head.forward(&h[0])
    };
    let mut logits = [0.0; V];
    for &c in prompt {
        logits = next(&mut h, c);
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let max = logits.iter().fold(f32::NEG_INFINITY, |m, &l| m.max(l));
        let weights = logits.map(|l| ((l - max) / temperature).exp());
        let mut u = rng.random::<f32>() * weights.iter().sum::<f32>();
        let mut c = V - 1;
        for (j, w) in weights.iter().enumerate() {
            if u < *w {
                c = j;
                break;
            }
            u -= w;
        }
        out.push(c);
        logits = next(&mut h, c);
    }
    out
}
