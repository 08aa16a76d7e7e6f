//! Parameter trees: models as structs of tensors, seen by optimizers and parameter files as an
//! indexed list of named tensors, and, beside them, the model's buffers (state that is saved
//! but not trained: BatchNorm's running statistics) and its training mode.

use crate::nn::Mode;
use crate::tensor::{Real, Shape, Tensor, Zero};
use core::fmt;

/// The element type of a buffer, as a parameter file stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferDtype {
    /// `f32`, 4 bytes (running means and variances).
    F32,
    /// `i64`, 8 bytes (PyTorch's `num_batches_tracked`).
    I64,
}

impl BufferDtype {
    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            BufferDtype::F32 => 4,
            BufferDtype::I64 => 8,
        }
    }
}

/// A tree of tensors of `F` (`f32` unless said): a single tensor, or a struct of them
/// (`#[derive(Parameters)]`, which makes a struct of `f64` tensors a `Parameters<f64>`).
///
/// Tensors are numbered `0..TENSORS` in field order. Indexing rather than visiting lets an
/// optimizer walk the parameters, their gradients and its own state in lockstep without
/// allocating, so the same code runs on `no_std` targets.
pub trait Parameters<F: Real = f32>: Zero {
    /// How many tensors the tree holds.
    const TENSORS: usize;
    /// `true` for a bare tensor (its name is the empty string).
    const IS_TENSOR: bool = false;

    /// The elements of tensor `k`, row-major. Panics if `k >= TENSORS`.
    fn tensor(&self, k: usize) -> &[F];
    /// The elements of tensor `k`, mutable. Panics if `k >= TENSORS`.
    fn tensor_mut(&mut self, k: usize) -> &mut [F];
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

    /// The number of scalars in the tree.
    fn numel() -> usize {
        (0..Self::TENSORS).map(|k| Self::shape(k).len()).sum()
    }

    /// How many buffers the tree holds: PyTorch's `register_buffer`, state that is saved and
    /// loaded with the model (in the same `state_dict`) but is no parameter. Optimizers see only
    /// the `TENSORS`, so no update and no gradient reaches a buffer. Numbered `0..BUFFERS` in
    /// field order, apart from the tensors.
    const BUFFERS: usize = 0;

    /// The shape of buffer `k`. Panics if `k >= BUFFERS`.
    fn buffer_shape(k: usize) -> Shape {
        panic!("buffer index {k} out of range")
    }
    /// The element type of buffer `k`. Panics if `k >= BUFFERS`.
    fn buffer_dtype(k: usize) -> BufferDtype {
        panic!("buffer index {k} out of range")
    }
    /// Writes the dotted name of buffer `k` (`bn.running_mean`). Panics if `k >= BUFFERS`.
    fn write_buffer_name(k: usize, _out: &mut dyn fmt::Write) -> fmt::Result {
        panic!("buffer index {k} out of range")
    }
    /// Copies buffer `k` into `out` as a parameter file stores it: its elements in row-major
    /// order, little-endian, `buffer_shape(k).len() * buffer_dtype(k).size()` bytes. Buffers
    /// are read through bytes because a layer may keep them in atomics (a forward pass updates
    /// them through `&self`). Panics if `k >= BUFFERS` or `out` has the wrong length.
    fn read_buffer(&self, k: usize, _out: &mut [u8]) {
        panic!("buffer index {k} out of range")
    }
    /// Overwrites buffer `k` from `bytes`, laid out as [`read_buffer`](Self::read_buffer)
    /// writes them. Panics if `k >= BUFFERS` or `bytes` has the wrong length.
    fn write_buffer(&mut self, k: usize, _bytes: &[u8]) {
        panic!("buffer index {k} out of range")
    }

    /// The dotted name of buffer `k`.
    #[cfg(feature = "std")]
    fn buffer_name(k: usize) -> String {
        let mut s = String::new();
        Self::write_buffer_name(k, &mut s).expect("writing to a String cannot fail");
        s
    }

    /// Puts every layer of the tree in `mode`. Layers whose forward pass depends on it
    /// ([`Dropout`](crate::nn::Dropout), the batch norms) keep it; `#[derive(Parameters)]`
    /// passes it to every field; tensors and other layers ignore it.
    fn set_mode(&mut self, _mode: Mode) {}

    /// Training mode (PyTorch's `model.train()`): dropout draws masks and batch norms
    /// normalise by the batch's statistics and update their running ones.
    fn train(&mut self) {
        self.set_mode(Mode::Train);
    }

    /// Evaluation mode (PyTorch's `model.eval()`), which every layer starts in: dropout is the
    /// identity and batch norms use their running statistics.
    fn eval(&mut self) {
        self.set_mode(Mode::Eval);
    }
}

impl<F: Real, T: Tensor<F>> Parameters<F> for T {
    const TENSORS: usize = 1;
    const IS_TENSOR: bool = true;

    fn tensor(&self, k: usize) -> &[F] {
        assert_eq!(k, 0, "tensor index out of range");
        self.flat()
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [F] {
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
