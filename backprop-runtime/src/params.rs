//! Parameter trees: models as structs of tensors, seen by optimizers and parameter files as an
//! indexed list of named tensors.

use crate::tensor::{Shape, Tensor, Zero};
use core::fmt;

/// A tree of `f32` tensors: a single tensor, or a struct of them (`#[derive(Parameters)]`).
///
/// Tensors are numbered `0..TENSORS` in field order. Indexing rather than visiting lets an
/// optimizer walk the parameters, their gradients and its own state in lockstep without
/// allocating, so the same code runs on `no_std` targets.
pub trait Parameters: Zero {
    /// How many tensors the tree holds.
    const TENSORS: usize;
    /// `true` for a bare tensor (its name is the empty string).
    const IS_TENSOR: bool = false;

    /// The elements of tensor `k`, row-major. Panics if `k >= TENSORS`.
    fn tensor(&self, k: usize) -> &[f32];
    /// The elements of tensor `k`, mutable. Panics if `k >= TENSORS`.
    fn tensor_mut(&mut self, k: usize) -> &mut [f32];
    /// The shape of tensor `k`. Panics if `k >= TENSORS`.
    fn shape(k: usize) -> Shape;
    /// Writes the dotted name of tensor `k` (`layer1.weight`), PyTorch's `state_dict` key.
    fn write_name(k: usize, out: &mut dyn fmt::Write) -> fmt::Result;

    /// The dotted name of tensor `k`.
    #[cfg(feature = "std")]
    fn name(k: usize) -> String {
        let mut s = String::new();
        Self::write_name(k, &mut s).expect("writing to a String cannot fail");
        s
    }

    /// The number of `f32` scalars in the tree.
    fn numel() -> usize {
        (0..Self::TENSORS).map(|k| Self::shape(k).len()).sum()
    }
}

impl<T: Tensor> Parameters for T {
    const TENSORS: usize = 1;
    const IS_TENSOR: bool = true;

    fn tensor(&self, k: usize) -> &[f32] {
        assert_eq!(k, 0, "tensor index out of range");
        self.flat()
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
        assert_eq!(k, 0, "tensor index out of range");
        self.flat_mut()
    }
    fn shape(k: usize) -> Shape {
        assert_eq!(k, 0, "tensor index out of range");
        T::SHAPE
    }
    fn write_name(k: usize, _out: &mut dyn fmt::Write) -> fmt::Result {
        assert_eq!(k, 0, "tensor index out of range");
        Ok(())
    }
}
