//! `f32` and nested `f32` arrays as tensors: zero values, flat views and shapes.
//!
//! [`Zeroable`] marks the types whose all-zero bytes are their zero, so that a model of
//! megabytes can be allocated zeroed on the heap ([`Zeroable::boxed_zero`], with `std`) instead
//! of being built on the stack and moved.

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

/// A [`Zero`] whose all-zero bytes are a valid value, and that value is [`Zero::zero`].
///
/// The runtime implements it for `f32`, for arrays of `Zeroable` types and for the parameter-free
/// layers; `#[derive(Parameters)]` implements it for a struct whose every field is `Zeroable`
/// (a field that is not is a compile error). With it, [`boxed_zero`](Zeroable::boxed_zero)
/// gets a zeroed model straight from the allocator: nothing of its size passes through the
/// stack.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Linear;
/// use backprop::{Parameters, Zeroable};
///
/// #[derive(Parameters)]
/// struct Mlp {
///     layer1: Linear<784, 1024>,
///     layer2: Linear<1024, 10>,
/// }
///
/// let grad = Mlp::boxed_zero(); // 3.2 MB on the heap, none of it on the stack
/// assert!(grad.layer1.weight.iter().flatten().all(|&w| w == 0.0));
/// ```
///
/// # Safety
///
/// An implementation promises that every byte of `Self` may be zero (no references, no
/// `NonZero`, no enum without a zero discriminant, no padding that matters) and that the value
/// made of zero bytes equals what [`Zero::zero`] returns.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to be valid as all-zero bytes (`Zeroable`)",
    label = "not `Zeroable`",
    note = "`#[derive(Parameters)]` needs every field to be `f32`, an `f32` array, a layer or \
            another `#[derive(Parameters)]` struct; a hand-written parameter type whose zero is \
            all-zero bytes can declare it with `unsafe impl Zeroable for {Self} {{}}`"
)]
pub unsafe trait Zeroable: Zero {
    /// The zero value on the heap, allocated zeroed (`calloc`): a model of any size, without
    /// building it on the stack first. Aborts through
    /// [`handle_alloc_error`](std::alloc::handle_alloc_error) if the allocator has no room.
    #[cfg(feature = "std")]
    fn boxed_zero() -> Box<Self>
    where
        Self: Sized,
    {
        // SAFETY: the trait's contract: all-zero bytes are a valid `Self`. `new_zeroed` handles
        // zero-sized types and allocation failure.
        unsafe { Box::<Self>::new_zeroed().assume_init() }
    }
}

// SAFETY: `0.0f32` is the all-zero bit pattern.
unsafe impl Zeroable for f32 {}

// SAFETY: an array has no padding of its own; all-zero bytes are `N` all-zero elements, each
// valid and each the element's zero, which is what `<[T; N]>::zero` builds.
unsafe impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}

mod sealed {
    /// Keeps [`Tensor`](super::Tensor) to `f32` and its nested arrays, whose layout `flat`
    /// relies on.
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl<T: Sealed, const N: usize> Sealed for [T; N] {}
}

/// `f32` or a nested `f32` array, stored contiguously (arrays of `f32` have no padding).
///
/// Sealed: implemented for `f32` and arrays of tensors, and for nothing else, so the flat views
/// can rely on that layout. Structs of tensors are [`Parameters`](crate::Parameters) instead.
pub trait Tensor: Zeroable + Copy + 'static + sealed::Sealed {
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
        // SAFETY: `T` is `f32` or a nested array of `f32` (the trait is sealed and implemented
        // for nothing else), so `[T; N]` is `N * T::LEN` contiguous `f32`s with no padding.
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

    #[cfg(feature = "std")]
    #[test]
    fn boxed_zero_is_the_zero() {
        assert_eq!(*<[[f32; 3]; 2]>::boxed_zero(), <[[f32; 3]; 2]>::zero());
        assert_eq!(f32::boxed_zero().to_bits(), 0);
        // Zero-sized: no allocation, still a valid box.
        assert_eq!(*<[f32; 0]>::boxed_zero(), [0.0f32; 0]);
        // Larger than any default stack: allocated zeroed, never built on the stack.
        let big = <[[f32; 1024]; 4096]>::boxed_zero();
        assert!(big.iter().flatten().all(|x| x.to_bits() == 0));
    }
}
