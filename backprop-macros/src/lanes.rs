//! Points in lanes: a loop reversed in one pass ([`Region::one_pass`]) run four iterations at a
//! time, each value that varies with the loop's variable a `__private::lanes::Lanes`, one lane
//! per iteration, and each branch on such a value a mask.
//!
//! The iteration's code is the one [`crate::reverse::one_pass_iteration`] emits, rendered by
//! `Gen` with [`Gen::lanes`] set: values the loop's variable does not reach stay scalars (the
//! lane operators broadcast them), data indexed by it is gathered, comparisons of lanes give
//! masks, and a branch on a mask runs each side for the lanes that take it (if any does), every
//! write in it a select. Each lane computes what its scalar iteration computes, in the same
//! order; the block's contributions to the accumulator are added lane after lane, so the value
//! is the plain function's bit for bit. The gradients of the loop's inputs are kept in lanes
//! and summed after the blocks; the last `len % 4` iterations run the scalar iteration, and so
//! do all of a loop of fewer than `lanes::MIN_LEN` (8).

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::quote;

use crate::analyze::{indexed_by, mentions_var};
use crate::emit::Gen;
use crate::ir::*;
use crate::rules::{AExpr, Cond};

/// What varies across the lanes of a loop run in lanes, and the mask of the code being emitted.
pub struct LaneLoop {
    /// The loop's variable: in a block, the first iteration's.
    pub var: IntVarId,
    /// The name of a lane's number in the code of a block (fresh: not a user's `lane`).
    pub lane: Ident,
    /// The loop's depth: a variable declared at it or less is the accumulator.
    pub depth: usize,
    /// The values and variables that differ between iterations.
    pub values: Vec<bool>,
    pub vars: Vec<bool>,
    /// The buffers holding lanes (or masks), renamed to their lane copies in the block.
    pub buffers: Vec<bool>,
    /// The lanes the code being emitted runs for: `None` for all of them.
    pub mask: Option<Ident>,
    /// The block's writes into the accumulator so far, in order: each a local holding every
    /// lane's term, added (or subtracted) after the block's forward code, lane after lane.
    pub contributions: Vec<(AssignOp, Ident)>,
}

/// The [`LaneLoop`] of one-pass loop `region`, or `None` where it cannot run in lanes: `f64`,
/// a reversed or inclusive range, a call, an early exit or a `zero_like` in the body, a write
/// indexed by the loop's variable, a loop bound, an integer test or a `powi` exponent depending
/// on it, a read indexed by it of a parameter with a gradient (each lane's gradient would go to
/// its own row), a write into the accumulator inside a nested loop.
pub fn plan(
    f: &Function,
    region: RegionId,
    body: &Block,
    (rev, inclusive): (bool, bool),
    has_grad: impl Fn(ParamId) -> bool,
    lane: Ident,
) -> Option<LaneLoop> {
    let (var, ..) = f.regions[region].loop_info.as_ref()?;
    if f.float != Float::F32 || rev || inclusive {
        return None;
    }
    let mut lanes = LaneLoop {
        var: *var,
        lane,
        depth: f.regions[region].depth,
        values: vec![false; f.values.len()],
        vars: vec![false; f.vars.len()],
        buffers: vec![false; f.buffers.len()],
        mask: None,
        contributions: Vec::new(),
    };
    let depth = lanes.depth;
    // Varying spreads forward through values and writes: repeat to a fixed point.
    loop {
        let before = (lanes.values.clone(), lanes.vars.clone());
        if !spread(f, body, depth, (false, false), &has_grad, &mut lanes) {
            return None;
        }
        if (&lanes.values, &lanes.vars) == (&before.0, &before.1) {
            break;
        }
    }
    mark_buffers(f, body, &mut lanes);
    Some(lanes)
}

/// One pass of the varying analysis over `block` (`masked`: inside a branch on a mask; `nested`:
/// inside a loop of the iteration); false where the block cannot run in lanes, which includes a
/// write into the accumulator in a nested loop (the block adds its terms lane after lane, as
/// many as it writes).
fn spread(
    f: &Function,
    block: &Block,
    depth: usize,
    (masked, nested): (bool, bool),
    has_grad: &dyn Fn(ParamId) -> bool,
    lanes: &mut LaneLoop,
) -> bool {
    let p = lanes.var;
    let by_p = |path: &[Seg]| indexed_by(path, p);
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let(v) => {
                let op = &f.values[*v].op;
                let varies = match op {
                    Op::Call(_) => return false,
                    Op::IntCmp(_, a, b) if mentions_var(a, p) || mentions_var(b, p) => {
                        return false
                    }
                    Op::Powi(_, n) if mentions_var(n, p) => return false,
                    Op::Read(place, _) => match place.base {
                        Base::Var(_) if by_p(&place.path) => return false,
                        Base::Param(q) if by_p(&place.path) && has_grad(q) => return false,
                        Base::Param(_) => by_p(&place.path),
                        Base::Var(var) => lanes.vars[var],
                    },
                    Op::FromInt(i) => mentions_var(i, p),
                    op => op.operands().iter().any(|u| lanes.values[*u]),
                };
                lanes.values[*v] |= varies;
            }
            Stmt::Decl { var, init } => {
                let varies = match init {
                    VarInit::Call(_) | VarInit::ZeroLike(_) => return false,
                    VarInit::Scalar(v) | VarInit::Repeat(v, _) => lanes.values[*v],
                    VarInit::List(items) => {
                        let varies = items.iter().any(|(_, v)| lanes.values[*v]);
                        if varies && f.vars[*var].array.as_ref().is_none_or(|a| a.ty.is_none()) {
                            return false;
                        }
                        varies
                    }
                    VarInit::Uninit => false,
                };
                lanes.vars[*var] |= varies;
            }
            Stmt::Assign { place, value, .. } => {
                let Base::Var(var) = place.base else {
                    return false;
                };
                if by_p(&place.path) {
                    return false;
                }
                // The accumulator, outside the loop, stays a scalar: blocks add into it in order.
                if f.vars[var].depth > depth {
                    lanes.vars[var] |= masked || lanes.values[*value];
                } else if nested {
                    return false;
                }
            }
            Stmt::For {
                lo, hi, body, end, ..
            } => {
                if end.is_some() || mentions_var(lo, p) || mentions_var(hi, p) {
                    return false;
                }
                if !spread(f, body, depth, (masked, true), has_grad, lanes) {
                    return false;
                }
            }
            Stmt::If {
                cond, then, els, ..
            } => {
                let masked = masked || lanes.values[*cond];
                let inside = (masked, nested);
                if !spread(f, then, depth, inside, has_grad, lanes)
                    || !spread(f, els, depth, inside, has_grad, lanes)
                {
                    return false;
                }
            }
            Stmt::Break { .. } => return false,
        }
    }
    true
}

/// The buffers the block keeps lanes in: those of varying values, of varying variables'
/// saves and snapshots, and the records of branches on masks.
fn mark_buffers(f: &Function, block: &Block, lanes: &mut LaneLoop) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let(v) => {
                if let Some(&k) = f.stored.get(v) {
                    lanes.buffers[k] |= lanes.values[*v];
                }
            }
            Stmt::Assign {
                place,
                save: Save::Buffer(k),
                ..
            } => {
                if let Base::Var(var) = place.base {
                    lanes.buffers[*k] |= lanes.vars[var];
                }
            }
            Stmt::For { region, body, .. } => {
                for &(var, k) in &f.regions[*region].snapshot {
                    lanes.buffers[k] |= lanes.vars[var];
                }
                mark_buffers(f, body, lanes);
            }
            Stmt::If {
                cond,
                then,
                els,
                record,
                ..
            } => {
                if let Some(k) = record {
                    lanes.buffers[*k] |= lanes.values[*cond];
                }
                mark_buffers(f, then, lanes);
                mark_buffers(f, els, lanes);
            }
            Stmt::Decl { .. } | Stmt::Assign { .. } | Stmt::Break { .. } => {}
        }
    }
}

/// `ty` with [`Lanes`](`__private::lanes::Lanes`) for each `f32`: `[[f32; D]; K]` gives
/// `[[Lanes; D]; K]`.
pub fn lanes_type(ty: &TokenStream, lanes: &TokenStream) -> TokenStream {
    ty.clone()
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == "f32" => lanes.clone(),
            TokenTree::Group(g) => {
                let inner = lanes_type(&g.stream(), lanes);
                let mut group = proc_macro2::Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                TokenStream::from(TokenTree::Group(group))
            }
            t => TokenStream::from(t),
        })
        .collect()
}

impl Gen<'_> {
    /// The runtime's lanes module.
    pub fn lanes_path(&self) -> TokenStream {
        let rt = &self.rt;
        quote!(#rt::lanes)
    }

    /// Whether a value differs between the lanes of the code being emitted.
    pub fn varies(&self, v: ValueId) -> bool {
        self.lanes.as_ref().is_some_and(|l| l.values[v])
    }

    /// Whether a variable holds lanes.
    pub fn var_varies(&self, var: VarId) -> bool {
        self.lanes.as_ref().is_some_and(|l| l.vars[var])
    }

    /// Whether a read of `place` differs between lanes by its index (`x[p][i]`): a gather.
    pub fn gathers(&self, place: &Place) -> bool {
        self.lanes
            .as_ref()
            .is_some_and(|l| indexed_by(&place.path, l.var))
    }

    /// Whether an integer is the loop's variable's in each lane (it mentions that variable).
    pub fn int_varies(&self, i: &IntExpr) -> bool {
        self.lanes.as_ref().is_some_and(|l| mentions_var(i, l.var))
    }

    /// Whether an adjoint expression differs between lanes. Adjoints do, once in lanes.
    pub fn aexpr_varies(&self, e: &AExpr) -> bool {
        if self.lanes.is_none() {
            return false;
        }
        match e {
            AExpr::Lit(_) => false,
            AExpr::Val(v) => self.varies(*v),
            AExpr::Adj(_) => true,
            AExpr::Int(i) => self.int_varies(i),
            AExpr::Neg(x) | AExpr::Powi(x, _) => self.aexpr_varies(x),
            AExpr::Bin(_, x, y) | AExpr::Flushed(x, y) => {
                self.aexpr_varies(x) || self.aexpr_varies(y)
            }
            AExpr::Math(_, args) => args.iter().any(|a| self.aexpr_varies(a)),
            AExpr::Select(c, x, y) => {
                self.cond_varies(c) || self.aexpr_varies(x) || self.aexpr_varies(y)
            }
        }
    }

    /// Whether a condition of the derivative rules differs between lanes (is a mask).
    pub fn cond_varies(&self, c: &Cond) -> bool {
        match c {
            Cond::Cmp(_, x, y) => self.aexpr_varies(x) || self.aexpr_varies(y),
            Cond::And(x, y) | Cond::Or(x, y) => self.cond_varies(x) || self.cond_varies(y),
            Cond::IntIsZero(i) => self.int_varies(i),
            Cond::Val(v) => self.varies(*v),
        }
    }

    /// The type of a value: its scalar type, or lanes (a mask for a `bool`) where it varies.
    pub fn value_type(&self, ty: Ty, varies: bool) -> TokenStream {
        let lanes = self.lanes_path();
        match (ty, varies) {
            (Ty::F32, false) => {
                let float = self.float();
                quote!(#float)
            }
            (Ty::Bool, false) => quote!(bool),
            (Ty::F32, true) => quote!(#lanes::Lanes),
            (Ty::Bool, true) => quote!(#lanes::Mask),
        }
    }

    /// `e` computed in each lane with the loop's variable that lane's: `f(p + l)`. Under a
    /// mask, only in its lanes (`0.0` in the others): a lane whose iteration does not take the
    /// branch may have nothing to read there.
    pub fn gathered(&self, e: TokenStream) -> TokenStream {
        self.gather(quote!(Lanes), e, quote!(0.0))
    }

    /// The test `e` computed in each lane with the loop's variable that lane's: a mask.
    pub fn gathered_mask(&self, e: TokenStream) -> TokenStream {
        self.gather(quote!(Mask), e, quote!(false))
    }

    fn gather(&self, ty: TokenStream, e: TokenStream, skipped: TokenStream) -> TokenStream {
        let Some(lanes) = &self.lanes else { return e };
        let (path, p) = (self.lanes_path(), &self.int_names[lanes.var]);
        let lane = &lanes.lane;
        let e = match &lanes.mask {
            Some(m) => quote!(if #m.0[#lane] { #e } else { #skipped }),
            None => e,
        };
        quote!(#path::#ty::gather(|#lane| { let #p = #p + #lane; #e }))
    }

    /// The type of an adjoint: the float, or lanes.
    pub fn adjoint_type(&self) -> TokenStream {
        self.value_type(Ty::F32, self.lanes.is_some())
    }

    /// `let name: T = e;` for an adjoint: in lanes, `e` broadcast where it is a scalar.
    pub fn bind_adjoint(&self, name: &Ident, e: TokenStream) -> TokenStream {
        let ty = self.adjoint_type();
        match self.lanes {
            Some(_) => quote!(let #name: #ty = #ty::from(#e);),
            None => quote!(let #name: #ty = #e;),
        }
    }

    /// The zero of an adjoint (`0.0`, or zero lanes).
    pub fn adjoint_zero(&self) -> TokenStream {
        match self.lanes {
            Some(_) => {
                let lanes = self.lanes_path();
                quote!(#lanes::Lanes::ZERO)
            }
            None => self.float().lit(0.0),
        }
    }

    /// `target op= v` for an adjoint or a variable: as written for a scalar (`varies` false),
    /// and for lanes only in the lanes of the current mask.
    pub fn write(
        &self,
        op: AssignOp,
        target: TokenStream,
        v: TokenStream,
        varies: bool,
    ) -> TokenStream {
        let Some(lanes) = self.lanes.as_ref().filter(|_| varies) else {
            return crate::emit::assign(op, target, v);
        };
        let path = self.lanes_path();
        match (&lanes.mask, op) {
            (None, AssignOp::Set) => quote!(#target = #path::Lanes::from(#v);),
            (None, op) => crate::emit::assign(op, target, v),
            (Some(m), AssignOp::Set) => quote!(#path::set_where(#m, &mut #target, #v);),
            (Some(m), AssignOp::Add) => quote!(#path::add_where(#m, &mut #target, #v);),
            (Some(m), AssignOp::Sub) => quote!(#path::sub_where(#m, &mut #target, #v);),
        }
    }

    /// `acc op= v` into the loop's accumulator, a scalar: kept as a term of the block (each
    /// lane of a `v` that does not vary), `-0.0` for an add (`0.0` for a subtraction) in a lane
    /// the mask leaves out, which changes nothing. [`Self::add_contributions`] adds the terms.
    pub fn accumulate(&mut self, op: AssignOp, acc: TokenStream, v: TokenStream) -> TokenStream {
        if self.lanes.is_none() {
            return crate::emit::assign(op, acc, v);
        }
        let path = self.lanes_path();
        let term = self.names.fresh("term");
        let lanes = self.lanes.as_mut().expect("in lanes");
        let skipped = unchanging(op);
        lanes.contributions.push((op, term.clone()));
        match &lanes.mask {
            Some(m) => quote!(#term = #path::select(#m, #v, #skipped);),
            None => quote!(#term = #path::Lanes::from(#v);),
        }
    }

    /// The declarations of the block's terms (before its forward code) and their sum into the
    /// accumulator `acc` (after it): lane after lane, each lane's terms in the order the scalar
    /// iteration writes them, so that the value is the plain function's bit for bit.
    pub fn add_contributions(&mut self, acc: &Ident) -> (TokenStream, TokenStream) {
        let path = self.lanes_path();
        let Some(lanes) = self.lanes.as_mut() else {
            return Default::default();
        };
        let terms = std::mem::take(&mut lanes.contributions);
        let lane = lanes.lane.clone();
        let decls = terms.iter().map(|(op, term)| {
            let unchanging = unchanging(*op);
            quote!(let mut #term: #path::Lanes = #path::Lanes::from(#unchanging);)
        });
        let adds = terms.iter().map(|(op, term)| match op {
            AssignOp::Sub => quote!(#acc -= #term.0[#lane];),
            _ => quote!(#acc += #term.0[#lane];),
        });
        let width = quote!(#path::WIDTH);
        (
            quote!(#(#decls)*),
            quote!(for #lane in 0..#width { #(#adds)* }),
        )
    }

    /// Whether variable `var` is, in lanes, the loop's accumulator.
    pub fn is_accumulator(&self, var: VarId) -> bool {
        self.lanes
            .as_ref()
            .is_some_and(|l| self.f.vars[var].depth <= l.depth)
    }
}

/// The term that `acc op= term` leaves `acc` as it is, whatever `acc`: `-0.0` for an add
/// (`0.0 + 0.0` is `0.0`, `-0.0 + -0.0` is `-0.0`), `0.0` for a subtraction.
fn unchanging(op: AssignOp) -> TokenStream {
    match op {
        AssignOp::Sub => quote!(0.0),
        _ => quote!(-0.0),
    }
}

/// What emits code with a [`Gen`]: `Gen` itself, or the reverse sweep holding one.
pub trait Emitter<'a> {
    fn generator(&mut self) -> &mut Gen<'a>;
}

impl<'a> Emitter<'a> for Gen<'a> {
    fn generator(&mut self) -> &mut Gen<'a> {
        self
    }
}

impl<'a> Emitter<'a> for crate::reverse::Reverse<'_, 'a> {
    fn generator(&mut self) -> &mut Gen<'a> {
        self.g
    }
}

/// A branch on the mask `cond`: each side's code (`side(e, true)` for `then`) with the mask
/// narrowed to the lanes that take it, run if any lane does; `then` first, or `els` first for
/// a reverse.
pub fn masked_branch<'a, E: Emitter<'a>>(
    e: &mut E,
    cond: TokenStream,
    then_first: bool,
    mut side: impl FnMut(&mut E, bool) -> TokenStream,
) -> TokenStream {
    let path = e.generator().lanes_path();
    let outer = e.generator().lanes.as_ref().and_then(|l| l.mask.clone());
    let mut out = TokenStream::new();
    let order = if then_first {
        [true, false]
    } else {
        [false, true]
    };
    for taken in order {
        let m = e
            .generator()
            .names
            .fresh(if taken { "lanes_then" } else { "lanes_else" });
        let here = if taken { quote!(#cond) } else { quote!(!#cond) };
        let mask = match &outer {
            Some(o) => quote!(#o & #here),
            None => here,
        };
        e.generator().lanes.as_mut().expect("in lanes").mask = Some(m.clone());
        let code = side(e, taken);
        e.generator().lanes.as_mut().expect("in lanes").mask = outer.clone();
        if !code.is_empty() {
            out.extend(quote!(let #m: #path::Mask = #mask; if #m.any() { #code }));
        }
    }
    out
}
