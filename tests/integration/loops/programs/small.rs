//! Small loop programs, written the way a user would write them.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use backprop::{differentiable, Parameters};

/// `sum_o (W x)_o^2`
#[differentiable(jvp)]
pub fn matvec_sq(w: &[[f32; 3]; 4], x: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for o in 0..4 {
        let mut z = 0.0;
        for i in 0..3 {
            z += w[o][i] * x[i];
        }
        s += z * z;
    }
    s
}

/// `sum_o tanh((W x)_o)`
#[differentiable(jvp)]
pub fn matvec_tanh_sum(w: &[[f32; 3]; 4], x: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for o in 0..4 {
        let mut z = 0.0;
        for i in 0..3 {
            z += w[o][i] * x[i];
        }
        s += z.tanh();
    }
    s
}

/// Horner's rule, `c[0]` the leading coefficient.
#[differentiable(jvp)]
pub fn horner(c: &[f32; 6], x: f32) -> f32 {
    let mut acc = 0.0;
    for i in 0..6 {
        acc = acc * x + c[i];
    }
    acc
}

/// Horner's rule walking the coefficients backwards, `c[0]` the constant term.
#[differentiable(jvp)]
pub fn horner_rev(c: &[f32; 6], x: f32) -> f32 {
    let mut acc = 0.0;
    for i in (0..6).rev() {
        acc = acc * x + c[i];
    }
    acc
}

/// Eight steps of a scalar tanh recurrence.
#[differentiable(hvp)]
pub fn tanh_rnn(w: f32, x: &[f32; 8]) -> f32 {
    let mut h = 0.0;
    for i in 0..8 {
        h = (w * h + x[i]).tanh();
    }
    h * h
}

/// A running maximum written with `if`, and a Huber-like piecewise function of each element.
#[differentiable(hvp)]
pub fn branchy(x: &[f32; 6]) -> f32 {
    let mut m = x[0];
    let mut s = 0.0;
    for i in 0..6 {
        if i > 0 && x[i] > m {
            m = x[i];
        }
        let xi = x[i];
        if xi < -1.0 {
            s = s - xi - 0.5;
        } else if xi < 1.0 {
            s += 0.5 * xi * xi;
        } else {
            s += xi - 0.5;
        }
    }
    m * m + s
}

/// [`branchy`] with the running maximum written as `m = m.max(x[i])`.
#[differentiable(jvp)]
pub fn branchy_fmax(x: &[f32; 6]) -> f32 {
    let mut m = x[0];
    let mut s = 0.0;
    for i in 0..6 {
        m = m.max(x[i]);
        let xi = x[i];
        if xi < -1.0 {
            s = s - xi - 0.5;
        } else if xi < 1.0 {
            s += 0.5 * xi * xi;
        } else {
            s += xi - 0.5;
        }
    }
    m * m + s
}

/// Outer state overwritten by a different formula in each branch.
#[differentiable(jvp)]
pub fn branch_state(x: &[f32; 6], a0: f32) -> f32 {
    let mut a = a0;
    for i in 0..6 {
        if x[i] > 0.0 {
            a = a * x[i] + 1.0;
        } else {
            a = (a * a + x[i]).sin();
        }
    }
    a
}

/// `sum (A B)^2` with three nested loops.
#[differentiable(jvp)]
pub fn nested_matmul_sq(a: &[[f32; 3]; 2], b: &[[f32; 4]; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..2 {
        for j in 0..4 {
            let mut z = 0.0;
            for k in 0..3 {
                z += a[i][k] * b[k][j];
            }
            s += z * z;
        }
    }
    s
}

/// A scalar overwritten inside a nested loop (twelve saved values).
#[differentiable(jvp)]
pub fn nested_state(a: &[[f32; 4]; 3], h0: f32) -> f32 {
    let mut h = h0;
    for i in 0..3 {
        for j in 0..4 {
            h = (h * a[i][j]).sin() + 1.0;
        }
    }
    h
}

/// `a..=b` with an index offset.
#[differentiable(jvp)]
pub fn inclusive_chain(x: &[f32; 5]) -> f32 {
    let mut s = 0.0;
    for i in 1..=4 {
        s += x[i] * x[i - 1];
    }
    s
}

/// A local array written in one loop and read in two more: a softmax-weighted sum.
#[differentiable(jvp)]
pub fn two_pass(x: &[f32; 5], y: &[f32; 5]) -> f32 {
    let mut e = [0.0; 5];
    for i in 0..5 {
        e[i] = x[i].exp();
    }
    let mut s = 0.0;
    for i in 0..5 {
        s += e[i];
    }
    let mut out = 0.0;
    for i in 0..5 {
        out += e[i] / s * y[i];
    }
    out
}

/// Prefix products kept in a local array, each reading the previous one.
#[differentiable(jvp)]
pub fn cumprod_sum(x: &[f32; 5]) -> f32 {
    let mut p = [0.0; 5];
    p[0] = x[0];
    for i in 1..5 {
        p[i] = p[i - 1] * x[i];
    }
    let mut s = 0.0;
    for i in 0..5 {
        s += p[i];
    }
    s
}

/// A parameter struct with a differentiable method.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Quad {
    /// Quadratic coefficients.
    pub a: [f32; 3],
    /// Linear coefficient, shared.
    pub b: f32,
}

impl Quad {
    /// `sum_i a_i x_i^2 + b x_i`
    #[differentiable(jvp)]
    pub fn eval(&self, x: &[f32; 3]) -> f32 {
        let mut s = 0.0;
        for i in 0..3 {
            s += self.a[i] * x[i] * x[i] + self.b * x[i];
        }
        s
    }
}

/// An array by value: its gradient is returned.
#[differentiable(jvp)]
pub fn by_value(x: [f32; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        s += x[i] * x[i] * x[i];
    }
    s + x[0] * x[3]
}

/// A const-generic size, also used as a number.
#[differentiable(jvp)]
pub fn mean_sq<const N: usize>(x: &[f32; N]) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        s += x[i] * x[i];
    }
    s / N as f32
}

/// A two-slot ring buffer: each element is overwritten three times (`i % 2` indices).
#[differentiable(jvp)]
pub fn ring_rnn(w: f32, x: &[f32; 6]) -> f32 {
    let mut h = [0.0; 2];
    for i in 0..6 {
        h[i % 2] = (h[(i + 1) % 2] * w + x[i]).tanh();
    }
    h[0] + 2.0 * h[1]
}

/// An `if` without `else` inside a loop, writing an element of a local array.
#[differentiable(jvp)]
pub fn masked_square(x: &[f32; 5]) -> f32 {
    let mut y = [0.0; 5];
    for i in 0..5 {
        y[i] = x[i];
        if x[i] > 0.0 {
            y[i] = x[i] * x[i];
        }
    }
    let mut s = 0.0;
    for i in 0..5 {
        s += y[i] * (i as f32 + 1.0);
    }
    s
}

/// A reversed range not starting at zero, with a recurrence.
#[differentiable(jvp)]
pub fn rev_offset(x: &[f32; 5]) -> f32 {
    let mut s = 1.0;
    for i in (1..5).rev() {
        s = s * x[i] + x[i - 1].sin();
    }
    s
}

/// A const-generic bound `N - 1` and a nested loop over the pairs `i < j`.
#[differentiable(jvp)]
pub fn pair_energy<const N: usize>(x: &[f32; N]) -> f32 {
    let mut e = 0.0;
    for i in 0..N - 1 {
        for j in (i + 1)..N {
            let d = x[i] - x[j];
            e += 1.0 / (1.0 + d * d);
        }
    }
    e
}

/// A loss over the first `n` points, `n` known only at run time: the loop is replayed point by
/// point in the reverse sweep, so it needs no bound (and keeps the `tanh`s of one point).
#[differentiable(wrt(w, x))]
pub fn runtime_points<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N], n: usize) -> f32 {
    let mut loss = 0.0;
    for p in 0..n {
        let mut h = [0.0; 3];
        for i in 0..3 {
            h[i] = (w[i] * x[p][i]).tanh();
        }
        for i in 0..3 {
            loss += h[i] * h[i];
        }
    }
    loss
}
