//! The K-tangent forward mode `f_jvpk`: `K` tangents pushed through one forward pass.
//!
//! It is the tangent program of [`crate::tangent`] emitted with `K` lanes: the primal
//! computation runs once, and every tangent value is a `[f32; K]` local whose statement is a
//! `for k in 0..K` loop over the lanes, so the `K` tangents share the values and the partials.
//!
//! Layout: the tangent of a parameter of type `T` is `[T; K]`, one whole tangent per lane
//! (`[f32; K]` for `f32`, `[[f32; N]; K]` for `[f32; N]`), and of a `&T` parameter `[&T; K]`,
//! `K` references (`[&Self; K]` for `&self`); it returns `(value, [tangent; K])`. Lane-outer
//! composes with every place the macro accepts: a row `&w[i]` or a field `&self.l1` passed to a
//! callee has the tangents `[&w_dot[0][i], ...]`, `K` pointers and no copy, where a lane-inner
//! layout (`[[f32; K]; N]`) has no form for a struct.
//!
//! A call goes through the callee's K-form. A hand-written derivative (`custom_*` with `jvp`)
//! gets a K-form that calls its `f_jvp` once per lane: `K` passes of that function, said in its
//! doc comment.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashSet;

use crate::analyze;
use crate::assemble::Target;
use crate::emit::{self, Gen};
use crate::interface::{self, Flavor};
use crate::ir::*;
use crate::tangent::{tangent_name, TangentProgram};

/// `func` with `const K: usize` appended to its generics, named `k` (the signature of
/// `f_jvpk` and of the carrier's `f::jvpk`).
pub fn with_lanes(func: &syn::ItemFn, k: &Ident) -> syn::ItemFn {
    let mut f = func.clone();
    f.sig
        .generics
        .params
        .push(syn::parse_quote!(const #k: usize));
    f
}

/// The name of the lane count: `LANES`, unless the function has a generic of that name. Not `K`:
/// a method cannot see its impl's generics, and `impl<const K: usize>` (a kernel size) is common.
pub fn lanes_ident(func: &syn::ItemFn) -> Ident {
    let taken: HashSet<String> = func
        .sig
        .generics
        .params
        .iter()
        .filter_map(|g| match g {
            syn::GenericParam::Type(t) => Some(t.ident.to_string()),
            syn::GenericParam::Const(c) => Some(c.ident.to_string()),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    let mut name = "LANES".to_string();
    while taken.contains(&name) {
        name.push('_');
    }
    format_ident!("{}", name)
}

/// The inputs of `f_jvpk`: each parameter, and after each float one its `K` tangents `x_dot`:
/// `[T; K]` for a by-value `T`, `[&T; K]` for `&T`, `[&Self; K]` for `&self`.
pub fn inputs(func: &syn::ItemFn, ir: &Function, k: &Ident) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (arg, p) in func.sig.inputs.iter().zip(&ir.params) {
        out.push(quote!(#arg));
        let tangent = format_ident!("{}", tangent_name(&p.name));
        let ty = &p.ty;
        match p.kind {
            ParamKind::RefSelf => out.push(quote!(#tangent: [&Self; #k])),
            ParamKind::Scalar | ParamKind::Array | ParamKind::Ref => {
                out.push(quote!(#tangent: [#ty; #k]))
            }
            ParamKind::Constant | ParamKind::Rejected => {}
        }
    }
    out
}

/// The output of `f_jvpk`: the value and its `K` tangents.
pub fn output(ir: &Function, k: &Ident) -> TokenStream {
    let value = interface::value_type(ir);
    quote!((#value, [#value; #k]))
}

/// The doc comment of `f_jvpk`.
fn docs(func: &syn::ItemFn, cost: &str) -> String {
    format!(
        " The value of [`{}`] and `K` tangents at once (forward mode, `K` Jacobian-vector products): each float argument is followed by its `K` tangents, `[T; K]` for a by-value `T` and `[&T; K]` for a `&T`; returns `(value, [tangent; K])`. {cost}",
        func.sig.ident
    )
}

/// `f_jvpk` from the tangent program `tp` of `t`.
pub fn jvpk(t: &Target, tp: &TangentProgram) -> TokenStream {
    let inactive = vec![false; tp.ir.params.len()];
    let act = analyze::activity(&tp.ir, &inactive);
    let mut g = Gen::new(&tp.ir, &act, t.rt.clone(), t.reserved.clone(), &inactive);
    let k = lanes_ident(t.func);
    let lane = g.names.fresh("k");
    let tangent_params: Vec<bool> = (0..tp.ir.params.len())
        .map(|p| !tp.primal_params.contains(&p))
        .collect();
    let mut e = Lanes {
        tangent_values: Vec::new(),
        tangent_params,
        tangent_vars: &tp.tangent_vars,
        k: k.clone(),
        lane,
        g,
    };
    e.tangent_values = classify(&tp.ir, &e);
    let body = e.block(&tp.ir.body);
    let value = e.g.site(tp.value);
    let tangent = match (tp.ir.ret, tp.ir.ret_var) {
        (Some(v), _) => e.lanes_of(v),
        (None, Some(var)) => e.g.site(Site::Var(var)),
        (None, None) => unreachable!("a tangent program returns its tangent"),
    };
    function(
        t,
        &k,
        "One pass: the value and the partials are computed once and shared by the lanes.",
        quote!(#body (#value, #tangent)),
    )
}

/// `fn f_jvpk<..., const K: usize>(...) -> (value, [tangent; K]) { body }`, its doc comment
/// ending with `cost`.
fn function(t: &Target, k: &Ident, cost: &str, body: TokenStream) -> TokenStream {
    let kfunc = with_lanes(t.func, k);
    let target = Target {
        func: &kfunc,
        ir: t.ir,
        rt: t.rt,
        check_finite: false,
        // Forward mode keeps nothing per iteration: no bound to check.
        max_iters: None,
        reserved: HashSet::new(),
    };
    target.function(
        Flavor::Jvpk,
        &docs(t.func, cost),
        &inputs(t.func, t.ir, k),
        &output(t.ir, k),
        body,
    )
}

/// `f_jvpk` for a hand-written derivative: its `f_jvp` once per lane.
pub fn jvpk_from_jvp(t: &Target) -> TokenStream {
    let k = lanes_ident(t.func);
    let lane = format_ident!("k");
    let mut args = Vec::new();
    for (p, arg) in t.ir.params.iter().zip(interface::param_args(t.ir)) {
        args.push(arg);
        if interface::is_float(&p.kind) {
            let tangent = format_ident!("{}", tangent_name(&p.name));
            args.push(quote!(#tangent[#lane]));
        }
    }
    let jvp = interface::call_sibling(t.func, t.ir, Flavor::Jvp, &args);
    let name = &t.func.sig.ident;
    let generics = interface::turbofish(t.func);
    let plain_args = interface::param_args(t.ir);
    let plain = if interface::is_method(t.ir) {
        quote!(Self::#name #generics(#(#plain_args),*))
    } else {
        quote!(#name #generics(#(#plain_args),*))
    };
    let body = quote! {
        let mut value = ::core::option::Option::None;
        let tangents = ::core::array::from_fn(|#lane| {
            let (v, t) = #jvp;
            value = ::core::option::Option::Some(v);
            t
        });
        match value {
            ::core::option::Option::Some(v) => (v, tangents),
            ::core::option::Option::None => (#plain, tangents),
        }
    };
    let cost = format!("From the hand-written `{name}_jvp`, called once per lane: `K` passes.");
    function(t, &k, &cost, body)
}

/// The carrier's `f::jvpk`, forwarding to `f_jvpk`.
pub fn carrier_jvpk(func: &syn::ItemFn, ir: &Function) -> TokenStream {
    let k = lanes_ident(func);
    let kfunc = with_lanes(func, &k);
    interface::forwarder(
        "jvpk",
        &kfunc,
        ir,
        Flavor::Jvpk,
        &inputs(func, ir, &k),
        &interface::jvp_args(ir),
        &output(ir, &k),
    )
}

/// Which values of the tangent program are tangents (have `K` lanes): those reading a tangent
/// parameter or local, a callee's tangent, and everything computed from them.
fn classify(f: &Function, e: &Lanes) -> Vec<bool> {
    let mut out: Vec<bool> = Vec::with_capacity(f.values.len());
    for v in &f.values {
        let lanes = match &v.op {
            Op::Param(p) => e.tangent_params[*p],
            Op::Read(place, _) => e.is_tangent_place(place),
            Op::Call(c) => c.kind == CallKind::Tangent,
            op => op.operands().iter().any(|&u| out[u]),
        };
        out.push(lanes);
    }
    out
}

/// The emitter of a K-form: primal statements by [`Gen`], tangent ones with lanes.
struct Lanes<'a> {
    g: Gen<'a>,
    tangent_values: Vec<bool>,
    tangent_params: Vec<bool>,
    tangent_vars: &'a HashSet<VarId>,
    /// The lane count, `K`.
    k: Ident,
    /// The lane variable of the loops, `k`.
    lane: Ident,
}

impl Lanes<'_> {
    fn is_tangent_place(&self, place: &Place) -> bool {
        match place.base {
            Base::Param(p) => self.tangent_params[p],
            Base::Var(v) => self.tangent_vars.contains(&v),
        }
    }

    /// Lane `lane` of a tangent place: `x_dot[k][i]`, `self_dot[k].w[j]`, `(*x_dot[k])`.
    fn lane_place(&self, place: &Place, lane: &TokenStream) -> TokenStream {
        let path = self.g.path(&place.path);
        match place.base {
            Base::Var(v) => {
                let name = &self.g.var_names[v];
                quote!(#name[#lane] #path)
            }
            Base::Param(p) => {
                let name = self.g.param(p);
                if self.g.f.params[p].scalar_ref {
                    return quote!((*#name[#lane]));
                }
                quote!(#name[#lane] #path)
            }
        }
    }

    /// A value in lane `k`: `t[k]` for a tangent, the value itself (a zero) otherwise.
    fn operand(&self, v: ValueId) -> TokenStream {
        if self.tangent_values[v] {
            let (name, lane) = (&self.g.value_names[v], &self.lane);
            quote!(#name[#lane])
        } else {
            self.g.value(v)
        }
    }

    /// A value as `K` lanes: a tangent's name, or the value repeated.
    fn lanes_of(&self, v: ValueId) -> TokenStream {
        if self.tangent_values[v] {
            let name = &self.g.value_names[v];
            quote!(#name)
        } else {
            let (x, k) = (self.g.value(v), &self.k);
            quote!([#x; #k])
        }
    }

    /// `for k in 0..K { body }`.
    fn each_lane(&self, body: TokenStream) -> TokenStream {
        let (k, lane) = (&self.k, &self.lane);
        quote!(for #lane in 0..#k { #body })
    }

    /// `core::array::from_fn(|k| e)`: `K` lanes from an expression of the lane (`K` named:
    /// a callee's lane count is inferred from its arguments).
    fn lanes_from(&self, e: TokenStream) -> TokenStream {
        let (k, lane) = (&self.k, &self.lane);
        quote!(::core::array::from_fn::<_, #k, _>(|#lane| #e))
    }

    /// The right-hand side of a tangent value's `let`, in lane `k`.
    fn lane_op(&self, v: ValueId) -> TokenStream {
        let a = |x: &ValueId| self.operand(*x);
        match &self.g.f.values[v].op {
            Op::Read(place, _) => self.lane_place(place, &self.lane.clone().into_token_stream()),
            Op::Neg(x) => {
                let x = a(x);
                quote!(-#x)
            }
            Op::Bin(op, x, y) => {
                let (x, y) = (a(x), a(y));
                match op {
                    BinOp::Add => quote!(#x + #y),
                    BinOp::Sub => quote!(#x - #y),
                    BinOp::Mul => quote!(#x * #y),
                    BinOp::Div => quote!(#x / #y),
                }
            }
            Op::Math(f, args) => self.g.math(*f, args.iter().map(a).collect()),
            Op::Powi(x, n) => {
                let rt = &self.g.rt;
                let (x, n) = (a(x), self.g.int(n));
                quote!(#rt::math::powi(#x, (#n) as i32))
            }
            Op::Select(c, x, y) => {
                let (c, x, y) = (a(c), a(x), a(y));
                quote!(if #c { #x } else { #y })
            }
            op => unreachable!("no tangent is computed by {op:?}"),
        }
    }

    fn block(&mut self, block: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in &block.stmts {
            out.extend(self.stmt(stmt));
        }
        out
    }

    fn stmt(&mut self, stmt: &Stmt) -> TokenStream {
        match stmt {
            Stmt::Let(v) if self.tangent_values[*v] => self.tangent_let(*v),
            Stmt::Decl { var, init } if self.tangent_vars.contains(var) => {
                self.tangent_decl(*var, init)
            }
            Stmt::Assign {
                place, value, op, ..
            } if self.is_tangent_place(place) => {
                let lane = self.lane.clone().into_token_stream();
                let target = self.lane_place(place, &lane);
                let v = self.operand(*value);
                self.each_lane(emit::assign(*op, target, v))
            }
            Stmt::For {
                var,
                lo,
                hi,
                inclusive,
                rev,
                body,
                end,
                ..
            } => {
                let i = self.g.int_names[*var].clone();
                // A `while` or `loop` runs until its `break`.
                let range = match end {
                    Some(end) if *hi == IntExpr::Var(*end) => quote!(0usize..),
                    _ => self.g.range(lo, hi, *inclusive, *rev),
                };
                let body = self.block(body);
                quote!(for #i in #range { #body })
            }
            Stmt::Break { cond, .. } => {
                let c = self.g.value(*cond);
                quote!(if #c { break; })
            }
            Stmt::If {
                cond, then, els, ..
            } => {
                let c = self.g.value(*cond);
                let (then, els) = (self.block(then), self.block(els));
                quote!(if #c { #then } else { #els })
            }
            // The primal computation, as `_jvp` has it (a fused call's value comes with its
            // tangent, at the tangent's site).
            Stmt::Let(_) | Stmt::Decl { .. } | Stmt::Assign { .. } => {
                let one = Block {
                    id: 0,
                    stmts: vec![stmt.clone()],
                };
                self.g.forward(&one, emit::Mode::Original)
            }
        }
    }

    fn tangent_let(&mut self, v: ValueId) -> TokenStream {
        let name = self.g.value_names[v].clone();
        let (k, s) = (&self.k, self.g.float().into_token_stream());
        match &self.g.f.values[v].op {
            // Read where they are used.
            Op::Param(_) => TokenStream::new(),
            Op::Call(call) => {
                let value = self
                    .g
                    .f
                    .fused
                    .iter()
                    .find_map(|&(value, tangent)| (tangent == Site::Value(v)).then_some(value));
                let Some(Site::Value(value)) = value else {
                    unreachable!("a tangent call is fused with its value's")
                };
                let value = self.g.value_names[value].clone();
                let call = self.call(call, self.g.f.spans[v]);
                quote!(let (#value, #name): (#s, [#s; #k]) = #call;)
            }
            _ => {
                let rhs = self.lane_op(v);
                let lane = &self.lane;
                let lanes = self.each_lane(quote!(#name[#lane] = #rhs;));
                quote!(let mut #name: [#s; #k] = [0.0; #k]; #lanes)
            }
        }
    }

    fn tangent_decl(&mut self, var: VarId, init: &VarInit) -> TokenStream {
        let name = self.g.var_names[var].clone();
        let (k, s, rt) = (&self.k, self.g.float().into_token_stream(), &self.g.rt);
        let ty = match self.g.f.vars[var].array.as_ref() {
            None => Some(s.clone()),
            Some(a) => a.ty.clone(),
        };
        let typed = match &ty {
            Some(ty) => quote!(: [#ty; #k]),
            None => TokenStream::new(),
        };
        let init =
            match init {
                VarInit::Scalar(v) => self.lanes_of(*v),
                VarInit::Uninit => quote!([0.0; #k]),
                VarInit::Repeat(v, dims) => {
                    let mut e = self.operand(*v);
                    for d in dims.iter().rev() {
                        let d = self.g.int(d);
                        e = quote!([#e; #d]);
                    }
                    self.lanes_from(e)
                }
                VarInit::List(items) => {
                    let zeros = self.lanes_from(quote!(#rt::Zero::zero()));
                    let lane = &self.lane;
                    let sets: Vec<TokenStream> = items
                        .iter()
                        .map(|(idx, v)| {
                            let v = self.operand(*v);
                            let idx = idx
                                .iter()
                                .map(|i| proc_macro2::Literal::usize_unsuffixed(*i));
                            quote!(#name[#lane] #([#idx])* = #v;)
                        })
                        .collect();
                    let sets = self.each_lane(quote!(#(#sets)*));
                    return quote!(let mut #name #typed = #zeros; #sets);
                }
                VarInit::ZeroLike(place) => {
                    let like = self.g.call_arg(&CallArg::Ref(place.clone(), 0));
                    self.lanes_from(quote!(#rt::zero_like(#like)))
                }
                VarInit::Call(call) => {
                    let value =
                        self.g.f.fused.iter().find_map(|&(value, tangent)| {
                            (tangent == Site::Var(var)).then_some(value)
                        });
                    let Some(Site::Var(value)) = value else {
                        unreachable!("a tangent call is fused with its value's")
                    };
                    let value = self.g.var_names[value].clone();
                    let call = self.call(call, Span::call_site());
                    return match ty {
                        Some(ty) => {
                            quote!(let (mut #value, mut #name): (#ty, [#ty; #k]) = #call;)
                        }
                        None => quote!(let (mut #value, mut #name) = #call;),
                    };
                }
            };
        quote!(let mut #name #typed = #init;)
    }

    /// A tangent call as a call of the callee's K-form, `f_jvpk`: the arguments of its `_jvp`,
    /// each tangent as `K` lanes.
    fn call(&self, call: &Call, span: Span) -> TokenStream {
        let mut args = Vec::new();
        let mut rest = call.args.iter();
        if call.receiver.is_some() {
            if let Some(t) = rest.next() {
                args.push(self.tangent_arg(t));
            }
        }
        while let Some(a) = rest.next() {
            args.push(self.g.call_arg(a));
            if matches!(
                a,
                CallArg::Scalar(_) | CallArg::Ref(..) | CallArg::ArrayValue(..)
            ) {
                if let Some(t) = rest.next() {
                    args.push(self.tangent_arg(t));
                }
            }
        }
        let path = match call.path.rfind('>') {
            Some(end) if call.path.contains("::<") => {
                let k = &self.k;
                format!("{}, {k}{}", &call.path[..end], &call.path[end..])
            }
            _ => call.path.clone(),
        };
        let method = call.receiver.is_some();
        let path = emit::respan(interface::sibling_path(&path, method, "jvpk"), span);
        match &call.receiver {
            Some((recv, _)) => {
                let recv = self.g.place(recv);
                quote!(#recv.#path(#(#args),*))
            }
            None => quote!(#path(#(#args),*)),
        }
    }

    /// The `K` tangents of an argument: a `[f32; K]` local, `K` references for a `&` place
    /// (`[x_dot[0], ...]` is `x_dot` itself), `K` copies for an array by value.
    fn tangent_arg(&self, arg: &CallArg) -> TokenStream {
        let lane = self.lane.clone().into_token_stream();
        match arg {
            CallArg::Scalar(v) => self.lanes_of(*v),
            CallArg::Ref(place, _) => {
                if let (Base::Param(p), true) = (place.base, place.path.is_empty()) {
                    if matches!(self.g.f.params[p].kind, ParamKind::Ref | ParamKind::RefSelf) {
                        return self.g.param(p);
                    }
                }
                let p = self.lane_place(place, &lane);
                self.lanes_from(quote!(&#p))
            }
            CallArg::ArrayValue(place, _) => {
                let p = self.lane_place(place, &lane);
                self.lanes_from(p)
            }
            CallArg::Int(_) | CallArg::Bool(_) => unreachable!("no tangent is an integer"),
        }
    }
}
