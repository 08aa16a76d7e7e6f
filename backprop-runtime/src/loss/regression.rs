//! Regression losses: mean squared error, Huber and smooth L1 (`nn.MSELoss`, `nn.HuberLoss`,
//! `nn.SmoothL1Loss`), averaged over every element.

use crate::differentiable;

/// `mean((prediction - target)^2)`.
#[differentiable(wrt(prediction), jvp)]
pub fn mse<const N: usize>(prediction: &[f32; N], target: &[f32; N]) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        let e = prediction[i] - target[i];
        s += e * e;
    }
    s / N as f32
}

/// Huber loss with threshold `delta`: `e^2 / 2` for `|e| <= delta`, else
/// `delta * (|e| - delta / 2)`; the mean over elements.
#[differentiable(wrt(prediction), jvp)]
pub fn huber<const N: usize>(prediction: &[f32; N], target: &[f32; N], delta: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        let e = prediction[i] - target[i];
        let a = e.abs();
        s += if a <= delta {
            0.5 * e * e
        } else {
            delta * (a - 0.5 * delta)
        };
    }
    s / N as f32
}

/// Smooth L1 loss with threshold `beta`: `e^2 / (2 beta)` for `|e| < beta`, else
/// `|e| - beta / 2`; the mean over elements.
#[differentiable(wrt(prediction), jvp)]
pub fn smooth_l1<const N: usize>(prediction: &[f32; N], target: &[f32; N], beta: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        let e = prediction[i] - target[i];
        let a = e.abs();
        s += if a < beta {
            0.5 * e * e / beta
        } else {
            a - 0.5 * beta
        };
    }
    s / N as f32
}
