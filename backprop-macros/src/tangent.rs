//! Forward mode, IR to IR: the tangent program of a function.
//!
//! Every float parameter `x` gets a tangent parameter `x_dot` of the same type, placed after
//! it; every active value `y = op(a, b)` gets `y_dot = dy/da a_dot + dy/db b_dot` right after
//! its `let`, with the partials from [`rules::contributions`] (the reverse sweep's rules, with
//! the adjoint 1), and every active local its tangent local, written where the local is
//! written. Loops and branches keep their shape and need no buffers: each tangent is computed
//! where its value is. A call's tangent is a call of the callee's tangent (its `_jvp`).
//!
//! The result is an ordinary [`Function`] returning the tangent of the output: `_jvp` emits it
//! as forward code, and `_hvp` runs the reverse pipeline on it (reverse-over-forward).

use std::collections::HashMap;

use crate::analyze;
use crate::interface::all_floats;
use crate::ir::*;
use crate::lower::Builder;
use crate::rules::{self, AExpr, Cond};

/// A tangent program, and where the original value is in it.
pub struct TangentProgram {
    /// Parameters interleaved with their tangents; returns the output's tangent (`ret` or
    /// `ret_var`).
    pub ir: Function,
    /// The output's value: a scalar, or the local array the function ends with.
    pub value: Site,
    /// Where each parameter of the original function is among the tangent program's.
    pub primal_params: Vec<ParamId>,
    /// The locals that hold tangents (of a local, or the zero passed for an argument without
    /// one): the K-tangent form gives them `K` lanes.
    pub tangent_vars: std::collections::HashSet<VarId>,
}

/// The name of a tangent: `x_dot` for `x`.
pub fn tangent_name(name: &str) -> String {
    format!("{}_dot", name.trim_start_matches("r#"))
}

struct Transform<'a> {
    f: &'a Function,
    act: analyze::Activity,
    b: Builder,
    /// Original value -> its value in the tangent program.
    values: HashMap<ValueId, ValueId>,
    /// Value in the tangent program -> its tangent, for active values.
    tangents: HashMap<ValueId, ValueId>,
    /// Original local -> its tangent local.
    tangent_vars: HashMap<VarId, VarId>,
    params: Vec<ParamId>,
    tangent_params: Vec<Option<ParamId>>,
    stmts: Vec<Vec<Stmt>>,
    depth: usize,
    fused: Vec<(Site, Site)>,
    /// The zeros made for arguments without a tangent.
    zeros: Vec<VarId>,
}

/// The tangent program of `f` (lowered, before any analysis).
pub fn transform(f: &Function) -> TangentProgram {
    let mut b = Builder::new();
    b.func.float = f.float;
    let mut params = Vec::new();
    let mut tangent_params = Vec::new();
    for p in &f.params {
        b.func.params.push(p.clone());
        params.push(b.func.params.len() - 1);
        let tangent = match p.kind {
            ParamKind::Scalar | ParamKind::Array | ParamKind::Ref => Some(Param {
                name: tangent_name(&p.name),
                ident: None,
                ..p.clone()
            }),
            ParamKind::RefSelf => Some(Param {
                name: tangent_name("self"),
                kind: ParamKind::Ref,
                ty: quote::quote!(&Self),
                is_bool: false,
                scalar_ref: false,
                ident: None,
            }),
            ParamKind::Constant | ParamKind::Rejected => None,
        };
        tangent_params.push(tangent.map(|t| {
            b.func.params.push(t);
            b.func.params.len() - 1
        }));
    }
    b.func.vars = f.vars.clone();
    b.func.int_vars = f.int_vars.clone();
    b.func.ret_array = f.ret_array.clone();
    b.func.regions = f
        .regions
        .iter()
        .map(|r| Region {
            entry_saves: Vec::new(),
            snapshot: Vec::new(),
            replayed: false,
            one_pass: None,
            ..r.clone()
        })
        .collect();
    let mut t = Transform {
        f,
        act: analyze::activity(f, &all_floats(f)),
        b,
        values: HashMap::new(),
        tangents: HashMap::new(),
        tangent_vars: HashMap::new(),
        params,
        tangent_params,
        stmts: vec![Vec::new()],
        depth: 0,
        fused: Vec::new(),
        zeros: Vec::new(),
    };
    // Every active local has a tangent local, and so has the returned array.
    for var in 0..f.vars.len() {
        if t.act.vars[var] || f.ret_var == Some(var) {
            let v = &f.vars[var];
            t.b.func.vars.push(Var {
                name: tangent_name(&v.name),
                ..v.clone()
            });
            let tangent = t.b.func.vars.len() - 1;
            t.tangent_vars.insert(var, tangent);
            for r in &mut t.b.func.regions {
                if r.non_accumulating.contains(&var) {
                    r.non_accumulating.insert(tangent);
                }
            }
        }
    }
    // Literals have no `let`: they are shared by every block.
    for (v, value) in f.values.iter().enumerate() {
        if let Op::Const(_) | Op::BoolConst(_) = value.op {
            let (mapped, _) = t.b.value(value.op.clone(), f.spans[v]);
            t.values.insert(v, mapped);
        }
    }
    t.block_into(&f.body);
    let (value, ret, ret_var) = match (f.ret, f.ret_var) {
        (Some(ret), _) => {
            let v = t.values[&ret];
            let tangent = match t.tangents.get(&v) {
                Some(&d) => d,
                None => t.zero(),
            };
            (Site::Value(v), Some(tangent), None)
        }
        (None, Some(var)) => (Site::Var(var), None, Some(t.tangent_vars[&var])),
        (None, None) => unreachable!("checked: the function returns a value"),
    };
    let mut tangent_vars: std::collections::HashSet<VarId> =
        t.tangent_vars.values().copied().collect();
    tangent_vars.extend(t.zeros);
    let mut ir = t.b.func;
    ir.body = Block {
        id: 0,
        stmts: t.stmts.pop().unwrap_or_default(),
    };
    ir.ret = ret;
    ir.ret_var = ret_var;
    ir.fused = t.fused;
    TangentProgram {
        ir,
        value,
        primal_params: t.params,
        tangent_vars,
    }
}

impl Transform<'_> {
    fn emit(&mut self, stmt: Stmt) {
        self.stmts.last_mut().expect("a block is open").push(stmt);
    }

    /// A value of the tangent program, with its `let` if it is new.
    fn value(&mut self, op: Op, span: proc_macro2::Span, name: Option<String>) -> ValueId {
        let (v, stmt) = self.b.value(op, span);
        if let Some(stmt) = stmt {
            self.emit(stmt);
            if self.b.func.values[v].name.is_none() {
                self.b.func.values[v].name = name;
            }
        }
        v
    }

    fn zero(&mut self) -> ValueId {
        self.value(
            Op::Const(0.0f64.to_bits()),
            proc_macro2::Span::call_site(),
            None,
        )
    }

    fn block_into(&mut self, block: &Block) {
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
    }

    /// A nested block (loop body, branch) of the tangent program.
    fn nested(&mut self, block: &Block) -> Block {
        let id = self.b.open_block();
        self.stmts.push(Vec::new());
        self.depth += 1;
        self.block_into(block);
        self.depth -= 1;
        self.b.close_block();
        Block {
            id,
            stmts: self.stmts.pop().unwrap_or_default(),
        }
    }

    fn place(&self, place: &Place) -> Place {
        match place.base {
            Base::Param(p) => Place {
                base: Base::Param(self.params[p]),
                path: place.path.clone(),
            },
            Base::Var(_) => place.clone(),
        }
    }

    /// The tangent of a place, if it has one.
    fn tangent_place(&self, place: &Place) -> Option<Place> {
        let base = match place.base {
            Base::Param(p) => Base::Param(self.tangent_params[p]?),
            Base::Var(v) => Base::Var(*self.tangent_vars.get(&v)?),
        };
        Some(Place {
            base,
            path: place.path.clone(),
        })
    }

    /// A zero of the type of `place`, for the tangent of an argument that has none.
    fn zero_like(&mut self, place: &Place) -> Place {
        self.b.func.vars.push(Var {
            name: "zero".into(),
            array: Some(ArrayInfo {
                ty: None,
                rank: None,
            }),
            depth: self.depth,
            if_result: false,
        });
        let var = self.b.func.vars.len() - 1;
        self.zeros.push(var);
        self.emit(Stmt::Decl {
            var,
            init: VarInit::ZeroLike(self.place(place)),
        });
        Place {
            base: Base::Var(var),
            path: vec![],
        }
    }

    fn op(&self, op: &Op) -> Op {
        let v = |x: &ValueId| self.values[x];
        match op {
            Op::Param(p) => Op::Param(self.params[*p]),
            Op::Read(place, version) => Op::Read(self.place(place), *version),
            Op::Neg(a) => Op::Neg(v(a)),
            Op::Not(a) => Op::Not(v(a)),
            Op::Bin(o, a, b) => Op::Bin(*o, v(a), v(b)),
            Op::Cmp(o, a, b) => Op::Cmp(*o, v(a), v(b)),
            Op::And(a, b) => Op::And(v(a), v(b)),
            Op::Or(a, b) => Op::Or(v(a), v(b)),
            Op::Math(f, args) => Op::Math(*f, args.iter().map(v).collect()),
            Op::Powi(a, n) => Op::Powi(v(a), n.clone()),
            Op::Select(c, a, b) => Op::Select(v(c), v(a), v(b)),
            Op::Call(call) => Op::Call(Box::new(self.call(call))),
            Op::Const(_) | Op::BoolConst(_) | Op::FromInt(_) | Op::Extern(_) | Op::IntCmp(..) => {
                op.clone()
            }
        }
    }

    fn call(&self, call: &Call) -> Call {
        let args = call
            .args
            .iter()
            .map(|a| match a {
                CallArg::Scalar(x) => CallArg::Scalar(self.values[x]),
                CallArg::Bool(x) => CallArg::Bool(self.values[x]),
                CallArg::Ref(p, version) => CallArg::Ref(self.place(p), *version),
                CallArg::ArrayValue(p, version) => CallArg::ArrayValue(self.place(p), *version),
                CallArg::Int(i) => CallArg::Int(i.clone()),
            })
            .collect();
        Call {
            path: call.path.clone(),
            kind: call.kind,
            receiver: call
                .receiver
                .as_ref()
                .map(|(p, version)| (self.place(p), *version)),
            args,
        }
    }

    /// The tangent call of a call (already in the tangent program's terms): the callee's
    /// arguments, each float one followed by its tangent (a zero where it has none). `None`
    /// when no argument has a tangent.
    fn tangent_call(&mut self, original: &Call, call: &Call) -> Option<Call> {
        let has_tangent = |t: &Self, p: &Place| t.tangent_place(p).is_some();
        let any = original.receiver.iter().any(|(p, _)| has_tangent(self, p))
            || original.args.iter().any(|a| match a {
                CallArg::Scalar(x) => self.act.values[*x],
                CallArg::Ref(p, _) | CallArg::ArrayValue(p, _) => has_tangent(self, p),
                CallArg::Int(_) | CallArg::Bool(_) => false,
            });
        if !any {
            return None;
        }
        let mut args = Vec::new();
        if let Some((recv, version)) = &original.receiver {
            let tangent = match self.tangent_place(recv) {
                Some(t) => t,
                None => self.zero_like(recv),
            };
            args.push(CallArg::Ref(tangent, *version));
        }
        for (a, mapped) in original.args.iter().zip(&call.args) {
            args.push(mapped.clone());
            match a {
                CallArg::Scalar(x) => {
                    let tangent = match self.tangents.get(&self.values[x]) {
                        Some(&t) => t,
                        None => self.zero(),
                    };
                    args.push(CallArg::Scalar(tangent));
                }
                CallArg::Ref(p, version) | CallArg::ArrayValue(p, version) => {
                    let tangent = match self.tangent_place(p) {
                        Some(t) => t,
                        None => self.zero_like(p),
                    };
                    args.push(match a {
                        CallArg::Ref(..) => CallArg::Ref(tangent, *version),
                        _ => CallArg::ArrayValue(tangent, *version),
                    });
                }
                CallArg::Int(_) | CallArg::Bool(_) => {}
            }
        }
        Some(Call {
            path: call.path.clone(),
            kind: CallKind::Tangent,
            receiver: call.receiver.clone(),
            args,
        })
    }

    /// The value of an expression over the tangent program's values (the rules' partials).
    fn lower_expr(&mut self, e: &AExpr, span: proc_macro2::Span) -> ValueId {
        let op = match e {
            AExpr::Lit(x) => Op::Const(x.to_bits()),
            AExpr::Val(v) => return *v,
            AExpr::Adj(_) => unreachable!("partials are taken with the adjoint 1"),
            AExpr::Int(i) => Op::FromInt(i.clone()),
            AExpr::Neg(a) => Op::Neg(self.lower_expr(a, span)),
            AExpr::Bin(o, a, b) => {
                let (a, b) = (self.lower_expr(a, span), self.lower_expr(b, span));
                Op::Bin(*o, a, b)
            }
            AExpr::Math(f, args) => {
                Op::Math(*f, args.iter().map(|a| self.lower_expr(a, span)).collect())
            }
            AExpr::Powi(a, n) => Op::Powi(self.lower_expr(a, span), n.clone()),
            // a partial is exact: flushing is for the reverse sweep's adjoints
            AExpr::Flushed(d, y) => return self.lower_expr(&rules::unflushed(d, y), span),
            AExpr::Select(c, a, b) => {
                let c = self.lower_cond(c, span);
                let (a, b) = (self.lower_expr(a, span), self.lower_expr(b, span));
                Op::Select(c, a, b)
            }
        };
        self.value(op, span, None)
    }

    fn lower_cond(&mut self, c: &Cond, span: proc_macro2::Span) -> ValueId {
        let op = match c {
            Cond::Cmp(o, a, b) => {
                let (a, b) = (self.lower_expr(a, span), self.lower_expr(b, span));
                Op::Cmp(*o, a, b)
            }
            Cond::And(a, b) => {
                let (a, b) = (self.lower_cond(a, span), self.lower_cond(b, span));
                Op::And(a, b)
            }
            Cond::Or(a, b) => {
                let (a, b) = (self.lower_cond(a, span), self.lower_cond(b, span));
                Op::Or(a, b)
            }
            Cond::IntIsZero(i) => Op::IntCmp(CmpOp::Eq, i.clone(), IntExpr::Lit(0)),
            Cond::Val(v) => return *v,
        };
        self.value(op, span, None)
    }

    /// The tangent of `y = op(...)` (in the tangent program's terms): the sum over its
    /// operands of the rule's partial times the operand's tangent.
    fn tangent_of(&mut self, original: ValueId, y: ValueId, span: proc_macro2::Span) {
        let name = self.f.values[original].name.as_deref().map(tangent_name);
        let op = self.b.func.values[y].op.clone();
        let tangent = match &op {
            Op::Param(_) => {
                let Op::Param(p) = self.f.values[original].op else {
                    return;
                };
                let Some(t) = self.tangent_params[p] else {
                    return;
                };
                Some(self.value(Op::Param(t), span, name.clone()))
            }
            Op::Read(place, version) => {
                let original_place = match &self.f.values[original].op {
                    Op::Read(p, _) => p.clone(),
                    _ => place.clone(),
                };
                self.tangent_place(&original_place)
                    .map(|t| self.value(Op::Read(t, *version), span, name.clone()))
            }
            Op::Call(_) => {
                let Op::Call(original_call) = &self.f.values[original].op else {
                    return;
                };
                let Op::Call(call) = &op else { return };
                let (original_call, call) = (original_call.clone(), call.clone());
                self.tangent_call(&original_call, &call).map(|c| {
                    let t = self.value(Op::Call(Box::new(c)), span, name.clone());
                    self.fused.push((Site::Value(y), Site::Value(t)));
                    t
                })
            }
            _ => {
                let f = &self.b.func;
                let is_constant = |u: ValueId| {
                    matches!(
                        f.values[u].op,
                        Op::Const(_) | Op::Extern(_) | Op::FromInt(_)
                    )
                };
                let parts = rules::contributions(&op, y, rules::lit(1.0), is_constant);
                let terms: Vec<AExpr> = parts
                    .into_iter()
                    .filter_map(|(u, partial)| {
                        let t = *self.tangents.get(&u)?;
                        Some(rules::mul(partial, AExpr::Val(t)))
                    })
                    .collect();
                terms.into_iter().reduce(rules::add).map(|sum| {
                    let t = self.lower_expr(&sum, span);
                    if self.b.func.values[t].name.is_none()
                        && !matches!(self.b.func.values[t].op, Op::Const(_))
                    {
                        self.b.func.values[t].name = name.clone();
                    }
                    t
                })
            }
        };
        if let Some(t) = tangent {
            self.tangents.insert(y, t);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Let(v) => {
                let span = self.f.spans[*v];
                let op = self.op(&self.f.values[*v].op);
                let y = self.value(op, span, self.f.values[*v].name.clone());
                self.values.insert(*v, y);
                if self.act.values[*v]
                    && self.f.values[*v].ty == Ty::F32
                    && !self.tangents.contains_key(&y)
                {
                    self.tangent_of(*v, y, span);
                }
            }
            Stmt::Decl { var, init } => {
                let mapped = match init {
                    VarInit::Scalar(v) => VarInit::Scalar(self.values[v]),
                    VarInit::Repeat(v, dims) => VarInit::Repeat(self.values[v], dims.clone()),
                    VarInit::List(items) => VarInit::List(
                        items
                            .iter()
                            .map(|(i, v)| (i.clone(), self.values[v]))
                            .collect(),
                    ),
                    VarInit::Uninit => VarInit::Uninit,
                    VarInit::Call(call) => VarInit::Call(self.call(call)),
                    VarInit::ZeroLike(p) => VarInit::ZeroLike(self.place(p)),
                };
                let Some(&tangent) = self.tangent_vars.get(var) else {
                    self.emit(Stmt::Decl {
                        var: *var,
                        init: mapped,
                    });
                    return;
                };
                let tangent_of = |t: &mut Self, v: &ValueId| t.tangents.get(&t.values[v]).copied();
                let tangent_init = match init {
                    VarInit::Scalar(v) => {
                        VarInit::Scalar(tangent_of(self, v).unwrap_or_else(|| self.zero()))
                    }
                    VarInit::Repeat(v, dims) => VarInit::Repeat(
                        tangent_of(self, v).unwrap_or_else(|| self.zero()),
                        dims.clone(),
                    ),
                    VarInit::List(items) => VarInit::List(
                        items
                            .iter()
                            .filter_map(|(i, v)| Some((i.clone(), tangent_of(self, v)?)))
                            .collect(),
                    ),
                    VarInit::Uninit => VarInit::Uninit,
                    VarInit::Call(original) => {
                        let VarInit::Call(call) = &mapped else {
                            unreachable!()
                        };
                        let call = call.clone();
                        match self.tangent_call(original, &call) {
                            Some(c) => {
                                self.fused.push((Site::Var(*var), Site::Var(tangent)));
                                VarInit::Call(c)
                            }
                            None => VarInit::ZeroLike(Place {
                                base: Base::Var(*var),
                                path: vec![],
                            }),
                        }
                    }
                    VarInit::ZeroLike(p) => VarInit::ZeroLike(self.place(p)),
                };
                self.emit(Stmt::Decl {
                    var: *var,
                    init: mapped,
                });
                self.emit(Stmt::Decl {
                    var: tangent,
                    init: tangent_init,
                });
            }
            Stmt::Assign {
                place,
                value,
                op,
                regions,
                span,
                ..
            } => {
                let mapped = self.values[value];
                self.emit(Stmt::Assign {
                    place: self.place(place),
                    value: mapped,
                    op: *op,
                    save: Save::None,
                    regions: regions.clone(),
                    span: *span,
                });
                let Some(tangent_place) = self.tangent_place(place) else {
                    return;
                };
                let tangent = match (self.tangents.get(&mapped).copied(), op) {
                    (Some(t), _) => t,
                    (None, AssignOp::Set) => self.zero(),
                    (None, _) => return,
                };
                self.emit(Stmt::Assign {
                    place: tangent_place,
                    value: tangent,
                    op: *op,
                    save: Save::None,
                    regions: regions.clone(),
                    span: *span,
                });
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
                let body = self.nested(body);
                self.emit(Stmt::For {
                    region: *region,
                    var: *var,
                    lo: lo.clone(),
                    hi: hi.clone(),
                    inclusive: *inclusive,
                    rev: *rev,
                    body,
                    end: *end,
                });
            }
            Stmt::Break {
                cond,
                var,
                end,
                at_start,
            } => self.emit(Stmt::Break {
                cond: self.values[cond],
                var: *var,
                end: *end,
                at_start: *at_start,
            }),
            Stmt::If {
                region,
                cond,
                then,
                els,
                ..
            } => {
                let cond = self.values[cond];
                let then = self.nested(then);
                let els = self.nested(els);
                self.emit(Stmt::If {
                    region: *region,
                    cond,
                    then,
                    els,
                    record: None,
                });
            }
        }
    }
}
