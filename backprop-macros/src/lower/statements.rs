//! Statements: the body, `let`s, assignments, blocks, loops and `if` chains.

use super::*;

impl Lower<'_> {
    /// Lowers the function body; returns the value it ends with.
    pub(super) fn body(&mut self, block: &syn::Block) -> Option<ValueId> {
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
    pub(super) fn array_tail(&mut self, e: &Expr) -> Option<VarId> {
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

    pub(super) fn stmt(&mut self, stmt: &SynStmt) {
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

    pub(super) fn local(&mut self, local: &syn::Local) {
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
    pub(super) fn local_binding(&mut self, local: &syn::Local) -> bool {
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

    pub(super) fn new_var(
        &mut self,
        name: String,
        array: Option<ArrayInfo>,
        if_result: bool,
    ) -> VarId {
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
    pub(super) fn array_init(
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

    pub(super) fn array_list(
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

    pub(super) fn expr_stmt(&mut self, e: &Expr) {
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

    pub(super) fn assign(
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
    pub(super) fn mention(&mut self, var: VarId) {
        let depth = self.b.func.vars[var].depth;
        for &r in &self.region_stack[depth.min(self.region_stack.len())..] {
            self.b.func.regions[r].non_accumulating.insert(var);
        }
    }

    pub(super) fn open_region(
        &mut self,
        loop_info: Option<(IntVarId, IntExpr, bool, Span)>,
    ) -> RegionId {
        let depth = self.region_stack.len();
        self.b.func.regions.push(Region {
            depth,
            non_accumulating: Default::default(),
            entry_saves: Vec::new(),
            snapshot: Vec::new(),
            loop_info,
            replayed: false,
        });
        let id = self.b.func.regions.len() - 1;
        self.region_stack.push(id);
        id
    }

    /// Lowers `stmts` into a new block; `tail` (if given) lowers the block's final expression.
    pub(super) fn block(&mut self, block: &syn::Block, result: Option<VarId>) -> Block {
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

    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop) {
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
    pub(super) fn if_chain(&mut self, i: &syn::ExprIf, result: Option<VarId>) {
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

    pub(super) fn if_stmt(&mut self, i: &syn::ExprIf) {
        self.if_chain(i, None);
    }
}
