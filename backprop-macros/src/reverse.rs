//! Step 3, reverse: the adjoint program, walking the IR backwards.
//!
//! Straight-line code: each value's adjoint is the sum of its uses' contributions, bound once
//! (`let d_a = ...`) after the last use in reverse order; no zero-initialised accumulators.
//! Values used inside a nested loop or branch accumulate into a `let mut` instead.
//!
//! Loops and branches (Tapenade-style): the reverse of a region first undoes its writes to
//! outer state (from the stack buffers), then re-runs its forward code, which recomputes every
//! loop-local value instead of storing it, then runs its own reverse. Overwritten values come
//! back from where [`crate::analyze::plan`] put them.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::HashMap;

use crate::emit::{Gen, Mode};
use crate::ir::*;
use crate::rules::{self, AExpr};

/// The adjoint of a value while its block is being reversed.
enum Slot {
    /// Contributions so far, summed where the value is defined.
    Parts(Vec<AExpr>),
    /// A `let mut` accumulator.
    Mutable(proc_macro2::Ident),
}

pub struct Reverse<'g, 'a> {
    pub g: &'g mut Gen<'a>,
    slots: HashMap<ValueId, Slot>,
    /// The final adjoint of each by-value scalar parameter, once known.
    pub param_adjoints: HashMap<ParamId, TokenStream>,
    /// The same, as expressions, and the expression behind each adjoint `let` (for the docs).
    pub param_exprs: HashMap<ParamId, AExpr>,
    pub defs: HashMap<String, AExpr>,
    counter: usize,
    /// Places read at an index an enclosing loop does not change (`xc[i]` in `for j in ..`),
    /// with the two partial sums their adjoint is summed in while that loop is reversed, and
    /// that loop's variable, whose parity picks the partial sum.
    sums: Vec<(Place, [Ident; 2], Ident)>,
}

impl<'g, 'a> Reverse<'g, 'a> {
    pub fn new(g: &'g mut Gen<'a>) -> Self {
        Reverse {
            g,
            slots: HashMap::new(),
            param_adjoints: HashMap::new(),
            param_exprs: HashMap::new(),
            defs: HashMap::new(),
            counter: 0,
            sums: Vec::new(),
        }
    }

    fn active(&self, v: ValueId) -> bool {
        self.g.act.values[v]
    }

    /// Declarations that must precede the reverse of `block`: accumulators for values used in
    /// nested blocks, and adjoints of the variables it declares.
    pub fn open(&mut self, block: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let(v) if self.active(*v) => {
                    let slot = if self.g.act.used_in_nested_block[*v] {
                        let name = self.g.names.fresh(&format!("d_{}", self.g.value_names[*v]));
                        let (ty, zero) = (self.g.adjoint_type(), self.g.adjoint_zero());
                        out.extend(quote!(let mut #name: #ty = #zero;));
                        Slot::Mutable(name)
                    } else {
                        Slot::Parts(Vec::new())
                    };
                    self.slots.insert(*v, slot);
                }
                Stmt::Decl { var, .. } if self.g.act.vars[*var] => {
                    let name = &self.g.var_adj[*var];
                    let rt = &self.g.rt;
                    let value = &self.g.var_names[*var];
                    let float = self.g.float();
                    if self.g.lanes.is_some() {
                        let (lanes, ty) = (self.g.lanes_path(), self.g.adjoint_type());
                        out.extend(match &self.g.f.vars[*var].array {
                            Some(_) => quote!(let mut #name = #lanes::zero_lanes_like(&#value);),
                            None => quote!(let mut #name: #ty = #ty::ZERO;),
                        });
                        continue;
                    }
                    out.extend(match &self.g.f.vars[*var].array {
                        Some(a) => match &a.ty {
                            Some(ty) => quote!(let mut #name: #ty = #rt::Zero::zero();),
                            None => quote!(let mut #name = #rt::zero_like(&#value);),
                        },
                        None => quote!(let mut #name: #float = 0.0;),
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// Adds `c` to the adjoint of `v`.
    pub fn contribute(&mut self, v: ValueId, c: AExpr, out: &mut TokenStream) {
        if !self.active(v) {
            return;
        }
        match self.slots.get_mut(&v) {
            Some(Slot::Parts(parts)) => parts.push(c),
            Some(Slot::Mutable(name)) => {
                let name = name.clone();
                let c = self.g.aexpr(&c);
                out.extend(self.g.write(AssignOp::Add, quote!(#name), c, true));
            }
            None => {}
        }
    }

    /// Binds the current value of a changing adjoint so it can be summed later.
    fn materialize(&mut self, e: TokenStream, out: &mut TokenStream) -> AExpr {
        self.counter += 1;
        let name = self.g.names.fresh(&format!("g{}", self.counter));
        out.extend(self.g.bind_adjoint(&name, e));
        AExpr::Adj(name.to_string())
    }

    /// The adjoint of `v` once all its uses are reversed, or `None` if it is zero.
    fn finish(&mut self, v: ValueId, out: &mut TokenStream) -> Option<AExpr> {
        let name = match self.slots.remove(&v)? {
            Slot::Mutable(name) => name,
            Slot::Parts(parts) => {
                let sum = parts.into_iter().reduce(rules::add)?;
                let is_param = matches!(self.g.f.values[v].op, Op::Param(_));
                let simple = matches!(sum, AExpr::Lit(_) | AExpr::Adj(_) | AExpr::Val(_));
                if !is_param && simple && self.g.check_finite.is_none() {
                    return Some(sum);
                }
                let name = self.g.names.fresh(&format!("d_{}", self.g.value_names[v]));
                let e = self.g.aexpr(&sum);
                out.extend(self.g.bind_adjoint(&name, e));
                self.defs.insert(name.to_string(), sum);
                name
            }
        };
        if let Some(function) = &self.g.check_finite {
            // Anomaly detection: the first non-finite adjoint, named by its source variable.
            let rt = &self.g.rt;
            let variable = crate::doc::label(self.g.f, v);
            // `NonFinite` reports an `f32`: NaN and the infinities convert exactly.
            let value = match self.g.float() {
                Float::F32 => quote!(#name),
                Float::F64 => quote!(#name as f32),
            };
            out.extend(quote! {
                if !#name.is_finite() {
                    return ::core::result::Result::Err(#rt::NonFinite { function: #function, variable: #variable, value: #value });
                }
            });
        }
        Some(AExpr::Adj(name.to_string()))
    }

    /// The reverse of a block whose forward values are in scope.
    pub fn block(&mut self, block: &Block) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in block.stmts.iter().rev() {
            self.stmt(stmt, &mut out);
        }
        out
    }

    fn stmt(&mut self, stmt: &Stmt, out: &mut TokenStream) {
        match stmt {
            Stmt::Let(v) => {
                let v = *v;
                let Some(d) = self.finish(v, out) else { return };
                let op = self.g.f.values[v].op.clone();
                if let Op::Param(p) = op {
                    self.param_exprs.insert(p, d.clone());
                    let d = self.g.aexpr(&d);
                    self.param_adjoints.insert(p, d);
                    return;
                }
                if let Op::Call(call) = &op {
                    let d = self.g.aexpr(&d);
                    self.call(call, Site::Value(v), d, out);
                    return;
                }
                if let Op::Read(place, _) = &op {
                    let d = self.g.aexpr(&d);
                    match self.sums.iter().find(|(p, _, _)| p == place) {
                        Some((_, [even, odd], i)) => {
                            let zero = self.g.float().lit(0.0);
                            // in a block: `part` must not shadow a value of the user's
                            out.extend(quote! {{
                                let part = #d;
                                #even += if #i % 2 == 0 { part } else { #zero };
                                #odd += if #i % 2 == 0 { #zero } else { part };
                            }});
                        }
                        None => out.extend(self.g.add_to_shadow(place, d, false)),
                    }
                    return;
                }
                let f = self.g.f;
                let is_constant = |u: ValueId| {
                    matches!(
                        f.values[u].op,
                        Op::Const(_) | Op::Extern(_) | Op::FromInt(_)
                    )
                };
                for (u, c) in rules::contributions(&op, v, d, is_constant) {
                    self.contribute(u, c, out);
                }
            }
            Stmt::Decl { var, init } => {
                if !self.g.act.vars[*var] {
                    return;
                }
                let adj = self.g.var_adj[*var].clone();
                let rt = self.g.rt.clone();
                match init {
                    VarInit::Scalar(v) => self.contribute(*v, AExpr::Adj(adj.to_string()), out),
                    VarInit::Repeat(v, _) if !self.active(*v) => {}
                    VarInit::Repeat(v, _) => {
                        let sum = match self.g.lanes {
                            Some(_) => {
                                let lanes = self.g.lanes_path();
                                quote!(#lanes::LaneElements::lane_sum(&#adj))
                            }
                            None => quote!(#rt::sum_all(&#adj)),
                        };
                        let e = self.materialize(sum, out);
                        self.contribute(*v, e, out);
                    }
                    VarInit::List(items) => {
                        for (idx, v) in items.iter().filter(|(_, v)| self.g.act.values[*v]) {
                            let idx = idx
                                .iter()
                                .map(|i| proc_macro2::Literal::usize_unsuffixed(*i));
                            let e = self.materialize(quote!(#adj #([#idx])*), out);
                            self.contribute(*v, e, out);
                        }
                    }
                    VarInit::Uninit | VarInit::ZeroLike(_) => {}
                    VarInit::Call(call) => {
                        self.call(call, Site::Var(*var), quote!(&#adj), out);
                    }
                }
            }
            Stmt::Assign {
                place,
                value,
                op,
                save,
                ..
            } => {
                if let Some(shadow) = self.g.var_shadow(place) {
                    if self.active(*value) {
                        let c = self.materialize(shadow.clone(), out);
                        let c = if *op == AssignOp::Sub {
                            rules::neg(c)
                        } else {
                            c
                        };
                        self.contribute(*value, c, out);
                    }
                    if *op == AssignOp::Set {
                        let zero = self.g.float().lit(0.0);
                        out.extend(self.g.write(AssignOp::Set, shadow, zero, true));
                    }
                }
                self.restore(place, *save, out);
            }
            Stmt::For {
                region,
                var,
                lo,
                hi,
                inclusive,
                rev,
                body,
                end,
            } => {
                if let Some(grads) = self.g.one_pass_grads.get(region).cloned() {
                    self.add_one_pass_grads(&grads, out);
                } else if self.region_matters(body) {
                    let i = self.g.int_names[*var].clone();
                    let range = self.g.rerun_range(lo, hi, *inclusive, !*rev, *end);
                    let enclosing = self.sums.len();
                    let open = self.open_sums(*region, *var, body);
                    let inner = self.region_body(*region, body);
                    let close = self.close_sums(enclosing);
                    out.extend(quote!(#open for #i in #range { #inner } #close));
                }
                out.extend(self.g.entry_restores(*region));
            }
            Stmt::If {
                region,
                cond,
                then,
                els,
                ..
            } => {
                if self.region_matters(then) || self.region_matters(els) {
                    let c = self.g.value(*cond);
                    if self.g.varies(*cond) {
                        // The sides in the reverse of the order the forward code ran them.
                        let reversed =
                            crate::lanes::masked_branch(self, c, false, |this, taken| {
                                this.region_body(*region, if taken { then } else { els })
                            });
                        out.extend(reversed);
                    } else {
                        let then = self.region_body(*region, then);
                        let els = self.region_body(*region, els);
                        out.extend(quote!(if #c { #then } else { #els }));
                    }
                }
                out.extend(self.g.entry_restores(*region));
            }
            // Only the forward sweep leaves a loop early; the reverse runs `lo..end`.
            Stmt::Break { .. } => {}
        }
    }

    /// Starts local sums for the adjoint of each place the loop reads at an index it does not
    /// change (`d_xc[i] += L[..] * d_qx[j]` in the reverse of `for j in ..`): the shadow
    /// element in memory made the reverse loop one serial chain of loads and stores, which
    /// kept the loop's other, independent updates from vectorising. Two partial sums, picked
    /// by the parity of the loop's variable (selects on scalars, which fold once the loop is
    /// unrolled): with one, the chain of adds still kept LLVM from unrolling the GMM's
    /// triangular product and vectorising it (4.89 against 3.16 million instructions at
    /// d = 10; its `_hvp`, whose loop LLVM does not unroll, pays 16% more instructions:
    /// docs/benchmarks-gmm.md). The shadow gets the sums once after the loop
    /// ([`Self::close_sums`]): the same additions in another order. Only array elements and
    /// parameters (a scalar local's adjoint is a local already), and only variables the loop
    /// does not write (the reverse of a write reads and zeroes the shadow). Not in lanes: there
    /// the sums cost more than the chain (4.70 against 3.92 million instructions at d = 10).
    fn open_sums(&mut self, region: RegionId, var: IntVarId, body: &Block) -> TokenStream {
        let mut loops = vec![var];
        let mut written = Vec::new();
        let mut reads = Vec::new();
        self.scan(body, &mut loops, &mut written, &mut reads);
        let depth = self.g.f.regions[region].depth;
        let (float, zero) = (self.g.adjoint_type(), self.g.adjoint_zero());
        let i = self.g.int_names[var].clone();
        let mut out = TokenStream::new();
        for place in reads {
            let outside = match place.base {
                Base::Var(v) => self.g.f.vars[v].depth <= depth && place.index_count() > 0,
                Base::Param(_) => true,
            };
            let invariant = place.path.iter().all(|seg| match seg {
                Seg::Index(e) => !loops.iter().any(|l| crate::analyze::mentions_var(e, *l)),
                Seg::Field(_) => true,
            });
            if outside
                && self.g.lanes.is_none()
                && invariant
                && !written.contains(&place.base)
                && self.g.has_shadow(&place)
                && !self.sums.iter().any(|(p, _, _)| *p == place)
            {
                let even = self.g.names.fresh("d_sum_even");
                let odd = self.g.names.fresh("d_sum_odd");
                out.extend(quote!(let mut #even: #float = #zero; let mut #odd: #float = #zero;));
                self.sums.push((place, [even, odd], i.clone()));
            }
        }
        out
    }

    /// Adds the sums [`Self::open_sums`] started after `enclosing` into their shadows.
    fn close_sums(&mut self, enclosing: usize) -> TokenStream {
        let sums = self.sums.split_off(enclosing);
        sums.iter()
            .map(|(place, [even, odd], _)| {
                self.g.add_to_shadow(place, quote!((#even + #odd)), false)
            })
            .collect()
    }

    /// The loop variables, the written bases and the active reads of shadowed places in
    /// `block`, nested blocks included.
    fn scan(
        &self,
        block: &Block,
        loops: &mut Vec<IntVarId>,
        written: &mut Vec<Base>,
        reads: &mut Vec<Place>,
    ) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let(v) => {
                    if let Op::Read(place, _) = &self.g.f.values[*v].op {
                        if self.active(*v) && !reads.contains(place) {
                            reads.push(place.clone());
                        }
                    }
                }
                Stmt::Assign { place, .. } => written.push(place.base),
                Stmt::For { var, body, .. } => {
                    loops.push(*var);
                    self.scan(body, loops, written, reads);
                }
                Stmt::If { then, els, .. } => {
                    self.scan(then, loops, written, reads);
                    self.scan(els, loops, written, reads);
                }
                Stmt::Decl { .. } | Stmt::Break { .. } => {}
            }
        }
    }

    /// The reverse of a call: its pullback with the cotangent `d_out`, the arguments again,
    /// and a shadow after each `&` argument (`None` where no gradient is wanted); by-value
    /// arguments' gradients come back from it.
    fn call(&mut self, call: &Call, site: Site, d_out: TokenStream, out: &mut TokenStream) {
        let Some(pullback) = self.g.pullback(site) else {
            return;
        };
        let rt = self.g.rt.clone();
        let mut args = Vec::new();
        let mut returned = Vec::new();
        // A shadow may be borrowed mutably once per call: a place passed twice (`dot(x, x)`)
        // gets a scratch gradient, added into its shadow after the call.
        let mut borrowed = Vec::new();
        let mut scratch = TokenStream::new();
        let mut merge = TokenStream::new();
        let mut shadow_once = |this: &mut Self, place: &Place, value: &TokenStream| {
            if this.g.has_shadow(place) && borrowed.contains(&place.base) {
                this.counter += 1;
                let tmp = this.g.names.fresh(&format!("scratch{}", this.counter));
                scratch.extend(quote!(let mut #tmp = #rt::zero_like(#value);));
                merge.extend(this.g.add_to_shadow(place, quote!(#tmp), true));
                return quote!(::core::option::Option::Some(&mut #tmp));
            }
            borrowed.push(place.base);
            this.g.shadow_arg(place)
        };
        if let Some((recv, version)) = &call.receiver {
            let value = self.g.call_arg(&CallArg::Ref(recv.clone(), *version));
            let shadow = shadow_once(self, recv, &value);
            args.extend([value, shadow]);
        }
        for arg in &call.args {
            let value = self.g.call_arg(arg);
            args.push(value.clone());
            match arg {
                CallArg::Ref(place, _) => args.push(shadow_once(self, place, &value)),
                CallArg::Scalar(_) | CallArg::ArrayValue(..) => returned.push(arg),
                CallArg::Int(_) | CallArg::Bool(_) => {}
            }
        }
        args.push(d_out);
        let invocation = quote!((#pullback)(#(#args),*));
        out.extend(scratch);
        let invocation = if merge.is_empty() {
            invocation
        } else {
            let result = self.g.names.fresh("result");
            quote!({ let #result = #invocation; #merge #result })
        };
        if returned.is_empty() {
            out.extend(quote!(#invocation;));
            return;
        }
        self.counter += 1;
        let names: Vec<proc_macro2::Ident> = (0..returned.len())
            .map(|k| self.g.names.fresh(&format!("g{}_{k}", self.counter)))
            .collect();
        if let [name] = names.as_slice() {
            out.extend(quote!(let #name = #invocation;));
        } else {
            out.extend(quote!(let (#(#names),*) = #invocation;));
        }
        for (arg, name) in returned.into_iter().zip(names) {
            match arg {
                CallArg::Scalar(v) => self.contribute(*v, AExpr::Adj(name.to_string()), out),
                CallArg::ArrayValue(place, _) => {
                    out.extend(self.g.add_to_shadow(place, quote!(#name), true));
                }
                _ => {}
            }
        }
    }

    /// Puts back the value a write overwrote. In lanes, in every lane, whatever the mask: a
    /// lane the write skipped still holds that value, since the reverse runs in the reverse
    /// order of the forward code.
    fn restore(&mut self, place: &Place, save: Save, out: &mut TokenStream) {
        let target = self.g.place(place);
        let old = match save {
            Save::Local(k) => {
                let name = self.g.local_save(k);
                quote!(#name)
            }
            Save::Buffer(k) => self.g.buffer_slot(k),
            Save::Known(v) => self.g.value(v),
            Save::None => return,
        };
        let in_lanes = matches!(place.base, Base::Var(var) if self.g.var_varies(var));
        out.extend(match in_lanes {
            true => {
                let lanes = self.g.lanes_path();
                quote!(#target = #lanes::Lanes::from(#old);)
            }
            false => quote!(#target = #old;),
        });
    }

    /// Whether the reverse of a region has anything to do: adjoints or restores.
    fn region_matters(&self, block: &Block) -> bool {
        block.stmts.iter().any(|s| match s {
            Stmt::Let(v) => self.active(*v),
            Stmt::Decl { var, .. } => self.g.act.vars[*var],
            Stmt::Assign { place, save, .. } => {
                *save != Save::None || matches!(place.base, Base::Var(v) if self.g.act.vars[v])
            }
            Stmt::For { body, .. } => self.region_matters(body),
            Stmt::If { then, els, .. } => self.region_matters(then) || self.region_matters(els),
            Stmt::Break { .. } => false,
        })
    }

    /// One execution of a region's body in reverse: undo, recompute, reverse. An iteration of
    /// a replayed loop has nothing to undo (it only accumulates) and is recomputed keeping what
    /// its reverse needs.
    fn region_body(&mut self, region: RegionId, body: &Block) -> TokenStream {
        let (undo, mode) = if self.g.f.regions[region].replayed {
            (TokenStream::new(), Mode::Replay(region))
        } else {
            (self.undo(region, body), Mode::Recompute(region))
        };
        let recompute = self.g.forward(body, mode);
        let open = self.open(body);
        let reverse = self.block(body);
        quote!(#undo #recompute #open #reverse)
    }

    /// The reverse of a loop the forward sweep reversed in one pass: its gradients, scaled by
    /// the accumulator's adjoint.
    fn add_one_pass_grads(&mut self, grads: &OnePassGrads, out: &mut TokenStream) {
        let rt = self.g.rt.clone();
        let scale = self.g.var_adj[grads.accumulator].clone();
        for (v, grad) in &grads.vars {
            let adj = &self.g.var_adj[*v];
            out.extend(match self.g.f.vars[*v].array {
                Some(_) => quote!(#rt::add_scaled(&mut #adj, #scale, &#grad);),
                None => quote!(#adj += #scale * #grad;),
            });
        }
        for (p, grad) in &grads.params {
            out.extend(self.g.add_scaled_to_shadow(*p, quote!(#scale), grad));
        }
        for (v, grad) in &grads.values {
            let c = rules::mul(AExpr::Adj(scale.to_string()), AExpr::Adj(grad.to_string()));
            self.contribute(*v, c, out);
        }
    }

    /// Restores the outer state a block wrote (variables declared outside `region`), newest
    /// write first, so that the block can be recomputed.
    fn undo(&mut self, region: RegionId, block: &Block) -> TokenStream {
        let depth = self.g.f.regions[region].depth;
        let mut out = TokenStream::new();
        for stmt in block.stmts.iter().rev() {
            match stmt {
                Stmt::Assign {
                    place,
                    save: save @ (Save::Buffer(_) | Save::Known(_)),
                    ..
                } => {
                    if let Base::Var(var) = place.base {
                        if self.g.f.vars[var].depth <= depth {
                            self.restore(place, *save, &mut out);
                        }
                    }
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
                    let inner = self.undo(region, body);
                    if !inner.is_empty() {
                        let i = self.g.int_names[*var].clone();
                        let range = self.g.rerun_range(lo, hi, *inclusive, !*rev, *end);
                        out.extend(quote!(for #i in #range { #inner }));
                    }
                }
                Stmt::If {
                    then, els, record, ..
                } => {
                    let Some(k) = record else { continue };
                    let took = self.g.buffer_slot(*k);
                    if self.g.lanes.as_ref().is_some_and(|l| l.buffers[*k]) {
                        let undone =
                            crate::lanes::masked_branch(self, took, false, |this, taken| {
                                this.undo(region, if taken { then } else { els })
                            });
                        out.extend(undone);
                        continue;
                    }
                    let then = self.undo(region, then);
                    let els = self.undo(region, els);
                    if !then.is_empty() || !els.is_empty() {
                        out.extend(quote!(if #took { #then } else { #els }));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// What the iterations of a loop reversed in one pass ([`Region::one_pass`]) added into: a
/// gradient per input of the loop, taken with the accumulator's adjoint as 1, which the reverse
/// sweep scales by the accumulator's real adjoint and adds where the loop's reverse would have.
#[derive(Clone)]
pub struct OnePassGrads {
    accumulator: VarId,
    /// Outer variables the loop reads, with their gradient.
    vars: Vec<(VarId, Ident)>,
    /// Parameters with a shadow the loop reads, with their gradient.
    params: Vec<(ParamId, Ident)>,
    /// Outer values the loop reads, with their gradient.
    values: Vec<(ValueId, Ident)>,
}

/// The forward sweep of a one-pass loop: the declarations to put before the loop, the body of
/// an iteration (its forward code, keeping what its reverse needs, then that reverse), and
/// where the loop can run in lanes ([`crate::lanes`]) the same for a block of iterations.
pub struct OnePassLoop {
    pub decls: TokenStream,
    pub iteration: TokenStream,
    pub lanes: Option<LaneBlocks>,
}

/// A one-pass loop's iterations in blocks of lanes: the gradients and buffers in lanes
/// (declared before the loop), a block's code, and the gradients' lanes summed into the
/// scalar gradients, after the blocks and before the last iterations.
pub struct LaneBlocks {
    pub decls: TokenStream,
    pub iteration: TokenStream,
    pub sums: TokenStream,
    /// The number of iterations in a block.
    pub width: TokenStream,
    /// The fewest iterations run in blocks.
    pub min_len: TokenStream,
}

/// Where the reverse of a one-pass iteration adds: the gradient standing in for each input's
/// adjoint, and the borrows of the parameters' ones to make at the start of the iteration.
#[derive(Default)]
struct Stand {
    borrows: TokenStream,
    params: Vec<(ParamId, Ident)>,
    vars: Vec<(VarId, Ident)>,
    values: Vec<(ValueId, Ident)>,
}

impl Stand {
    /// Parameter `p`'s shadow stood in for by the gradient `owned`. A by-value array's shadow
    /// is a local array: the gradient itself. A reference's shadow is a `&mut`: the gradient is
    /// borrowed in each iteration, owned outside it so that a pullback can keep it.
    fn param(&mut self, g: &mut Gen, p: ParamId, owned: &Ident) {
        let stand_in = match g.f.params[p].kind {
            ParamKind::Array => owned.clone(),
            _ => {
                let borrow = g.names.fresh(&format!("{owned}_mut"));
                self.borrows.extend(quote!(let #borrow = &mut #owned;));
                borrow
            }
        };
        self.params.push((p, stand_in));
    }
}

/// The [`OnePassLoop`] of loop `region`, or `None` where the loop is replayed instead: its
/// accumulator is inactive; the gradients do not pass [`crate::analyze::one_pass_fits`] (data
/// indexed by the loop variable, more than 128 KiB, a type the macro cannot size); or non-finite
/// adjoints are checked (the check returns early, which the forward sweep of `_fwd` cannot).
pub fn one_pass_iteration(
    g: &mut Gen,
    region: RegionId,
    body: &Block,
    rev: bool,
    inclusive: bool,
) -> Option<OnePassLoop> {
    let accumulator = g.f.regions[region].one_pass?;
    if !g.act.vars[accumulator] || g.check_finite.is_some() {
        return None;
    }
    // Only what has an adjoint gets a gradient.
    let mut inputs = crate::analyze::loop_inputs(g.f, region, body);
    inputs
        .params
        .retain(|p| g.act.params[*p] && g.shadows[*p].is_some());
    inputs.vars.retain(|v| g.act.vars[*v] && *v != accumulator);
    inputs.values.retain(|v| g.act.values[*v]);
    if !crate::analyze::one_pass_fits(g.f, accumulator, region, &inputs, |_| true, |_| true) {
        return None;
    }
    let rt = g.rt.clone();
    let float = g.float();
    let zero = float.lit(0.0);
    let mut decls = TokenStream::new();
    // An array gradient, zero like `like` and kept in memory through the loop.
    let array_gradient = |name: &Ident, like: TokenStream| quote!(let mut #name = #rt::zero_like(#like); #rt::in_memory(&mut #name););
    let mut grads = OnePassGrads {
        accumulator,
        vars: Vec::new(),
        params: Vec::new(),
        values: Vec::new(),
    };
    let mut stand = Stand::default();
    for &p in &inputs.params {
        let param = &g.f.params[p];
        let value = g.param(p);
        let owned = g.names.fresh(&format!("g_{}", param.name));
        decls.extend(match param.kind {
            ParamKind::Array => array_gradient(&owned, quote!(&#value)),
            _ => array_gradient(&owned, value.clone()),
        });
        stand.param(g, p, &owned);
        grads.params.push((p, owned));
    }
    for &v in &inputs.vars {
        let name = g.names.fresh(&format!("g_{}", g.f.vars[v].name));
        let value = &g.var_names[v];
        decls.extend(match g.f.vars[v].array {
            Some(_) => array_gradient(&name, quote!(&#value)),
            None => quote!(let mut #name: #float = #zero;),
        });
        grads.vars.push((v, name));
    }
    for &v in &inputs.values {
        let name = g.names.fresh(&format!("g_{}", g.value_names[v]));
        decls.extend(quote!(let mut #name: #float = #zero;));
        grads.values.push((v, name));
    }
    stand.vars = grads.vars.clone();
    stand.values = grads.values.clone();
    let unit = g
        .names
        .fresh(&format!("d_{}_unit", g.f.vars[accumulator].name));
    let one = float.lit(1.0);
    decls.extend(quote!(let #unit: #float = #one;));

    let iteration = reversed_iteration(g, body, accumulator, &unit, &stand);
    let has_grad = |p: ParamId| grads.params.iter().any(|(q, _)| *q == p);
    let lane = g.names.fresh("lane");
    let lanes = crate::lanes::plan(g.f, region, body, (rev, inclusive), has_grad, lane)
        .map(|plan| lane_blocks(g, body, plan, &grads, &unit));
    g.one_pass_grads.insert(region, grads);
    Some(OnePassLoop {
        decls,
        iteration,
        lanes,
    })
}

/// One iteration's forward code, then its reverse, which writes where the loop's reverse would,
/// renamed to the gradients of `stand`.
fn reversed_iteration(
    g: &mut Gen,
    body: &Block,
    accumulator: VarId,
    unit: &Ident,
    stand: &Stand,
) -> TokenStream {
    let saved_adj = g.var_adj.clone();
    let saved_shadows = g.shadows.clone();
    g.var_adj[accumulator] = unit.clone();
    for (v, name) in &stand.vars {
        g.var_adj[*v] = name.clone();
    }
    for (p, stand_in) in &stand.params {
        g.shadows[*p] = Some(stand_in.clone());
    }
    let forward = g.forward(body, Mode::Original);
    let accumulator_name = g.var_names[accumulator].clone();
    let (terms, sum) = g.add_contributions(&accumulator_name);
    let forward = quote!(#terms #forward #sum);
    let mut rev = Reverse::new(g);
    for (v, name) in &stand.values {
        rev.slots.insert(*v, Slot::Mutable(name.clone()));
    }
    let open = rev.open(body);
    let reverse = rev.block(body);
    g.var_adj = saved_adj;
    g.shadows = saved_shadows;
    let borrows = &stand.borrows;
    quote!(#borrows #forward #open #reverse)
}

/// The loop's iterations in blocks of lanes: each gradient of `grads` and each buffer holding
/// lanes gets a copy in lanes, which the block writes.
fn lane_blocks(
    g: &mut Gen,
    body: &Block,
    plan: crate::lanes::LaneLoop,
    grads: &OnePassGrads,
    unit: &Ident,
) -> LaneBlocks {
    let (rt, lanes) = (g.rt.clone(), g.lanes_path());
    let mut decls = TokenStream::new();
    let mut sums = TokenStream::new();
    let mut stand = Stand::default();
    let mut in_lanes = |g: &mut Gen, scalar: &Ident| {
        let name = g.names.fresh(&format!("{scalar}_lanes"));
        decls.extend(quote! {
            let mut #name = #lanes::zero_lanes_like(&#scalar);
            #rt::in_memory(&mut #name);
        });
        sums.extend(quote!(#lanes::HasLanes::add_lane_sums(&mut #scalar, &#name);));
        name
    };
    for (p, owned) in &grads.params {
        let name = in_lanes(g, owned);
        stand.param(g, *p, &name);
    }
    for (v, scalar) in &grads.vars {
        let name = in_lanes(g, scalar);
        stand.vars.push((*v, name));
    }
    for (v, scalar) in &grads.values {
        let name = in_lanes(g, scalar);
        stand.values.push((*v, name));
    }
    let saved_buffers = g.buffer_names.clone();
    for (k, held) in plan.buffers.iter().enumerate() {
        let buffer = &g.f.buffers[k];
        if !held || buffer.unread {
            continue;
        }
        let name = g.names.fresh(&format!("{}_lanes", g.buffer_names[k]));
        let (ty, init) = match (&buffer.elem_ty, buffer.is_bool) {
            (Some(array), _) => (
                crate::lanes::lanes_type(array, &quote!(#lanes::Lanes)),
                quote!(<#array as #lanes::HasLanes>::zero_lanes()),
            ),
            (None, true) => (quote!(#lanes::Mask), quote!(#lanes::Mask::NONE)),
            (None, false) => (quote!(#lanes::Lanes), quote!(#lanes::Lanes::ZERO)),
        };
        decls.extend(g.buffer_decl(k, &name, ty, init));
        g.buffer_names[k] = name;
    }
    g.lanes = Some(plan);
    let iteration = reversed_iteration(g, body, grads.accumulator, unit, &stand);
    g.lanes = None;
    g.buffer_names = saved_buffers;
    LaneBlocks {
        decls,
        iteration,
        sums,
        width: quote!(#lanes::WIDTH),
        min_len: quote!(#lanes::MIN_LEN),
    }
}
