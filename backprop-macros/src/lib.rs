//! The `#[differentiable]` attribute: a small compiler from a Rust function to its reverse-mode
//! gradient. Use it through the `backprop` crate.

use proc_macro::TokenStream;

mod derive_parameters;

/// Generates `NAME_grad` and `NAME_vjp` next to the function. See the `backprop` crate.
#[proc_macro_attribute]
pub fn differentiable(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Makes a struct of tensors a parameter tree: `impl Zero` and `impl Parameters`, tensors
/// numbered in field order, nested structs flattened, names as PyTorch's `state_dict` keys
/// (`layer1.weight`). `#[parameters(rename = "0")]` renames a field (`nn.Sequential`'s numbered
/// children); `#[parameters(crate = "path")]` on the struct names the runtime crate.
#[proc_macro_derive(Parameters, attributes(parameters))]
pub fn derive_parameters(item: TokenStream) -> TokenStream {
    derive_parameters::expand(syn::parse_macro_input!(item as syn::DeriveInput)).into()
}
