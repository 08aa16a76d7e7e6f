//! The driver: parse -> check/analyse -> reverse -> emit, or the fallback on error.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

use crate::errors::Errors;
use crate::ir::{Function, IntExpr, Op, ParamKind, Stmt};
use crate::{analyze, attr, doc, emit, fallback, lower, reverse};

/// Which of the two generated functions.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `NAME_grad`: the `wrt` parameters, seed 1.
    Grad,
    /// `NAME_vjp`: every float parameter, seed `d_out`.
    Vjp,
}

pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#e #item);
        }
    };
    let mut errors = Errors::default();
    let args = attr::parse(attr, &mut errors);
    let rt = attr::runtime_path(&args);
    let mut ir = lower::lower(&func, &mut errors);
    analyze::plan_saves(&mut ir, &mut errors);
    analyze::plan_stores(&mut ir);
    analyze::plan_snapshots(&mut ir);
    let wrt = check_wrt(&ir, &args, &mut errors);
    if let Some(errs) = errors.into_compile_errors() {
        return fallback::expand(&func, &ir, &wrt, args.check_finite, &rt, errs);
    }
    // A function returning an array has no gradient, only a vector-Jacobian product.
    let grad = if ir.ret_array.is_none() {
        generate(&func, &ir, &wrt, &rt, Flavor::Grad, args.check_finite)
    } else {
        TokenStream::new()
    };
    let all: Vec<bool> = ir.params.iter().map(|p| is_float(&p.kind)).collect();
    let vjp = generate(&func, &ir, &all, &rt, Flavor::Vjp, args.check_finite);
    quote!(#[allow(dead_code, clippy::needless_range_loop)] #func #grad #vjp)
}

pub fn is_float(kind: &ParamKind) -> bool {
    !matches!(kind, ParamKind::Constant | ParamKind::Rejected)
}

/// The active parameters of `_grad`: those named in `wrt`, or every float parameter.
fn check_wrt(ir: &Function, args: &attr::Args, errors: &mut Errors) -> Vec<bool> {
    let Some(names) = &args.wrt else {
        return ir.params.iter().map(|p| is_float(&p.kind)).collect();
    };
    let mut wrt = vec![false; ir.params.len()];
    for (name, span) in names {
        match ir.params.iter().position(|p| &p.name == name) {
            Some(i) if is_float(&ir.params[i].kind) => wrt[i] = true,
            Some(_) => errors.push(syn::Error::new(
                *span,
                format!("`{name}` is not a float parameter: only `f32`, `[f32; N]` and `&T` parameters have gradients"),
            )),
            None => {
                let known: Vec<&str> = ir.params.iter().filter(|p| is_float(&p.kind)).map(|p| p.name.as_str()).collect();
                let hint = known
                    .iter()
                    .min_by_key(|k| edit_distance(k, name))
                    .filter(|k| edit_distance(k, name) <= 2)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                errors.push(syn::Error::new(
                    *span,
                    format!("`wrt` names `{name}`, which is not a parameter of this function (its float parameters: {}){hint}", known.join(", ")),
                ))
            }
        }
    }
    wrt
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The names generated code must not take: everything the user's code refers to verbatim.
fn reserved_names(func: &syn::ItemFn, ir: &Function) -> HashSet<String> {
    let mut names: HashSet<String> = ir.params.iter().map(|p| p.name.clone()).collect();
    for g in func.sig.generics.params.iter() {
        match g {
            syn::GenericParam::Type(t) => names.insert(t.ident.to_string()),
            syn::GenericParam::Const(c) => names.insert(c.ident.to_string()),
            syn::GenericParam::Lifetime(_) => false,
        };
    }
    fn int_names(e: &IntExpr, out: &mut HashSet<String>) {
        match e {
            IntExpr::Named(n) => {
                out.insert(n.split("::").next().unwrap_or(n).to_string());
            }
            IntExpr::Bin(_, a, b) => {
                int_names(a, out);
                int_names(b, out);
            }
            IntExpr::Cast(a, _) => int_names(a, out),
            IntExpr::Index(n, idx) => {
                out.insert(n.clone());
                idx.iter().for_each(|i| int_names(i, out));
            }
            _ => {}
        }
    }
    for v in &ir.values {
        match &v.op {
            Op::Extern(n) => {
                names.insert(n.split("::").next().unwrap_or(n).to_string());
            }
            Op::FromInt(e) | Op::Powi(_, e) => int_names(e, &mut names),
            Op::IntCmp(_, a, b) => {
                int_names(a, &mut names);
                int_names(b, &mut names);
            }
            Op::Read(place, _) => {
                for seg in &place.path {
                    if let crate::ir::Seg::Index(e) = seg {
                        int_names(e, &mut names);
                    }
                }
            }
            _ => {}
        }
    }
    fn loop_bounds(block: &crate::ir::Block, out: &mut HashSet<String>) {
        for s in &block.stmts {
            match s {
                Stmt::For { lo, hi, body, .. } => {
                    int_names(lo, out);
                    int_names(hi, out);
                    loop_bounds(body, out);
                }
                Stmt::If { then, els, .. } => {
                    loop_bounds(then, out);
                    loop_bounds(els, out);
                }
                _ => {}
            }
        }
    }
    loop_bounds(&ir.body, &mut names);
    names.extend(["value", "d_out"].map(String::from));
    for p in &ir.params {
        // Shadows and array gradients take these names; scalar gradients are plain locals.
        if !matches!(p.kind, ParamKind::Scalar) {
            names.insert(format!("d_{}", p.name));
        }
    }
    names
}

/// The signature pieces shared by the generated functions and their stubs.
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
    checked: Option<&TokenStream>,
) -> Layout {
    let mut inputs = Vec::new();
    let mut returned = Vec::new();
    let value_type = ir.ret_array.clone().unwrap_or_else(|| quote!(f32));
    let mut out_types = vec![value_type.clone()];
    let typed: Vec<&syn::FnArg> = func.sig.inputs.iter().collect();
    for (i, param) in ir.params.iter().enumerate() {
        let Some(arg) = typed.get(i) else { break };
        inputs.push(quote!(#arg));
        if !wrt.get(i).copied().unwrap_or(false) {
            continue;
        }
        let shadow = format_ident!("d_{}", param.name);
        match param.kind {
            ParamKind::Ref => {
                let inner = match syn::parse2::<syn::Type>(param.ty.clone()) {
                    Ok(syn::Type::Reference(r)) => {
                        let elem = &r.elem;
                        quote!(#elem)
                    }
                    _ => param.ty.clone(),
                };
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
        inputs.push(match &ir.ret_array {
            Some(ty) => quote!(d_out: &#ty),
            None => quote!(d_out: f32),
        });
    }
    let output = if out_types.len() == 1 {
        value_type
    } else {
        quote!((#(#out_types),*))
    };
    let output = match checked {
        Some(rt) => quote!(::core::result::Result<#output, #rt::NonFinite>),
        None => output,
    };
    Layout {
        inputs,
        output,
        returned,
    }
}

fn generate(
    func: &syn::ItemFn,
    ir: &Function,
    wrt: &[bool],
    rt: &TokenStream,
    flavor: Flavor,
    check_finite: bool,
) -> TokenStream {
    let act = analyze::activity(ir, wrt);
    let mut g = emit::Gen::new(ir, &act, rt.clone(), reserved_names(func, ir), wrt);
    if check_finite {
        g.check_finite = Some(func.sig.ident.to_string());
    }
    let Layout {
        inputs,
        output,
        returned,
    } = layout(func, ir, wrt, flavor, check_finite.then_some(rt));

    let buffers = g.buffer_decls();
    let mut array_grads = TokenStream::new();
    for &p in &returned {
        if let ParamKind::Array = ir.params[p].kind {
            let name = format_ident!("d_{}", ir.params[p].name);
            let ty = &ir.params[p].ty;
            array_grads.extend(quote!(let mut #name: #ty = #rt::Zero::zero();));
        }
    }
    let forward = g.forward(&ir.body, emit::Mode::Original);
    let (value, value_type) = match (ir.ret, ir.ret_var) {
        (Some(ret), _) => (g.value(ret), quote!(f32)),
        (None, Some(var)) => {
            let name = &g.var_names[var];
            let ty = ir.ret_array.clone().unwrap_or_default();
            (quote!(#name), ty)
        }
        (None, None) => unreachable!("checked: the function returns a value"),
    };

    let mut rev = reverse::Reverse::new(&mut g);
    let open = rev.open(&ir.body);
    let mut seeding = TokenStream::new();
    match (ir.ret, ir.ret_var) {
        (Some(ret), _) => {
            let seed = match flavor {
                Flavor::Grad => crate::rules::lit(1.0),
                Flavor::Vjp => crate::rules::AExpr::Adj("d_out".into()),
            };
            rev.contribute(ret, seed, &mut seeding);
        }
        (None, Some(var)) if act.vars[var] => {
            let adj = &rev.g.var_adj[var];
            seeding.extend(quote!(#rt::add_assign(&mut #adj, d_out);));
        }
        _ => {}
    }
    let reverse = rev.block(&ir.body);
    let param_adjoints = std::mem::take(&mut rev.param_adjoints);
    let param_exprs = std::mem::take(&mut rev.param_exprs);
    let defs = std::mem::take(&mut rev.defs);

    let grads = returned.iter().map(|&p| match ir.params[p].kind {
        ParamKind::Array => {
            let name = format_ident!("d_{}", ir.params[p].name);
            quote!(#name)
        }
        _ => param_adjoints
            .get(&p)
            .cloned()
            .unwrap_or_else(|| quote!(0.0f32)),
    });
    let result = if returned.is_empty() {
        quote!(value)
    } else {
        quote!((value, #(#grads),*))
    };
    let result = if check_finite {
        quote!(::core::result::Result::Ok(#result))
    } else {
        result
    };

    let vis = &func.vis;
    let suffix = match flavor {
        Flavor::Grad => "grad",
        Flavor::Vjp => "vjp",
    };
    let name = format_ident!("{}_{}", func.sig.ident, suffix);
    let generics = &func.sig.generics;
    let where_clause = &func.sig.generics.where_clause;
    let docs = doc::describe(
        func,
        ir,
        wrt,
        flavor,
        &doc::Derivatives {
            params: &param_exprs,
            defs: &defs,
        },
    );
    let docs = docs.lines().map(|l| quote!(#[doc = #l]));
    quote! {
        #(#docs)*
        #[inline]
        #[allow(unused, unused_mut, unused_parens, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
        #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
            #buffers
            #array_grads
            #forward
            let value: #value_type = #value;
            #open
            #seeding
            #reverse
            #result
        }
    }
}
