//! Step 1, parse: the user's `syn::ItemFn` becomes the IR. Everything outside the supported
//! subset becomes an error on its exact tokens, and lowering goes on so that several mistakes
//! are reported together.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::{BinOp as SynBinOp, Expr, FnArg, Pat, ReturnType, Stmt as SynStmt, Type, UnOp};

use crate::errors::Errors;
use crate::ir::*;

const INT_TYPES: &[&str] = &[
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
];

/// What a name is bound to.
#[derive(Clone)]
enum Binding {
    Value(ValueId),
    Var(VarId),
    Int(IntExpr),
    Place(Place),
    /// An array of integers (class labels, indices): a constant.
    IntArray(String),
    /// A name whose declaration was rejected: its uses report nothing more.
    Poisoned,
}

/// An expression after lowering.
#[derive(Clone)]
enum Lowered {
    F(ValueId),
    B(ValueId),
    I(IntExpr),
    /// An array, an array row or a field of a parameter: becomes a read where a scalar is needed.
    P(Place, Span),
    /// A path the function does not bind: a const, a const generic, an `f32` constant.
    Named(String, Span),
    /// A call, whose result is an `f32` or an array depending on where it goes.
    Call(Box<Call>, Span),
}

pub struct Lower<'a> {
    pub b: Builder,
    errors: &'a mut Errors,
    scopes: Vec<HashMap<String, Binding>>,
    stmts: Vec<Vec<Stmt>>,
    region_stack: Vec<RegionId>,
    /// Names the body indexes (`h[i]`) or borrows (`&h`): a call bound to one returns an array.
    array_names: HashSet<String>,
    /// Names the body reads anywhere: a call bound to a name never read keeps the type rustc
    /// infers (it may return an array nothing indexes).
    read_names: HashSet<String>,
    /// The identifier of the parameter being lowered.
    param_ident: Option<syn::Ident>,
}

/// Lowers a function's parameters and body.
pub fn lower(item: &syn::ItemFn, errors: &mut Errors) -> Function {
    let mut l = Lower {
        b: Builder::new(),
        errors,
        scopes: vec![HashMap::new()],
        stmts: vec![Vec::new()],
        region_stack: Vec::new(),
        array_names: array_names(&item.block),
        read_names: read_names(&item.block),
        param_ident: None,
    };
    l.params(&item.sig);
    l.return_type(&item.sig);
    let ret = l.body(&item.block);
    let mut func = l.b.func;
    func.body = Block {
        id: 0,
        stmts: l.stmts.pop().unwrap_or_default(),
    };
    func.ret = ret;
    func
}

impl Lower<'_> {
    fn err(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, msg));
    }

    fn err_at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, msg));
    }

    fn bind(&mut self, name: String, binding: Binding) {
        self.scopes
            .last_mut()
            .expect("a scope is open")
            .insert(name, binding);
    }

    fn lookup(&self, name: &str) -> Option<Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name).cloned())
    }

    fn emit(&mut self, stmt: Stmt) {
        self.stmts.last_mut().expect("a block is open").push(stmt);
    }

    fn value(&mut self, op: Op, span: Span) -> ValueId {
        let (v, stmt) = self.b.value(op, span);
        if let Some(stmt) = stmt {
            self.emit(stmt);
        }
        v
    }

    fn f32_const(&mut self, x: f32) -> ValueId {
        self.value(Op::Const(x.to_bits()), Span::call_site())
    }

    // ---- signature ------------------------------------------------------------------------

    fn params(&mut self, sig: &syn::Signature) {
        if let Some(tok) = &sig.asyncness {
            self.err(tok, "`async fn` cannot be differentiable: remove `async`");
        }
        if let Some(tok) = &sig.unsafety {
            self.err(
                tok,
                "`unsafe fn` cannot be differentiable: move the unsafe code out of it",
            );
        }
        if let Some(tok) = &sig.variadic {
            self.err(tok, "variadic functions cannot be differentiable");
        }
        for arg in &sig.inputs {
            let before = self.b.func.params.len();
            self.param(arg);
            if self.b.func.params.len() == before {
                // Rejected (the error is out): keep it as a constant so that the stubs keep
                // the signature, and silence every later use of the name.
                let name = match arg {
                    FnArg::Receiver(_) => "self".to_string(),
                    FnArg::Typed(pt) => match &*pt.pat {
                        Pat::Ident(pi) => pi.ident.to_string(),
                        _ => "_".to_string(),
                    },
                };
                let ty = match arg {
                    FnArg::Receiver(r) => r.ty.to_token_stream(),
                    FnArg::Typed(pt) => pt.ty.to_token_stream(),
                };
                self.add_param(name.clone(), ParamKind::Rejected, ty, false);
                self.bind(name, Binding::Poisoned);
            }
        }
    }

    fn param(&mut self, arg: &FnArg) {
        {
            match arg {
                FnArg::Receiver(r) => {
                    if r.reference.is_none() {
                        self.err(r, "`self` by value is not supported: take `&self`");
                        return;
                    }
                    if r.mutability.is_some() {
                        self.err(
                            r,
                            "`&mut self` is not supported: differentiable methods take `&self`",
                        );
                        return;
                    }
                    let id = self.add_param("self".into(), ParamKind::RefSelf, quote!(Self), false);
                    let place = Place {
                        base: Base::Param(id),
                        path: vec![],
                    };
                    self.bind("self".into(), Binding::Place(place));
                }
                FnArg::Typed(pt) => {
                    let Pat::Ident(pi) = &*pt.pat else {
                        self.err(
                            &pt.pat,
                            "patterns in parameters are not supported: use a plain name",
                        );
                        return;
                    };
                    if let Some(m) = &pi.mutability {
                        self.err(
                            m,
                            "parameters cannot be `mut` in a differentiable function: copy into a local `let mut`",
                        );
                    }
                    let name = pi.ident.to_string();
                    self.param_ident = Some(pi.ident.clone());
                    self.typed_param(name, &pt.ty);
                    self.param_ident = None;
                }
            }
        }
    }

    fn typed_param(&mut self, name: String, ty: &Type) {
        let span = ty.span();
        let tokens = ty.to_token_stream();
        match ty {
            Type::Reference(r) => {
                if let Some(m) = &r.mutability {
                    self.err(
                        m,
                        "`&mut` parameters are not supported: take `&T` (its gradient arrives in a shadow `d_` argument) and return the result",
                    );
                    return;
                }
                if let Type::Slice(_) = &*r.elem {
                    self.err(
                        ty,
                        "slices have no size known at compile time: use an array `&[f32; N]` with a const generic `N`",
                    );
                    return;
                }
                if is_int_array(&r.elem) {
                    self.add_param(name.clone(), ParamKind::Constant, tokens, false);
                    self.bind(name.clone(), Binding::IntArray(name));
                    return;
                }
                let id = self.add_param(name.clone(), ParamKind::Ref, tokens, false);
                self.bind(name, Binding::Place(Place { base: Base::Param(id), path: vec![] }));
            }
            Type::Array(_) if is_int_array(ty) => {
                self.add_param(name.clone(), ParamKind::Constant, tokens, false);
                self.bind(name.clone(), Binding::IntArray(name));
            }
            Type::Array(_) => {
                if !is_f32_array(ty) {
                    self.err(ty, "arrays in differentiable functions hold `f32`: `[f32; N]`, `[[f32; N]; M]`");
                    return;
                }
                let id = self.add_param(name.clone(), ParamKind::Array, tokens, false);
                self.bind(name, Binding::Place(Place { base: Base::Param(id), path: vec![] }));
            }
            Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let ident = p.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                if ident == "f32" {
                    let id = self.add_param(name.clone(), ParamKind::Scalar, tokens, false);
                    let v = self.value(Op::Param(id), span);
                    self.b.func.values[v].name = Some(name.clone());
                    self.bind(name, Binding::Value(v));
                } else if ident == "bool" {
                    let id = self.add_param(name.clone(), ParamKind::Constant, tokens, true);
                    let v = self.value(Op::Param(id), span);
                    self.b.func.values[v].name = Some(name.clone());
                    self.bind(name, Binding::Value(v));
                } else if INT_TYPES.contains(&ident.as_str()) {
                    self.add_param(name.clone(), ParamKind::Constant, tokens, false);
                    self.bind(name.clone(), Binding::Int(IntExpr::Named(name)));
                } else if ident == "f64" {
                    self.err(ty, "only `f32` is differentiable for now: use `f32`");
                } else {
                    self.err(
                        ty,
                        format_args!(
                            "a parameter of type `{ident}` cannot be differentiated: pass it by reference (`&{ident}`) if it is a parameter struct"
                        ),
                    );
                }
            }
            _ => self.err(
                ty,
                "unsupported parameter type: use `f32`, `[f32; N]`, `&[f32; N]`, `&T` (a parameter struct), an integer or `bool`",
            ),
        }
    }

    fn add_param(
        &mut self,
        name: String,
        kind: ParamKind,
        ty: TokenStream,
        is_bool: bool,
    ) -> ParamId {
        let scalar_ref =
            matches!(syn::parse2::<Type>(ty.clone()), Ok(Type::Reference(r)) if is_f32(&r.elem));
        let ident = self.param_ident.clone();
        self.b.func.params.push(Param {
            name,
            kind,
            ty,
            is_bool,
            scalar_ref,
            ident,
        });
        self.b.func.params.len() - 1
    }

    fn return_type(&mut self, sig: &syn::Signature) {
        match &sig.output {
            ReturnType::Type(_, ty) if is_f32(ty) => {}
            ReturnType::Type(_, ty) if is_f32_array(ty) => {
                self.b.func.ret_array = Some(ty.to_token_stream());
            }
            ReturnType::Type(_, ty) => self.err(
                ty,
                "a differentiable function returns `f32` or an `f32` array (`[f32; N]`)",
            ),
            ReturnType::Default => self.errors.push(syn::Error::new(
                sig.paren_token.span.close(),
                "a differentiable function must return `f32`: add `-> f32`",
            )),
        }
    }

    // ---- statements -----------------------------------------------------------------------

    /// Lowers the function body; returns the value it ends with.
    fn body(&mut self, block: &syn::Block) -> Option<ValueId> {
        let n = block.stmts.len();
        let mut ret = None;
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last = i + 1 == n;
            let tail = match stmt {
                SynStmt::Expr(Expr::Return(r), _) if last => r.expr.as_deref(),
                SynStmt::Expr(e, None) if last => Some(e),
                _ => {
                    self.stmt(stmt);
                    None
                }
            };
            let Some(e) = tail else { continue };
            if self.b.func.ret_array.is_some() {
                self.b.func.ret_var = self.array_tail(e);
                return None;
            }
            ret = self.expr(e).and_then(|l| self.scalar(l, e.span()));
        }
        if ret.is_none() && !self.errors.has_errors() {
            let span = block
                .stmts
                .last()
                .map(|s| s.span())
                .unwrap_or_else(|| block.span());
            self.err_at(
                span,
                "the function must end with the `f32` value it returns",
            );
        }
        ret
    }

    /// The local array a function returning an array ends with.
    fn array_tail(&mut self, e: &Expr) -> Option<VarId> {
        let ty = self.b.func.ret_array.clone();
        if let Some((init, tokens, rank)) = self.array_init(e, None) {
            let var = self.new_var(
                "out".into(),
                Some(ArrayInfo {
                    ty: Some(tokens),
                    rank: Some(rank),
                }),
                false,
            );
            self.emit(Stmt::Decl { var, init });
            return Some(var);
        }
        match self.expr(e)? {
            Lowered::P(
                Place {
                    base: Base::Var(var),
                    path,
                },
                _,
            ) if path.is_empty() => Some(var),
            Lowered::Call(call, _) => {
                let var = self.new_var("out".into(), Some(ArrayInfo { ty, rank: None }), false);
                self.emit(Stmt::Decl {
                    var,
                    init: VarInit::Call(*call),
                });
                Some(var)
            }
            _ => {
                self.err(e, "a function returning an array must end with a local array (or a call returning one)");
                None
            }
        }
    }

    fn stmt(&mut self, stmt: &SynStmt) {
        match stmt {
            // A stray `;` (syn keeps it as an empty verbatim expression).
            SynStmt::Expr(Expr::Verbatim(tokens), _) if tokens.is_empty() => {}
            SynStmt::Local(local) => self.local(local),
            SynStmt::Expr(e, _) => self.expr_stmt(e),
            SynStmt::Item(item) => self.err(item, "items inside a differentiable function are not supported: move them outside"),
            SynStmt::Macro(m) => self.err(
                &m.mac,
                "macros cannot be differentiated: write the expression out (debug printing belongs outside the differentiable function)",
            ),
        }
    }

    fn local(&mut self, local: &syn::Local) {
        let before = self.errors.len();
        let bound = self.local_binding(local);
        if !bound && self.errors.len() > before {
            // Rejected: later uses of the name report nothing more.
            if let Some(name) = pattern_name(&local.pat) {
                self.bind(name, Binding::Poisoned);
            }
        }
    }

    /// Lowers a `let`; returns whether it bound its name.
    fn local_binding(&mut self, local: &syn::Local) -> bool {
        let (pat, ty) = match &local.pat {
            Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let Pat::Ident(pi) = pat else {
            self.err(
                pat,
                "only `let name = ...` and `let mut name = ...` are supported here",
            );
            return false;
        };
        let name = pi.ident.to_string();
        let Some(init) = &local.init else {
            self.err(local, "a `let` needs a value here: `let x = ...;`");
            return false;
        };
        if let Some(diverge) = &init.diverge {
            self.err(&diverge.1, "`let ... else` is not supported");
            return false;
        }
        let expr = &*init.expr;
        if let Some(array) = self.array_init(expr, ty) {
            let (init, tokens, rank) = array;
            let info = ArrayInfo {
                ty: Some(tokens),
                rank: Some(rank),
            };
            let var = self.new_var(name.clone(), Some(info), false);
            self.emit(Stmt::Decl { var, init });
            self.bind(name, Binding::Var(var));
            return true;
        }
        let Some(lowered) = self.expr(expr) else {
            return false;
        };
        let array_annotation = ty.filter(|t| is_f32_array(t)).map(|t| t.to_token_stream());
        let lowered = match lowered {
            Lowered::Call(call, span)
                if array_annotation.is_some()
                    || self.array_names.contains(&name)
                    || (ty.is_none() && !self.read_names.contains(&name)) =>
            {
                let info = ArrayInfo {
                    ty: array_annotation,
                    rank: None,
                };
                let var = self.new_var(name.clone(), Some(info), false);
                self.emit(Stmt::Decl {
                    var,
                    init: VarInit::Call(*call),
                });
                self.bind(name, Binding::Var(var));
                let _ = span;
                return true;
            }
            other => other,
        };
        if pi.mutability.is_some() {
            match lowered {
                Lowered::I(_) => self.err(
                    pi,
                    "mutable integers are not supported: use a loop variable or an immutable `let`",
                ),
                Lowered::B(_) => self.err(
                    pi,
                    "mutable `bool`s are not supported: use an immutable `let`",
                ),
                other => {
                    if let Some(v) = self.scalar(other, expr.span()) {
                        let var = self.new_var(name.clone(), None, false);
                        self.emit(Stmt::Decl {
                            var,
                            init: VarInit::Scalar(v),
                        });
                        self.bind(name, Binding::Var(var));
                        return true;
                    }
                }
            }
            return false;
        }
        match lowered {
            Lowered::F(v) | Lowered::B(v) => {
                let value = &mut self.b.func.values[v];
                if value.name.is_none() && !matches!(value.op, Op::Const(_) | Op::BoolConst(_)) {
                    value.name = Some(name.clone());
                }
                self.bind(name, Binding::Value(v));
            }
            Lowered::I(i) => self.bind(name, Binding::Int(i)),
            Lowered::P(place, span) => {
                if let Base::Var(_) = place.base {
                    if let Some(v) = self.scalar(Lowered::P(place, span), span) {
                        self.b.func.values[v].name.get_or_insert(name.clone());
                        self.bind(name, Binding::Value(v));
                    }
                } else {
                    self.bind(name, Binding::Place(place));
                }
            }
            Lowered::Named(n, span) => {
                let v = self.value(Op::Extern(n), span);
                self.bind(name, Binding::Value(v));
            }
            Lowered::Call(call, span) => {
                let v = self.value(Op::Call(call), span);
                self.b.func.values[v].name.get_or_insert(name.clone());
                self.bind(name, Binding::Value(v));
            }
        }
        true
    }

    fn new_var(&mut self, name: String, array: Option<ArrayInfo>, if_result: bool) -> VarId {
        let depth = self.region_stack.len();
        self.b.func.vars.push(Var {
            name,
            array,
            depth,
            if_result,
        });
        self.b.func.vars.len() - 1
    }

    /// `[x; N]`, `[[x; N]; M]`, `[a, b, c]`: a local array, its type and rank.
    fn array_init(
        &mut self,
        expr: &Expr,
        ty: Option<&Type>,
    ) -> Option<(VarInit, TokenStream, usize)> {
        match expr {
            Expr::Repeat(_) => {
                let mut dims = Vec::new();
                let mut len_tokens = Vec::new();
                let mut e = expr;
                while let Expr::Repeat(r) = e {
                    let len = self
                        .expr(&r.len)
                        .and_then(|l| self.integer(l, r.len.span()))?;
                    dims.push(len);
                    len_tokens.push(r.len.to_token_stream());
                    e = &r.expr;
                }
                let elem = self.expr(e).and_then(|l| self.scalar(l, e.span()))?;
                let tokens = ty.map(|t| t.to_token_stream()).unwrap_or_else(|| {
                    len_tokens
                        .iter()
                        .rev()
                        .fold(quote!(f32), |acc, len| quote!([#acc; #len]))
                });
                let rank = dims.len();
                Some((VarInit::Repeat(elem, dims), tokens, rank))
            }
            Expr::Array(_) => {
                let mut elems = Vec::new();
                let mut shape = Vec::new();
                self.array_list(expr, &mut Vec::new(), &mut elems, &mut shape, 0)?;
                let tokens = ty.map(|t| t.to_token_stream()).unwrap_or_else(|| {
                    shape
                        .iter()
                        .rev()
                        .fold(quote!(f32), |acc, len| quote!([#acc; #len]))
                });
                Some((VarInit::List(elems), tokens, shape.len()))
            }
            _ => None,
        }
    }

    fn array_list(
        &mut self,
        expr: &Expr,
        at: &mut Vec<usize>,
        out: &mut Vec<(Vec<usize>, ValueId)>,
        shape: &mut Vec<usize>,
        depth: usize,
    ) -> Option<()> {
        match expr {
            Expr::Array(a) => {
                if shape.len() <= depth {
                    shape.push(a.elems.len());
                } else if shape[depth] != a.elems.len() {
                    self.err(a, "rows of an array literal must have the same length");
                    return None;
                }
                for (i, e) in a.elems.iter().enumerate() {
                    at.push(i);
                    self.array_list(e, at, out, shape, depth + 1)?;
                    at.pop();
                }
                Some(())
            }
            e => {
                let v = self.expr(e).and_then(|l| self.scalar(l, e.span()))?;
                out.push((at.clone(), v));
                Some(())
            }
        }
    }

    fn expr_stmt(&mut self, e: &Expr) {
        match e {
            Expr::Assign(a) => self.assign(&a.left, &a.right, None, a),
            Expr::Binary(b) if compound_op(&b.op).is_some() => {
                self.assign(&b.left, &b.right, compound_op(&b.op), b)
            }
            Expr::ForLoop(f) => self.for_loop(f),
            Expr::If(i) => {
                self.if_stmt(i);
            }
            Expr::Block(b) => {
                self.scopes.push(HashMap::new());
                for s in &b.block.stmts {
                    self.stmt(s);
                }
                self.scopes.pop();
            }
            Expr::Return(r) => self.err(
                r,
                "`return` is only supported as the last statement: restructure with `if`/`else` expressions",
            ),
            other => {
                // An expression evaluated for nothing: lower it for its errors, then drop it.
                self.expr(other);
            }
        }
    }

    fn assign(
        &mut self,
        left: &Expr,
        right: &Expr,
        compound: Option<SynBinOp>,
        whole: &dyn ToTokens,
    ) {
        let Some(place) = self.place_of(left) else {
            return;
        };
        let Base::Var(var) = place.base else {
            self.err(
                left,
                "parameters are read-only in a differentiable function (no mutation through references): copy into a local `let mut`",
            );
            return;
        };
        let rank = self.b.func.vars[var]
            .array
            .as_ref()
            .map_or(Some(0), |a| a.rank);
        let indices = place
            .path
            .iter()
            .filter(|s| matches!(s, Seg::Index(_)))
            .count();
        if rank.is_some_and(|rank| indices != rank) {
            self.err(
                left,
                "assign to one element at a time: index the array down to an `f32`",
            );
            return;
        }
        let Some(rhs) = self.expr(right).and_then(|l| self.scalar(l, right.span())) else {
            return;
        };
        let (op, value) = match compound {
            None => (AssignOp::Set, rhs),
            Some(SynBinOp::AddAssign(_)) => (AssignOp::Add, rhs),
            Some(SynBinOp::SubAssign(_)) => (AssignOp::Sub, rhs),
            Some(bin) => {
                let old = self.read(place.clone(), left.span());
                let bin = match bin {
                    SynBinOp::MulAssign(_) => BinOp::Mul,
                    SynBinOp::DivAssign(_) => BinOp::Div,
                    _ => {
                        self.err(
                            whole,
                            "only `=`, `+=`, `-=`, `*=` and `/=` are supported on `f32`",
                        );
                        return;
                    }
                };
                (
                    AssignOp::Set,
                    self.value(Op::Bin(bin, old, rhs), whole_span(whole)),
                )
            }
        };
        if op == AssignOp::Set {
            self.mention(var);
        }
        self.b.bump_version(var);
        self.emit(Stmt::Assign {
            place,
            value,
            op,
            save: Save::None,
            regions: self.region_stack.clone(),
            span: whole_span(whole),
        });
    }

    /// Records a use of `var` that is not a pure accumulation, in every region inside its scope.
    fn mention(&mut self, var: VarId) {
        let depth = self.b.func.vars[var].depth;
        for &r in &self.region_stack[depth.min(self.region_stack.len())..] {
            self.b.func.regions[r].non_accumulating.insert(var);
        }
    }

    fn open_region(&mut self, loop_info: Option<(IntVarId, IntExpr, bool, Span)>) -> RegionId {
        let depth = self.region_stack.len();
        self.b.func.regions.push(Region {
            depth,
            non_accumulating: Default::default(),
            entry_saves: Vec::new(),
            snapshot: Vec::new(),
            loop_info,
        });
        let id = self.b.func.regions.len() - 1;
        self.region_stack.push(id);
        id
    }

    /// Lowers `stmts` into a new block; `tail` (if given) lowers the block's final expression.
    fn block(&mut self, block: &syn::Block, result: Option<VarId>) -> Block {
        let id = self.b.open_block();
        self.stmts.push(Vec::new());
        self.scopes.push(HashMap::new());
        let n = block.stmts.len();
        for (i, s) in block.stmts.iter().enumerate() {
            match (s, result) {
                (SynStmt::Expr(e, None), Some(var)) if i + 1 == n => {
                    if let Some(v) = self.expr(e).and_then(|l| self.scalar(l, e.span())) {
                        self.b.bump_version(var);
                        self.emit(Stmt::Assign {
                            place: Place {
                                base: Base::Var(var),
                                path: vec![],
                            },
                            value: v,
                            op: AssignOp::Set,
                            save: Save::None,
                            regions: self.region_stack.clone(),
                            span: e.span(),
                        });
                    }
                }
                _ => self.stmt(s),
            }
        }
        if result.is_some() && !matches!(block.stmts.last(), Some(SynStmt::Expr(_, None))) {
            self.err(block, "this branch must end with an `f32` value");
        }
        self.scopes.pop();
        self.b.close_block();
        Block {
            id,
            stmts: self.stmts.pop().unwrap_or_default(),
        }
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop) {
        if let Some(label) = &f.label {
            self.err(label, "loop labels are not supported");
        }
        let name = match &*f.pat {
            Pat::Ident(pi) if pi.mutability.is_none() && pi.subpat.is_none() => {
                pi.ident.to_string()
            }
            Pat::Wild(_) => "_i".to_string(),
            p => {
                self.err(p, "the loop variable must be a plain name: `for i in 0..N`");
                return;
            }
        };
        let (range, rev) = match &*f.expr {
            Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                (strip_parens(&m.receiver), true)
            }
            e => (e, false),
        };
        let Expr::Range(r) = range else {
            self.err(
                &f.expr,
                "only ranges are supported in `for`: `for i in a..b`, `a..=b` or `(a..b).rev()` (iterator chains and closures are not differentiable)",
            );
            return;
        };
        let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
        let (Some(start), Some(end)) = (&r.start, &r.end) else {
            self.err(r, "a loop range needs both bounds: `a..b`");
            return;
        };
        let lo = self.expr(start).and_then(|l| self.integer(l, start.span()));
        let hi = self.expr(end).and_then(|l| self.integer(l, end.span()));
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return;
        };
        let var = self.b.func.int_vars.len();
        self.b.func.int_vars.push(name.clone());
        let region = self.open_region(Some((var, hi.clone(), inclusive, end.span())));
        self.scopes.push(HashMap::new());
        self.bind(name, Binding::Int(IntExpr::Var(var)));
        let body = self.block(&f.body, None);
        self.scopes.pop();
        self.region_stack.pop();
        self.emit(Stmt::For {
            region,
            var,
            lo,
            hi,
            inclusive,
            rev,
            body,
        });
    }

    /// Lowers an `if`; with `result`, each branch's final expression is assigned to it.
    fn if_chain(&mut self, i: &syn::ExprIf, result: Option<VarId>) {
        let Some(cond) = self
            .expr(&i.cond)
            .and_then(|l| self.boolean(l, i.cond.span()))
        else {
            return;
        };
        let region = self.open_region(None);
        let then = self.block(&i.then_branch, result);
        let els = match &i.else_branch {
            None => {
                if result.is_some() {
                    self.err(i, "an `if` used as a value needs an `else` branch");
                }
                Block::default()
            }
            Some((_, e)) => match &**e {
                Expr::Block(b) => self.block(&b.block, result),
                Expr::If(inner) => {
                    let id = self.b.open_block();
                    self.stmts.push(Vec::new());
                    self.if_chain(inner, result);
                    self.b.close_block();
                    Block {
                        id,
                        stmts: self.stmts.pop().unwrap_or_default(),
                    }
                }
                other => {
                    self.err(other, "unsupported `else` branch");
                    Block::default()
                }
            },
        };
        self.region_stack.pop();
        self.emit(Stmt::If {
            region,
            cond,
            then,
            els,
            record: None,
        });
    }

    fn if_stmt(&mut self, i: &syn::ExprIf) {
        self.if_chain(i, None);
    }

    // ---- expressions ----------------------------------------------------------------------

    fn expr(&mut self, e: &Expr) -> Option<Lowered> {
        let span = e.span();
        match e {
            Expr::Lit(lit) => self.literal(&lit.lit),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Path(p) => self.path(p),
            Expr::Unary(u) => {
                let inner = self.expr(&u.expr)?;
                match (&u.op, inner) {
                    (UnOp::Neg(_), Lowered::I(i)) => Some(Lowered::I(IntExpr::Bin(
                        IntBinOp::Sub,
                        Box::new(IntExpr::Lit(0)),
                        Box::new(i),
                    ))),
                    (UnOp::Neg(_), other) => {
                        let v = self.scalar(other, u.expr.span())?;
                        Some(Lowered::F(self.value(Op::Neg(v), span)))
                    }
                    (UnOp::Not(_), other) => {
                        let v = self.boolean(other, u.expr.span())?;
                        Some(Lowered::B(self.value(Op::Not(v), span)))
                    }
                    (UnOp::Deref(_), _) => {
                        self.err(
                            u,
                            "dereferencing is not supported: references are read through directly (`x[i]`, `m.w`), and `f32`s are passed by value",
                        );
                        None
                    }
                    _ => {
                        self.err(u, "unsupported unary operator");
                        None
                    }
                }
            }
            Expr::Binary(b) => self.binary(b),
            Expr::Cast(c) => self.cast(c),
            Expr::Index(ix) if self.int_array_root(&ix.expr).is_some() => {
                let mut e: &Expr = &ix.expr;
                let mut indices = vec![&ix.index];
                while let Expr::Index(inner) = e {
                    indices.push(&inner.index);
                    e = &inner.expr;
                }
                let name = self.int_array_root(&ix.expr)?;
                let mut out = Vec::new();
                for i in indices.into_iter().rev() {
                    out.push(self.expr(i).and_then(|l| self.integer(l, i.span()))?);
                }
                Some(Lowered::I(IntExpr::Index(name, out)))
            }
            Expr::Index(_) | Expr::Field(_) => {
                let place = self.place_of(e)?;
                Some(Lowered::P(place, span))
            }
            Expr::MethodCall(m) => self.method(m),
            Expr::Call(c) => self.call(c),
            Expr::Block(b) if b.label.is_none() => {
                self.scopes.push(HashMap::new());
                let n = b.block.stmts.len();
                let mut out = None;
                for (i, s) in b.block.stmts.iter().enumerate() {
                    match s {
                        SynStmt::Expr(e, None) if i + 1 == n => out = self.expr(e),
                        _ => self.stmt(s),
                    }
                }
                self.scopes.pop();
                if out.is_none() {
                    self.err(b, "this block must end with a value");
                }
                out
            }
            Expr::If(i) => {
                let var = self.new_var(format!("if_{}", self.b.func.vars.len()), None, true);
                self.emit(Stmt::Decl {
                    var,
                    init: VarInit::Uninit,
                });
                self.if_chain(i, Some(var));
                Some(Lowered::P(
                    Place {
                        base: Base::Var(var),
                        path: vec![],
                    },
                    span,
                ))
            }
            Expr::Reference(r) => {
                self.err(
                    r,
                    "references are only allowed as arguments of differentiable calls",
                );
                None
            }
            other => {
                self.unsupported(other);
                None
            }
        }
    }

    fn unsupported(&mut self, e: &Expr) {
        let msg = match e {
            Expr::Closure(_) => "closures cannot be differentiated: write the computation inline or as a `#[differentiable]` function",
            Expr::While(_) => "`while` loops cannot be differentiated: use `for i in 0..N` with a bound known at compile time",
            Expr::Loop(_) => "`loop` cannot be differentiated: use `for i in 0..N` with a bound known at compile time",
            Expr::Break(_) => "`break` is not supported: loops run their full range (use `if` inside the loop)",
            Expr::Continue(_) => "`continue` is not supported: wrap the rest of the body in `if`",
            Expr::Match(_) => "`match` is not supported: use `if`/`else`",
            Expr::Macro(_) => "macros cannot be differentiated: write the expression out",
            Expr::Async(_) | Expr::Await(_) => "`async` code cannot be differentiated",
            Expr::Unsafe(_) => "`unsafe` blocks cannot be differentiated",
            Expr::Tuple(_) => "tuples are not supported: return one `f32`",
            Expr::Struct(_) => "struct literals are not supported in differentiable code",
            Expr::Range(_) => "ranges are only supported as the bounds of a `for` loop",
            Expr::Let(_) => "`if let` / `while let` are not supported",
            Expr::Try(_) => "`?` is not supported in differentiable code",
            Expr::Assign(_) => "an assignment is not a value here: put it in its own statement",
            Expr::Return(_) => "`return` is only supported as the last statement: restructure with `if`/`else` expressions",
            Expr::Array(_) | Expr::Repeat(_) => "an array literal is only supported as the value of a `let` (`let mut h = [0.0; N];`) or as what a function returning an array ends with",
            _ => "this expression is not supported in a differentiable function",
        };
        // Point at the keyword, not the whole (multi-line) construct.
        let tokens: TokenStream = match e {
            Expr::While(w) => w.while_token.to_token_stream(),
            Expr::Loop(l) => l.loop_token.to_token_stream(),
            Expr::Match(m) => m.match_token.to_token_stream(),
            Expr::Unsafe(u) => u.unsafe_token.to_token_stream(),
            Expr::Closure(c) => c
                .or1_token
                .to_token_stream()
                .into_iter()
                .chain(c.or2_token.to_token_stream())
                .collect(),
            e => e.to_token_stream(),
        };
        self.err(tokens, msg);
    }

    fn literal(&mut self, lit: &syn::Lit) -> Option<Lowered> {
        match lit {
            syn::Lit::Float(f) => {
                if !matches!(f.suffix(), "" | "f32") {
                    self.err(f, "only `f32` literals are supported");
                    return None;
                }
                let x: f32 = f.base10_parse().ok()?;
                Some(Lowered::F(self.f32_const(x)))
            }
            syn::Lit::Int(i) => {
                if i.suffix() == "f32" {
                    let x: f32 = i.base10_parse().ok()?;
                    return Some(Lowered::F(self.f32_const(x)));
                }
                Some(Lowered::I(IntExpr::Lit(i.base10_parse().ok()?)))
            }
            syn::Lit::Bool(b) => Some(Lowered::B(self.value(Op::BoolConst(b.value), b.span()))),
            other => {
                self.err(other, "only numeric and `bool` literals are supported");
                None
            }
        }
    }

    fn path(&mut self, p: &syn::ExprPath) -> Option<Lowered> {
        let span = p.span();
        if let Some(ident) = p.path.get_ident() {
            let name = ident.to_string();
            return match self.lookup(&name) {
                Some(Binding::Value(v)) => Some(if self.b.func.values[v].ty == Ty::Bool {
                    Lowered::B(v)
                } else {
                    Lowered::F(v)
                }),
                Some(Binding::Var(var)) => Some(Lowered::P(
                    Place {
                        base: Base::Var(var),
                        path: vec![],
                    },
                    span,
                )),
                Some(Binding::Int(i)) => Some(Lowered::I(i)),
                Some(Binding::Place(place)) => Some(Lowered::P(place, span)),
                Some(Binding::Poisoned) => None,
                Some(Binding::IntArray(_)) => {
                    self.err(
                        p,
                        "an integer array is a constant: index it down to an integer",
                    );
                    None
                }
                None => Some(Lowered::Named(name, span)),
            };
        }
        if p.path.segments.iter().all(|s| s.arguments.is_none()) && p.qself.is_none() {
            return Some(Lowered::Named(
                p.path.to_token_stream().to_string().replace(' ', ""),
                span,
            ));
        }
        self.err(p, "unsupported path");
        None
    }

    fn binary(&mut self, b: &syn::ExprBinary) -> Option<Lowered> {
        let span = b.span();
        use SynBinOp as S;
        if compound_op(&b.op).is_some() {
            self.err(
                b,
                "compound assignment is a statement: put it on its own line",
            );
            return None;
        }
        let lhs = self.expr(&b.left)?;
        let rhs = self.expr(&b.right)?;
        match &b.op {
            S::And(_) | S::Or(_) => {
                let l = self.boolean(lhs, b.left.span())?;
                let r = self.boolean(rhs, b.right.span())?;
                let op = if matches!(b.op, S::And(_)) {
                    Op::And(l, r)
                } else {
                    Op::Or(l, r)
                };
                Some(Lowered::B(self.value(op, span)))
            }
            S::Lt(_) | S::Le(_) | S::Gt(_) | S::Ge(_) | S::Eq(_) | S::Ne(_) => {
                let cmp = match b.op {
                    S::Lt(_) => CmpOp::Lt,
                    S::Le(_) => CmpOp::Le,
                    S::Gt(_) => CmpOp::Gt,
                    S::Ge(_) => CmpOp::Ge,
                    S::Eq(_) => CmpOp::Eq,
                    _ => CmpOp::Ne,
                };
                if is_int(&lhs, &rhs) && is_int(&rhs, &lhs) {
                    let l = self.integer(lhs, b.left.span())?;
                    let r = self.integer(rhs, b.right.span())?;
                    return Some(Lowered::B(self.value(Op::IntCmp(cmp, l, r), span)));
                }
                let l = self.scalar(lhs, b.left.span())?;
                let r = self.scalar(rhs, b.right.span())?;
                Some(Lowered::B(self.value(Op::Cmp(cmp, l, r), span)))
            }
            S::Add(_) | S::Sub(_) | S::Mul(_) | S::Div(_) | S::Rem(_) => {
                if is_int(&lhs, &rhs) && is_int(&rhs, &lhs) {
                    let op = match b.op {
                        S::Add(_) => IntBinOp::Add,
                        S::Sub(_) => IntBinOp::Sub,
                        S::Mul(_) => IntBinOp::Mul,
                        S::Div(_) => IntBinOp::Div,
                        _ => IntBinOp::Rem,
                    };
                    let l = self.integer(lhs, b.left.span())?;
                    let r = self.integer(rhs, b.right.span())?;
                    return Some(Lowered::I(IntExpr::Bin(op, Box::new(l), Box::new(r))));
                }
                let op = match b.op {
                    S::Add(_) => BinOp::Add,
                    S::Sub(_) => BinOp::Sub,
                    S::Mul(_) => BinOp::Mul,
                    S::Div(_) => BinOp::Div,
                    _ => {
                        self.err(
                            b.op,
                            "`%` on `f32` is not differentiable: write `a - b * (a / b).floor()`",
                        );
                        return None;
                    }
                };
                let l = self.scalar(lhs, b.left.span())?;
                let r = self.scalar(rhs, b.right.span())?;
                Some(Lowered::F(self.value(Op::Bin(op, l, r), span)))
            }
            _ => {
                self.err(
                    b.op,
                    "bitwise operators are not supported in differentiable code",
                );
                None
            }
        }
    }

    fn cast(&mut self, c: &syn::ExprCast) -> Option<Lowered> {
        let inner = self.expr(&c.expr)?;
        let target = c.ty.to_token_stream().to_string();
        if target == "f32" {
            return match inner {
                Lowered::I(i) => Some(Lowered::F(self.value(Op::FromInt(i), c.span()))),
                // A const or const generic: `N as f32` (also right for an `f32` const).
                Lowered::Named(n, _) => Some(Lowered::F(
                    self.value(Op::FromInt(IntExpr::Named(n)), c.span()),
                )),
                other => Some(Lowered::F(self.scalar(other, c.expr.span())?)),
            };
        }
        if INT_TYPES.contains(&target.as_str()) {
            if let Lowered::I(i) = inner {
                return Some(Lowered::I(IntExpr::Cast(Box::new(i), target)));
            }
            self.err(
                c,
                "casting `f32` to an integer has no derivative: compute indices from integers",
            );
            return None;
        }
        self.err(
            &c.ty,
            "only `as f32` (from integers) and casts between integers are supported",
        );
        None
    }

    fn method(&mut self, m: &syn::ExprMethodCall) -> Option<Lowered> {
        let name = m.method.to_string();
        if let Expr::Path(p) = &*m.receiver {
            let ident = p
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if let Some(Binding::Poisoned) = self.lookup(&ident) {
                return None;
            }
        }
        if MathFn::from_name(&name).is_none() && name != "powi" {
            if let Some(place) = self.receiver_place(&m.receiver) {
                let version = self.place_version(&place);
                let mut path = m.method.to_token_stream();
                if let Some(t) = &m.turbofish {
                    path.extend(t.to_token_stream());
                }
                let args = self.call_args(m.args.iter())?;
                let path = path.to_string().replace(' ', "");
                let call = Call {
                    path,
                    receiver: Some((place, version)),
                    args,
                };
                return Some(Lowered::Call(Box::new(call), m.method.span()));
            }
        }
        if let Some(turbofish) = &m.turbofish {
            self.err(turbofish, "generic arguments are not supported here");
        }
        let args: Vec<&Expr> = std::iter::once(&*m.receiver).chain(m.args.iter()).collect();
        self.math_call(&name, &args, m.method.span(), m)
    }

    fn call(&mut self, c: &syn::ExprCall) -> Option<Lowered> {
        if let Expr::Path(p) = &*c.func {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segs.len() == 2 && segs[0] == "f32" {
                let args: Vec<&Expr> = c.args.iter().collect();
                return self.math_call(&segs[1], &args, p.span(), c);
            }
            let path = p.path.to_token_stream().to_string().replace(' ', "");
            let args = self.call_args(c.args.iter())?;
            return Some(Lowered::Call(
                Box::new(Call {
                    path,
                    receiver: None,
                    args,
                }),
                c.span(),
            ));
        }
        self.err(
            &c.func,
            "only calls to named functions can be differentiated",
        );
        None
    }

    fn math_call(
        &mut self,
        name: &str,
        args: &[&Expr],
        name_span: Span,
        whole: &dyn ToTokens,
    ) -> Option<Lowered> {
        let span = whole_span(whole);
        if name == "powi" {
            if args.len() != 2 {
                self.err(whole, "`powi` takes one integer exponent");
                return None;
            }
            let base = self
                .expr(args[0])
                .and_then(|l| self.scalar(l, args[0].span()));
            let exp = self
                .expr(args[1])
                .and_then(|l| self.integer(l, args[1].span()));
            return Some(Lowered::F(self.value(Op::Powi(base?, exp?), span)));
        }
        let Some((f, arity)) = MathFn::from_name(name) else {
            let hint = if name == "len" {
                "array lengths are constants: use the const generic `N` instead of `.len()`"
            } else if name == "iter" || name == "map" || name == "sum" || name == "fold" {
                "iterator chains are not differentiable: write a `for i in 0..N` loop"
            } else {
                "differentiable methods are the f32 maths: exp, ln, sqrt, powi, powf, sin, cos, tanh, max, min, clamp, abs, ... (see the guide)"
            };
            self.err_at(name_span, format_args!("unknown method `{name}`: {hint}"));
            return None;
        };
        if args.len() != arity {
            self.err(
                whole,
                format_args!("`{name}` takes {} argument(s)", arity - 1),
            );
            return None;
        }
        let mut vals = Vec::new();
        for a in args {
            let v = self.expr(a).and_then(|l| self.scalar(l, a.span()));
            vals.push(v);
        }
        let vals: Option<Vec<ValueId>> = vals.into_iter().collect();
        Some(Lowered::F(self.value(Op::Math(f, vals?), span)))
    }

    /// The integer-array parameter an index expression starts from, if any.
    fn int_array_root(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Index(ix) => self.int_array_root(&ix.expr),
            Expr::Paren(p) => self.int_array_root(&p.expr),
            Expr::Path(p) => match self.lookup(&p.path.get_ident()?.to_string()) {
                Some(Binding::IntArray(name)) => Some(name),
                _ => None,
            },
            _ => None,
        }
    }

    /// The receiver of a method call, when it is a parameter struct (or a field of one).
    fn receiver_place(&mut self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Path(p) => match p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                Some(Binding::Place(place)) => Some(place),
                _ if p.path.is_ident("self") => self.lookup("self").and_then(|b| match b {
                    Binding::Place(place) => Some(place),
                    _ => None,
                }),
                _ => None,
            },
            Expr::Field(_) => {
                let place = self.place_of(e)?;
                matches!(place.base, Base::Param(_)).then_some(place)
            }
            Expr::Paren(p) => self.receiver_place(&p.expr),
            _ => None,
        }
    }

    fn place_version(&mut self, place: &Place) -> u32 {
        match place.base {
            Base::Var(var) => {
                self.mention(var);
                self.b.version(var)
            }
            Base::Param(_) => 0,
        }
    }

    /// The arguments of a differentiable call, each by how its gradient travels.
    fn call_args<'e>(&mut self, args: impl Iterator<Item = &'e Expr>) -> Option<Vec<CallArg>> {
        let mut out = Vec::new();
        let mut ok = true;
        for a in args {
            match self.call_arg(a) {
                Some(arg) => out.push(arg),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn call_arg(&mut self, a: &Expr) -> Option<CallArg> {
        if let Expr::Reference(r) = a {
            if let Some(m) = &r.mutability {
                self.err(m, "differentiable calls take `&` arguments, not `&mut`: return the result instead");
                return None;
            }
            return match self.expr(&r.expr)? {
                Lowered::P(place, _) => {
                    let version = self.place_version(&place);
                    Some(CallArg::Ref(place, version))
                }
                Lowered::Call(call, _) => {
                    let info = ArrayInfo {
                        ty: None,
                        rank: None,
                    };
                    let var = self.new_var(
                        format!("call_{}", self.b.func.vars.len()),
                        Some(info),
                        false,
                    );
                    self.emit(Stmt::Decl {
                        var,
                        init: VarInit::Call(*call),
                    });
                    Some(CallArg::Ref(
                        Place {
                            base: Base::Var(var),
                            path: vec![],
                        },
                        0,
                    ))
                }
                _ => {
                    self.err(
                        r,
                        "borrow an array, a parameter struct or a call's result here",
                    );
                    None
                }
            };
        }
        match self.expr(a)? {
            Lowered::F(v) => Some(CallArg::Scalar(v)),
            Lowered::B(v) => Some(CallArg::Bool(v)),
            Lowered::I(i) => Some(CallArg::Int(i)),
            Lowered::Named(n, _) => Some(CallArg::Int(IntExpr::Named(n))),
            Lowered::P(place, _) if self.is_reference(&place) => Some(CallArg::Ref(place, 0)),
            Lowered::P(place, span) => match self.place_rank(&place) {
                Some(rank)
                    if rank
                        > place
                            .path
                            .iter()
                            .filter(|s| matches!(s, Seg::Index(_)))
                            .count() =>
                {
                    let version = self.place_version(&place);
                    Some(CallArg::ArrayValue(place, version))
                }
                _ => Some(CallArg::Scalar(self.read(place, span))),
            },
            Lowered::Call(call, span) => Some(CallArg::Scalar(self.value(Op::Call(call), span))),
        }
    }

    /// The place an index or field expression denotes.
    fn place_of(&mut self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Paren(p) => self.place_of(&p.expr),
            Expr::Path(p) => match self.path(p)? {
                Lowered::P(place, _) => Some(place),
                _ => {
                    self.err(
                        p,
                        "this is not an array, a parameter struct or a `let mut` variable",
                    );
                    None
                }
            },
            Expr::Index(ix) => {
                let mut place = self.place_of(&ix.expr)?;
                let i = self
                    .expr(&ix.index)
                    .and_then(|l| self.integer(l, ix.index.span()))?;
                place.path.push(Seg::Index(i));
                Some(place)
            }
            Expr::Field(f) => {
                let mut place = self.place_of(&f.base)?;
                let syn::Member::Named(name) = &f.member else {
                    self.err(
                        &f.member,
                        "tuple fields are not supported: use named fields",
                    );
                    return None;
                };
                if let Base::Var(_) = place.base {
                    self.err(f, "local variables have no fields");
                    return None;
                }
                place.path.push(Seg::Field(name.to_string()));
                Some(place)
            }
            other => {
                self.err(
                    other,
                    "only a local `let mut`, an array element or a field of a parameter can be used here",
                );
                None
            }
        }
    }

    /// Reads a scalar place (recording the use).
    fn read(&mut self, place: Place, span: Span) -> ValueId {
        let version = match place.base {
            Base::Var(var) => {
                self.mention(var);
                self.b.version(var)
            }
            Base::Param(_) => 0,
        };
        self.value(Op::Read(place, version), span)
    }

    fn scalar(&mut self, l: Lowered, span: Span) -> Option<ValueId> {
        match l {
            Lowered::F(v) => Some(v),
            Lowered::P(place, pspan) => {
                if let Some(rank) = self.place_rank(&place) {
                    let depth = place
                        .path
                        .iter()
                        .filter(|s| matches!(s, Seg::Index(_)))
                        .count();
                    if depth != rank {
                        self.err_at(
                            pspan,
                            "an array is not an `f32` here: index it down to an element",
                        );
                        return None;
                    }
                }
                Some(self.read(place, pspan))
            }
            Lowered::Named(n, s) => Some(self.value(Op::Extern(n), s)),
            Lowered::Call(call, s) => Some(self.value(Op::Call(call), s)),
            Lowered::I(_) => {
                self.err_at(span, "this is an integer: convert it with `as f32`");
                None
            }
            Lowered::B(_) => {
                self.err_at(span, "expected an `f32`, found a `bool`");
                None
            }
        }
    }

    fn boolean(&mut self, l: Lowered, span: Span) -> Option<ValueId> {
        match l {
            Lowered::B(v) => Some(v),
            _ => {
                self.err_at(span, "a condition must be a comparison or a `bool`");
                None
            }
        }
    }

    fn integer(&mut self, l: Lowered, span: Span) -> Option<IntExpr> {
        match l {
            Lowered::I(i) => Some(i),
            Lowered::Named(n, _) => Some(IntExpr::Named(n)),
            Lowered::Call(call, _) if call.path == "len" && call.args.is_empty() => {
                self.err_at(
                    span,
                    "an array's length is known at compile time: write its size (the const generic `N` or the literal) instead of `.len()`",
                );
                None
            }
            _ => {
                self.err_at(span, "expected an integer (an index or a loop bound)");
                None
            }
        }
    }

    /// Whether a place is a reference parameter itself (passed on as it is, without `&`).
    fn is_reference(&self, place: &Place) -> bool {
        place.path.is_empty()
            && matches!(place.base, Base::Param(p)
                if matches!(self.b.func.params[p].kind, ParamKind::Ref | ParamKind::RefSelf))
    }

    /// The array rank of a place's root, when the macro knows it.
    fn place_rank(&self, place: &Place) -> Option<usize> {
        match place.base {
            Base::Var(var) => self.b.func.vars[var]
                .array
                .as_ref()
                .map_or(Some(0), |a| a.rank),
            Base::Param(p) => {
                let param = &self.b.func.params[p];
                if place.path.iter().any(|s| matches!(s, Seg::Field(_))) {
                    return None;
                }
                match param.kind {
                    ParamKind::Array | ParamKind::Ref => array_rank_of(&param.ty),
                    _ => None,
                }
            }
        }
    }
}

fn whole_span(t: &dyn ToTokens) -> Span {
    let tokens = t.to_token_stream();
    tokens
        .into_iter()
        .next()
        .map(|t| t.span())
        .unwrap_or_else(Span::call_site)
}

fn compound_op(op: &SynBinOp) -> Option<SynBinOp> {
    use SynBinOp as S;
    match op {
        S::AddAssign(_)
        | S::SubAssign(_)
        | S::MulAssign(_)
        | S::DivAssign(_)
        | S::RemAssign(_)
        | S::BitXorAssign(_)
        | S::BitAndAssign(_)
        | S::BitOrAssign(_)
        | S::ShlAssign(_)
        | S::ShrAssign(_) => Some(*op),
        _ => None,
    }
}

/// Integer arithmetic: integers, or a named constant (`N`) beside one, or two named constants.
fn is_int(l: &Lowered, other: &Lowered) -> bool {
    matches!(
        (l, other),
        (Lowered::I(_), _) | (Lowered::Named(..), Lowered::I(_) | Lowered::Named(..))
    )
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

/// Names the body indexes (`h[i]`) or borrows (`&h`).
fn array_names(block: &syn::Block) -> HashSet<String> {
    struct Collect(HashSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for Collect {
        fn visit_expr_index(&mut self, e: &'ast syn::ExprIndex) {
            if let Expr::Path(p) = &*e.expr {
                if let Some(i) = p.path.get_ident() {
                    self.0.insert(i.to_string());
                }
            }
            syn::visit::visit_expr_index(self, e);
        }
        fn visit_expr_reference(&mut self, e: &'ast syn::ExprReference) {
            if let Expr::Path(p) = &*e.expr {
                if let Some(i) = p.path.get_ident() {
                    self.0.insert(i.to_string());
                }
            }
            syn::visit::visit_expr_reference(self, e);
        }
    }
    let mut c = Collect(HashSet::new());
    syn::visit::Visit::visit_block(&mut c, block);
    c.0
}

/// Every single-identifier path the body reads.
fn read_names(block: &syn::Block) -> HashSet<String> {
    struct Collect(HashSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for Collect {
        fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
            if let Some(i) = e.path.get_ident() {
                self.0.insert(i.to_string());
            }
        }
    }
    let mut c = Collect(HashSet::new());
    syn::visit::Visit::visit_block(&mut c, block);
    c.0
}

/// The name a `let` pattern binds, if it is a plain name.
fn pattern_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(pi) => Some(pi.ident.to_string()),
        Pat::Type(pt) => pattern_name(&pt.pat),
        _ => None,
    }
}

/// `[usize; N]` and other arrays of integers (nested too).
fn is_int_array(ty: &Type) -> bool {
    match ty {
        Type::Array(a) => match &*a.elem {
            Type::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| INT_TYPES.contains(&i.to_string().as_str())),
            inner => is_int_array(inner),
        },
        _ => false,
    }
}

pub fn is_f32(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("f32"))
}

pub fn is_f32_array(ty: &Type) -> bool {
    match ty {
        Type::Array(a) => is_f32(&a.elem) || is_f32_array(&a.elem),
        Type::Paren(p) => is_f32_array(&p.elem),
        _ => false,
    }
}

/// The rank of `[f32; N]`-like type tokens, or `None` for anything else (a struct).
fn array_rank_of(tokens: &TokenStream) -> Option<usize> {
    let ty: Type = syn::parse2(tokens.clone()).ok()?;
    let ty = match ty {
        Type::Reference(r) => *r.elem,
        t => t,
    };
    let mut rank = 0;
    let mut t = &ty;
    while let Type::Array(a) = t {
        rank += 1;
        t = &a.elem;
    }
    is_f32(t).then_some(rank)
}
