//! Gradients of a batch: every sample's gradient added into one accumulator, sequentially
//! ([`batch_gradient`], `no_std`, no allocation; [`batch_gradient_into`] into a buffer of the
//! caller's) or on rayon's thread pool (`par_batch_gradient`, feature `rayon`).
//!
//! Both take a per-sample closure `|model, grad, sample| -> loss` that **adds** the sample's
//! gradient into `grad` and returns its loss; a generated `_grad` function does exactly that:
//!
//! ```
//! use backprop_runtime::batch::{batch_gradient, Reduction};
//! use backprop_runtime::differentiable;
//!
//! /// Squared error of a line `w x + b` (the model is `[w, b]`).
//! #[differentiable(wrt(m))]
//! fn sq_err(m: &[f32; 2], x: f32, y: f32) -> f32 {
//!     let e = m[0] * x + m[1] - y;
//!     e * e
//! }
//!
//! let samples = [(1.0, 3.0), (2.0, 5.0)];
//! let model = [0.0, 0.0];
//! let (loss, grad) = batch_gradient(&model, &samples, Reduction::Mean, |m, g, &(x, y)| {
//!     sq_err_grad(m, g, x, y)
//! })?;
//! // Mean of 3² and 5²; d/dw = mean of 2·e·x = (-6 - 20) / 2, d/db = mean of 2·e = (-6 - 10) / 2.
//! assert_eq!((loss, grad), (17.0, [-13.0, -8.0]));
//! # Ok::<(), backprop_runtime::batch::BatchError>(())
//! ```
//!
//! # Mean or sum
//!
//! [`Reduction::Mean`] (PyTorch's default `reduction="mean"`) returns the average loss and the
//! gradient of the average: a learning rate then means the same at any batch size.
//! [`Reduction::Sum`] returns the sum of the losses and of the gradients (`n` times the mean).
//! An empty batch has no mean ([`BatchError::Empty`]); its sum is zero.
//!
//! # Large models
//!
//! [`batch_gradient`] returns the gradient by value, so it passes through the stack.
//! [`batch_gradient_into`] zeroes and fills a gradient buffer the caller owns (a
//! `Box<Model>` from `Zeroable::boxed_zero`, reused every step), and keeps nothing of the
//! model's size on the stack.
//!
//! # Parallel
//!
//! `par_batch_gradient` (and `par_batch_gradient_into`, which fills a caller's buffer and keeps
//! nothing of the model's size on any stack) splits the batch over rayon's workers. Each piece a worker takes adds
//! its samples' gradients into a zeroed accumulator of its own (about one piece per thread,
//! more when idle threads steal work), and the accumulators are then added pairwise (a tree
//! reduction). The additions happen in another order than the sequential loop's, so the two
//! results agree to float rounding, not bit for bit.

use crate::params::Parameters;
use crate::tensor::Real;
use core::fmt;

/// How per-sample losses and gradients are combined, as PyTorch's `reduction` argument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// The average over the batch: the loss `(1/n) Σ lossᵢ` and its gradient.
    #[default]
    Mean,
    /// The sum over the batch: the loss `Σ lossᵢ` and its gradient.
    Sum,
}

/// Why a batch gradient could not be computed.
///
/// More reasons may come, so a `match` needs a wildcard arm:
///
/// ```compile_fail,E0004
/// # use backprop_runtime as backprop;
/// use backprop::batch::BatchError;
/// fn explain(e: BatchError) -> &'static str {
///     match e {
///         BatchError::Empty => "no sample",
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchError {
    /// [`Reduction::Mean`] of a batch with no sample.
    Empty,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Empty => f.write_str("the mean over an empty batch is undefined"),
        }
    }
}

impl core::error::Error for BatchError {}

/// The loss and gradient of `model` over `samples`, one sample at a time.
///
/// `per_sample(model, grad, sample)` must add the sample's gradient into `grad` and return its
/// loss (a generated `NAME_grad` does both). The gradient accumulator is zeroed here; the
/// result is combined as `reduction` says (see the [module docs](self)). Needs neither `std`
/// nor an allocator.
///
/// # Errors
///
/// [`BatchError::Empty`] for [`Reduction::Mean`] of an empty batch.
pub fn batch_gradient<R: Real, P, S, L>(
    model: &P,
    samples: &[S],
    reduction: Reduction,
    per_sample: L,
) -> Result<(R, P), BatchError>
where
    P: Parameters<R>,
    L: FnMut(&P, &mut P, &S) -> R,
{
    check(samples.len(), reduction)?;
    let mut grad = P::zero();
    let loss = accumulate(model, &mut grad, samples, per_sample);
    Ok((scale(loss, &mut grad, samples.len(), reduction), grad))
}

/// [`batch_gradient`] into the caller's buffer: `grad` is zeroed, then receives the batch's
/// gradient (combined as `reduction` says); the loss is returned. Nothing of the model's size
/// is put on the stack, so with a boxed `grad` this serves models of any size; reuse the
/// buffer from step to step. Needs neither `std` nor an allocator.
///
/// ```
/// use backprop_runtime::batch::{batch_gradient_into, Reduction};
/// use backprop_runtime::{differentiable, Zero};
///
/// #[differentiable(wrt(m))]
/// fn sq_err(m: &[f32; 2], x: f32, y: f32) -> f32 {
///     let e = m[0] * x + m[1] - y;
///     e * e
/// }
///
/// let samples = [(1.0, 3.0), (2.0, 5.0)];
/// let mut grad = [7.0, 7.0]; // whatever it held is overwritten
/// let loss = batch_gradient_into(&[0.0, 0.0], &mut grad, &samples, Reduction::Mean, |m, g, &(x, y)| {
///     sq_err_grad(m, g, x, y)
/// })?;
/// assert_eq!((loss, grad), (17.0, [-13.0, -8.0]));
/// # Ok::<(), backprop_runtime::batch::BatchError>(())
/// ```
///
/// # Errors
///
/// [`BatchError::Empty`] for [`Reduction::Mean`] of an empty batch; `grad` is then unchanged.
pub fn batch_gradient_into<R: Real, P, S, L>(
    model: &P,
    grad: &mut P,
    samples: &[S],
    reduction: Reduction,
    per_sample: L,
) -> Result<R, BatchError>
where
    P: Parameters<R>,
    L: FnMut(&P, &mut P, &S) -> R,
{
    check(samples.len(), reduction)?;
    grad.set_zero();
    let loss = accumulate(model, grad, samples, per_sample);
    Ok(scale(loss, grad, samples.len(), reduction))
}

/// The sum of the samples' losses; their gradients are added into `grad`.
fn accumulate<R: Real, P, S, L>(model: &P, grad: &mut P, samples: &[S], mut per_sample: L) -> R
where
    L: FnMut(&P, &mut P, &S) -> R,
{
    let mut loss = R::ZERO;
    for sample in samples {
        loss += per_sample(model, grad, sample);
    }
    loss
}

/// [`batch_gradient`] with the samples spread over rayon's thread pool (feature `rayon`).
///
/// Runs on the current rayon pool: wrap the call in `ThreadPool::install` to choose the number
/// of threads. Agrees with [`batch_gradient`] to float rounding (the sums are associated
/// differently). The gradient is returned by value, through the stack: for a model of
/// megabytes use [`par_batch_gradient_into`].
///
/// # Errors
///
/// [`BatchError::Empty`] for [`Reduction::Mean`] of an empty batch.
#[cfg(feature = "rayon")]
pub fn par_batch_gradient<R: Real, P, S, L>(
    model: &P,
    samples: &[S],
    reduction: Reduction,
    per_sample: L,
) -> Result<(R, P), BatchError>
where
    P: Parameters<R> + crate::Zeroable + Send + Sync,
    S: Sync,
    L: Fn(&P, &mut P, &S) -> R + Sync,
{
    let mut grad = P::zero();
    let loss = par_batch_gradient_into(model, &mut grad, samples, reduction, per_sample)?;
    Ok((loss, grad))
}

/// [`par_batch_gradient`] into the caller's buffer, as [`batch_gradient_into`]: `grad` is
/// overwritten with the batch's gradient and the loss is returned.
///
/// Each worker accumulates into a zeroed gradient of its own, allocated zeroed on the heap
/// ([`Zeroable::boxed_zero`](crate::Zeroable::boxed_zero)); the partial gradients are added in
/// a tree and the total copied into `grad` tensor by tensor. Nothing of the model's size is put
/// on any thread's stack, so rayon's default 2 MB stacks serve models of any size.
///
/// ```
/// use backprop_runtime::batch::{par_batch_gradient_into, Reduction};
/// use backprop_runtime::differentiable;
///
/// #[differentiable(wrt(m))]
/// fn sq_err(m: &[f32; 2], x: f32, y: f32) -> f32 {
///     let e = m[0] * x + m[1] - y;
///     e * e
/// }
///
/// let samples = [(1.0, 3.0), (2.0, 5.0)];
/// let mut grad = Box::new([7.0, 7.0]); // whatever it held is overwritten
/// let loss = par_batch_gradient_into(&[0.0, 0.0], &mut *grad, &samples, Reduction::Mean, |m, g, &(x, y)| {
///     sq_err_grad(m, g, x, y)
/// })?;
/// assert_eq!((loss, *grad), (17.0, [-13.0, -8.0]));
/// # Ok::<(), backprop_runtime::batch::BatchError>(())
/// ```
///
/// # Errors
///
/// [`BatchError::Empty`] for [`Reduction::Mean`] of an empty batch; `grad` is then unchanged.
#[cfg(feature = "rayon")]
pub fn par_batch_gradient_into<R: Real, P, S, L>(
    model: &P,
    grad: &mut P,
    samples: &[S],
    reduction: Reduction,
    per_sample: L,
) -> Result<R, BatchError>
where
    P: Parameters<R> + crate::Zeroable + Send + Sync,
    S: Sync,
    L: Fn(&P, &mut P, &S) -> R + Sync,
{
    use rayon::prelude::*;

    check(samples.len(), reduction)?;
    // One worker's running loss and gradient; folding a sample moves the box, not the gradient.
    let zeroed = || (R::ZERO, P::boxed_zero());
    let (loss, total) = samples
        .par_iter()
        .fold(zeroed, |(loss, mut acc), sample| {
            (loss + per_sample(model, &mut acc, sample), acc)
        })
        .reduce(zeroed, |(loss_a, mut a), (loss_b, b)| {
            add_into(&mut *a, &*b);
            (loss_a + loss_b, a)
        });
    for k in 0..P::TENSORS {
        grad.tensor_mut(k).copy_from_slice(total.tensor(k));
    }
    Ok(scale(loss, grad, samples.len(), reduction))
}

fn check(len: usize, reduction: Reduction) -> Result<(), BatchError> {
    if len == 0 && reduction == Reduction::Mean {
        return Err(BatchError::Empty);
    }
    Ok(())
}

/// Applies the reduction to the summed loss and gradient of `len` samples: scales the gradient
/// in place and returns the loss.
fn scale<R: Real, P: Parameters<R>>(loss: R, grad: &mut P, len: usize, reduction: Reduction) -> R {
    match reduction {
        Reduction::Sum => loss,
        Reduction::Mean => {
            let scale = R::from_f64(1.0 / len as f64);
            for k in 0..P::TENSORS {
                for g in grad.tensor_mut(k) {
                    *g *= scale;
                }
            }
            loss * scale
        }
    }
}

/// `acc += g`, tensor by tensor.
#[cfg(feature = "rayon")]
fn add_into<R: Real, P: Parameters<R>>(acc: &mut P, g: &P) {
    for k in 0..P::TENSORS {
        for (a, b) in acc.tensor_mut(k).iter_mut().zip(g.tensor(k)) {
            *a += *b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Linear;
    use crate::{differentiable, Zero};

    /// `(w · x + b - y)²` for a linear model with three inputs and one output.
    #[differentiable(wrt(model))]
    #[allow(dead_code)] // used through its gradient
    fn squared_error(model: &Linear<3, 1>, x: &[f32; 3], y: f32) -> f32 {
        let out = model.forward(x);
        let e = out[0] - y;
        e * e
    }

    struct Sample {
        x: [f32; 3],
        y: f32,
    }

    fn samples(n: usize) -> Vec<Sample> {
        // Deterministic, varied inputs without a random number generator.
        (0..n)
            .map(|i| {
                let t = i as f32;
                Sample {
                    x: [(0.37 * t).sin(), (0.11 * t).cos(), 0.01 * t - 1.0],
                    y: (0.05 * t).sin() * 2.0,
                }
            })
            .collect()
    }

    fn model() -> Linear<3, 1> {
        Linear::from_parts([[0.5, -0.25, 0.75]], [0.1])
    }

    fn per_sample(m: &Linear<3, 1>, g: &mut Linear<3, 1>, s: &Sample) -> f32 {
        squared_error_grad(m, g, &s.x, s.y)
    }

    /// The mean loss and gradient by the textbook formulas, in f64: with `e = w·x + b - y`,
    /// `d/dw = 2 e x` and `d/db = 2 e`. The gradient is laid out as the model's tensors,
    /// weight then bias.
    fn closed_form(m: &Linear<3, 1>, batch: &[Sample]) -> (f64, [f64; 4]) {
        let (mut loss, mut grad) = (0.0, [0.0; 4]);
        for s in batch {
            let x = s.x.map(f64::from);
            let w = m.weight[0].map(f64::from);
            let e = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + m.bias[0] as f64 - s.y as f64;
            loss += e * e;
            for (g, input) in grad.iter_mut().zip([x[0], x[1], x[2], 1.0]) {
                *g += 2.0 * e * input;
            }
        }
        let n = batch.len() as f64;
        (loss / n, grad.map(|g| g / n))
    }

    /// Asserts that `(loss, grad)` is `scale` times the closed form over `batch`.
    fn assert_matches(loss: f32, grad: &Linear<3, 1>, batch: &[Sample], scale: f64) {
        let close = |a: f32, b: f64| (a as f64 - b).abs() <= 1e-5 * (1.0 + b.abs());
        let (l, g) = closed_form(&model(), batch);
        assert!(close(loss, scale * l), "loss: {loss} vs {}", scale * l);
        let ours = grad.weight[0].iter().chain(&grad.bias);
        for (k, (a, b)) in ours.zip(g).enumerate() {
            assert!(close(*a, scale * b), "component {k}: {a} vs {}", scale * b);
        }
    }

    #[test]
    fn mean_is_the_textbook_gradient() {
        let batch = samples(50);
        let (loss, grad) = batch_gradient(&model(), &batch, Reduction::Mean, per_sample).unwrap();
        assert_matches(loss, &grad, &batch, 1.0);
    }

    #[test]
    fn sum_is_n_times_the_mean() {
        let batch = samples(40);
        let (loss, grad) = batch_gradient(&model(), &batch, Reduction::Sum, per_sample).unwrap();
        assert_matches(loss, &grad, &batch, 40.0);
    }

    #[test]
    fn into_a_buffer_is_the_returned_gradient_whatever_the_buffer_held() {
        let batch = samples(30);
        for reduction in [Reduction::Mean, Reduction::Sum] {
            let (loss, grad) = batch_gradient(&model(), &batch, reduction, per_sample).unwrap();
            let mut buffer = Linear::from_parts([[5.0, -5.0, 5.0]], [9.0]);
            let into =
                batch_gradient_into(&model(), &mut buffer, &batch, reduction, per_sample).unwrap();
            assert_eq!((into, buffer), (loss, grad), "{reduction:?}");
        }
        let mut buffer = Linear::from_parts([[5.0, -5.0, 5.0]], [9.0]);
        let none: &[Sample] = &[];
        assert_eq!(
            batch_gradient_into(&model(), &mut buffer, none, Reduction::Mean, per_sample),
            Err(BatchError::Empty)
        );
        assert_eq!(
            buffer.bias,
            [9.0],
            "a refused batch leaves the buffer as it was"
        );
        let sum = batch_gradient_into(&model(), &mut buffer, none, Reduction::Sum, per_sample);
        assert_eq!((sum, buffer), (Ok(0.0), Linear::zero()));
    }

    #[test]
    fn an_empty_batch_has_a_sum_but_no_mean() {
        let none: &[Sample] = &[];
        assert_eq!(
            batch_gradient(&model(), none, Reduction::Mean, per_sample),
            Err(BatchError::Empty)
        );
        let (loss, grad) = batch_gradient(&model(), none, Reduction::Sum, per_sample).unwrap();
        assert_eq!((loss, grad), (0.0, Linear::zero()));
        assert_eq!(
            BatchError::Empty.to_string(),
            "the mean over an empty batch is undefined"
        );
    }

    #[cfg(feature = "rayon")]
    mod parallel {
        use super::*;
        use crate::Zeroable;

        /// Runs `f` on a pool of `threads` workers, whatever the machine's core count.
        fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(f)
        }

        #[test]
        fn parallel_equals_sequential() {
            let batch = samples(1000);
            for reduction in [Reduction::Mean, Reduction::Sum] {
                let (seq_loss, seq) =
                    batch_gradient(&model(), &batch, reduction, per_sample).unwrap();
                for threads in [1, 2, 4, 7] {
                    let (loss, grad) = on_threads(threads, || {
                        par_batch_gradient(&model(), &batch, reduction, per_sample).unwrap()
                    });
                    // Reassociated f32 sums of 1000 terms: a few ulps of the total each.
                    let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * (1.0 + b.abs());
                    assert!(close(loss, seq_loss), "{threads}: {loss} vs {seq_loss}");
                    for k in 0..2 {
                        for (a, b) in grad.tensor(k).iter().zip(seq.tensor(k)) {
                            assert!(close(*a, *b), "{reduction:?} {threads}: {a} vs {b}");
                        }
                    }
                }
            }
        }

        #[test]
        fn parallel_mean_is_the_textbook_gradient() {
            let batch = samples(333);
            let (loss, grad) = on_threads(3, || {
                par_batch_gradient(&model(), &batch, Reduction::Mean, per_sample).unwrap()
            });
            assert_matches(loss, &grad, &batch, 1.0);
        }

        /// A 4 MB model on workers with 256 KB stacks: the accumulators never pass through a
        /// stack (a `P::zero()` built on one would overflow it).
        #[test]
        fn parallel_into_keeps_big_gradients_off_the_stacks() {
            type Big = [[f32; 1024]; 1024];
            let model = Big::boxed_zero();
            let samples: Vec<f32> = (1..=64).map(|i| i as f32).collect();
            let mut grad = Big::boxed_zero();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .stack_size(256 << 10)
                .build()
                .unwrap();
            let add_sample = |_: &Big, g: &mut Big, s: &f32| {
                g[3][5] += *s;
                g[1023][1023] += 1.0;
                *s
            };
            let loss = pool
                .install(|| {
                    par_batch_gradient_into(
                        &*model,
                        &mut *grad,
                        &samples,
                        Reduction::Sum,
                        add_sample,
                    )
                })
                .unwrap();
            // 1 + 2 + ... + 64 = 2080, exact in f32 in any order.
            assert_eq!((loss, grad[3][5], grad[1023][1023]), (2080.0, 2080.0, 64.0));
            assert_eq!(grad.as_flattened().iter().filter(|g| **g != 0.0).count(), 2);
        }

        #[test]
        fn parallel_empty_batch() {
            let none: &[Sample] = &[];
            assert_eq!(
                par_batch_gradient(&model(), none, Reduction::Mean, per_sample),
                Err(BatchError::Empty)
            );
            let (loss, grad) =
                par_batch_gradient(&model(), none, Reduction::Sum, per_sample).unwrap();
            assert_eq!((loss, grad), (0.0, Linear::zero()));
        }
    }
}
