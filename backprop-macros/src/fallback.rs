//! On error: the user's function untouched, the errors, and stub `_grad`/`_vjp` with the right
//! signatures, so that the user sees the real errors and not "cannot find function" at each call.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::expand::{is_float, layout, Flavor};
use crate::ir::{Function, ParamKind};

pub fn expand(
    func: &syn::ItemFn,
    ir: &Function,
    wrt: &[bool],
    check_finite: bool,
    rt: &TokenStream,
    errors: TokenStream,
) -> TokenStream {
    let all: Vec<bool> = ir.params.iter().map(|p| is_float(&p.kind)).collect();
    // A rejected parameter leaves the layout unknown: no stubs then (rustc does not report a
    // missing function after a `compile_error!` anyway).
    let complete = ir.params.len() == func.sig.inputs.len()
        && !ir
            .params
            .iter()
            .any(|p| matches!(p.kind, ParamKind::Rejected));
    let stubs = [(Flavor::Grad, wrt), (Flavor::Vjp, all.as_slice())].map(|(flavor, wrt)| {
        if !complete || wrt.len() != ir.params.len() {
            return TokenStream::new();
        }
        let l = layout(func, ir, wrt, flavor, check_finite.then_some(rt));
        let (inputs, output) = (l.inputs, l.output);
        let suffix = if flavor == Flavor::Grad {
            "grad"
        } else {
            "vjp"
        };
        let name = format_ident!("{}_{}", func.sig.ident, suffix);
        let vis = &func.vis;
        let generics = &func.sig.generics;
        let where_clause = &func.sig.generics.where_clause;
        quote! {
            #[allow(unused)]
            #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
                ::core::unreachable!()
            }
        }
    });
    quote!(#errors #func #(#stubs)*)
}
