//! Multilayer perceptrons written as loops: the tutorial's `Model0` with cross-entropy, and a
//! small sigmoid network with MSE.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use backprop::nn::Linear;
use backprop::{differentiable, Parameters};

/// The tutorial's `Model0`: Linear(3,3)-ReLU-Linear(3,2)-ReLU-Linear(2,3). Its tensors are named
/// `l1.weight`, `l1.bias`, ... as in the PyTorch model the fixture comes from.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Model0 {
    /// First layer.
    pub l1: Linear<3, 3>,
    /// Second layer.
    pub l2: Linear<3, 2>,
    /// Output layer (logits).
    pub l3: Linear<2, 3>,
}

/// Mean cross-entropy of `Model0` over a batch of three with target classes `targets`
/// (PyTorch's `cross_entropy(logits, targets)`). The log-sum-exp subtracts a running maximum
/// found with `if`.
#[differentiable(wrt(m), jvp)]
pub fn model0_loss(m: &Model0, x: &[[f32; 3]; 3], targets: &[usize; 3]) -> f32 {
    let mut total = 0.0;
    for b in 0..3 {
        let mut h1 = [0.0; 3];
        for o in 0..3 {
            let mut z = m.l1.bias[o];
            for i in 0..3 {
                z += m.l1.weight[o][i] * x[b][i];
            }
            h1[o] = z.max(0.0);
        }
        let mut h2 = [0.0; 2];
        for o in 0..2 {
            let mut z = m.l2.bias[o];
            for i in 0..3 {
                z += m.l2.weight[o][i] * h1[i];
            }
            h2[o] = z.max(0.0);
        }
        let mut logits = [0.0; 3];
        for o in 0..3 {
            let mut z = m.l3.bias[o];
            for i in 0..2 {
                z += m.l3.weight[o][i] * h2[i];
            }
            logits[o] = z;
        }
        let mut mx = logits[0];
        for c in 1..3 {
            if logits[c] > mx {
                mx = logits[c];
            }
        }
        let mut se = 0.0;
        for c in 0..3 {
            se += (logits[c] - mx).exp();
        }
        total += mx + se.ln() - logits[targets[b]];
    }
    total / 3.0
}

/// `model0_loss` with the running maximum written as `mx = mx.max(..)` instead of `if`.
#[differentiable(wrt(m), jvp)]
pub fn model0_loss_fmax(m: &Model0, x: &[[f32; 3]; 3], targets: &[usize; 3]) -> f32 {
    let mut total = 0.0;
    for b in 0..3 {
        let mut h1 = [0.0; 3];
        for o in 0..3 {
            let mut z = m.l1.bias[o];
            for i in 0..3 {
                z += m.l1.weight[o][i] * x[b][i];
            }
            h1[o] = z.max(0.0);
        }
        let mut h2 = [0.0; 2];
        for o in 0..2 {
            let mut z = m.l2.bias[o];
            for i in 0..3 {
                z += m.l2.weight[o][i] * h1[i];
            }
            h2[o] = z.max(0.0);
        }
        let mut logits = [0.0; 3];
        for o in 0..3 {
            let mut z = m.l3.bias[o];
            for i in 0..2 {
                z += m.l3.weight[o][i] * h2[i];
            }
            logits[o] = z;
        }
        let mut mx = logits[0];
        for c in 1..3 {
            mx = mx.max(logits[c]);
        }
        let mut se = 0.0;
        for c in 0..3 {
            se += (logits[c] - mx).exp();
        }
        total += mx + se.ln() - logits[targets[b]];
    }
    total / 3.0
}

/// The gradient of [`model0_loss`] written by hand (the baseline of the benchmarks): forward
/// keeping pre-activations, then softmax minus the target's one-hot, back through the three layers.
#[allow(clippy::needless_range_loop)] // index loops mirror the maths
pub fn model0_loss_grad_hand(
    m: &Model0,
    d_m: &mut Model0,
    x: &[[f32; 3]; 3],
    targets: &[usize; 3],
) -> f32 {
    let mut total = 0.0;
    let seed = 1.0 / 3.0;
    for b in 0..3 {
        let mut z1 = m.l1.bias;
        let mut h1 = [0.0f32; 3];
        for o in 0..3 {
            for i in 0..3 {
                z1[o] += m.l1.weight[o][i] * x[b][i];
            }
            h1[o] = z1[o].max(0.0);
        }
        let mut z2 = m.l2.bias;
        let mut h2 = [0.0f32; 2];
        for o in 0..2 {
            for i in 0..3 {
                z2[o] += m.l2.weight[o][i] * h1[i];
            }
            h2[o] = z2[o].max(0.0);
        }
        let mut logits = m.l3.bias;
        for o in 0..3 {
            for i in 0..2 {
                logits[o] += m.l3.weight[o][i] * h2[i];
            }
        }
        let mx = logits[0].max(logits[1]).max(logits[2]);
        let mut e = [0.0f32; 3];
        let mut se = 0.0;
        for c in 0..3 {
            e[c] = (logits[c] - mx).exp();
            se += e[c];
        }
        total += mx + se.ln() - logits[targets[b]];

        // d loss / d logits = (softmax - one-hot(target)) / batch
        let mut d_logits = [0.0f32; 3];
        for c in 0..3 {
            d_logits[c] = seed * e[c] / se;
        }
        d_logits[targets[b]] -= seed;
        let mut d_h2 = [0.0f32; 2];
        for o in 0..3 {
            d_m.l3.bias[o] += d_logits[o];
            for i in 0..2 {
                d_m.l3.weight[o][i] += d_logits[o] * h2[i];
                d_h2[i] += m.l3.weight[o][i] * d_logits[o];
            }
        }
        let mut d_h1 = [0.0f32; 3];
        for o in 0..2 {
            let d_z = if z2[o] > 0.0 { d_h2[o] } else { 0.0 };
            d_m.l2.bias[o] += d_z;
            for i in 0..3 {
                d_m.l2.weight[o][i] += d_z * h1[i];
                d_h1[i] += m.l2.weight[o][i] * d_z;
            }
        }
        for o in 0..3 {
            let d_z = if z1[o] > 0.0 { d_h1[o] } else { 0.0 };
            d_m.l1.bias[o] += d_z;
            for i in 0..3 {
                d_m.l1.weight[o][i] += d_z * x[b][i];
            }
        }
    }
    total / 3.0
}

/// A 3-2-2 sigmoid network and its mean squared error, parameters as separate arrays.
#[differentiable(wrt(w1, b1, w2, b2), jvp)]
pub fn sigmoid_mlp(
    w1: &[[f32; 3]; 2],
    b1: &[f32; 2],
    w2: &[[f32; 2]; 2],
    b2: &[f32; 2],
    x: &[f32; 3],
    y: &[f32; 2],
) -> f32 {
    let mut h = [0.0; 2];
    for o in 0..2 {
        let mut z = b1[o];
        for i in 0..3 {
            z += w1[o][i] * x[i];
        }
        h[o] = 1.0 / (1.0 + (-z).exp());
    }
    let mut loss = 0.0;
    for o in 0..2 {
        let mut z = b2[o];
        for i in 0..2 {
            z += w2[o][i] * h[i];
        }
        let out = 1.0 / (1.0 + (-z).exp());
        let e = out - y[o];
        loss += e * e;
    }
    loss / 2.0
}
