//! `RNNCell<IN, H>`: PyTorch's `nn.RNNCell` (with its default `tanh`), one step or a whole
//! sequence.

use super::recurrent::{hidden_state_forward, recurrent_cell, Pointwise};
use crate::ops::scalar::tanh;

recurrent_cell!(
    /// An Elman recurrent cell, PyTorch's `nn.RNNCell(IN, H)` with its default nonlinearity:
    ///
    /// ```text
    /// h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
    /// ```
    ///
    /// Its tensors are named and shaped as in PyTorch's `state_dict`: `weight_ih` `[H, IN]`,
    /// `weight_hh` `[H, H]`, `bias_ih` and `bias_hh` `[H]` (held as `[1][H][..]` arrays, the
    /// same bytes), so an `RNNCell` saved by PyTorch loads with [`io`](crate::io).
    /// (`nonlinearity='relu'` is not offered.)
    ///
    /// [`forward`](Self::forward) is one step for a batch (two GEMMs);
    /// [`forward_seq`](Self::forward_seq) unrolls it over a batch-first sequence, PyTorch's
    /// `nn.RNN(IN, H, batch_first=True)`. Both have hand-written backward passes and forward modes
    /// (`forward_jvp`, `forward_seq_jvp`).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::RNNCell;
    /// use backprop::{differentiable, Zero};
    /// use rand::SeedableRng;
    ///
    /// #[differentiable(wrt(cell))]
    /// fn first_unit(cell: &RNNCell<2, 3>, x: &[[[f32; 2]; 4]; 1]) -> f32 {
    ///     let h0 = [[0.0; 3]; 1];
    ///     let out = cell.forward_seq(x, &h0); // [1][4][3]
    ///     out[0][3][0]
    /// }
    ///
    /// let cell = RNNCell::<2, 3>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    /// let mut grad = RNNCell::zero();
    /// let y = first_unit_grad(&cell, &mut grad, &[[[1.0, -1.0]; 4]; 1]);
    /// assert!(y.abs() < 1.0);
    /// assert!(grad.bias_hh[0][0] != 0.0);
    /// ```
    RNNCell,
    gates: 1
);

/// The RNN's one gate: `gates` keeps `h'` itself, whose tanh derivative is `1 - h'²`.
pub(crate) struct Rnn;

impl<const H: usize> Pointwise<H, 1, 0> for Rnn {
    fn forward(
        gi: &[[f32; H]; 1],
        gh: &[[f32; H]; 1],
        _: &[f32; H],
        _: &[f32; 0],
        h_new: &mut [f32; H],
        _: &mut [f32; 0],
        gates: &mut [[f32; H]; 1],
        _: &mut [f32; H],
    ) {
        for j in 0..H {
            h_new[j] = tanh(gi[0][j] + gh[0][j]);
            gates[0][j] = h_new[j];
        }
    }

    fn backward(
        gates: &[[f32; H]; 1],
        _: &[f32; H],
        _: &[f32; H],
        _: &[f32; 0],
        d_h_new: &[f32; H],
        _: &[f32; 0],
        d_gi: &mut [[f32; H]; 1],
        d_gh: &mut [[f32; H]; 1],
        d_h: &mut [f32; H],
        _: &mut [f32; 0],
    ) {
        for j in 0..H {
            let y = gates[0][j];
            d_gi[0][j] = d_h_new[j] * (1.0 - y * y);
            d_gh[0][j] = d_gi[0][j];
            d_h[j] = 0.0;
        }
    }

    fn tangent(
        gates: &[[f32; H]; 1],
        _: &[f32; H],
        _: (&[f32; H], &[f32; H]),
        _: (&[f32; 0], &[f32; 0]),
        gi_dot: &[[f32; H]; 1],
        gh_dot: &[[f32; H]; 1],
        h_new_dot: &mut [f32; H],
        _: &mut [f32; 0],
    ) {
        for j in 0..H {
            let y = gates[0][j];
            h_new_dot[j] = (1.0 - y * y) * (gi_dot[0][j] + gh_dot[0][j]);
        }
    }
}

hidden_state_forward!(RNNCell, Rnn, gates: 1, sequence: "nn.RNN");
