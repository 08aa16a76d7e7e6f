//! Losses, as `#[differentiable]` functions: each has a generated `_grad` and `_vjp`, so a
//! model's loss function calls them like any other differentiable function. Reductions follow
//! PyTorch's default, `reduction = "mean"`.

mod classification;
mod regression;

pub use classification::*;
pub use regression::*;
