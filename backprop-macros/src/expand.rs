//! The driver: parse -> check/analyse -> reverse -> emit, or the fallback on error.

use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashSet;

use crate::assemble::{self, Target};
use crate::attr::{self, Custom};
use crate::errors::Errors;
use crate::interface::{self, is_float};
use crate::ir::{Function, IntExpr, LoopPlan, Op, ParamKind, Stmt};
use crate::{analyze, fallback, ktangent, lower, tangent};

pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let written: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#e #item);
        }
    };
    // Emitted without the loops' `#[loops = ...]` markers, which only lowering reads.
    let func = lower::without_loop_markers(&written);
    let mut errors = Errors::default();
    let args = attr::parse(attr, &mut errors);
    let rt = attr::runtime_path(&args);
    if let Some(custom) = args.custom {
        return custom_derivative(&func, &args, custom, &rt, errors);
    }

    if let Some(span) = args.jvpk {
        errors.push(syn::Error::new(
            span,
            "`jvpk` says a hand-written `f_jvpk` comes with a `custom_vjp` or `custom_fwd` function; the macro generates `f_jvpk` for every other function with `jvp`: remove `jvpk`, or write `jvp`",
        ));
    }
    // Parse, then plan what the reverse sweep keeps.
    let mut ir = lower::lower(&written, &mut errors);
    ir.max_iters = args.max_iters.map(|(m, _)| m);
    let wrt = check_wrt(&ir, &args, &mut errors);
    analyze::plan(&mut ir, args.loops, &wrt, &mut errors);
    if let Some(errs) = errors.into_compile_errors() {
        return fallback::expand(&func, &ir, &wrt, &args, &rt, errs);
    }

    // Emit: the fused gradient (a function returning an array has only a vjp), the split
    // forward pass with its pullback, the vjp built on it, and the carrier of `f::fwd`.
    let target = Target {
        func: &func,
        ir: &ir,
        rt: &rt,
        check_finite: args.check_finite,
        max_iters: ir.max_iters,
        reserved: reserved_names(&func, &ir),
    };
    let grad = if ir.ret_array.is_none() {
        assemble::grad(&target, &wrt)
    } else {
        TokenStream::new()
    };
    let (fwd, vjp_docs) = assemble::fwd(&target);
    let vjp = assemble::vjp_from_fwd(&target, &vjp_docs);
    // Forward mode and second order, when asked for.
    let (jvp, second_order, carried) = if args.forward_mode() {
        let tangent = tangent::transform(&ir);
        let jvp = assemble::jvp(&target, &tangent);
        let jvpk = ktangent::jvpk(&target, &tangent);
        let (second_order, carried) = match args.hvp {
            Some(span) => second_order(&target, &tangent, &wrt, args.loops, span),
            None => (TokenStream::new(), TokenStream::new()),
        };
        (quote!(#jvp #jvpk), second_order, carried)
    } else {
        (TokenStream::new(), TokenStream::new(), TokenStream::new())
    };
    let carrier = carrier(&target, args.forward_mode(), carried);
    quote!(#func #grad #fwd #vjp #jvp #second_order #carrier)
}

/// A function whose derivative is written by hand: `custom_vjp` (the user writes `f_vjp`,
/// the macro adapts it to `f_fwd`) or `custom_fwd` (the user writes `f_fwd`, the macro builds
/// `f_vjp` on it). Only the signature is read; the body is left alone.
fn custom_derivative(
    func: &syn::ItemFn,
    args: &attr::Args,
    custom: Custom,
    rt: &TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let ir = lower::lower_signature(func, &mut errors);
    // Reported next to the usual expansion: stubs would clash with the hand-written functions.
    let hvp_error = args.hvp.map(|span| {
        syn::Error::new(
            span,
            "`hvp` differentiates the function's body twice, and a hand-written derivative has none: remove `hvp`, or `custom_*` and its hand-written functions",
        )
        .to_compile_error()
    });
    let wrt = check_wrt(&ir, args, &mut errors);
    if let Some(errs) = errors.into_compile_errors() {
        return fallback::expand(func, &ir, &wrt, args, rt, errs);
    }
    let target = Target {
        func,
        ir: &ir,
        rt,
        check_finite: args.check_finite,
        max_iters: None,
        reserved: HashSet::new(),
    };
    let grad = if ir.ret_array.is_none() {
        assemble::grad_from_fwd(&target, &wrt)
    } else {
        TokenStream::new()
    };
    let derivative = match custom {
        Custom::Vjp => assemble::fwd_from_vjp(&target),
        Custom::Fwd => {
            let docs = format!(
                " The value of [`{}`] and its vector-Jacobian product, from the hand-written `{}_fwd`.",
                func.sig.ident, func.sig.ident
            );
            assemble::vjp_from_fwd(&target, &docs)
        }
    };
    // `K` tangents through the hand-written `f_jvp`, one lane at a time, unless `jvpk` says
    // the user wrote `f_jvpk` too.
    let jvpk =
        (args.forward_mode() && args.jvpk.is_none()).then(|| ktangent::jvpk_from_jvp(&target));
    let carrier = carrier(&target, args.forward_mode(), TokenStream::new());
    quote!(#hvp_error #func #grad #derivative #jvpk #carrier)
}

fn carrier(t: &Target, forward_mode: bool, extra: TokenStream) -> TokenStream {
    interface::carrier(t.func, t.ir, &fwd_output(t), forward_mode, extra)
}

/// The type `t`'s `_fwd` returns: the value and its pullback.
fn fwd_output(t: &Target) -> TokenStream {
    let this = syn::Ident::new("this", proc_macro2::Span::call_site());
    let failures = t.failures();
    let pullback = interface::pullback(t.ir, &this, failures.pullback.as_ref());
    interface::fwd_output(t.ir, &pullback, failures.fwd.as_ref())
}

/// With `hvp`: the split-mode tangent `f_tangent_fwd` (the reverse pipeline run on the tangent
/// program, which callers' `_hvp` call), `f_hvp` for a scalar `f`, and the carrier's
/// `tangent_fwd`.
fn second_order(
    t: &Target,
    tangent: &tangent::TangentProgram,
    wrt: &[bool],
    loops: LoopPlan,
    span: proc_macro2::Span,
) -> (TokenStream, TokenStream) {
    let func = t.func;
    let vis = &func.vis;
    let generics = &func.sig.generics;
    let where_clause = &func.sig.generics.where_clause;
    let inputs = interface::jvp_inputs(func, t.ir);
    let output = interface::value_type(t.ir);
    let name = quote::format_ident!("{}_tangent", func.sig.ident);
    let signature: syn::ItemFn =
        syn::parse_quote!(#vis fn #name #generics (#(#inputs),*) -> #output #where_clause {});
    let mut ir = tangent.ir.clone();
    ir.fused.clear();
    // Its loops are the function's: those with a run-time trip count stay under `max_iters`.
    ir.max_iters = t.max_iters;
    let mut errors = Errors::default();
    // The tangent program's parameters are not the function's: plan for all of them.
    let all = vec![true; ir.params.len()];
    analyze::plan(&mut ir, loops, &all, &mut errors);
    if let Some(errs) = errors.into_compile_errors() {
        let note = syn::Error::new(span, "`hvp` differentiates the tangent of this function in reverse mode, which needs what the errors above say").to_compile_error();
        return (quote!(#errs #note), TokenStream::new());
    }
    let tangent_target = Target {
        func: &signature,
        ir: &ir,
        rt: t.rt,
        check_finite: false,
        max_iters: t.max_iters,
        reserved: reserved_names(&signature, &ir),
    };
    let tangent_fwd = assemble::tangent_fwd(&tangent_target);
    let hvp = if t.ir.ret_array.is_none() {
        assemble::hvp(t, &tangent_target, tangent, wrt)
    } else {
        TokenStream::new()
    };
    let fwd_output = fwd_output(&tangent_target);
    let carried = interface::carrier_fwd("tangent_fwd", &signature, &ir, &fwd_output);
    (quote!(#tangent_fwd #hvp), carried)
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
            IntExpr::Len(n) => {
                out.insert(n.clone());
            }
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
