//! `Embedding<NUM, DIM>`: PyTorch's `nn.Embedding(NUM, DIM)`, a table of `NUM` rows looked up
//! by index.

use super::Init;
use crate::{differentiable, math, Parameters};
use core::fmt;
use rand::Rng;

/// A lookup table: index `i` gives row `i` of `weight` (`[NUM, DIM]`, PyTorch's name and
/// layout). The gradient goes into the rows looked up and nowhere else: the pullback adds each
/// output row's cotangent to its row of the shadow and touches no other, so its cost is the
/// batch's, not the table's. In forward mode ([`forward_jvp`](Self::forward_jvp)) the tangent
/// is the same rows of the weight's tangent.
///
/// Indices are `usize` constants (a differentiable function takes `&[usize; B]`). An index
/// `>= NUM` is a programming error in [`forward`](Self::forward), which panics as indexing
/// does; check indices from outside with [`check`](Self::check) first, or look up with
/// [`try_forward`](Self::try_forward), which returns the error.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Embedding;
/// use backprop::Zero;
///
/// let table = Embedding::from_weight([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]);
/// let ids = [2, 0, 2];
/// table.check(&ids)?;
/// let mut d_table = Embedding::zero();
/// let y = table.forward_vjp(&mut d_table, &ids, &[[1.0, 1.0], [0.5, 0.5], [1.0, 0.0]]);
/// assert_eq!(y, [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]);
/// assert_eq!(d_table.weight, [[0.5, 0.5], [0.0, 0.0], [2.0, 1.0]]); // row 1 untouched
/// assert!(table.try_forward(&[3]).is_err());
/// # Ok::<(), backprop::nn::EmbeddingError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Embedding<const NUM: usize, const DIM: usize> {
    /// `[NUM][DIM]`, as PyTorch stores it.
    pub weight: [[f32; DIM]; NUM],
}

/// An index outside an [`Embedding`]'s table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddingError {
    /// The position of the index in the batch.
    pub position: usize,
    /// The index.
    pub index: usize,
    /// The number of rows.
    pub rows: usize,
}

impl fmt::Display for EmbeddingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let EmbeddingError {
            position,
            index,
            rows,
        } = self;
        write!(
            f,
            "embedding index {index} at position {position} is outside the table of {rows} rows"
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EmbeddingError {}

impl<const NUM: usize, const DIM: usize> Embedding<NUM, DIM> {
    /// PyTorch's initialisation: every weight drawn from the standard normal `N(0, 1)`. For a
    /// table of megabytes use [`Init::new_boxed`].
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut table = Embedding {
            weight: [[0.0; DIM]; NUM],
        };
        table.init(rng);
        table
    }

    /// A table with the given rows.
    pub const fn from_weight(weight: [[f32; DIM]; NUM]) -> Self {
        Embedding { weight }
    }

    /// `Ok` if every index is a row of the table, else the first that is not.
    pub fn check<const B: usize>(&self, indices: &[usize; B]) -> Result<(), EmbeddingError> {
        match indices.iter().position(|&i| i >= NUM) {
            Some(position) => Err(EmbeddingError {
                position,
                index: indices[position],
                rows: NUM,
            }),
            None => Ok(()),
        }
    }

    /// The rows of `indices`, or the error of [`check`](Self::check).
    pub fn try_forward<const B: usize>(
        &self,
        indices: &[usize; B],
    ) -> Result<[[f32; DIM]; B], EmbeddingError> {
        self.check(indices)?;
        Ok(self.forward(indices))
    }

    /// The rows of `indices`, `[B, DIM]`. Panics on an index `>= NUM`.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<const B: usize>(&self, indices: &[usize; B]) -> [[f32; DIM]; B] {
        indices.map(|i| self.weight[i])
    }

    /// [`Self::forward`] and its pullback, which adds into the rows looked up only (it keeps
    /// nothing: the indices come again).
    #[allow(clippy::type_complexity)]
    pub fn forward_fwd<const B: usize>(
        &self,
        indices: &[usize; B],
    ) -> (
        [[f32; DIM]; B],
        impl FnOnce(&Self, Option<&mut Self>, &[usize; B], &[[f32; DIM]; B]),
    ) {
        (
            self.forward(indices),
            |_: &Self,
             d_table: Option<&mut Self>,
             indices: &[usize; B],
             d_out: &[[f32; DIM]; B]| {
                let Some(d_table) = d_table else { return };
                for (&i, d_row) in indices.iter().zip(d_out) {
                    for (d, u) in d_table.weight[i].iter_mut().zip(d_row) {
                        *d += u;
                    }
                }
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode): the same rows of the weight's tangent
    /// `self_dot.weight` (the indices have none). Panics on an index `>= NUM`, as `forward`.
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::Embedding;
    ///
    /// let table = Embedding::from_weight([[0.0, 1.0], [2.0, 3.0]]);
    /// let direction = Embedding::from_weight([[1.0, 0.0], [0.0, -1.0]]);
    /// let (y, y_dot) = table.forward_jvp(&direction, &[1, 1, 0]);
    /// assert_eq!(y, [[2.0, 3.0], [2.0, 3.0], [0.0, 1.0]]);
    /// assert_eq!(y_dot, [[0.0, -1.0], [0.0, -1.0], [1.0, 0.0]]);
    /// ```
    pub fn forward_jvp<const B: usize>(
        &self,
        self_dot: &Self,
        indices: &[usize; B],
    ) -> ([[f32; DIM]; B], [[f32; DIM]; B]) {
        (self.forward(indices), self_dot.forward(indices))
    }
}

/// PyTorch's `reset_parameters`: `N(0, 1)` by Box-Muller, row by row.
impl<const NUM: usize, const DIM: usize> Init for Embedding<NUM, DIM> {
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        for w in self.weight.iter_mut().flatten() {
            // u1 in (0, 1], so the logarithm is finite.
            let u1 = 1.0 - rng.random::<f32>();
            let u2 = rng.random::<f32>();
            *w = math::sqrt(-2.0 * math::ln(u1)) * math::cos(core::f32::consts::TAU * u2);
        }
    }
}
