//! On error: the user's function untouched, the errors, and stubs of the generated functions
//! with the right signatures, so that the user sees the real errors and not "cannot find
//! function" at each call.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attr::Args;
use crate::interface::{self, all_floats, layout, Flavor};
use crate::ir::{Function, ParamKind};

pub fn expand(
    func: &syn::ItemFn,
    ir: &Function,
    wrt: &[bool],
    args: &Args,
    rt: &TokenStream,
    errors: TokenStream,
) -> TokenStream {
    // A rejected parameter leaves the layout unknown: no stubs then (rustc does not report a
    // missing function after a `compile_error!` anyway).
    let complete = ir.params.len() == func.sig.inputs.len()
        && wrt.len() == ir.params.len()
        && !ir
            .params
            .iter()
            .any(|p| matches!(p.kind, ParamKind::Rejected));
    if !complete {
        return quote!(#errors #func);
    }
    let failures = interface::failures(args.check_finite, args.max_iters.is_some(), rt);
    let vis = &func.vis;
    let generics = &func.sig.generics;
    let where_clause = &func.sig.generics.where_clause;
    let stub_of =
        |func: &syn::ItemFn, flavor: Flavor, inputs: &[TokenStream], output: &TokenStream| {
            let name = interface::generated_name(func, flavor);
            let generics = &func.sig.generics;
            quote! {
                #[allow(unused)]
                #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
                    ::core::unreachable!()
                }
            }
        };
    let stub = |flavor, inputs: &[TokenStream], output: &TokenStream| {
        stub_of(func, flavor, inputs, output)
    };
    let all = all_floats(ir);
    let stubs = [(Flavor::Grad, wrt), (Flavor::Vjp, all.as_slice())].map(|(flavor, wrt)| {
        let l = layout(func, ir, wrt, flavor, failures.grad.as_ref());
        stub(flavor, &l.inputs, &l.output)
    });
    let this = syn::Ident::new("this", proc_macro2::Span::call_site());
    let pullback = interface::pullback(ir, &this, failures.pullback.as_ref());
    let fwd_output = interface::fwd_output(ir, &pullback, failures.fwd.as_ref());
    let params = &pullback.params;
    let pullback_output = &pullback.output;
    let fwd_name = interface::generated_name(func, Flavor::Fwd);
    let inputs = interface::fwd_inputs(func);
    let carrier = interface::carrier(
        func,
        ir,
        &fwd_output,
        args.forward_mode(),
        TokenStream::new(),
    );
    let jvp = args.forward_mode().then(|| {
        let inputs = interface::jvp_inputs(func, ir);
        let jvp = stub(Flavor::Jvp, &inputs, &interface::jvp_output(ir));
        let k = crate::ktangent::lanes_ident(func);
        let jvpk = stub_of(
            &crate::ktangent::with_lanes(func, &k),
            Flavor::Jvpk,
            &crate::ktangent::inputs(func, ir, &k),
            &crate::ktangent::output(ir, &k),
        );
        quote!(#jvp #jvpk)
    });
    let stub_fwd = quote!((::core::unreachable!(), move |#(#params),*| -> #pullback_output { ::core::unreachable!() }));
    let stub_fwd = match failures.fwd {
        Some(_) => quote!(::core::result::Result::Ok(#stub_fwd)),
        None => stub_fwd,
    };
    quote! {
        #errors
        #func
        #(#stubs)*
        #[allow(unused)]
        #vis fn #fwd_name #generics (#(#inputs),*) -> #fwd_output #where_clause {
            #stub_fwd
        }
        #jvp
        #carrier
    }
}
