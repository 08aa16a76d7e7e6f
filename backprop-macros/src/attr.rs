//! The arguments of `#[differentiable(...)]`: `wrt(a, b)`, the flags, `loops = store`,
//! `max_iters = M` and `crate = "path"`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{Ident, Meta, Token};

use crate::errors::Errors;
use crate::ir::LoopPlan;

#[derive(Default)]
pub struct Args {
    /// The active parameters, with their spans; `None` means every float parameter.
    pub wrt: Option<Vec<(String, Span)>>,
    /// The runtime crate's path, overriding the lookup in `Cargo.toml`.
    pub krate: Option<syn::Path>,
    /// Anomaly detection: generated functions return `Err(NonFinite)` at the first
    /// non-finite adjoint.
    pub check_finite: bool,
    /// The derivative is written by hand.
    pub custom: Option<Custom>,
    /// Forward mode: `f_jvp` and the carrier's `f::jvp` (for a hand-written derivative, the
    /// user writes `f_jvp`). Opt-in, as Rust's `#[autodiff_forward]` is: callers' `_jvp` call
    /// the callee's, so it would make every hand-written derivative need a `_jvp` too.
    pub jvp: bool,
    /// Second order: `f_hvp`, and the split-mode tangent `f::tangent_fwd` that callers' `_hvp`
    /// differentiate through (implies `jvp`). The span is the flag's.
    pub hvp: Option<Span>,
    /// With a hand-written derivative: the user writes the K-tangent form `f_jvpk` too
    /// (otherwise the macro builds it on `f_jvp`, one lane at a time). Implies `jvp`. The span
    /// is the flag's.
    pub jvpk: Option<Span>,
    /// `loops = store` or `loops = recompute`: how loops that only accumulate are reversed.
    pub loops: LoopPlan,
    /// `max_iters = M`: loops with a run-time trip count that overwrite values keep their
    /// buffers for `M` iterations, and the generated functions return
    /// `Result<_, IterationLimit>`. The span is the value's.
    pub max_iters: Option<(u128, Span)>,
}

impl Args {
    /// Whether `f_jvp` is generated (or, for a hand-written derivative, expected).
    pub fn forward_mode(&self) -> bool {
        self.jvp || self.hvp.is_some() || self.jvpk.is_some()
    }
}

/// Which hand-written derivative a `custom_*` argument names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Custom {
    /// `custom_vjp`: the user writes `f_vjp`; the macro adapts it to `f_fwd` (joint mode).
    Vjp,
    /// `custom_fwd`: the user writes `f_fwd`; the macro builds `f_vjp` and `f_grad` on it.
    Fwd,
}

pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let mut metas = Vec::new();
    for (argument, comma) in split_arguments(tokens) {
        if argument.is_empty() {
            // `#[differentiable(wrt(x),,)]`: an empty argument, shown at its comma.
            if let Some(comma) = comma {
                errors.push(syn::Error::new(
                    comma,
                    "an empty argument: remove the extra comma",
                ));
            }
            continue;
        }
        match parse_argument(&argument) {
            Ok(meta) => metas.push(meta),
            Err(e) => errors.push(syn::Error::new(
                e.span(),
                format!(
                    "{e}: the arguments are a comma-separated list of `wrt(a, b, ...)`, `check_finite`, `jvp`, `jvpk`, `hvp`, `custom_vjp`, `custom_fwd`, `loops = store | recompute`, `max_iters = N` and `crate = \"path\"`"
                ),
            )),
        }
    }
    for meta in metas {
        match &meta {
            Meta::List(list) if list.path.is_ident("wrt") => {
                if args.wrt.is_some() {
                    errors.push(syn::Error::new_spanned(
                        &list.path,
                        "`wrt` given twice: list every parameter in one `wrt(...)`",
                    ));
                    continue;
                }
                match list.parse_args_with(|input: syn::parse::ParseStream| {
                    // `parse_any`: `self` is a keyword, and `wrt(self)` names the receiver.
                    Punctuated::<Ident, Token![,]>::parse_terminated_with(input, Ident::parse_any)
                }) {
                    Ok(names) => {
                        let mut seen: Vec<(String, Span)> = Vec::new();
                        for n in names {
                            let name = n.to_string();
                            if seen.iter().any(|(s, _)| *s == name) {
                                errors.push(syn::Error::new_spanned(
                                    &n,
                                    format!("`{name}` is listed twice in `wrt`"),
                                ));
                            } else {
                                seen.push((name, n.span()));
                            }
                        }
                        if seen.is_empty() {
                            errors.push(syn::Error::new_spanned(
                                list,
                                "`wrt()` is empty: name at least one parameter",
                            ));
                        }
                        args.wrt = Some(seen);
                    }
                    Err(e) => errors.push(syn::Error::new(
                        e.span(),
                        "`wrt` takes parameter names: `wrt(w, b)`",
                    )),
                }
            }
            Meta::NameValue(nv) if nv.path.is_ident("crate") => {
                let parsed = match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.parse::<syn::Path>().ok(),
                    _ => None,
                };
                match parsed {
                    Some(p) => args.krate = Some(p),
                    None => errors.push(syn::Error::new_spanned(
                        &nv.value,
                        "`crate` takes a path in a string: `crate = \"my_reexport::backprop\"`",
                    )),
                }
            }
            Meta::NameValue(nv) if nv.path.is_ident("loops") => {
                if args.loops != LoopPlan::Auto {
                    errors.push(syn::Error::new_spanned(
                        &nv.path,
                        "`loops` given twice: choose one of `store` and `recompute`",
                    ));
                } else if let Some(plan) = loop_plan(&nv.value, errors) {
                    args.loops = plan;
                }
            }
            Meta::NameValue(nv) if nv.path.is_ident("max_iters") => {
                let bound = match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) => i.base10_parse::<u32>().ok().filter(|n| *n > 0),
                    _ => None,
                };
                match bound {
                    _ if args.max_iters.is_some() => errors.push(syn::Error::new_spanned(
                        &nv.path,
                        "`max_iters` given twice",
                    )),
                    Some(n) => {
                        args.max_iters =
                            Some((u128::from(n), syn::spanned::Spanned::span(&nv.value)))
                    }
                    None => errors.push(syn::Error::new_spanned(
                        &nv.value,
                        "`max_iters` takes a positive integer literal (at most 4294967295): the iterations a loop with a run-time trip count may run, for which its stack buffers are sized (`max_iters = 1000`)",
                    )),
                }
            }
            Meta::NameValue(nv) if nv.path.is_ident("wrt") => errors.push(syn::Error::new_spanned(
                nv,
                "`wrt` takes a list of parameter names: `wrt(w)` or `wrt(w, b)`",
            )),
            Meta::Path(p) if p.is_ident("wrt") => errors.push(syn::Error::new_spanned(
                p,
                "`wrt` takes a list of parameter names: `wrt(w)` or `wrt(w, b)`",
            )),
            Meta::Path(p) if p.is_ident("custom_vjp") || p.is_ident("custom_fwd") => {
                if args.custom.is_some() {
                    errors.push(syn::Error::new_spanned(
                        p,
                        "one hand-written derivative: `custom_vjp` or `custom_fwd`, not both",
                    ));
                }
                args.custom = Some(if p.is_ident("custom_vjp") {
                    Custom::Vjp
                } else {
                    Custom::Fwd
                });
            }
            Meta::Path(p) if p.is_ident("jvp") => {
                if args.jvp {
                    errors.push(syn::Error::new_spanned(p, "`jvp` given twice"));
                }
                args.jvp = true;
            }
            Meta::Path(p) if p.is_ident("jvpk") => {
                if args.jvpk.is_some() {
                    errors.push(syn::Error::new_spanned(p, "`jvpk` given twice"));
                }
                args.jvpk = Some(syn::spanned::Spanned::span(p));
            }
            Meta::Path(p) if p.is_ident("hvp") => {
                if args.hvp.is_some() {
                    errors.push(syn::Error::new_spanned(p, "`hvp` given twice"));
                }
                args.hvp = Some(syn::spanned::Spanned::span(p));
            }
            Meta::Path(p) if p.is_ident("check_finite") => {
                if args.check_finite {
                    errors.push(syn::Error::new_spanned(p, "`check_finite` given twice"));
                }
                args.check_finite = true;
            }
            other => errors.push(syn::Error::new_spanned(
                other,
                "unknown argument: expected `wrt(a, b, ...)`, `check_finite`, `jvp`, `jvpk`, `hvp`, `custom_vjp`, `custom_fwd`, `loops = store | recompute`, `max_iters = N` or `crate = \"path\"`",
            )),
        }
    }
    if let Some((_, span)) = args.max_iters {
        let other = if args.check_finite {
            Some("`check_finite`")
        } else if args.custom.is_some() {
            Some("a hand-written derivative (`custom_vjp`, `custom_fwd`)")
        } else {
            None
        };
        if let Some(other) = other {
            errors.push(syn::Error::new(
                span,
                format!("`max_iters` cannot be combined with {other} yet: drop one of them"),
            ));
        }
    }
    args
}

/// One argument. syn points past the end of what it was given when it runs out of tokens,
/// which is no place in the user's code: such errors cover the whole argument instead.
fn parse_argument(argument: &TokenStream) -> syn::Result<Meta> {
    let parser = |input: syn::parse::ParseStream| match input.parse::<Meta>() {
        Ok(meta) if input.is_empty() => Ok(meta),
        Ok(_) => Err(input.error("expected `,`")),
        Err(e) if input.is_empty() => Err(syn::Error::new_spanned(argument, e.to_string())),
        Err(e) => Err(e),
    };
    syn::parse::Parser::parse2(parser, argument.clone())
}

/// The top-level comma-separated arguments, each with the span of the comma after it.
fn split_arguments(tokens: TokenStream) -> Vec<(TokenStream, Option<Span>)> {
    let mut out = Vec::new();
    let mut current = TokenStream::new();
    for token in tokens {
        match &token {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => {
                out.push((std::mem::take(&mut current), Some(p.span())));
            }
            _ => current.extend([token]),
        }
    }
    if !current.is_empty() {
        out.push((current, None));
    }
    out
}

/// The path of the runtime's hidden module, as generated code must name it.
pub fn runtime_path(args: &Args) -> TokenStream {
    let krate = args.krate.clone().unwrap_or_else(runtime_crate);
    quote::quote!(#krate::__private)
}

/// The runtime crate as the user's `Cargo.toml` names it: the facade `backprop` if it is a
/// dependency (or the crate being built), else `backprop-runtime`. Both crates declare
/// `extern crate self as ...`, so the absolute path works inside them too.
pub fn runtime_crate() -> syn::Path {
    use proc_macro_crate::{crate_name, FoundCrate};
    for (package, lib) in [
        ("backprop", "backprop"),
        ("backprop-runtime", "backprop_runtime"),
    ] {
        let name = match crate_name(package) {
            Ok(FoundCrate::Itself) => lib.to_owned(),
            Ok(FoundCrate::Name(renamed)) => renamed,
            Err(_) => continue,
        };
        let ident = Ident::new(&name, Span::call_site());
        return syn::parse_quote!(::#ident);
    }
    syn::parse_quote!(::backprop)
}

/// The value of `loops = ...` (the attribute's argument, or a `#[loops = ...]` marker on a
/// loop): `store` or `recompute`, else an error on it.
pub fn loop_plan(value: &syn::Expr, errors: &mut Errors) -> Option<LoopPlan> {
    match value {
        syn::Expr::Path(p) if p.path.is_ident("store") => Some(LoopPlan::Store),
        syn::Expr::Path(p) if p.path.is_ident("recompute") => Some(LoopPlan::Recompute),
        _ => {
            errors.push(syn::Error::new_spanned(
                value,
                "`loops` takes `store` (keep what each iteration's reverse needs: fastest while it fits the stack) or `recompute` (replay each iteration in the reverse sweep: the stack holds one iteration, whatever the trip count)",
            ));
            None
        }
    }
}
