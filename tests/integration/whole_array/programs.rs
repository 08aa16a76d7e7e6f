//! Programs that assign whole arrays and rows, written as a user would: a GRU whose state is
//! updated by a call, attention filling rows by calls, layers applied in place, array literals
//! and copied rows, in loops and outside them.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use backprop::nn::Linear;
use backprop::{differentiable, Parameters};

/// Input size of the GRU.
pub const D: usize = 3;
/// Hidden size of the GRU.
pub const H: usize = 2;
/// Sequence length.
pub const T: usize = 5;

/// A GRU cell without biases on the candidate, PyTorch's gate equations.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Gru {
    /// Input weights of the update gate.
    pub wz: [[f32; D]; H],
    /// Recurrent weights of the update gate.
    pub uz: [[f32; H]; H],
    /// Input weights of the reset gate.
    pub wr: [[f32; D]; H],
    /// Recurrent weights of the reset gate.
    pub ur: [[f32; H]; H],
    /// Input weights of the candidate.
    pub wn: [[f32; D]; H],
    /// Recurrent weights of the candidate.
    pub un: [[f32; H]; H],
    /// Bias of the update gate.
    pub bz: [f32; H],
}

impl Gru {
    /// One step: `z = σ(Wz x + Uz h + bz)`, `r = σ(Wr x + Ur h)`, `n = tanh(Wn x + r ⊙ (Un h))`,
    /// `h' = (1 - z) ⊙ n + z ⊙ h`.
    #[differentiable]
    pub fn cell(&self, x: &[f32; D], h: &[f32; H]) -> [f32; H] {
        let mut out = [0.0; H];
        for o in 0..H {
            let mut az = self.bz[o];
            let mut ar = 0.0;
            let mut xn = 0.0;
            for i in 0..D {
                az += self.wz[o][i] * x[i];
                ar += self.wr[o][i] * x[i];
                xn += self.wn[o][i] * x[i];
            }
            let mut hn = 0.0;
            for j in 0..H {
                az += self.uz[o][j] * h[j];
                ar += self.ur[o][j] * h[j];
                hn += self.un[o][j] * h[j];
            }
            let z = 1.0 / (1.0 + (-az).exp());
            let r = 1.0 / (1.0 + (-ar).exp());
            let n = (xn + r * hn).tanh();
            out[o] = (1.0 - z) * n + z * h[o];
        }
        out
    }
}

/// The GRU over a sequence from `h0`, its state updated by the call: `h = m.cell(&xs[t], &h)`.
#[differentiable]
pub fn gru_loss(m: &Gru, xs: &[[f32; D]; T], h0: &[f32; H]) -> f32 {
    let mut h = *h0;
    for t in 0..T {
        h = m.cell(&xs[t], &h);
    }
    h[0] * h[0] + 2.0 * h[1]
}

/// Two projections and a softmax attention over three positions, rows filled by calls:
/// `q[i] = m.wq.forward(&x[i])`.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Attention {
    /// Query projection.
    pub wq: Linear<4, 2>,
    /// Key projection.
    pub wk: Linear<4, 2>,
}

/// Attention weights of every position on every other, dotted with fixed values.
#[differentiable]
pub fn attention_loss(m: &Attention, x: &[[f32; 4]; 3]) -> f32 {
    let mut q = [[0.0; 2]; 3];
    let mut k = [[0.0; 2]; 3];
    for i in 0..3 {
        q[i] = m.wq.forward(&x[i]);
        k[i] = m.wk.forward(&x[i]);
    }
    let mut total = 0.0;
    for i in 0..3 {
        let mut s = [0.0; 3];
        let mut z = 0.0;
        for j in 0..3 {
            s[j] = (q[i][0] * k[j][0] + q[i][1] * k[j][1]).exp();
            z += s[j];
        }
        for j in 0..3 {
            total += s[j] / z * (j as f32 + 1.0) * (i as f32 - 1.0);
        }
    }
    total
}

/// A layer applied to each row in place, twice: `x[i] = layer.forward(&x[i])`.
#[differentiable]
pub fn rows_in_place(layer: &Linear<3, 3>, input: &[[f32; 3]; 2]) -> f32 {
    let mut x = *input;
    for _pass in 0..2 {
        for i in 0..2 {
            x[i] = layer.forward(&x[i]);
        }
    }
    let mut s = 0.0;
    for i in 0..2 {
        for j in 0..3 {
            s += x[i][j] * x[i][j] * (j as f32 - 0.5);
        }
    }
    s
}

/// Squares every element.
#[differentiable(jvp)]
pub fn squares(v: &[f32; 3]) -> [f32; 3] {
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = v[i] * v[i];
    }
    out
}

/// Whole-array updates outside any loop: `h = f(&h)` three times, a copy of a parameter
/// (`h = *u`), a copy of a local (`let g = h`) and a literal that reads the old value
/// (`h = [h[1], ...]`).
#[differentiable(jvp)]
pub fn straight_line(v: &[f32; 3], u: &[f32; 3]) -> f32 {
    let mut h = [v[0], v[1], v[2]];
    h = squares(&h);
    let g = h;
    h = *u;
    h = [h[0] + g[0], h[1] * g[1], h[2] - g[2]];
    h = [h[1] - h[2], h[0] * h[2], h[0].sin()];
    h = squares(&h);
    h = squares(&h);
    h[0] + 2.0 * h[1] - h[2]
}

/// A recurrence on array literals, a row copied from a parameter (`row = m[i]`) and a repeat
/// (`acc = [0.0; 2]`), in loops.
#[differentiable]
pub fn literals_and_rows(m: &[[f32; 2]; 4], w: f32) -> f32 {
    let mut h = [w, 1.0];
    let mut row = m[3];
    let mut acc = [1.0; 2];
    let mut s = row[0] * row[1];
    for i in 0..4 {
        row = m[i];
        h = [h[1] * row[0] + w, (h[0] - row[1] * h[1]).tanh()];
        if row[0] > 0.0 {
            acc = [0.0; 2];
        }
        acc = [acc[0] - h[0], acc[1] - h[1]];
        s += acc[0] * acc[1];
    }
    s + h[0] * h[1]
}
