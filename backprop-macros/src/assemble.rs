//! The generated functions, put together from the sweeps (`emit`, `reverse`), the signatures
//! (`interface`) and the doc comments (`doc`).
//!
//! `_grad` is one fused body: the forward sweep, then the reverse sweep with the seed 1, for the
//! `wrt` parameters only. `_fwd` runs the forward sweep and returns the reverse sweep as a
//! `move` closure over the values it needs. `_vjp` calls `_fwd` and its pullback.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

use crate::analyze;
use crate::doc;
use crate::emit::{self, Gen};
use crate::interface::{self, all_floats, Flavor, Layout};
use crate::ir::{Function, ParamKind, Site};
use crate::reverse::Reverse;
use crate::rules::{self, AExpr};
use crate::tangent::TangentProgram;

/// What every generated function is made for.
pub struct Target<'a> {
    pub func: &'a syn::ItemFn,
    pub ir: &'a Function,
    pub rt: &'a TokenStream,
    pub check_finite: bool,
    /// `max_iters = M`: the forward sweep checks loops with a run-time bound against `M`.
    pub max_iters: Option<u128>,
    pub reserved: std::collections::HashSet<String>,
}

impl Target<'_> {
    pub fn failures(&self) -> interface::Failures {
        interface::failures(self.check_finite, self.max_iters.is_some(), self.rt)
    }

    /// `docs`, attributes and `fn f_<flavor>(inputs) -> output { body }`, with `f`'s
    /// visibility, generics and where clause.
    pub fn function(
        &self,
        flavor: Flavor,
        docs: &str,
        inputs: &[TokenStream],
        output: &TokenStream,
        body: TokenStream,
    ) -> TokenStream {
        let attrs = attributes(docs, token_count(&body) <= INLINE_LIMIT);
        let vis = &self.func.vis;
        let name = interface::generated_name(self.func, flavor);
        let generics = &self.func.sig.generics;
        let where_clause = &self.func.sig.generics.where_clause;
        quote! {
            #attrs
            #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
                #body
            }
        }
    }

    fn gen<'g>(&self, act: &'g analyze::Activity, wrt: &[bool]) -> Gen<'g>
    where
        Self: 'g,
    {
        let mut g = Gen::new(self.ir, act, self.rt.clone(), self.reserved.clone(), wrt);
        if self.check_finite {
            g.check_finite = Some(self.func.sig.ident.to_string());
        }
        if self.max_iters.is_some() {
            g.iteration_limit = Some(self.func.sig.ident.to_string());
        }
        g
    }
}

/// The two sweeps and what the reverse found out, for one activity.
struct Sweeps {
    buffers: TokenStream,
    forward: TokenStream,
    value: TokenStream,
    value_type: TokenStream,
    /// The reverse sweep, seeded: adjoint declarations, seed, statements, then the gradients of
    /// the by-value parameters `returned` as a tuple.
    reverse: TokenStream,
    grads: Vec<TokenStream>,
    derivatives: (
        std::collections::HashMap<usize, AExpr>,
        std::collections::HashMap<String, AExpr>,
    ),
}

impl Sweeps {
    /// The forward sweep, ending in `let value = ...;`.
    fn forward_part(&self) -> TokenStream {
        let Sweeps {
            buffers,
            forward,
            value,
            value_type,
            ..
        } = self;
        quote!(#buffers #forward let value: #value_type = #value;)
    }

    /// The doc comment: the derivatives the reverse sweep computes, as maths.
    fn describe(&self, t: &Target, wrt: &[bool], flavor: Flavor) -> String {
        let (params, defs) = &self.derivatives;
        doc::describe(
            t.func,
            t.ir,
            wrt,
            flavor,
            &doc::Derivatives { params, defs },
        )
    }
}

/// Runs both sweeps. `split` makes the reverse sweep a pullback's body: `self` is the closure
/// parameter `this`, and `&` parameters' shadows are `Option`s.
fn sweeps(
    g: &mut Gen,
    ir: &Function,
    returned: &[usize],
    seed: AExpr,
    split: Option<&syn::Ident>,
) -> Sweeps {
    let rt = g.rt.clone();
    let buffers = g.buffer_decls();
    let forward = g.forward(&ir.body, emit::Mode::Original);
    let (value, value_type) = match (ir.ret, ir.ret_var) {
        (Some(ret), _) => (g.value(ret), ir.float.to_token_stream()),
        (None, Some(var)) => {
            let name = &g.var_names[var];
            (quote!(#name), ir.ret_array.clone().unwrap_or_default())
        }
        (None, None) => unreachable!("checked: the function returns a value"),
    };
    if let Some(this) = split {
        g.pullback_self = Some(this.clone());
        g.optional_shadows = true;
    }
    let mut array_grads = TokenStream::new();
    for &p in returned {
        if let ParamKind::Array = ir.params[p].kind {
            let name = format_ident!("d_{}", ir.params[p].name);
            let ty = &ir.params[p].ty;
            array_grads.extend(quote!(let mut #name: #ty = #rt::Zero::zero();));
        }
    }
    let checks = g.shadow_length_checks();
    let act_ret_var = ir.ret_var.is_some_and(|v| g.act.vars[v]);
    let mut rev = Reverse::new(g);
    let open = rev.open(&ir.body);
    let mut seeding = TokenStream::new();
    match (ir.ret, ir.ret_var) {
        (Some(ret), _) => rev.contribute(ret, seed, &mut seeding),
        (None, Some(var)) if act_ret_var => {
            let adj = &rev.g.var_adj[var];
            seeding.extend(quote!(#rt::add_assign(&mut #adj, d_out);));
        }
        _ => {}
    }
    let body = rev.block(&ir.body);
    let param_adjoints = std::mem::take(&mut rev.param_adjoints);
    let derivatives = (
        std::mem::take(&mut rev.param_exprs),
        std::mem::take(&mut rev.defs),
    );
    let grads = returned
        .iter()
        .map(|&p| match ir.params[p].kind {
            ParamKind::Array => {
                let name = format_ident!("d_{}", ir.params[p].name);
                quote!(#name)
            }
            _ => param_adjoints
                .get(&p)
                .cloned()
                .unwrap_or_else(|| ir.float.suffixed(0.0)),
        })
        .collect();
    Sweeps {
        buffers,
        forward,
        value,
        value_type,
        reverse: quote!(#checks #array_grads #open #seeding #body),
        grads,
        derivatives,
    }
}

/// The largest body, in tokens, that gets `#[inline]`. The hint lets a caller in another crate
/// inline the function and raises LLVM's inlining threshold: what a layer's `_fwd` or a small
/// loss's `_grad` needs to cost nothing when composed. A body far beyond LLVM's own threshold
/// gains nothing from being inlined, whose call costs nothing next to it, and inlined into its
/// caller's loop it can lose: GMM's `_grad` (3,333 tokens) took 1.08x the hand-written
/// gradient's time inlined into the benchmark's loop and 1.0x called (docs/benchmarks-gmm.md,
/// "Gradients in memory"). The benchmarks' other functions have at most 2,546 tokens (the
/// tutorial MLP's `_jvpk`), the snapshots' at most 1,116.
const INLINE_LIMIT: usize = 3_000;

/// The number of tokens in `tokens`, groups' contents included.
fn token_count(tokens: &TokenStream) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Group(g) => 1 + token_count(&g.stream()),
            _ => 1,
        })
        .sum()
}

fn attributes(docs: &str, inline: bool) -> TokenStream {
    let docs = docs.lines().map(|l| quote!(#[doc = #l]));
    let inline = inline.then(|| quote!(#[inline]));
    quote! {
        #(#docs)*
        #inline
        #[allow(unused, unused_mut, unused_parens, non_snake_case, clippy::all, clippy::pedantic, clippy::nursery)]
    }
}

fn ok_if(checked: bool, e: TokenStream) -> TokenStream {
    if checked {
        quote!(::core::result::Result::Ok(#e))
    } else {
        e
    }
}

/// `f_grad`: one fused body for the `wrt` parameters.
pub fn grad(t: &Target, wrt: &[bool]) -> TokenStream {
    let act = analyze::activity(t.ir, wrt);
    let mut g = t.gen(&act, wrt);
    let Layout {
        inputs,
        output,
        returned,
    } = interface::layout(t.func, t.ir, wrt, Flavor::Grad, t.failures().grad.as_ref());
    let s = sweeps(&mut g, t.ir, &returned, rules::lit(1.0), None);
    let (forward, reverse, grads) = (s.forward_part(), &s.reverse, &s.grads);
    let result = if grads.is_empty() {
        quote!(value)
    } else {
        quote!((value, #(#grads),*))
    };
    let result = ok_if(t.failures().grad.is_some(), result);
    let docs = s.describe(t, wrt, Flavor::Grad);
    let body = quote!(#forward #reverse #result);
    t.function(Flavor::Grad, &docs, &inputs, &output, body)
}

/// `f_fwd`, and the doc comment of `f_vjp` (the derivatives its pullback computes).
pub fn fwd(t: &Target) -> (TokenStream, String) {
    let docs = format!(
        " The value of [`{}`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`{}`] calls both.",
        t.func.sig.ident,
        interface::generated_name(t.func, Flavor::Vjp)
    );
    fwd_documented(t, &docs)
}

/// `f_tangent_fwd` from the tangent program `f_tangent` (`t`): the split mode of the tangent,
/// which the `_hvp` of callers differentiate through. Hidden: only generated code calls it.
pub fn tangent_fwd(t: &Target) -> TokenStream {
    let docs = " The tangent program's value and pullback (split mode), for the `_hvp` of callers.";
    let (f, _) = fwd_documented(t, docs);
    quote!(#[doc(hidden)] #f)
}

fn fwd_documented(t: &Target, docs: &str) -> (TokenStream, String) {
    let all = all_floats(t.ir);
    let act = analyze::activity(t.ir, &all);
    let mut g = t.gen(&act, &all);
    let this = g.names.fresh("this");
    let pullback = interface::pullback(t.ir, &this, t.failures().pullback.as_ref());
    let seed = AExpr::Adj("d_out".into());
    let s = sweeps(&mut g, t.ir, &pullback.returned, seed, Some(&this));
    let (forward, reverse) = (s.forward_part(), &s.reverse);
    let grads = match s.grads.as_slice() {
        [one] => one.clone(),
        many => quote!((#(#many),*)),
    };
    let grads = ok_if(t.check_finite, grads);
    let vjp_docs = s.describe(t, &all, Flavor::Vjp);
    let params = &pullback.params;
    let pullback_output = &pullback.output;
    let fails = t.failures().fwd;
    let output = interface::fwd_output(t.ir, &pullback, fails.as_ref());
    let inputs = interface::fwd_inputs(t.func);
    let pair = ok_if(
        fails.is_some(),
        quote! {
            (value, move |#(#params),*| -> #pullback_output {
                #reverse
                #grads
            })
        },
    );
    let body = quote!(#forward #pair);
    (
        t.function(Flavor::Fwd, docs, &inputs, &output, body),
        vjp_docs,
    )
}

/// `f_hvp`, reverse-over-forward: the gradient of the tangent program `tangent` (run by `t`,
/// whose `func` is the tangent's signature) with respect to the `wrt` parameters of `f`, with
/// the seed one: `H v` for the tangent `v` after each parameter. The layout is `_grad`'s with
/// the tangents added: by-value results returned after `f`'s value, `&` ones added into the
/// `d_` shadows.
pub fn hvp(f: &Target, t: &Target, tangent: &TangentProgram, wrt: &[bool]) -> TokenStream {
    let mut active = vec![false; t.ir.params.len()];
    for (p, on) in tangent.primal_params.iter().zip(wrt) {
        active[*p] = *on;
    }
    let act = analyze::activity(t.ir, &active);
    let mut g = t.gen(&act, &active);
    // `_grad`'s failures, reported as the function's, not its tangent's: a loop past
    // `max_iters`, and with `check_finite` a non-finite adjoint of the second-order sweep.
    let name = f.func.sig.ident.to_string();
    g.iteration_limit = g.iteration_limit.take().map(|_| name.clone());
    g.check_finite = f.check_finite.then_some(name);
    let fails = f.failures().grad;
    let Layout {
        inputs,
        output,
        returned,
    } = interface::layout(f.func, f.ir, wrt, Flavor::Hvp, fails.as_ref());
    let returned: Vec<usize> = returned.iter().map(|&p| tangent.primal_params[p]).collect();
    let s = sweeps(&mut g, t.ir, &returned, rules::lit(1.0), None);
    let (forward, reverse, grads) = (s.forward_part(), &s.reverse, &s.grads);
    let value = g.site(tangent.value);
    let result = if grads.is_empty() {
        value
    } else {
        quote!((#value, #(#grads),*))
    };
    let result = ok_if(fails.is_some(), result);
    let name = &f.func.sig.ident;
    let docs = format!(
        " The value of [`{name}`] and a Hessian-vector product `H v` for its `wrt` parameters: each float argument is followed by its component of `v` (same type), each `&` one in `wrt` by the shadow `H v` is added into; by-value components of `H v` are returned after the value. Reverse mode over forward mode: the gradient of the tangent of `{name}`."
    );
    let body = quote!(#forward #reverse #result);
    f.function(Flavor::Hvp, &docs, &inputs, &output, body)
}

/// `f_jvp`: the tangent program as forward code (no buffers, no closure), returning the value
/// and its tangent.
pub fn jvp(t: &Target, tp: &TangentProgram) -> TokenStream {
    let inactive = vec![false; tp.ir.params.len()];
    let act = analyze::activity(&tp.ir, &inactive);
    let mut g = Gen::new(&tp.ir, &act, t.rt.clone(), t.reserved.clone(), &inactive);
    let forward = g.forward(&tp.ir.body, emit::Mode::Original);
    let value = g.site(tp.value);
    let tangent = match (tp.ir.ret, tp.ir.ret_var) {
        (Some(v), _) => g.site(Site::Value(v)),
        (None, Some(var)) => g.site(Site::Var(var)),
        (None, None) => unreachable!("a tangent program returns its tangent"),
    };
    let docs = format!(
        " The value of [`{}`] and its tangent (forward mode, a Jacobian-vector product): each float argument is followed by its tangent, of the same type (`&T` for a `&T` argument); returns `(value, tangent)`.",
        t.func.sig.ident
    );
    let inputs = interface::jvp_inputs(t.func, t.ir);
    let output = interface::jvp_output(t.ir);
    let body = quote!(#forward (#value, #tangent));
    t.function(Flavor::Jvp, &docs, &inputs, &output, body)
}

/// `f_vjp` from `f_fwd`: the forward pass and the pullback with every shadow given.
pub fn vjp_from_fwd(t: &Target, docs: &str) -> TokenStream {
    let all = all_floats(t.ir);
    let Layout {
        inputs,
        output,
        returned,
    } = interface::layout(t.func, t.ir, &all, Flavor::Vjp, t.failures().grad.as_ref());
    let args = interface::param_args(t.ir);
    let forward = interface::call_sibling(t.func, t.ir, Flavor::Fwd, &args);
    let pullback_args = pullback_args(t.ir, &all);
    let body = finish_from_pullback(t, &returned, forward, &pullback_args, quote!(d_out));
    t.function(Flavor::Vjp, docs, &inputs, &output, body)
}

/// `f_grad` from `f_fwd`, for custom derivatives: the pullback with the seed 1 and the `wrt`
/// shadows given.
pub fn grad_from_fwd(t: &Target, wrt: &[bool]) -> TokenStream {
    let Layout {
        inputs,
        output,
        returned,
    } = interface::layout(t.func, t.ir, wrt, Flavor::Grad, t.failures().grad.as_ref());
    let args = interface::param_args(t.ir);
    let forward = interface::call_sibling(t.func, t.ir, Flavor::Fwd, &args);
    let pullback_args = pullback_args(t.ir, wrt);
    let body = finish_from_pullback(
        t,
        &returned,
        forward,
        &pullback_args,
        t.ir.float.suffixed(1.0),
    );
    let docs = format!(
        " The value of [`{}`] and its gradient (from its hand-written derivative).",
        t.func.sig.ident
    );
    t.function(Flavor::Grad, &docs, &inputs, &output, body)
}

/// The arguments of a pullback called by `_vjp` or `_grad`: each parameter, and after each
/// float `&` one its shadow, `Some` where `active`.
fn pullback_args(ir: &Function, active: &[bool]) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for ((p, arg), &on) in ir.params.iter().zip(interface::param_args(ir)).zip(active) {
        out.push(arg);
        if matches!(p.kind, ParamKind::Ref | ParamKind::RefSelf) {
            let shadow = format_ident!("d_{}", p.name);
            out.push(if on {
                quote!(::core::option::Option::Some(#shadow))
            } else {
                quote!(::core::option::Option::None)
            });
        }
    }
    out
}

/// `let (value, pullback) = forward; let grads = pullback(args, d_out); (value, grads)`, keeping
/// the gradients of the `returned` parameters (of all the pullback returns).
fn finish_from_pullback(
    t: &Target,
    returned: &[usize],
    forward: TokenStream,
    args: &[TokenStream],
    d_out: TokenStream,
) -> TokenStream {
    let by_value: Vec<usize> =
        t.ir.params
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.kind, ParamKind::Scalar | ParamKind::Array))
            .map(|(i, _)| i)
            .collect();
    let names: Vec<syn::Ident> = by_value
        .iter()
        .map(|i| local(t.ir, &format!("grad_{i}")))
        .collect();
    let pattern = match names.as_slice() {
        [one] => quote!(#one),
        many => quote!((#(#many),*)),
    };
    let question = t.check_finite.then(|| quote!(?));
    let kept: Vec<&syn::Ident> = by_value
        .iter()
        .zip(&names)
        .filter(|(i, _)| returned.contains(i))
        .map(|(_, n)| n)
        .collect();
    let (value, pullback) = (local(t.ir, "value"), local(t.ir, "pullback"));
    let result = if kept.is_empty() {
        quote!(#value)
    } else {
        quote!((#value, #(#kept),*))
    };
    let result = ok_if(t.failures().grad.is_some(), result);
    let forward_question = t.max_iters.is_some().then(|| quote!(?));
    quote! {
        let (#value, #pullback) = #forward #forward_question;
        let #pattern = #pullback(#(#args,)* #d_out) #question;
        #result
    }
}

/// A local of a wrapper, named `base` unless a parameter is (the pullback takes the
/// parameters again, so a local must not shadow one).
fn local(ir: &Function, base: &str) -> syn::Ident {
    let mut name = base.to_string();
    while ir.params.iter().any(|p| p.name == name) {
        name.push('_');
    }
    format_ident!("{}", name)
}

/// `f_fwd` for a hand-written `f_vjp` (joint mode): the pullback calls `f_vjp`, which runs
/// the forward pass again, with a scratch shadow where the caller passes none.
pub fn fwd_from_vjp(t: &Target) -> TokenStream {
    let rt = t.rt;
    let this = local(t.ir, "this");
    let pullback = interface::pullback(t.ir, &this, t.failures().pullback.as_ref());
    let output = interface::fwd_output(t.ir, &pullback, None);
    let params = &pullback.params;
    let pullback_output = &pullback.output;
    let mut scratch = TokenStream::new();
    let mut vjp_args = Vec::new();
    for p in &t.ir.params {
        let value = match p.kind {
            ParamKind::RefSelf => quote!(#this),
            _ => {
                let ident = p
                    .ident
                    .clone()
                    .unwrap_or_else(|| format_ident!("{}", p.name));
                quote!(#ident)
            }
        };
        vjp_args.push(value);
        if matches!(p.kind, ParamKind::Ref | ParamKind::RefSelf) {
            let shadow = format_ident!("d_{}", p.name);
            let zero = local(t.ir, &format!("zero_{}", p.name));
            let inner = match p.kind {
                ParamKind::RefSelf => quote!(Self),
                _ => interface::pointee(&p.ty),
            };
            scratch.extend(quote! {
                let mut #zero: #inner;
                let #shadow: &mut #inner = match #shadow {
                    ::core::option::Option::Some(shadow) => shadow,
                    ::core::option::Option::None => {
                        #zero = #rt::Zero::zero();
                        &mut #zero
                    }
                };
            });
            vjp_args.push(quote!(#shadow));
        }
    }
    vjp_args.push(quote!(d_out));
    let n_returned = pullback.returned.len();
    let names: Vec<syn::Ident> = (0..n_returned)
        .map(|k| local(t.ir, &format!("grad_{k}")))
        .collect();
    let question = t.check_finite.then(|| quote!(?));
    let call = interface::call_sibling(t.func, t.ir, Flavor::Vjp, &vjp_args);
    let body = match names.as_slice() {
        [] => quote!(#call #question; ),
        [one] => quote!(let (_, #one) = #call #question; ),
        many => quote!(let (_, #(#many),*) = #call #question; ),
    };
    let grads = match names.as_slice() {
        [one] => quote!(#one),
        many => quote!((#(#many),*)),
    };
    let grads = ok_if(t.check_finite, grads);
    let args = interface::param_args(t.ir);
    let name = &t.func.sig.ident;
    let value = if interface::is_method(t.ir) {
        quote!(Self::#name(#(#args),*))
    } else {
        quote!(#name(#(#args),*))
    };
    let docs = format!(
        " The value of [`{name}`] and its pullback, which calls the hand-written `{name}_vjp` (joint mode: it runs the forward pass again)."
    );
    let inputs = interface::fwd_inputs(t.func);
    let body = quote! {
        (#value, move |#(#params),*| -> #pullback_output {
            #scratch
            #body
            #grads
        })
    };
    t.function(Flavor::Fwd, &docs, &inputs, &output, body)
}
