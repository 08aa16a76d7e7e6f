//! `f32`, `f64` and nested arrays of them as tensors: zero values, flat views and shapes.
//!
//! [`Tensor<F>`](Tensor) is a tensor of either float type ([`Real`]); `Tensor` alone is an
//! `f32` one, what the layers and primitives compute on.
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
// SAFETY: `0.0f64` is the all-zero bit pattern.
unsafe impl Zeroable for f64 {}

// SAFETY: an array has no padding of its own; all-zero bytes are `N` all-zero elements, each
// valid and each the element's zero, which is what `<[T; N]>::zero` builds.
unsafe impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}

mod sealed {
    /// Keeps [`Tensor`](super::Tensor) to `f32`, `f64` and their nested arrays,
    /// whose layout `flat` relies on, and [`Real`](super::Real) to the two floats.
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl<T: Sealed, const N: usize> Sealed for [T; N] {}
}

/// A float type tensors hold: `f32` or `f64`. Optimizers, [`gradcheck`](crate::gradcheck) and
/// parameter files are generic over it.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::Real;
///
/// fn mean<F: Real>(xs: &[F]) -> F {
///     xs.iter().copied().sum::<F>() / F::from_f64(xs.len() as f64)
/// }
/// assert_eq!(mean(&[1.0f64, 2.0, 6.0]), 3.0);
/// ```
pub trait Real:
    crate::math::Float
    + Zeroable
    + Copy
    + Default
    + PartialOrd
    + core::fmt::Debug
    + core::fmt::Display
    + core::ops::Add<Output = Self>
    + core::ops::Sub<Output = Self>
    + core::ops::Mul<Output = Self>
    + core::ops::Div<Output = Self>
    + core::ops::Neg<Output = Self>
    + core::ops::AddAssign
    + core::ops::SubAssign
    + core::ops::MulAssign
    + core::ops::DivAssign
    + core::iter::Sum
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// The type's name, `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Bytes per element.
    const SIZE: usize;
    /// `0.0`
    const ZERO: Self;
    /// `1.0`
    const ONE: Self;
    /// The type's machine epsilon (`f32::EPSILON`), as `f64`.
    const EPSILON: f64;
    /// The smallest positive normal number (`f32::MIN_POSITIVE`).
    const MIN_POSITIVE: Self;
    /// The nearest value of this type.
    fn from_f64(x: f64) -> Self;
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// The absolute value.
    fn abs(self) -> Self;
    /// The little-endian bytes, [`SIZE`](Self::SIZE) of them, into `out`.
    fn write_le(self, out: &mut [u8]);
    /// The value of [`SIZE`](Self::SIZE) little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
}

macro_rules! real {
    ($t:ident) => {
        impl Real for $t {
            const NAME: &'static str = stringify!($t);
            const SIZE: usize = core::mem::size_of::<$t>();
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: f64 = $t::EPSILON as f64;
            const MIN_POSITIVE: Self = $t::MIN_POSITIVE;
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                $t::abs(self)
            }
            fn write_le(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            fn read_le(bytes: &[u8]) -> Self {
                let mut b = [0u8; core::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                $t::from_le_bytes(b)
            }
        }

        impl Zero for $t {
            #[inline(always)]
            fn zero() -> Self {
                0.0
            }
            #[inline(always)]
            fn set_zero(&mut self) {
                *self = 0.0;
            }
        }

        impl Tensor<$t> for $t {
            const SHAPE: Shape = Shape::SCALAR;
            const LEN: usize = 1;
            fn flat(&self) -> &[$t] {
                core::slice::from_ref(self)
            }
            fn flat_mut(&mut self) -> &mut [$t] {
                core::slice::from_mut(self)
            }
        }
    };
}

real!(f32);
real!(f64);

/// A tensor of `F` (`f32` unless said): `F` or a nested array of `F`, stored contiguously
/// (arrays of floats have no padding). `Tensor` alone is an `f32` tensor, what the layers and
/// primitives compute on; `Tensor<f64>` is one of `f64`.
///
/// Sealed: implemented for the two floats and arrays of tensors, and for nothing else, so the
/// flat views can rely on that layout. Structs of tensors are [`Parameters`](crate::Parameters)
/// instead.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::Tensor;
///
/// let x = [[1.0f64, 2.0], [3.0, 4.0]];
/// assert_eq!(x.flat(), &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(<[[f32; 2]; 3]>::SHAPE.dims(), &[3, 2]);
/// ```
pub trait Tensor<F: Real = f32>: Zeroable + Copy + 'static + sealed::Sealed {
    /// The shape, outermost dimension first.
    const SHAPE: Shape;
    /// The number of elements.
    const LEN: usize;
    /// The elements in row-major order.
    fn flat(&self) -> &[F];
    /// The elements in row-major order, mutable.
    fn flat_mut(&mut self) -> &mut [F];
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

impl<F: Real, T: Tensor<F>, const N: usize> Tensor<F> for [T; N] {
    const SHAPE: Shape = T::SHAPE.prepend(N);
    const LEN: usize = N * T::LEN;
    fn flat(&self) -> &[F] {
        // SAFETY: `T` is a float or a nested array of one (the trait is sealed and implemented
        // for nothing else), so `[T; N]` is `N * T::LEN` contiguous elements with no padding.
        unsafe { core::slice::from_raw_parts(self.as_ptr().cast::<F>(), Self::LEN) }
    }
    fn flat_mut(&mut self) -> &mut [F] {
        // SAFETY: as in `flat`; the unique borrow of `self` covers every element.
        unsafe { core::slice::from_raw_parts_mut(self.as_mut_ptr().cast::<F>(), Self::LEN) }
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
