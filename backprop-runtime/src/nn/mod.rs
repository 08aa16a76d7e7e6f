//! Layers: `torch.nn` building blocks whose forward passes are `#[differentiable]`.

mod activation;
mod linear;

pub use activation::{ReLU, Sigmoid, Tanh};
pub use linear::Linear;
