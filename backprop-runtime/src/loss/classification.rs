//! Classification losses: cross-entropy on logits with class indices (`nn.CrossEntropyLoss`),
//! negative log-likelihood on log-probabilities (`nn.NLLLoss`), and binary cross-entropy on
//! probabilities or logits (`nn.BCELoss`, `nn.BCEWithLogitsLoss`). The batch forms average
//! over the batch, PyTorch's default.

// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use crate::differentiable;
// Method syntax for `exp`/`ln` without `std`.
#[allow(unused_imports)]
use crate::Float;

/// Cross-entropy of one row of logits against a class index:
/// `log(sum_j e^(logits_j)) - logits_target`, with the maximum subtracted first so that large
/// logits cannot overflow.
#[differentiable(wrt(logits), jvp)]
pub fn cross_entropy<const C: usize>(logits: &[f32; C], target: usize) -> f32 {
    let mut m = logits[0];
    for j in 1..C {
        m = m.max(logits[j]);
    }
    let mut s = 0.0;
    for j in 0..C {
        s += (logits[j] - m).exp();
    }
    s.ln() + m - logits[target]
}

/// Mean cross-entropy over a batch of logits.
#[differentiable(wrt(logits), jvp)]
pub fn cross_entropy_batch<const C: usize, const B: usize>(
    logits: &[[f32; C]; B],
    targets: &[usize; B],
) -> f32 {
    let mut total = 0.0;
    for b in 0..B {
        total += cross_entropy(&logits[b], targets[b]);
    }
    total / B as f32
}

/// Negative log-likelihood of one row of log-probabilities: `-log_probs[target]`.
#[differentiable(wrt(log_probs), jvp)]
pub fn nll<const C: usize>(log_probs: &[f32; C], target: usize) -> f32 {
    -log_probs[target]
}

/// Mean negative log-likelihood over a batch.
#[differentiable(wrt(log_probs), jvp)]
pub fn nll_batch<const C: usize, const B: usize>(
    log_probs: &[[f32; C]; B],
    targets: &[usize; B],
) -> f32 {
    let mut total = 0.0;
    for b in 0..B {
        total -= log_probs[b][targets[b]];
    }
    total / B as f32
}

/// Binary cross-entropy of probabilities: `-(y ln p + (1 - y) ln(1 - p))`, the mean over
/// elements. Like PyTorch, each log is clamped at -100 so that `p` of exactly 0 or 1 gives a
/// finite loss.
#[differentiable(wrt(probabilities), jvp)]
pub fn binary_cross_entropy<const N: usize>(probabilities: &[f32; N], targets: &[f32; N]) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        let p = probabilities[i];
        let log_p = p.ln().max(-100.0);
        let log_q = (1.0 - p).ln().max(-100.0);
        s -= targets[i] * log_p + (1.0 - targets[i]) * log_q;
    }
    s / N as f32
}

/// Binary cross-entropy of logits, `-(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))`,
/// computed stably as `max(x, 0) - x y + log(1 + e^-|x|)`; the mean over elements.
#[differentiable(wrt(logits), jvp)]
pub fn binary_cross_entropy_with_logits<const N: usize>(
    logits: &[f32; N],
    targets: &[f32; N],
) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        let x = logits[i];
        s += x.max(0.0) - x * targets[i] + (-x.abs()).exp().ln_1p();
    }
    s / N as f32
}
