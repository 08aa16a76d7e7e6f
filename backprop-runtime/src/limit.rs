//! The error of a gradient whose loop ran past its stated bound: `#[differentiable(max_iters =
//! M)]` sizes the stack buffers of loops with a run-time trip count for `M` iterations, and
//! the generated `_grad`, `_vjp` and `_fwd` return `Err(IterationLimit)` before a loop that
//! would need more.

use core::fmt;

/// A loop of a `#[differentiable(max_iters = M)]` function needed more than `M` iterations of
/// buffer: nothing was computed past the check, and no gradient is returned.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::{differentiable, IterationLimit};
///
/// #[differentiable(max_iters = 8)]
/// fn repeated_square(x: f32, n: usize) -> f32 {
///     let mut y = x;
///     for _ in 0..n {
///         y = y * y;
///     }
///     y
/// }
///
/// assert_eq!(repeated_square_grad(1.5, 2), Ok((1.5f32.powi(4), 4.0 * 1.5f32.powi(3))));
/// let err = repeated_square_grad(1.5, 9).unwrap_err();
/// assert_eq!(err, IterationLimit { function: "repeated_square", max_iters: 8, needed: 9 });
/// assert!(err.to_string().contains("max_iters = 8"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IterationLimit {
    /// The differentiated function.
    pub function: &'static str,
    /// The bound its attribute states.
    pub max_iters: usize,
    /// The buffer the loop needed: the end of its range (`n` for `0..n`, `n + 1` for `0..=n`).
    pub needed: usize,
}

impl fmt::Display for IterationLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a loop of `{}` needs {} iterations of buffer, more than its `max_iters = {}`: raise the bound or shorten the input",
            self.function, self.needed, self.max_iters
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for IterationLimit {}

/// What a callee's `_fwd` returns to a generated caller: its value and pullback, or, when the
/// callee has `max_iters`, a `Result` of them. A caller with `max_iters` of its own passes the
/// callee's [`IterationLimit`] on from its forward sweep.
pub trait Forward {
    /// The callee's value and pullback.
    type Output;
    /// The value and pullback, or the callee's error.
    fn into_result(self) -> Result<Self::Output, IterationLimit>;
}

impl<V, P> Forward for (V, P) {
    type Output = (V, P);
    #[inline(always)]
    fn into_result(self) -> Result<(V, P), IterationLimit> {
        Ok(self)
    }
}

impl<V, P> Forward for Result<(V, P), IterationLimit> {
    type Output = (V, P);
    #[inline(always)]
    fn into_result(self) -> Result<(V, P), IterationLimit> {
        self
    }
}

/// The value and pullback of a call repeated by the reverse sweep, in a caller with
/// `max_iters`: the forward sweep made the same call with the same inputs and it returned
/// `Ok`, or the caller would have returned its error before any reverse sweep.
#[inline(always)]
pub fn repeated<T: Forward>(forward: T) -> T::Output {
    match forward.into_result() {
        Ok(output) => output,
        Err(_) => unreachable!("a call the forward sweep made within its bound is repeated"),
    }
}
