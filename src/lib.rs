//! # backprop
//!
//! Compile-time reverse-mode automatic differentiation for Rust. Put `#[differentiable]` on a
//! function over `f32` scalars and fixed-size `f32` arrays; the macro generates `NAME_grad`
//! (value and gradient, fused, no tape, no heap) and `NAME_vjp` (the composition contract).
//!
//! See the README for the calling convention and `docs/guide.md` for the supported subset.
#![cfg_attr(not(feature = "std"), no_std)]

// Generated code inside this package's own tests and examples names `::backprop`.
extern crate self as backprop;

pub use backprop_runtime::*;
