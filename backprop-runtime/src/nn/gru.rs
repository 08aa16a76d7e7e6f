//! `GRUCell<IN, H>`: PyTorch's `nn.GRUCell`, one step or a whole sequence.

use super::recurrent::{hidden_state_forward, recurrent_cell, Pointwise};
use crate::ops::scalar::{sigmoid, tanh};

recurrent_cell!(
    /// A gated recurrent unit, PyTorch's `nn.GRUCell(IN, H)`: with the gates in PyTorch's
    /// order, reset `r`, update `z` and new `n`,
    ///
    /// ```text
    /// r = σ(W_ir x + b_ir + W_hr h + b_hr)
    /// z = σ(W_iz x + b_iz + W_hz h + b_hz)
    /// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    /// h' = (1 - z) ⊙ n + z ⊙ h
    /// ```
    ///
    /// Its tensors are named and shaped as in PyTorch's `state_dict`: `weight_ih` `[3*H, IN]`,
    /// `weight_hh` `[3*H, H]`, `bias_ih` and `bias_hh` `[3*H]` (held as `[3][H][..]` arrays,
    /// the same bytes), so a `GRUCell` saved by PyTorch loads with [`io`](crate::io).
    ///
    /// [`forward`](Self::forward) is one step for a batch (two GEMMs);
    /// [`forward_seq`](Self::forward_seq) unrolls it over a batch-first sequence, PyTorch's
    /// `nn.GRU(IN, H, batch_first=True)`. Both have hand-written backward passes and forward modes
    /// (`forward_jvp`, `forward_seq_jvp`).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::GRUCell;
    /// use backprop::{differentiable, Zero};
    /// use rand::SeedableRng;
    ///
    /// // The sum of the last hidden state after three steps, batch of two.
    /// #[differentiable(wrt(cell))]
    /// fn last_sum(cell: &GRUCell<4, 8>, x: &[[[f32; 4]; 3]; 2], h0: &[[f32; 8]; 2]) -> f32 {
    ///     let out = cell.forward_seq(x, h0); // [2][3][8]
    ///     let mut s = 0.0;
    ///     for b in 0..2 {
    ///         for j in 0..8 {
    ///             s += out[b][2][j];
    ///         }
    ///     }
    ///     s
    /// }
    ///
    /// let cell = GRUCell::<4, 8>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    /// let x = [[[0.5; 4]; 3]; 2];
    /// let mut grad = GRUCell::zero();
    /// let loss = last_sum_grad(&cell, &mut grad, &x, &[[0.0; 8]; 2]);
    /// assert!(loss.abs() < 16.0); // each h is in (-1, 1)
    /// assert!(grad.weight_hh.iter().flatten().flatten().any(|g| *g != 0.0));
    /// ```
    GRUCell,
    gates: 3
);

/// The GRU's gates. `extra` keeps `W_hn h + b_hn`, which the gradient of `r` needs.
pub(crate) struct Gru;

impl<const H: usize> Pointwise<H, 3, 0> for Gru {
    fn forward(
        gi: &[[f32; H]; 3],
        gh: &[[f32; H]; 3],
        h: &[f32; H],
        _: &[f32; 0],
        h_new: &mut [f32; H],
        _: &mut [f32; 0],
        gates: &mut [[f32; H]; 3],
        extra: &mut [f32; H],
    ) {
        for j in 0..H {
            let r = sigmoid(gi[0][j] + gh[0][j]);
            let z = sigmoid(gi[1][j] + gh[1][j]);
            let n = tanh(gi[2][j] + r * gh[2][j]);
            h_new[j] = (1.0 - z) * n + z * h[j];
            gates[0][j] = r;
            gates[1][j] = z;
            gates[2][j] = n;
            extra[j] = gh[2][j];
        }
    }

    fn backward(
        gates: &[[f32; H]; 3],
        extra: &[f32; H],
        h: &[f32; H],
        _: &[f32; 0],
        d_h_new: &[f32; H],
        _: &[f32; 0],
        d_gi: &mut [[f32; H]; 3],
        d_gh: &mut [[f32; H]; 3],
        d_h: &mut [f32; H],
        _: &mut [f32; 0],
    ) {
        for j in 0..H {
            let (r, z, n) = (gates[0][j], gates[1][j], gates[2][j]);
            let dy = d_h_new[j];
            // Pre-activation gradients: tanh' = 1 - n², σ' = s (1 - s).
            let d_n = dy * (1.0 - z) * (1.0 - n * n);
            let d_z = dy * (h[j] - n) * z * (1.0 - z);
            let d_r = d_n * extra[j] * r * (1.0 - r);
            d_gi[0][j] = d_r;
            d_gi[1][j] = d_z;
            d_gi[2][j] = d_n;
            d_gh[0][j] = d_r;
            d_gh[1][j] = d_z;
            // r multiplies the recurrent projection of n only.
            d_gh[2][j] = d_n * r;
            d_h[j] = dy * z;
        }
    }

    fn tangent(
        gates: &[[f32; H]; 3],
        extra: &[f32; H],
        (h, h_dot): (&[f32; H], &[f32; H]),
        _: (&[f32; 0], &[f32; 0]),
        gi_dot: &[[f32; H]; 3],
        gh_dot: &[[f32; H]; 3],
        h_new_dot: &mut [f32; H],
        _: &mut [f32; 0],
    ) {
        for j in 0..H {
            let (r, z, n) = (gates[0][j], gates[1][j], gates[2][j]);
            let r_dot = r * (1.0 - r) * (gi_dot[0][j] + gh_dot[0][j]);
            let z_dot = z * (1.0 - z) * (gi_dot[1][j] + gh_dot[1][j]);
            // n's pre-activation is gi_n + r gh_n: both factors move.
            let n_dot = (1.0 - n * n) * (gi_dot[2][j] + r_dot * extra[j] + r * gh_dot[2][j]);
            h_new_dot[j] = (1.0 - z) * n_dot + z_dot * (h[j] - n) + z * h_dot[j];
        }
    }
}

hidden_state_forward!(GRUCell, Gru, gates: 3, sequence: "nn.GRU");
