//! `wrt` over `self` and over any `&` parameter: the other `&` inputs are constants of `_grad`,
//! with no shadow to pass, and the gradients agree with central differences and with the
//! gradient taken over everything.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use crate::loops::programs::{assert_close, assert_fd};
use crate::whole_array::assert_params_fd;
use backprop::{differentiable, Parameters, Tensor, Zero};

/// A one-output model.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Model {
    /// Weights.
    pub w: [f32; 3],
    /// Bias.
    pub b: f32,
}

impl Model {
    /// The prediction, `tanh(w · x + b)`.
    #[differentiable]
    pub fn predict(&self, x: &[f32; 3]) -> f32 {
        let mut z = self.b;
        for i in 0..3 {
            z += self.w[i] * x[i];
        }
        z.tanh()
    }

    /// The squared error, differentiated with respect to the model only.
    #[differentiable(wrt(self))]
    pub fn loss(&self, x: &[f32; 3], y: f32) -> f32 {
        let e = self.predict(x) - y;
        e * e
    }

    /// The same, differentiated with respect to the input only (a saliency map).
    #[differentiable(wrt(x))]
    pub fn loss_wrt_input(&self, x: &[f32; 3], y: f32) -> f32 {
        let e = self.predict(x) - y;
        e * e
    }

    /// The same over everything, for comparison.
    #[differentiable]
    pub fn loss_wrt_all(&self, x: &[f32; 3], y: f32) -> f32 {
        let e = self.predict(x) - y;
        e * e
    }
}

/// A weighted sum of squares with one `&` input differentiated and the other constant.
#[differentiable(wrt(w))]
pub fn weighted(w: &[f32; 3], x: &[f32; 3], s: f32) -> f32 {
    let mut total = 0.0;
    for i in 0..3 {
        total += w[i] * x[i] * x[i] * s;
    }
    total * total
}

const M: Model = Model {
    w: [0.4, -0.7, 0.2],
    b: 0.1,
};
const X: [f32; 3] = [0.9, 0.3, -1.2];
const Y: f32 = 0.25;

#[test]
fn wrt_self_takes_no_shadow_for_the_inputs() {
    let mut dm = Model::zero();
    let v = M.loss_grad(&mut dm, &X, Y);
    assert_close("value", &[v], &[M.loss(&X, Y)], 0.0, 0.0);
    assert_params_fd(&dm, &M, |m| m.loss(&X, Y));
    let (mut all, mut dx) = (Model::zero(), [0.0; 3]);
    let (v_all, _dy) = M.loss_wrt_all_grad(&mut all, &X, &mut dx, Y);
    assert_close(
        "value over everything",
        &[v_all],
        &[M.loss_wrt_all(&X, Y)],
        0.0,
        0.0,
    );
    assert_eq!(
        dm, all,
        "the same gradient as when everything is differentiated"
    );
}

#[test]
fn wrt_one_ref_parameter_of_a_method() {
    let mut dx = [0.0; 3];
    let v = M.loss_wrt_input_grad(&X, &mut dx, Y);
    assert_close("value", &[v], &[M.loss_wrt_input(&X, Y)], 0.0, 0.0);
    assert_fd("d_x", &dx, &X, |x| M.loss(x, Y));
    assert!(
        dx.flat().iter().all(|g| *g != 0.0),
        "every input matters: {dx:?}"
    );
}

#[test]
fn wrt_one_ref_parameter_of_a_function() {
    let w = [0.5, -1.5, 2.0];
    let mut dw = [0.0; 3];
    let v = weighted_grad(&w, &mut dw, &X, 0.75);
    assert_close("value", &[v], &[weighted(&w, &X, 0.75)], 0.0, 0.0);
    assert_fd("d_w", &dw, &w, |w| weighted(w, &X, 0.75));
}
