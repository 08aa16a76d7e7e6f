//! Where a layer's pullback keeps its residuals when they are large (a sequence's gates, the
//! attention weights): with `std`, on the heap, in buffers that a per-thread pool hands out
//! again, so a training loop allocates them on its first step only and they take none of the
//! stack; without `std`, in the pullback itself, on the stack, as every other value.

use crate::Zeroable;

/// `Zero` and `Zeroable` for a struct of residuals whose fields are all f32 arrays (or such
/// structs), generic over const parameters: `f32_arrays!(Saved<const B, const T> { a, b });`.
macro_rules! f32_arrays {
    ($name:ident<$(const $p:ident),*> { $($field:ident),* }) => {
        impl<$(const $p: usize),*> crate::Zero for $name<$($p),*> {
            fn zero() -> Self {
                $name { $($field: crate::Zero::zero()),* }
            }
            fn set_zero(&mut self) {
                $(crate::Zero::set_zero(&mut self.$field);)*
            }
        }

        // SAFETY: the fields are f32 arrays and such structs, all-zero bytes are their zero.
        unsafe impl<$(const $p: usize),*> crate::Zeroable for $name<$($p),*> {}
    };
}
pub(crate) use f32_arrays;

/// A `T` for a pullback's residuals: on the heap with `std` (from this thread's pool, back
/// into the pool of the thread that drops it), inline without. Its contents on taking are
/// unspecified (zero, or what the buffer's last user left): the forward pass overwrites all of
/// it before the pullback reads any.
pub(crate) struct Residuals<T: Zeroable + 'static> {
    #[cfg(feature = "std")]
    value: Option<Box<T>>,
    #[cfg(not(feature = "std"))]
    value: T,
}

#[cfg(feature = "std")]
std::thread_local! {
    /// Buffers given back, of any residual type; a handful at most (one per layer call whose
    /// pullback a backward pass holds at once).
    static POOL: core::cell::RefCell<Vec<Box<dyn core::any::Any>>> =
        const { core::cell::RefCell::new(Vec::new()) };
}

impl<T: Zeroable + 'static> Residuals<T> {
    /// A buffer of this thread's pool that holds a `T`, or a new zeroed one (allocated zeroed,
    /// never on the stack).
    #[cfg(feature = "std")]
    pub(crate) fn take() -> Self {
        let reused = POOL
            .try_with(|pool| {
                let mut pool = pool.borrow_mut();
                let i = pool.iter().position(|b| b.is::<T>())?;
                pool.swap_remove(i).downcast::<T>().ok()
            })
            .ok()
            .flatten();
        Residuals {
            value: Some(reused.unwrap_or_else(T::boxed_zero)),
        }
    }

    /// A zero `T`, in place.
    #[cfg(not(feature = "std"))]
    pub(crate) fn take() -> Self {
        Residuals { value: T::zero() }
    }
}

impl<T: Zeroable + 'static> core::ops::Deref for Residuals<T> {
    type Target = T;
    fn deref(&self) -> &T {
        #[cfg(feature = "std")]
        return self.value.as_deref().expect("taken until dropped");
        #[cfg(not(feature = "std"))]
        return &self.value;
    }
}

impl<T: Zeroable + 'static> core::ops::DerefMut for Residuals<T> {
    fn deref_mut(&mut self) -> &mut T {
        #[cfg(feature = "std")]
        return self.value.as_deref_mut().expect("taken until dropped");
        #[cfg(not(feature = "std"))]
        return &mut self.value;
    }
}

#[cfg(feature = "std")]
impl<T: Zeroable + 'static> Drop for Residuals<T> {
    fn drop(&mut self) {
        if let Some(value) = self.value.take() {
            // During the thread's teardown the pool may be gone: the buffer is then freed.
            let _ = POOL.try_with(|pool| pool.borrow_mut().push(value));
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_taken_again_by_its_type_only() {
        let mut a = Residuals::<[f32; 1000]>::take();
        assert_eq!(a[999], 0.0, "new buffers are zeroed");
        a[999] = 7.0;
        let at = &a[0] as *const f32;
        drop(a);
        let other = Residuals::<[f32; 999]>::take();
        assert_eq!(other[998], 0.0, "another type does not get it");
        let again = Residuals::<[f32; 1000]>::take();
        assert_eq!(&again[0] as *const f32, at, "the same buffer");
        assert_eq!(again[999], 7.0, "as its last user left it");
        // Taken twice at once: two buffers.
        let second = Residuals::<[f32; 1000]>::take();
        assert_ne!(&second[0] as *const f32, at);
    }
}
