//! `LSTMCell<IN, H>`: PyTorch's `nn.LSTMCell`, one step or a whole sequence.

use super::recurrent::{recurrent_cell, Pointwise};
use crate::ops::scalar::{sigmoid, tanh};

recurrent_cell!(
    /// A long short-term memory cell, PyTorch's `nn.LSTMCell(IN, H)`: with the gates in
    /// PyTorch's order, input `i`, forget `f`, cell `g` and output `o`,
    ///
    /// ```text
    /// i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
    /// g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
    /// c' = f ⊙ c + i ⊙ g
    /// h' = o ⊙ tanh(c')
    /// ```
    ///
    /// Its tensors are named and shaped as in PyTorch's `state_dict`: `weight_ih` `[4*H, IN]`,
    /// `weight_hh` `[4*H, H]`, `bias_ih` and `bias_hh` `[4*H]` (held as `[4][H][..]` arrays,
    /// the same bytes), so an `LSTMCell` saved by PyTorch loads with [`io`](crate::io).
    ///
    /// The state is the pair `(h, c)`, passed and returned as one array `[h, c]` of two
    /// batches (`state[0]` is `h`, `state[1]` is `c`). [`forward`](Self::forward) is one step
    /// for a batch (two GEMMs); [`forward_seq`](Self::forward_seq) unrolls it over a
    /// batch-first sequence, PyTorch's `nn.LSTM(IN, H, batch_first=True)`. Both have
    /// hand-written backward passes and forward modes
    /// (`forward_jvp`, `forward_seq_jvp`).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::LSTMCell;
    /// use backprop::{differentiable, Zero};
    /// use rand::SeedableRng;
    ///
    /// // The sum of the cell state after one step, batch of two.
    /// #[differentiable(wrt(cell))]
    /// fn c_sum(cell: &LSTMCell<4, 8>, x: &[[f32; 4]; 2], state: &[[[f32; 8]; 2]; 2]) -> f32 {
    ///     let next = cell.forward(x, state); // [h', c']
    ///     let mut s = 0.0;
    ///     for b in 0..2 {
    ///         for j in 0..8 {
    ///             s += next[1][b][j];
    ///         }
    ///     }
    ///     s
    /// }
    ///
    /// let cell = LSTMCell::<4, 8>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    /// let mut grad = LSTMCell::zero();
    /// let s = c_sum_grad(&cell, &mut grad, &[[1.0; 4]; 2], &[[[0.0; 8]; 2]; 2]);
    /// assert!(s.abs() < 16.0); // from c = 0, each c' = i g is in (-1, 1)
    /// assert!(grad.bias_ih[2].iter().all(|g| *g != 0.0)); // the cell gate's bias
    /// ```
    LSTMCell,
    gates: 4
);

/// The LSTM's gates. `extra` keeps `tanh(c')`, which the gradients of `o` and `c` need.
pub(crate) struct Lstm;

impl<const H: usize> Pointwise<H, 4, H> for Lstm {
    fn forward(
        gi: &[[f32; H]; 4],
        gh: &[[f32; H]; 4],
        _: &[f32; H],
        c: &[f32; H],
        h_new: &mut [f32; H],
        c_new: &mut [f32; H],
        gates: &mut [[f32; H]; 4],
        extra: &mut [f32; H],
    ) {
        for j in 0..H {
            let i = sigmoid(gi[0][j] + gh[0][j]);
            let f = sigmoid(gi[1][j] + gh[1][j]);
            let g = tanh(gi[2][j] + gh[2][j]);
            let o = sigmoid(gi[3][j] + gh[3][j]);
            c_new[j] = f * c[j] + i * g;
            let tc = tanh(c_new[j]);
            h_new[j] = o * tc;
            gates[0][j] = i;
            gates[1][j] = f;
            gates[2][j] = g;
            gates[3][j] = o;
            extra[j] = tc;
        }
    }

    fn backward(
        gates: &[[f32; H]; 4],
        extra: &[f32; H],
        _: &[f32; H],
        c: &[f32; H],
        d_h_new: &[f32; H],
        d_c_new: &[f32; H],
        d_gi: &mut [[f32; H]; 4],
        d_gh: &mut [[f32; H]; 4],
        d_h: &mut [f32; H],
        d_c: &mut [f32; H],
    ) {
        for j in 0..H {
            let (i, f, g, o, tc) = (gates[0][j], gates[1][j], gates[2][j], gates[3][j], extra[j]);
            // c' feeds the next step and h' = o tanh(c').
            let d_c_total = d_c_new[j] + d_h_new[j] * o * (1.0 - tc * tc);
            // Pre-activation gradients: σ' = s (1 - s), tanh' = 1 - t².
            let pre = [
                d_c_total * g * i * (1.0 - i),
                d_c_total * c[j] * f * (1.0 - f),
                d_c_total * i * (1.0 - g * g),
                d_h_new[j] * tc * o * (1.0 - o),
            ];
            for (k, d) in pre.into_iter().enumerate() {
                d_gi[k][j] = d;
                d_gh[k][j] = d;
            }
            d_h[j] = 0.0;
            d_c[j] = d_c_total * f;
        }
    }

    fn tangent(
        gates: &[[f32; H]; 4],
        extra: &[f32; H],
        _: (&[f32; H], &[f32; H]),
        (c, c_dot): (&[f32; H], &[f32; H]),
        gi_dot: &[[f32; H]; 4],
        gh_dot: &[[f32; H]; 4],
        h_new_dot: &mut [f32; H],
        c_new_dot: &mut [f32; H],
    ) {
        for j in 0..H {
            let (i, f, g, o, tc) = (gates[0][j], gates[1][j], gates[2][j], gates[3][j], extra[j]);
            let pre = |k: usize| gi_dot[k][j] + gh_dot[k][j];
            // σ' = s (1 - s), tanh' = 1 - t².
            let (i_dot, f_dot) = (i * (1.0 - i) * pre(0), f * (1.0 - f) * pre(1));
            let (g_dot, o_dot) = ((1.0 - g * g) * pre(2), o * (1.0 - o) * pre(3));
            c_new_dot[j] = f_dot * c[j] + f * c_dot[j] + i_dot * g + i * g_dot;
            h_new_dot[j] = o_dot * tc + o * (1.0 - tc * tc) * c_new_dot[j];
        }
    }
}

impl<const IN: usize, const H: usize> LSTMCell<IN, H> {
    /// One step for a batch: the new state `[h', c']` of each sample from its input `x` and
    /// state `[h, c]` (PyTorch's `cell(x, (h, c))` on `[B, IN]` and two `[B, H]`).
    #[crate::differentiable(custom_fwd, jvp)]
    pub fn forward<const B: usize>(
        &self,
        x: &[[f32; IN]; B],
        state: &[[[f32; H]; B]; 2],
    ) -> [[[f32; H]; B]; 2] {
        self.forward_fwd(x, state).0
    }

    /// [`Self::forward`] and its pullback, which keeps the step's gates (`5 B H` floats).
    #[allow(clippy::type_complexity)]
    pub fn forward_fwd<const B: usize>(
        &self,
        x: &[[f32; IN]; B],
        state: &[[[f32; H]; B]; 2],
    ) -> (
        [[[f32; H]; B]; 2],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[f32; IN]; B],
            Option<&mut [[f32; IN]; B]>,
            &[[[f32; H]; B]; 2],
            Option<&mut [[[f32; H]; B]; 2]>,
            &[[[f32; H]; B]; 2],
        ),
    ) {
        let [h, c] = state;
        let ((h_new, c_new), pullback) =
            super::recurrent::cell_fwd::<Lstm, B, IN, H, 4, H>(&self.weights(), x, h, c);
        (
            [h_new, c_new],
            move |cell: &Self, d_cell: Option<&mut Self>, x, d_x, state, d_state, d_out| {
                let mut d_w = d_cell.map(Self::weights_mut);
                let [h, c] = state;
                let (d_h, d_c) = match d_state {
                    Some([d_h, d_c]) => (Some(d_h), Some(d_c)),
                    None => (None, None),
                };
                let [d_h_new, d_c_new] = d_out;
                pullback(
                    &cell.weights(),
                    d_w.as_mut(),
                    x,
                    d_x,
                    h,
                    d_h,
                    c,
                    d_c,
                    d_h_new,
                    d_c_new,
                )
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode) along the tangents of the tensors
    /// (`self_dot`), the input and the state (`state_dot`, `[h_dot, c_dot]`): the new state and
    /// its tangent, each `[h', c']`.
    #[allow(clippy::type_complexity)]
    pub fn forward_jvp<const B: usize>(
        &self,
        self_dot: &Self,
        x: &[[f32; IN]; B],
        x_dot: &[[f32; IN]; B],
        state: &[[[f32; H]; B]; 2],
        state_dot: &[[[f32; H]; B]; 2],
    ) -> ([[[f32; H]; B]; 2], [[[f32; H]; B]; 2]) {
        let ((h, h_dot), (c, c_dot)) = super::recurrent::step_jvp::<Lstm, B, IN, H, 4, H>(
            (&self.weights(), &self_dot.weights()),
            (x, x_dot),
            (&state[0], &state_dot[0]),
            (&state[1], &state_dot[1]),
        );
        ([h, c], [h_dot, c_dot])
    }

    /// The cell unrolled over a batch-first sequence: `x` is `[B][T][IN]`, `state0` the
    /// initial state `[h0, c0]`, and the result every step's hidden state `[B][T][H]`
    /// (PyTorch's `output` of `nn.LSTM(IN, H, batch_first=True)`; `h_n` is `output[b][T - 1]`.
    /// For the final cell state, run the last step with [`Self::forward`]).
    ///
    /// The backward pass runs through time with one pair of GEMMs per step for the state and
    /// one per step for the weights. The pullback keeps every step's gates and state,
    /// `7 B T H` floats, on the stack of the caller: at `B = 32, T = 32, H = 128` that is
    /// 3.7 MB, so a model of that size runs its gradient on a thread with a larger stack
    /// (`std::thread::Builder::stack_size`).
    #[crate::differentiable(custom_fwd, jvp)]
    pub fn forward_seq<const B: usize, const T: usize>(
        &self,
        x: &[[[f32; IN]; T]; B],
        state0: &[[[f32; H]; B]; 2],
    ) -> [[[f32; H]; T]; B] {
        self.forward_seq_fwd(x, state0).0
    }

    /// [`Self::forward_seq`] and its tangent (forward mode), step by step; nothing is kept
    /// across steps.
    #[allow(clippy::type_complexity)]
    pub fn forward_seq_jvp<const B: usize, const T: usize>(
        &self,
        self_dot: &Self,
        x: &[[[f32; IN]; T]; B],
        x_dot: &[[[f32; IN]; T]; B],
        state0: &[[[f32; H]; B]; 2],
        state0_dot: &[[[f32; H]; B]; 2],
    ) -> ([[[f32; H]; T]; B], [[[f32; H]; T]; B]) {
        super::recurrent::sequence_jvp::<Lstm, B, T, IN, H, 4, H>(
            (&self.weights(), &self_dot.weights()),
            (x, x_dot),
            (&state0[0], &state0_dot[0]),
            (&state0[1], &state0_dot[1]),
        )
        .0
    }

    /// [`Self::forward_seq`] and its pullback.
    #[allow(clippy::type_complexity)]
    pub fn forward_seq_fwd<const B: usize, const T: usize>(
        &self,
        x: &[[[f32; IN]; T]; B],
        state0: &[[[f32; H]; B]; 2],
    ) -> (
        [[[f32; H]; T]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[[f32; IN]; T]; B],
            Option<&mut [[[f32; IN]; T]; B]>,
            &[[[f32; H]; B]; 2],
            Option<&mut [[[f32; H]; B]; 2]>,
            &[[[f32; H]; T]; B],
        ),
    ) {
        let [h0, c0] = state0;
        let ((out, _), pullback) =
            super::recurrent::sequence_fwd::<Lstm, B, T, IN, H, 4, H>(&self.weights(), x, h0, c0);
        (
            out,
            move |cell: &Self, d_cell: Option<&mut Self>, x, d_x, _, d_state0, d_out| {
                let mut d_w = d_cell.map(Self::weights_mut);
                let (d_h0, d_c0) = match d_state0 {
                    Some([d_h0, d_c0]) => (Some(d_h0), Some(d_c0)),
                    None => (None, None),
                };
                pullback(
                    &cell.weights(),
                    d_w.as_mut(),
                    x,
                    d_x,
                    d_h0,
                    d_c0,
                    d_out,
                    &[[0.0; H]; B],
                )
            },
        )
    }
}
