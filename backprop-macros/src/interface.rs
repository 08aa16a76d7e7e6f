//! The generated functions' signatures and names, shared by the steps that emit them, the stubs
//! of the fallback and the doc comments.
//!
//! For `fn f(...) -> T` the macro emits three functions with one calling convention:
//!
//! - `f_fwd(args) -> (T, pullback)`: the value and a pullback closure that owns what the reverse
//!   sweep needs (split mode). The pullback takes the arguments again, each float one followed
//!   by its shadow as `Option<&mut _>` (`None`: the caller wants no gradient there), then the
//!   cotangent `d_out`, and returns the gradients of the by-value float arguments;
//! - `f_vjp(args with shadows, d_out) -> (T, gradients)`: `f_fwd` and its pullback in one call;
//! - `f_grad(args, wrt shadows) -> (T, gradients)`: the gradient of a scalar `f` for the `wrt`
//!   parameters, seed 1.
//!
//! A free function also gets a carrier: a hidden braced struct named `f` (types and functions
//! live in different namespaces) with `f::fwd`, so that `use path::f;` is the one import a
//! caller needs. Methods resolve `name_fwd` through the receiver's type instead.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use crate::ir::{Function, Param, ParamKind};

/// Which generated function.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `NAME_grad`: the `wrt` parameters, seed 1.
    Grad,
    /// `NAME_vjp`: every float parameter, seed `d_out`.
    Vjp,
    /// `NAME_fwd`: the value and its pullback.
    Fwd,
    /// `NAME_jvp`: the value and its tangent (forward mode).
    Jvp,
    /// `NAME_jvpk`: the value and `K` tangents in one pass (forward mode).
    Jvpk,
    /// `NAME_hvp`: the value and a Hessian-vector product.
    Hvp,
}

impl Flavor {
    pub fn suffix(self) -> &'static str {
        match self {
            Flavor::Grad => "grad",
            Flavor::Vjp => "vjp",
            Flavor::Fwd => "fwd",
            Flavor::Jvp => "jvp",
            Flavor::Jvpk => "jvpk",
            Flavor::Hvp => "hvp",
        }
    }
}

pub fn is_float(kind: &ParamKind) -> bool {
    !matches!(kind, ParamKind::Constant | ParamKind::Rejected)
}

/// Every float parameter: the activity of `_vjp` and of `_fwd`'s pullback.
pub fn all_floats(ir: &Function) -> Vec<bool> {
    ir.params.iter().map(|p| is_float(&p.kind)).collect()
}

/// The name of a generated function: `f_grad`, `f_vjp`, `f_fwd`.
pub fn generated_name(func: &syn::ItemFn, flavor: Flavor) -> syn::Ident {
    format_ident!("{}_{}", func.sig.ident, flavor.suffix())
}

/// Whether the function takes `self`: a method, called through its receiver.
pub fn is_method(ir: &Function) -> bool {
    ir.params
        .first()
        .is_some_and(|p| matches!(p.kind, ParamKind::RefSelf))
}

/// The type of the value: the function's float, or the array (any tensor) it returns.
pub fn value_type(ir: &Function) -> TokenStream {
    ir.ret_array
        .clone()
        .unwrap_or_else(|| ir.float.to_token_stream())
}

/// `T` for a parameter `&T` (its shadow's pointee).
pub fn pointee(ty: &TokenStream) -> TokenStream {
    match syn::parse2::<syn::Type>(ty.clone()) {
        Ok(syn::Type::Reference(r)) => {
            let elem = &r.elem;
            quote!(#elem)
        }
        _ => ty.clone(),
    }
}

/// Whether a parameter's type is a slice `&[T]` or `&Vec<T>`: its length is known only at run
/// time (a loop may run to `xs.len()`, and its shadow's length is checked against it).
pub fn has_runtime_length(ty: &TokenStream) -> bool {
    match syn::parse2::<syn::Type>(ty.clone()) {
        Ok(syn::Type::Reference(r)) => match &*r.elem {
            syn::Type::Slice(_) => true,
            syn::Type::Path(p) => {
                p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Vec")
            }
            _ => false,
        },
        _ => false,
    }
}

/// The errors the generated functions return, each as a type (`None`: that function cannot
/// fail): `check_finite` makes `_grad`, `_vjp` and the pullback return `Result<_, NonFinite>`
/// (a non-finite adjoint is met in the reverse sweep); `max_iters` makes `_grad`, `_vjp` and
/// `_fwd` itself return `Result<_, IterationLimit>` (a loop too long for its buffers is met in
/// the forward sweep, before the pullback exists). The attribute allows one of the two.
pub struct Failures {
    pub grad: Option<TokenStream>,
    pub pullback: Option<TokenStream>,
    pub fwd: Option<TokenStream>,
}

pub fn failures(check_finite: bool, max_iters: bool, rt: &TokenStream) -> Failures {
    let non_finite = check_finite.then(|| quote!(#rt::NonFinite));
    let limit = max_iters.then(|| quote!(#rt::IterationLimit));
    Failures {
        grad: non_finite.clone().or(limit.clone()),
        pullback: non_finite,
        fwd: limit,
    }
}

/// `Result<output, error>`, or `output` when nothing can fail.
pub fn fallible(output: TokenStream, error: Option<&TokenStream>) -> TokenStream {
    match error {
        Some(error) => quote!(::core::result::Result<#output, #error>),
        None => output,
    }
}

/// The signature pieces of `_grad` and `_vjp`.
pub struct Layout {
    pub inputs: Vec<TokenStream>,
    pub output: TokenStream,
    /// The by-value active parameters whose gradients are returned, in order.
    pub returned: Vec<usize>,
}

pub fn layout(
    func: &syn::ItemFn,
    ir: &Function,
    wrt: &[bool],
    flavor: Flavor,
    error: Option<&TokenStream>,
) -> Layout {
    let mut inputs = Vec::new();
    let mut returned = Vec::new();
    let value_type = value_type(ir);
    let mut out_types = vec![value_type.clone()];
    let typed: Vec<&syn::FnArg> = func.sig.inputs.iter().collect();
    for (i, param) in ir.params.iter().enumerate() {
        let Some(arg) = typed.get(i) else { break };
        inputs.push(quote!(#arg));
        if flavor == Flavor::Hvp {
            inputs.extend(tangent_input(param));
        }
        if !wrt.get(i).copied().unwrap_or(false) {
            continue;
        }
        let shadow = format_ident!("d_{}", param.name);
        match param.kind {
            ParamKind::Ref => {
                let inner = pointee(&param.ty);
                inputs.push(quote!(#shadow: &mut #inner));
            }
            ParamKind::RefSelf => inputs.push(quote!(d_self: &mut Self)),
            ParamKind::Scalar | ParamKind::Array => {
                returned.push(i);
                out_types.push(param.ty.clone());
            }
            ParamKind::Constant | ParamKind::Rejected => {}
        }
    }
    if flavor == Flavor::Vjp {
        inputs.push(d_out_param(ir));
    }
    let output = if out_types.len() == 1 {
        value_type
    } else {
        quote!((#(#out_types),*))
    };
    let output = fallible(output, error);
    Layout {
        inputs,
        output,
        returned,
    }
}

fn d_out_param(ir: &Function) -> TokenStream {
    match &ir.ret_array {
        Some(ty) => quote!(d_out: &#ty),
        None => {
            let float = ir.float;
            quote!(d_out: #float)
        }
    }
}

/// The pullback of `_fwd`: its closure parameters (typed), their types for the `impl FnOnce`
/// bound, and what it returns.
pub struct Pullback {
    pub params: Vec<TokenStream>,
    pub types: Vec<TokenStream>,
    pub output: TokenStream,
    /// The by-value float parameters whose gradients are returned, in order.
    pub returned: Vec<usize>,
}

/// `this` names `self` inside the pullback, where `self` cannot be a closure parameter.
pub fn pullback(ir: &Function, this: &syn::Ident, error: Option<&TokenStream>) -> Pullback {
    let mut params = Vec::new();
    let mut types = Vec::new();
    let mut returned = Vec::new();
    let mut grads = Vec::new();
    for (i, p) in ir.params.iter().enumerate() {
        let ident = p
            .ident
            .clone()
            .unwrap_or_else(|| format_ident!("{}", p.name));
        let shadow = format_ident!("d_{}", p.name);
        match p.kind {
            ParamKind::RefSelf => {
                params.push(quote!(#this: &Self));
                types.push(quote!(&Self));
                params.push(quote!(mut d_self: ::core::option::Option<&mut Self>));
                types.push(quote!(::core::option::Option<&mut Self>));
            }
            ParamKind::Ref => {
                let ty = elide_lifetimes(&p.ty);
                let inner = pointee(&ty);
                params.push(quote!(#ident: #ty));
                types.push(ty);
                params.push(quote!(mut #shadow: ::core::option::Option<&mut #inner>));
                types.push(quote!(::core::option::Option<&mut #inner>));
            }
            ParamKind::Scalar | ParamKind::Array => {
                let ty = &p.ty;
                params.push(quote!(#ident: #ty));
                types.push(ty.clone());
                returned.push(i);
                grads.push(ty.clone());
            }
            ParamKind::Constant | ParamKind::Rejected => {
                let ty = elide_lifetimes(&p.ty);
                params.push(quote!(#ident: #ty));
                types.push(ty);
            }
        }
    }
    params.push(d_out_param(ir));
    types.push(match &ir.ret_array {
        Some(ty) => quote!(&#ty),
        None => ir.float.to_token_stream(),
    });
    let output = match grads.len() {
        1 => grads.remove(0),
        _ => quote!((#(#grads),*)),
    };
    let output = fallible(output, error);
    Pullback {
        params,
        types,
        output,
        returned,
    }
}

/// The return type of `_fwd`. The `impl` keyword carries this crate's edition (2021), whose
/// opaque types capture no lifetime they do not name: the pullback owns its residuals and
/// borrows nothing, so a caller may change its arguments' owners while holding it, in a 2024
/// crate too.
pub fn fwd_output(ir: &Function, pullback: &Pullback, error: Option<&TokenStream>) -> TokenStream {
    let value = value_type(ir);
    let types = &pullback.types;
    let output = &pullback.output;
    let impl_keyword = quote_spanned!(Span::mixed_site()=> impl);
    let pair = quote!((#value, #impl_keyword ::core::ops::FnOnce(#(#types),*) -> #output));
    fallible(pair, error)
}

/// The inputs of `_jvp` (and `_hvp`): each parameter, and after each float one its tangent
/// `x_dot` of the same type (`&T` for `&T`, `&Self` for `&self`).
pub fn jvp_inputs(func: &syn::ItemFn, ir: &Function) -> Vec<TokenStream> {
    let mut inputs = Vec::new();
    for (arg, p) in func.sig.inputs.iter().zip(&ir.params) {
        inputs.push(quote!(#arg));
        inputs.extend(tangent_input(p));
    }
    inputs
}

/// The tangent parameter after a float parameter: `x_dot` of its type (`&Self` for `&self`).
fn tangent_input(p: &Param) -> Option<TokenStream> {
    let tangent = format_ident!("{}", crate::tangent::tangent_name(&p.name));
    let ty = &p.ty;
    match p.kind {
        ParamKind::RefSelf => Some(quote!(#tangent: &Self)),
        ParamKind::Scalar | ParamKind::Array | ParamKind::Ref => Some(quote!(#tangent: #ty)),
        ParamKind::Constant | ParamKind::Rejected => None,
    }
}

/// The output of `_jvp`: the value and its tangent.
pub fn jvp_output(ir: &Function) -> TokenStream {
    let value = value_type(ir);
    quote!((#value, #value))
}

/// The inputs of `_fwd`: the function's own parameters.
pub fn fwd_inputs(func: &syn::ItemFn) -> Vec<TokenStream> {
    func.sig.inputs.iter().map(|a| quote!(#a)).collect()
}

/// `::<T, N>`: the function's type and const parameters, to call a sibling with the same ones.
pub fn turbofish(func: &syn::ItemFn) -> TokenStream {
    let names: Vec<TokenStream> = func
        .sig
        .generics
        .params
        .iter()
        .filter_map(|g| match g {
            syn::GenericParam::Type(t) => {
                let i = &t.ident;
                Some(quote!(#i))
            }
            syn::GenericParam::Const(c) => {
                let i = &c.ident;
                Some(quote!(#i))
            }
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if names.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#(#names),*>)
    }
}

/// A call of the sibling `flavor` of `func` with the parameters passed through.
pub fn call_sibling(
    func: &syn::ItemFn,
    ir: &Function,
    flavor: Flavor,
    args: &[TokenStream],
) -> TokenStream {
    let name = generated_name(func, flavor);
    let generics = turbofish(func);
    if is_method(ir) {
        quote!(Self::#name #generics(#(#args),*))
    } else {
        quote!(#name #generics(#(#args),*))
    }
}

/// The parameters as arguments: `self`, `x`, ...
pub fn param_args(ir: &Function) -> Vec<TokenStream> {
    ir.params
        .iter()
        .map(|p| match (&p.kind, &p.ident) {
            (ParamKind::RefSelf, _) => quote!(self),
            (_, Some(ident)) => quote!(#ident),
            (_, None) => {
                let i = format_ident!("{}", p.name);
                quote!(#i)
            }
        })
        .collect()
}

/// The carrier of a free function: `f::fwd`, `f::jvp` and `f::jvpk` (and `extra` associated functions),
/// found by the same `use` as `f`.
pub fn carrier(
    func: &syn::ItemFn,
    ir: &Function,
    fwd_output: &TokenStream,
    forward_mode: bool,
    extra: TokenStream,
) -> TokenStream {
    if is_method(ir) {
        return TokenStream::new();
    }
    let vis = &func.vis;
    let name = &func.sig.ident;
    let fwd = carrier_fwd("fwd", func, ir, fwd_output);
    let jvp = forward_mode.then(|| {
        let (inputs, output) = (jvp_inputs(func, ir), jvp_output(ir));
        let jvp = forwarder(
            "jvp",
            func,
            ir,
            Flavor::Jvp,
            &inputs,
            &jvp_args(ir),
            &output,
        );
        let jvpk = crate::ktangent::carrier_jvpk(func, ir);
        quote!(#jvp #jvpk)
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        #[allow(unused, clippy::all)]
        impl #name {
            #fwd

            #jvp

            #extra
        }
    }
}

/// A carrier's `name` forwarding to `func`'s `_fwd`: `f::fwd`, or `f::tangent_fwd` for the
/// tangent program's.
pub fn carrier_fwd(
    name: &str,
    func: &syn::ItemFn,
    ir: &Function,
    fwd_output: &TokenStream,
) -> TokenStream {
    let inputs = fwd_inputs(func);
    forwarder(
        name,
        func,
        ir,
        Flavor::Fwd,
        &inputs,
        &param_args(ir),
        fwd_output,
    )
}

/// An associated function `name` of a carrier that calls `func`'s generated sibling `flavor`.
pub fn forwarder(
    name: &str,
    func: &syn::ItemFn,
    ir: &Function,
    flavor: Flavor,
    inputs: &[TokenStream],
    args: &[TokenStream],
    output: &TokenStream,
) -> TokenStream {
    let vis = &func.vis;
    let name = format_ident!("{name}");
    let generics = &func.sig.generics;
    let where_clause = &func.sig.generics.where_clause;
    let call = call_sibling(func, ir, flavor, args);
    quote! {
        #[doc(hidden)]
        #[inline]
        #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
            #call
        }
    }
}

/// The parameters of `_jvp` as arguments: each one, and its tangent after each float one.
pub fn jvp_args(ir: &Function) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (p, arg) in ir.params.iter().zip(param_args(ir)) {
        out.push(arg);
        if is_float(&p.kind) {
            let tangent = format_ident!("{}", crate::tangent::tangent_name(&p.name));
            out.push(quote!(#tangent));
        }
    }
    out
}

/// The path of a callee's generated sibling `suffix` (`fwd`, `jvp`, `tangent_fwd`), from its
/// path as written: for `fwd`, `layer` becomes `layer::fwd` (the carrier), `ops::dot::<3>`
/// becomes `ops::dot::fwd::<3>`, a method `forward` becomes `forward_fwd`, and an associated
/// function `Self::f` or `Type::f` becomes `Self::f_fwd`.
pub fn sibling_path(path: &str, method: bool, suffix: &str) -> TokenStream {
    let (head, generics) = match path.find("::<") {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    let owner_is_type = head
        .rsplit("::")
        .nth(1)
        .is_some_and(|seg| seg.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
    let full = if method || owner_is_type {
        format!("{head}_{suffix}{generics}")
    } else {
        format!("{head}::{suffix}{generics}")
    };
    full.parse().unwrap_or_default()
}

/// `&'a T` as `&T` (nested too): the pullback's parameters are higher-ranked, so that holding
/// a pullback borrows nothing of the caller's.
fn elide_lifetimes(ty: &TokenStream) -> TokenStream {
    use syn::visit_mut::VisitMut;
    struct Elide;
    impl VisitMut for Elide {
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            r.lifetime = None;
            syn::visit_mut::visit_type_reference_mut(self, r);
        }
    }
    match syn::parse2::<syn::Type>(ty.clone()) {
        Ok(mut t) => {
            Elide.visit_type_mut(&mut t);
            quote!(#t)
        }
        Err(_) => ty.clone(),
    }
}
