//! `Flatten`: PyTorch's `nn.Flatten()` (from dimension 1), each sample of a batch to one row.

// A pullback's type spells out every argument it takes again, and every shadow.
#![allow(clippy::type_complexity)]

use crate::{differentiable, Tensor};

/// Flattens each sample of a batch into one row, in row-major order: `[B][C][H][W]` to
/// `[B][C·H·W]`, PyTorch's `nn.Flatten()`, so the `Linear` after it takes the weights PyTorch
/// trained. The row length comes from the result's type and is checked at compile time.
/// [`forward_jvp`](Self::forward_jvp) flattens the input's tangent alike (forward mode).
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Flatten;
///
/// let x = [[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]]; // [1][2][2][2]
/// let rows: [[f32; 8]; 1] = Flatten.forward(&x);
/// assert_eq!(rows, [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

stateless!(Flatten);

impl Flatten {
    /// Each sample's elements as one row of `N`.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<X: Tensor, const B: usize, const N: usize>(&self, x: &[X; B]) -> [[f32; N]; B] {
        const {
            assert!(
                X::LEN == N,
                "Flatten: the row length N is the sample's element count"
            )
        }
        let mut y = [[0.0; N]; B];
        for (y, x) in y.iter_mut().zip(x) {
            y.copy_from_slice(x.flat());
        }
        y
    }

    /// [`Self::forward`] and its pullback: the rows' gradient reshaped back.
    pub fn forward_fwd<X: Tensor, const B: usize, const N: usize>(
        &self,
        x: &[X; B],
    ) -> (
        [[f32; N]; B],
        impl FnOnce(&Self, Option<&mut Self>, &[X; B], Option<&mut [X; B]>, &[[f32; N]; B]),
    ) {
        (
            self.forward(x),
            |_: &Self,
             _: Option<&mut Self>,
             _: &[X; B],
             d_x: Option<&mut [X; B]>,
             d_y: &[[f32; N]; B]| {
                let Some(d_x) = d_x else { return };
                for (d_x, d_y) in d_x.iter_mut().zip(d_y) {
                    for (d, g) in d_x.flat_mut().iter_mut().zip(d_y) {
                        *d += g;
                    }
                }
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode): the input's tangent, flattened alike
    /// (`self_dot` is unused: the layer has no parameters).
    pub fn forward_jvp<X: Tensor, const B: usize, const N: usize>(
        &self,
        _self_dot: &Self,
        x: &[X; B],
        x_dot: &[X; B],
    ) -> ([[f32; N]; B], [[f32; N]; B]) {
        (self.forward(x), self.forward(x_dot))
    }
}
