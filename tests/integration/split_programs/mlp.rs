//! The README's composed MLP, per sample: `Linear<64, 128>`, ReLU, `Linear<128, 10>`,
//! cross-entropy against a class index, differentiated with respect to the model only.

use backprop::nn::{Linear, ReLU};
use backprop::{differentiable, loss, Parameters};

pub const IN: usize = 64;
pub const HIDDEN: usize = 128;
pub const CLASSES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Mlp {
    pub layer1: Linear<IN, HIDDEN>,
    pub layer2: Linear<HIDDEN, CLASSES>,
    pub relu: ReLU,
}

impl Mlp {
    #[differentiable]
    pub fn forward(&self, x: &[f32; IN]) -> [f32; CLASSES] {
        let h = self.relu.forward(&self.layer1.forward(x));
        self.layer2.forward(&h)
    }
}

/// The loss of one sample; `mlp_loss_grad(&m, &mut d_m, &x, target)` is its gradient.
#[differentiable(wrt(m))]
pub fn mlp_loss(m: &Mlp, x: &[f32; IN], target: usize) -> f32 {
    let logits = m.forward(x);
    loss::cross_entropy(&logits, target)
}

/// A model with PyTorch's default initialisation from a fixed seed, and one input.
pub fn mlp_inputs() -> (Mlp, [f32; IN], usize) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let m = Mlp {
        layer1: Linear::new(&mut rng),
        layer2: Linear::new(&mut rng),
        relu: ReLU,
    };
    let mut next = super::uniform(3, 1.0);
    let x = core::array::from_fn(|_| next());
    (m, x, 3)
}

/// `<a, b>` with eight running sums, so that the compiler may vectorise it (one sum could not
/// be reordered: float addition is not associative).
#[inline]
fn dot<const N: usize>(a: &[f32; N], b: &[f32; N]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let whole = N / 8 * 8;
    for i in (0..whole).step_by(8) {
        for l in 0..8 {
            lanes[l] += a[i + l] * b[i + l];
        }
    }
    let mut tail = 0.0;
    for i in whole..N {
        tail += a[i] * b[i];
    }
    lanes.iter().sum::<f32>() + tail
}

/// The gradient of [`mlp_loss`] by hand, in one pass: the forward pass keeps the hidden layer
/// and the softmax, the backward pass reads them; `d_m += d loss / d m`, the loss is returned.
/// No input gradient is formed (the input is a constant here).
pub fn mlp_loss_grad_hand(m: &Mlp, d_m: &mut Mlp, x: &[f32; IN], target: usize) -> f32 {
    let (w1, b1) = (&m.layer1.weight, &m.layer1.bias);
    let (w2, b2) = (&m.layer2.weight, &m.layer2.bias);

    // Forward: z = W1 x + b1, h = relu(z), logits = W2 h + b2.
    let mut h = [0.0f32; HIDDEN];
    for j in 0..HIDDEN {
        let z = dot(&w1[j], x) + b1[j];
        h[j] = if z <= 0.0 { 0.0 } else { z };
    }
    let mut logits = [0.0f32; CLASSES];
    for k in 0..CLASSES {
        logits[k] = dot(&w2[k], &h) + b2[k];
    }

    // Cross-entropy: log(sum e^(l - max)) + max - l_target; d logits = softmax - one-hot.
    let mut max = logits[0];
    for k in 1..CLASSES {
        max = max.max(logits[k]);
    }
    let mut e = [0.0f32; CLASSES];
    let mut s = 0.0;
    for k in 0..CLASSES {
        e[k] = (logits[k] - max).exp();
        s += e[k];
    }
    let loss = s.ln() + max - logits[target];
    let mut d_logits = [0.0f32; CLASSES];
    for k in 0..CLASSES {
        d_logits[k] = e[k] / s;
    }
    d_logits[target] -= 1.0;

    // Layer 2: d W2 += d_logits h^T, d b2 += d_logits, d h = W2^T d_logits.
    let mut d_h = [0.0f32; HIDDEN];
    for k in 0..CLASSES {
        let g = d_logits[k];
        d_m.layer2.bias[k] += g;
        let (row, w_row) = (&mut d_m.layer2.weight[k], &w2[k]);
        for j in 0..HIDDEN {
            row[j] += g * h[j];
            d_h[j] += g * w_row[j];
        }
    }

    // ReLU (gradient 0 where the output is 0, which is where z <= 0), then layer 1:
    // d W1 += d_z x^T, d b1 += d_z.
    for j in 0..HIDDEN {
        if h[j] == 0.0 {
            continue;
        }
        let g = d_h[j];
        d_m.layer1.bias[j] += g;
        let row = &mut d_m.layer1.weight[j];
        for i in 0..IN {
            row[i] += g * x[i];
        }
    }
    loss
}
