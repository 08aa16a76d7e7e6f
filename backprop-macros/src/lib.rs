//! The `#[differentiable]` attribute: a small compiler from a Rust function to its reverse-mode
//! gradient. Use it through the `backprop` crate, which documents the calling convention.
//!
//! The pipeline reads off `expand::differentiable`: parse (`lower`), check and analyse
//! (`analyze`), simplify (`simplify`, while building), reverse (`reverse`, with every
//! derivative rule in `rules`), emit (`emit`), and on error a `fallback`.

mod analyze;
mod assemble;
mod attr;
mod doc;
mod emit;
mod errors;
mod expand;
mod fallback;
mod interface;
mod ir;
mod ktangent;
mod lanes;
mod lower;
mod reverse;
mod rules;
mod simplify;
mod tangent;

use proc_macro::TokenStream;

mod derive_parameters;

/// Generates `NAME_grad`, `NAME_fwd` and `NAME_vjp` next to the function. See the `backprop`
/// crate.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(attr.into(), item.into()).into()
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod snapshot_tests;
/// Makes a struct of tensors a parameter tree: `impl Zero` and `impl Parameters`, tensors
/// numbered in field order, nested structs flattened, names as PyTorch's `state_dict` keys
/// (`layer1.weight`). `#[parameters(rename = "0")]` renames a field (`nn.Sequential`'s numbered
/// children); `#[parameters(crate = "path")]` on the struct names the runtime crate.
#[proc_macro_derive(Parameters, attributes(parameters))]
pub fn derive_parameters(item: TokenStream) -> TokenStream {
    derive_parameters::expand(syn::parse_macro_input!(item as syn::DeriveInput)).into()
}
