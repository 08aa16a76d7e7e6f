//! `f32` and nested `f32` arrays as tensors: zero values, flat views and shapes.

/// The largest tensor rank: `[[[[f32; A]; B]; C]; D]`.
pub const MAX_RANK: usize = 4;

/// The shape of a tensor, outermost dimension first (PyTorch's order: `[[f32; IN]; OUT]` is
/// `[OUT, IN]`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Shape {
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl Shape {
    /// The shape of a scalar.
    pub const SCALAR: Shape = Shape {
        dims: [0; MAX_RANK],
        rank: 0,
    };

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.dims().iter().product()
    }

    /// Whether the tensor has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This shape with `outer` put in front.
    pub const fn prepend(self, outer: usize) -> Shape {
        assert!(self.rank < MAX_RANK, "tensor rank above MAX_RANK");
        let mut dims = [0; MAX_RANK];
        dims[0] = outer;
        let mut i = 0;
        while i < self.rank {
            dims[i + 1] = self.dims[i];
            i += 1;
        }
        Shape {
            dims,
            rank: self.rank + 1,
        }
    }
}

impl core::fmt::Debug for Shape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.dims()).finish()
    }
}

impl core::fmt::Display for Shape {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

/// A value with a zero: the start of every gradient accumulator.
pub trait Zero {
    /// The zero value (`0.0` everywhere).
    fn zero() -> Self;
    /// Sets every element to `0.0` (PyTorch's `zero_grad`).
    fn set_zero(&mut self);
}

/// `f32` or a nested `f32` array, stored contiguously (arrays of `f32` have no padding).
pub trait Tensor: Zero + Copy + 'static {
    /// The shape, outermost dimension first.
    const SHAPE: Shape;
    /// The number of `f32` elements.
    const LEN: usize;
    /// The elements in row-major order.
    fn flat(&self) -> &[f32];
    /// The elements in row-major order, mutable.
    fn flat_mut(&mut self) -> &mut [f32];
}

impl Zero for f32 {
    #[inline(always)]
    fn zero() -> Self {
        0.0
    }
    #[inline(always)]
    fn set_zero(&mut self) {
        *self = 0.0;
    }
}

impl Tensor for f32 {
    const SHAPE: Shape = Shape::SCALAR;
    const LEN: usize = 1;
    fn flat(&self) -> &[f32] {
        core::slice::from_ref(self)
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        core::slice::from_mut(self)
    }
}

impl<T: Zero, const N: usize> Zero for [T; N] {
    #[inline(always)]
    fn zero() -> Self {
        core::array::from_fn(|_| T::zero())
    }
    #[inline(always)]
    fn set_zero(&mut self) {
        for x in self {
            x.set_zero();
        }
    }
}

impl<T: Tensor, const N: usize> Tensor for [T; N] {
    const SHAPE: Shape = T::SHAPE.prepend(N);
    const LEN: usize = N * T::LEN;
    fn flat(&self) -> &[f32] {
        // SAFETY: `T` is `f32` or a nested array of `f32` (the trait is implemented for nothing
        // else), so `[T; N]` is `N * T::LEN` contiguous `f32`s with no padding.
        unsafe { core::slice::from_raw_parts(self.as_ptr().cast::<f32>(), Self::LEN) }
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `flat`; the unique borrow of `self` covers every element.
        unsafe { core::slice::from_raw_parts_mut(self.as_mut_ptr().cast::<f32>(), Self::LEN) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_outermost_first() {
        assert_eq!(<[[f32; 3]; 2]>::SHAPE.dims(), &[2, 3]);
        assert_eq!(<f32>::SHAPE.dims(), &[] as &[usize]);
        assert_eq!(<[[[f32; 4]; 3]; 2]>::LEN, 24);
    }

    #[test]
    fn flat_views_are_row_major() {
        let mut a = [[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        assert_eq!(a.flat(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        a.flat_mut()[4] = 9.0;
        assert_eq!(a[1][1], 9.0);
        a.set_zero();
        assert_eq!(a, <[[f32; 3]; 2]>::zero());
    }
}
