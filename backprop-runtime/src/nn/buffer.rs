//! Buffers, state that is saved with a model but not trained (PyTorch's `register_buffer`),
//! which a forward pass updates through `&self`: BatchNorm's running statistics.
//!
//! A differentiable forward pass takes `&self` (the macro's convention), yet PyTorch's batch
//! norm updates its running statistics in every training forward. The statistics are therefore
//! kept in atomics (relaxed loads and stores of the `f32` bits): `&self` may update them, the
//! model stays `Sync` (batches on a thread pool) and works without `std`. Concurrent forward
//! passes on one model each update them; which update lands last is not defined, as with
//! PyTorch's `DataParallel`.
//!
//! As fields of a `#[derive(Parameters)]` struct they are its buffers, named after the field
//! (`bn.running_mean`), saved and loaded by [`io`](crate::io), never seen by an optimizer.

use crate::{BufferDtype, Shape};
use core::sync::atomic::{AtomicU32, Ordering};

/// `N` `f32` values saved with the model but not trained, updated through `&self`: a field of
/// this type is a buffer of shape `[N]` in the `state_dict`, named after the field.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Buffer;
/// use backprop::{Parameters, Zero};
///
/// #[derive(Parameters)]
/// struct Scaler {
///     scale: [f32; 2],
///     running_max: Buffer<2>,
/// }
///
/// let s = Scaler { scale: [1.0; 2], running_max: Buffer::new([0.0; 2]) };
/// s.running_max.set(1, 3.5); // through `&self`, as a forward pass would
/// assert_eq!(s.running_max.values(), [0.0, 3.5]);
/// assert_eq!((Scaler::TENSORS, Scaler::BUFFERS), (1, 1));
/// assert_eq!(Scaler::buffer_name(0), "running_max");
/// ```
pub struct Buffer<const N: usize>([AtomicU32; N]);

impl<const N: usize> Buffer<N> {
    /// A buffer holding `values`.
    pub fn new(values: [f32; N]) -> Self {
        Buffer(values.map(|v| AtomicU32::new(v.to_bits())))
    }

    /// Element `i`.
    #[inline]
    pub fn get(&self, i: usize) -> f32 {
        f32::from_bits(self.0[i].load(Ordering::Relaxed))
    }

    /// Sets element `i`, through `&self`.
    #[inline]
    pub fn set(&self, i: usize, value: f32) {
        self.0[i].store(value.to_bits(), Ordering::Relaxed);
    }

    /// Every element.
    pub fn values(&self) -> [f32; N] {
        core::array::from_fn(|i| self.get(i))
    }
}

impl<const N: usize> Clone for Buffer<N> {
    fn clone(&self) -> Self {
        Buffer::new(self.values())
    }
}

impl<const N: usize> PartialEq for Buffer<N> {
    fn eq(&self, other: &Self) -> bool {
        self.values() == other.values()
    }
}

impl<const N: usize> crate::Zero for Buffer<N> {
    fn zero() -> Self {
        Buffer::new([0.0; N])
    }
    /// A buffer is no gradient: clearing a gradient leaves it.
    fn set_zero(&mut self) {}
}

// SAFETY: `AtomicU32`s, for which zero bytes are `0`, i.e. `0.0f32`: `Buffer::zero()`.
unsafe impl<const N: usize> crate::Zeroable for Buffer<N> {}

no_tensors!(Buffer<N> [const N: usize] {
    const IS_TENSOR: bool = true;
    const BUFFERS: usize = 1;
    fn buffer_shape(k: usize) -> Shape {
        assert_eq!(k, 0, "buffer index out of range");
        Shape::SCALAR.prepend(N)
    }
    fn buffer_dtype(k: usize) -> BufferDtype {
        assert_eq!(k, 0, "buffer index out of range");
        BufferDtype::F32
    }
    fn write_buffer_name(k: usize, _: &mut dyn core::fmt::Write) -> core::fmt::Result {
        assert_eq!(k, 0, "buffer index out of range");
        Ok(())
    }
    /// Little-endian `f32`s, as a parameter file stores them.
    fn read_buffer(&self, k: usize, out: &mut [u8]) {
        assert_eq!((k, out.len()), (0, 4 * N), "buffer 0 of {N} f32");
        for (i, chunk) in out.chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&self.get(i).to_le_bytes());
        }
    }
    fn write_buffer(&mut self, k: usize, bytes: &[u8]) {
        assert_eq!((k, bytes.len()), (0, 4 * N), "buffer 0 of {N} f32");
        for (i, b) in bytes.chunks_exact(4).enumerate() {
            self.set(i, f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        }
    }
});

/// A count updated through `&self`: as a field, a buffer saved as an `I64` scalar (PyTorch's
/// `num_batches_tracked`, shape `[]`). It wraps at `2^32` (`u32` is the widest atomic every
/// target has); a file's value outside `0..=u32::MAX` loads clamped into it.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Count;
///
/// let c = Count::new(41);
/// assert_eq!(c.bump(), 41); // the count before
/// assert_eq!(c.get(), 42);
/// ```
pub struct Count(AtomicU32);

impl Count {
    /// A count starting at `value`.
    pub const fn new(value: u32) -> Self {
        Count(AtomicU32::new(value))
    }

    /// The count.
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    /// Adds one, through `&self`, and returns the count before.
    pub fn bump(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

impl Clone for Count {
    fn clone(&self) -> Self {
        Count::new(self.get())
    }
}

impl PartialEq for Count {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl crate::Zero for Count {
    fn zero() -> Self {
        Count::new(0)
    }
    /// A count is no gradient: clearing a gradient leaves it.
    fn set_zero(&mut self) {}
}

// SAFETY: an `AtomicU32`, for which zero bytes are `0`: `Count::zero()`.
unsafe impl crate::Zeroable for Count {}

no_tensors!(Count {
    const IS_TENSOR: bool = true;
    const BUFFERS: usize = 1;
    fn buffer_shape(k: usize) -> Shape {
        assert_eq!(k, 0, "buffer index out of range");
        Shape::SCALAR
    }
    fn buffer_dtype(k: usize) -> BufferDtype {
        assert_eq!(k, 0, "buffer index out of range");
        BufferDtype::I64
    }
    fn write_buffer_name(k: usize, _: &mut dyn core::fmt::Write) -> core::fmt::Result {
        assert_eq!(k, 0, "buffer index out of range");
        Ok(())
    }
    /// A little-endian `i64`, as PyTorch stores `num_batches_tracked`.
    fn read_buffer(&self, k: usize, out: &mut [u8]) {
        assert_eq!((k, out.len()), (0, 8), "buffer 0, one i64");
        out.copy_from_slice(&i64::from(self.get()).to_le_bytes());
    }
    /// From a little-endian `i64`, clamped to `0..=u32::MAX`.
    fn write_buffer(&mut self, k: usize, bytes: &[u8]) {
        assert_eq!((k, bytes.len()), (0, 8), "buffer 0, one i64");
        let mut le = [0; 8];
        le.copy_from_slice(bytes);
        let value = i64::from_le_bytes(le).clamp(0, i64::from(u32::MAX));
        *self.0.get_mut() = value as u32;
    }
});

impl core::fmt::Debug for Count {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.get(), f)
    }
}

impl<const N: usize> core::fmt::Debug for Buffer<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.values(), f)
    }
}
