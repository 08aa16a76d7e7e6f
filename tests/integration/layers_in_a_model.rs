//! A model built from runtime layers, its loss differentiated through every layer's `_vjp`.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]
use backprop::nn::{Linear, ReLU};
use backprop::{differentiable, Parameters, Zero};

#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
struct Model0 {
    layer1: Linear<3, 3>,
    layer2: Linear<3, 2>,
    layer3: Linear<2, 3>,
    relu: ReLU,
}

impl Model0 {
    #[differentiable]
    fn forward(&self, x: &[f32; 3]) -> [f32; 3] {
        let h1 = self.relu.forward(&self.layer1.forward(x));
        let h2 = self.relu.forward(&self.layer2.forward(&h1));
        self.layer3.forward(&h2)
    }
}

/// Cross-entropy of logits against a class index, with a running maximum for stability.
#[differentiable]
fn cross_entropy(logits: &[f32; 3], target: usize) -> f32 {
    let mut m = logits[0];
    for i in 1..3 {
        m = m.max(logits[i]);
    }
    let mut s = 0.0;
    for i in 0..3 {
        s += (logits[i] - m).exp();
    }
    s.ln() + m - logits[target]
}

#[differentiable(wrt(model))]
fn loss(model: &Model0, x: &[[f32; 3]; 3], y: &[usize; 3]) -> f32 {
    let mut total = 0.0;
    for b in 0..3 {
        let logits = model.forward(&x[b]);
        total += cross_entropy(&logits, y[b]);
    }
    total / 3.0
}

fn model() -> Model0 {
    Model0 {
        layer1: Linear::from_parts(
            [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9]],
            [0.01, -0.02, 0.03],
        ),
        layer2: Linear::from_parts([[0.2, -0.1, 0.4], [-0.3, 0.6, 0.1]], [0.05, -0.05]),
        layer3: Linear::from_parts([[0.3, -0.4], [0.5, 0.2], [-0.6, 0.7]], [0.0, 0.1, -0.1]),
        relu: ReLU,
    }
}

#[test]
fn gradient_through_layers_matches_finite_differences() {
    let x = [[1.0, 2.0, 1.5], [3.0, 4.0, 2.3], [5.0, 6.0, 1.2]];
    let y = [0, 2, 1];
    let m = model();
    let mut g = Model0::zero();
    let l = loss_grad(&m, &mut g, &x, &y);
    assert!((l - loss(&m, &x, &y)).abs() < 1e-6);
    let eps = 1e-3;
    let mut checked = 0;
    let mut check = |get: &dyn Fn(&mut Model0) -> &mut f32, analytic: f32| {
        let (mut p, mut q) = (m, m);
        *get(&mut p) += eps;
        *get(&mut q) -= eps;
        let numeric = (loss(&p, &x, &y) - loss(&q, &x, &y)) / (2.0 * eps);
        assert!((analytic - numeric).abs() < 2e-3, "{analytic} vs {numeric}");
        checked += 1;
    };
    for j in 0..3 {
        for i in 0..3 {
            check(
                &|m: &mut Model0| &mut m.layer1.weight[j][i],
                g.layer1.weight[j][i],
            );
        }
        check(&|m: &mut Model0| &mut m.layer1.bias[j], g.layer1.bias[j]);
        check(&|m: &mut Model0| &mut m.layer3.bias[j], g.layer3.bias[j]);
    }
    for j in 0..2 {
        for i in 0..3 {
            check(
                &|m: &mut Model0| &mut m.layer2.weight[j][i],
                g.layer2.weight[j][i],
            );
        }
    }
    assert_eq!(checked, 21);
    let names: Vec<String> = (0..Model0::TENSORS).map(Model0::name).collect();
    assert_eq!(
        names,
        [
            "layer1.weight",
            "layer1.bias",
            "layer2.weight",
            "layer2.bias",
            "layer3.weight",
            "layer3.bias"
        ]
    );
}
