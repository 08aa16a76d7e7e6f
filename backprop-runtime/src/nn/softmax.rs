//! `nn.Softmax(dim=-1)` and `nn.LogSoftmax(dim=-1)`: along each row, for one row `[f32; N]`
//! ([`forward`](Softmax::forward)) or a batch of rows `[[f32; N]; B]`
//! ([`forward_batch`](Softmax::forward_batch)), on the primitives of
//! [`ops::probability`](crate::ops::probability), with their forward mode (`forward_jvp`,
//! `forward_batch_jvp`, the primitives' `_jvp`). One file for both: they differ only in the
//! primitive they call.

use crate::differentiable;
use crate::ops::{
    log_softmax, log_softmax_fwd, log_softmax_jvp, softmax, softmax_fwd, softmax_jvp,
};

macro_rules! along_rows {
    ($(#[$doc:meta])* $name:ident, $op:ident, $op_fwd:ident, $op_jvp:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            /// Along one row.
            #[differentiable(custom_fwd, jvp)]
            pub fn forward<const N: usize>(&self, x: &[f32; N]) -> [f32; N] {
                $op(x)
            }

            /// [`Self::forward`] and its pullback (the primitive's).
            #[allow(clippy::type_complexity)]
            pub fn forward_fwd<const N: usize>(
                &self,
                x: &[f32; N],
            ) -> (
                [f32; N],
                impl FnOnce(&Self, Option<&mut Self>, &[f32; N], Option<&mut [f32; N]>, &[f32; N]),
            ) {
                let (y, pullback) = $op_fwd(x);
                (y, move |_: &Self, _: Option<&mut Self>, x: &[f32; N], d_x: Option<&mut [f32; N]>, d_out: &[f32; N]| {
                    pullback(x, d_x, d_out)
                })
            }

            /// [`Self::forward`] and its tangent (forward mode, the primitive's; the layer has
            /// no parameters, so `self_dot` is unused).
            pub fn forward_jvp<const N: usize>(
                &self,
                _self_dot: &Self,
                x: &[f32; N],
                x_dot: &[f32; N],
            ) -> ([f32; N], [f32; N]) {
                $op_jvp(x, x_dot)
            }

            /// Along each row of a batch `[B, N]` (PyTorch's `dim=-1`).
            #[differentiable(custom_fwd, jvp)]
            pub fn forward_batch<const B: usize, const N: usize>(
                &self,
                x: &[[f32; N]; B],
            ) -> [[f32; N]; B] {
                core::array::from_fn(|b| $op(&x[b]))
            }

            /// [`Self::forward_batch`] and its pullback: the rows' pullbacks, each keeping its
            /// row's probabilities.
            #[allow(clippy::type_complexity)]
            pub fn forward_batch_fwd<const B: usize, const N: usize>(
                &self,
                x: &[[f32; N]; B],
            ) -> (
                [[f32; N]; B],
                impl FnOnce(
                    &Self,
                    Option<&mut Self>,
                    &[[f32; N]; B],
                    Option<&mut [[f32; N]; B]>,
                    &[[f32; N]; B],
                ),
            ) {
                let rows: [_; B] = core::array::from_fn(|b| $op_fwd(&x[b]));
                let y = core::array::from_fn(|b| rows[b].0);
                (y, move |_: &Self,
                          _: Option<&mut Self>,
                          x: &[[f32; N]; B],
                          d_x: Option<&mut [[f32; N]; B]>,
                          d_out: &[[f32; N]; B]| {
                    if let Some(d_x) = d_x {
                        for (b, (_, pullback)) in rows.into_iter().enumerate() {
                            pullback(&x[b], Some(&mut d_x[b]), &d_out[b]);
                        }
                    }
                })
            }

            /// [`Self::forward_batch`] and its tangent, row by row (forward mode).
            pub fn forward_batch_jvp<const B: usize, const N: usize>(
                &self,
                _self_dot: &Self,
                x: &[[f32; N]; B],
                x_dot: &[[f32; N]; B],
            ) -> ([[f32; N]; B], [[f32; N]; B]) {
                let (mut y, mut y_dot) = ([[0.0; N]; B], [[0.0; N]; B]);
                for b in 0..B {
                    (y[b], y_dot[b]) = $op_jvp(&x[b], &x_dot[b]);
                }
                (y, y_dot)
            }
        }

        stateless!($name);
    };
}

along_rows!(
    /// `exp(x_i) / sum_j exp(x_j)` along each row: `nn.Softmax(dim=-1)`, stable at any
    /// magnitude.
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::Softmax;
    ///
    /// let p = Softmax.forward_batch(&[[0.0, 0.0], [1000.0, 1000.0]]);
    /// assert_eq!(p, [[0.5, 0.5], [0.5, 0.5]]);
    /// ```
    Softmax,
    softmax,
    softmax_fwd,
    softmax_jvp
);
along_rows!(
    /// `x_i - log(sum_j exp(x_j))` along each row: `nn.LogSoftmax(dim=-1)`, log-probabilities
    /// from logits (with [`loss::nll`](crate::loss::nll), cross-entropy).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::LogSoftmax;
    ///
    /// let log_p = LogSoftmax.forward(&[0.0, 0.0]);
    /// assert_eq!(log_p, [-core::f32::consts::LN_2; 2]);
    /// ```
    LogSoftmax,
    log_softmax,
    log_softmax_fwd,
    log_softmax_jvp
);
