//! Back-propagation worked through by hand: a 3-2-2 network with a sigmoid after both layers.
//!
//! ```python
//! x = torch.tensor([0.2, 0.1, 0.3]);  y = torch.tensor([0.7, 0.3])
//! W1 = torch.tensor([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], requires_grad=True)
//! b1 = torch.tensor([0.1, 0.2], requires_grad=True)
//! W2 = torch.tensor([[0.2, 0.4], [0.3, 0.1]], requires_grad=True)
//! b2 = torch.tensor([0.0, 0.0], requires_grad=True)
//!
//! h = torch.sigmoid(W1 @ x + b1)
//! out = torch.sigmoid(W2 @ h + b2)
//! loss = F.mse_loss(out, y)            # the mean over the two outputs
//! loss.backward()
//! print(W1.grad, b1.grad, W2.grad, b2.grad)
//! ```
//!
//! The example also prints each gradient the way the chain rule writes it, so that the
//! generated one can be compared with the textbook derivation:
//! `δ2 = (out - y) · 2/2 · out(1 - out)`, `∂L/∂W2 = δ2 hᵀ`, `∂L/∂b2 = δ2`,
//! `δ1 = (W2ᵀ δ2) · h(1 - h)`, `∂L/∂W1 = δ1 xᵀ`, `∂L/∂b1 = δ1`.
//! `tests/integration/examples/two_layer_sigmoid.rs` checks the generated gradients against
//! PyTorch.
//!
//! Run with `cargo run --example two_layer_sigmoid`.

use backprop::loss::mse;
use backprop::nn::{Linear, Sigmoid};
use backprop::{differentiable, Parameters, Zero};

/// The input.
pub const X: [f32; 3] = [0.2, 0.1, 0.3];
/// The target.
pub const Y: [f32; 2] = [0.7, 0.3];

/// Two sigmoid layers (tensor names `layer1.weight`, `layer1.bias`, `layer2.weight`,
/// `layer2.bias`).
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Net {
    /// W1, b1.
    pub layer1: Linear<3, 2>,
    /// W2, b2.
    pub layer2: Linear<2, 2>,
    /// The activation after both layers.
    pub sigmoid: Sigmoid,
}

impl Net {
    /// The tutorial's weights.
    pub const fn tutorial() -> Self {
        Net {
            layer1: Linear::from_parts([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2]),
            layer2: Linear::from_parts([[0.2, 0.4], [0.3, 0.1]], [0.0, 0.0]),
            sigmoid: Sigmoid,
        }
    }

    /// The hidden activations `h = sigmoid(W1 x + b1)`.
    #[differentiable]
    pub fn hidden(&self, x: &[f32; 3]) -> [f32; 2] {
        self.sigmoid.forward(&self.layer1.forward(x))
    }

    /// The output `sigmoid(W2 h + b2)`.
    #[differentiable]
    pub fn forward(&self, x: &[f32; 3]) -> [f32; 2] {
        self.sigmoid.forward(&self.layer2.forward(&self.hidden(x)))
    }
}

/// The mean squared error of the output.
#[differentiable(wrt(net))]
pub fn loss(net: &Net, x: &[f32; 3], y: &[f32; 2]) -> f32 {
    mse(&net.forward(x), y)
}

/// The loss and every gradient, generated.
pub fn gradients(net: &Net) -> (f32, Net) {
    let mut grads = Net::zero();
    let l = loss_grad(net, &mut grads, &X, &Y);
    (l, grads)
}

/// The same gradients by the chain rule, written out by hand (for the printout).
// Index loops, so that the code reads like the subscripts of the derivation.
#[allow(clippy::needless_range_loop)]
pub fn gradients_by_hand(net: &Net) -> Net {
    let h = net.hidden(&X);
    let out = net.forward(&X);
    let mut g = Net::zero();
    let mut delta1 = [0.0f32; 2];
    for o in 0..2 {
        // d mean((out - y)^2) / d out_o = 2 (out_o - y_o) / 2; times sigmoid' = out (1 - out).
        let delta2 = (out[o] - Y[o]) * out[o] * (1.0 - out[o]);
        g.layer2.bias[o] = delta2;
        for j in 0..2 {
            g.layer2.weight[o][j] = delta2 * h[j];
            delta1[j] += net.layer2.weight[o][j] * delta2;
        }
    }
    for j in 0..2 {
        let delta1 = delta1[j] * h[j] * (1.0 - h[j]);
        g.layer1.bias[j] = delta1;
        for i in 0..3 {
            g.layer1.weight[j][i] = delta1 * X[i];
        }
    }
    g
}

fn main() {
    let net = Net::tutorial();
    println!("h   = {:?}", net.hidden(&X));
    println!("out = {:?}", net.forward(&X));
    let (l, grads) = gradients(&net);
    let by_hand = gradients_by_hand(&net);
    println!("loss = {l}");
    for k in 0..Net::TENSORS {
        // Row by row: a weight is [out][in], a bias one row.
        let width = *Net::shape(k)
            .dims()
            .last()
            .expect("a tensor has a dimension");
        let (generated, derived) = (grads.tensor(k), by_hand.tensor(k));
        println!(
            "d loss / d {} (generated | chain rule by hand):",
            Net::name(k)
        );
        for (g, h) in generated.chunks(width).zip(derived.chunks(width)) {
            println!("  {g:>14.9?} | {h:>14.9?}");
        }
    }
}
