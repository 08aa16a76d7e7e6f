//! `#[differentiable(crate = "...")]` makes generated code name the runtime through the given
//! path. Here that path is a module that wraps `exp` and counts its calls: a non-zero count
//! proves the generated gradient went through the override, not through `::backprop`.

use backprop::differentiable;
use std::sync::atomic::{AtomicUsize, Ordering};

static EXP_CALLS: AtomicUsize = AtomicUsize::new(0);

mod engine {
    // The whole runtime API, as a re-exporting crate would offer it.
    #[allow(unused_imports)]
    pub use backprop::*;

    // Generated code names `<crate>::__private`: this one swaps in a counting `exp`.
    pub mod __private {
        #[allow(unused_imports)]
        pub use backprop::__private::*;

        pub mod math {
            #[allow(unused_imports)]
            pub use backprop::math::*;

            pub fn exp(x: f32) -> f32 {
                super::super::super::EXP_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                backprop::math::exp(x)
            }
        }
    }
}

#[differentiable(crate = "crate::engine")]
fn f(x: f32) -> f32 {
    x.exp() * x
}

fn main() {
    let (value, dx) = f_grad(0.5);
    let e = 0.5f32.exp();
    assert!((value - e * 0.5).abs() < 1e-6);
    // d/dx (x e^x) = e^x (1 + x)
    assert!((dx - e * 1.5).abs() < 1e-5);
    assert!(EXP_CALLS.load(Ordering::Relaxed) > 0);
}
