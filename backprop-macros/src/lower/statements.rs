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
            Lowered::Call(call, span) => {
                let var = self.new_var("out".into(), Some(ArrayInfo { ty, rank: None }), false);
                self.decl_call(var, *call, span);
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
        if let (Some(_), Expr::Unary(u)) = (pi.mutability, strip_parens(expr)) {
            if matches!(u.op, UnOp::Deref(_)) {
                return match self.expr(&u.expr) {
                    Some(Lowered::P(place, span)) if self.is_reference(&place) => {
                        self.copy_decl(name, place, span)
                    }
                    Some(_) => {
                        self.err(
                            expr,
                            "only a `&` array parameter can be copied with `*` here",
                        );
                        false
                    }
                    None => false,
                };
            }
        }
        let Some(lowered) = self.expr(expr) else {
            return false;
        };
        let array_annotation = ty
            .filter(|t| is_float_array(t))
            .map(|t| t.to_token_stream());
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
                self.decl_call(var, *call, span);
                self.bind(name, Binding::Var(var));
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
                Lowered::P(place, span) if self.is_array(&place) => {
                    return self.copy_decl(name, place, span);
                }
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
                if matches!(place.base, Base::Var(_)) && self.is_array(&place) {
                    return self.copy_decl(name, place, span);
                }
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
        let float = self.b.func.float;
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
                        .fold(float.to_token_stream(), |acc, len| quote!([#acc; #len]))
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
                        .fold(float.to_token_stream(), |acc, len| quote!([#acc; #len]))
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
            Expr::While(w) => {
                if let Some(label) = &w.label {
                    self.err(label, "loop labels are not supported");
                }
                self.no_loop_marker(&w.attrs, "a `while` loop");
                self.leaving_loop(&w.while_token, Some(&w.cond), &w.body);
            }
            Expr::Loop(l) => {
                if let Some(label) = &l.label {
                    self.err(label, "loop labels are not supported");
                }
                self.no_loop_marker(&l.attrs, "a `loop`");
                self.leaving_loop(&l.loop_token, None, &l.body);
            }
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
        if let Some(bin) = compound {
            if !matches!(
                bin,
                SynBinOp::AddAssign(_)
                    | SynBinOp::SubAssign(_)
                    | SynBinOp::MulAssign(_)
                    | SynBinOp::DivAssign(_)
            ) {
                self.err(
                    whole,
                    "only `=`, `+=`, `-=`, `*=` and `/=` are supported on `f32`",
                );
                return;
            }
        }
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
        let indices = place.index_count();
        match self.place_rank(&place) {
            Some(rank) if indices < rank => {
                return self.assign_array(place, var, left, right, compound, whole)
            }
            Some(rank) if indices > rank => {
                self.err(left, "this indexes deeper than the array goes");
                return;
            }
            None if indices == 0 => {
                let name = self.b.func.vars[var].name.clone();
                self.err(left, unknown_array_type(&name));
                return;
            }
            _ => {}
        }
        let Some(rhs) = self.expr(right).and_then(|l| self.scalar(l, right.span())) else {
            return;
        };
        self.assign_element(place, rhs, compound, left.span(), whole_span(whole));
    }

    /// Writes `rhs` into the scalar `place` with `=` or a compound operator.
    fn assign_element(
        &mut self,
        place: Place,
        rhs: ValueId,
        compound: Option<SynBinOp>,
        left: Span,
        span: Span,
    ) {
        let Base::Var(var) = place.base else { return };
        let (op, value) = match compound {
            None => (AssignOp::Set, rhs),
            Some(SynBinOp::AddAssign(_)) => (AssignOp::Add, rhs),
            Some(SynBinOp::SubAssign(_)) => (AssignOp::Sub, rhs),
            Some(bin) => {
                // `assign` refused every other operator.
                let bin = match bin {
                    SynBinOp::MulAssign(_) => BinOp::Mul,
                    _ => BinOp::Div,
                };
                let old = self.read(place.clone(), left);
                (AssignOp::Set, self.value(Op::Bin(bin, old, rhs), span))
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
            span,
        });
    }

    /// `h = f(&h)`, `x[i] = layer.forward(&x[i])`, `h = [a, b]`, `row = m[i]`: a whole array
    /// (or row) written element by element, in loops over its dimensions, so that every
    /// overwritten element is kept for the reverse sweep exactly as a scalar's old value is.
    /// A call's result goes to a local array first, as `let` would put it, so the call reads
    /// the old value (`h = cell(&x[t], &h)`).
    fn assign_array(
        &mut self,
        place: Place,
        var: VarId,
        left: &Expr,
        right: &Expr,
        compound: Option<SynBinOp>,
        whole: &dyn ToTokens,
    ) {
        let span = whole_span(whole);
        if compound.is_some() {
            self.err(
                whole,
                "arrays have no compound assignment in Rust: write a loop over the elements (`for i in 0..N { h[i] += g[i]; }`)",
            );
            return;
        }
        let name = self.b.func.vars[var].name.clone();
        let Some((row_ty, dims)) = self.place_type(&place) else {
            self.err(left, unknown_array_type(&name));
            return;
        };
        let at = |idx: &[IntExpr]| place.indexed(idx);
        match strip_parens(right) {
            list @ Expr::Array(_) => {
                let (mut elems, mut shape) = (Vec::new(), Vec::new());
                if self
                    .array_list(list, &mut Vec::new(), &mut elems, &mut shape, 0)
                    .is_none()
                {
                    return;
                }
                if shape.len() != dims.len() {
                    self.err(
                        right,
                        format_args!(
                            "this array literal has {} dimension(s), the place it is assigned to {}",
                            shape.len(),
                            dims.len()
                        ),
                    );
                    return;
                }
                // Every element is evaluated before the first write (`h = [h[1], h[0]]`).
                for (idx, v) in elems {
                    let idx: Vec<IntExpr> =
                        idx.into_iter().map(|i| IntExpr::Lit(i as u128)).collect();
                    self.assign_element(at(&idx), v, compound, left.span(), span);
                }
            }
            Expr::Repeat(r) => {
                let mut e = &*r.expr;
                while let Expr::Repeat(inner) = e {
                    e = &inner.expr;
                }
                let Some(v) = self.expr(e).and_then(|l| self.scalar(l, e.span())) else {
                    return;
                };
                self.copy_loops(&dims, span, &mut Vec::new(), &mut |l, idx| {
                    l.assign_element(at(idx), v, compound, left.span(), span);
                });
            }
            right => {
                // `h = *h0` copies a reference parameter (`&[f32; N]`).
                let (right, deref) = match right {
                    Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => (&*u.expr, true),
                    e => (e, false),
                };
                let source = match self.expr(right) {
                    None => return,
                    Some(Lowered::Call(call, call_span)) if !deref => {
                        let info = ArrayInfo {
                            ty: Some(row_ty),
                            rank: Some(dims.len()),
                        };
                        let tmp = self.new_var(format!("new_{name}"), Some(info), false);
                        self.decl_call(tmp, *call, call_span);
                        Place {
                            base: Base::Var(tmp),
                            path: vec![],
                        }
                    }
                    Some(Lowered::P(source, _))
                        if deref == self.is_reference(&source)
                            && self
                                .place_rank(&source)
                                .is_none_or(|rank| rank == source.index_count() + dims.len()) =>
                    {
                        source
                    }
                    Some(_) => {
                        self.err(
                            right,
                            format_args!("assign an array of the same shape as `{}` here: a call returning one, an array literal or another array", quote::quote!(#left)),
                        );
                        return;
                    }
                };
                self.copy_loops(&dims, span, &mut Vec::new(), &mut |l, idx| {
                    let v = l.read(source.indexed(idx), span);
                    l.assign_element(at(idx), v, compound, left.span(), span);
                });
            }
        }
    }

    /// Whether a place is an array or a row rather than an element.
    fn is_array(&self, place: &Place) -> bool {
        let indices = place.index_count();
        match (self.place_rank(place), place.base) {
            (Some(rank), _) => rank > indices,
            // A call's result of a type the macro does not know.
            (None, Base::Var(var)) => self.b.func.vars[var].array.is_some() && indices == 0,
            (None, Base::Param(_)) => false,
        }
    }

    /// The type of an array place (`[f32; N]` for `x[i]` of `x: [[f32; N]; M]`) and its
    /// dimensions, outermost first, when the macro knows them.
    fn place_type(&mut self, place: &Place) -> Option<(TokenStream, Vec<IntExpr>)> {
        let tokens = match place.base {
            Base::Var(var) => self.b.func.vars[var].array.as_ref()?.ty.clone()?,
            Base::Param(p) => self.b.func.params[p].ty.clone(),
        };
        let mut ty = match syn::parse2(tokens).ok()? {
            Type::Reference(r) => *r.elem,
            t => t,
        };
        for seg in &place.path {
            match (seg, ty) {
                (Seg::Index(_), Type::Array(a)) => ty = *a.elem,
                (Seg::Index(_), Type::Slice(s)) => ty = *s.elem,
                _ => return None,
            }
        }
        let row = ty.to_token_stream();
        let mut dims = Vec::new();
        while let Type::Array(a) = ty {
            let len = self
                .expr(&a.len)
                .and_then(|l| self.integer(l, a.len.span()))?;
            dims.push(len);
            ty = *a.elem;
        }
        Some((row, dims))
    }

    /// `let mut row = m[i];`, `let mut h = *h0;`: a local array copied from another, element by
    /// element as [`Self::assign_array`] copies.
    fn copy_decl(&mut self, name: String, source: Place, span: Span) -> bool {
        let Some((ty, dims)) = self.place_type(&source) else {
            self.err_at(span, format_args!("the macro does not know this array's type: write `let mut {name}: [f32; N] = ...`"));
            return false;
        };
        let info = ArrayInfo {
            ty: Some(ty),
            rank: Some(dims.len()),
        };
        let var = self.new_var(name.clone(), Some(info), false);
        let zero = self.float_const(0.0);
        self.emit(Stmt::Decl {
            var,
            init: VarInit::Repeat(zero, dims.clone()),
        });
        let copy = Place {
            base: Base::Var(var),
            path: vec![],
        };
        self.copy_loops(&dims, span, &mut Vec::new(), &mut |l, idx| {
            let v = l.read(source.indexed(idx), span);
            l.assign_element(copy.indexed(idx), v, None, span, span);
        });
        self.bind(name, Binding::Var(var));
        true
    }

    /// Nested loops `for i in 0..dims[0] { for j in 0..dims[1] { body([i, j]) } }`.
    fn copy_loops(
        &mut self,
        dims: &[IntExpr],
        span: Span,
        idx: &mut Vec<IntExpr>,
        body: &mut dyn FnMut(&mut Self, &[IntExpr]),
    ) {
        let Some((hi, rest)) = dims.split_first() else {
            body(self, idx);
            return;
        };
        let var = self.b.func.int_vars.len();
        self.b.func.int_vars.push("i".into());
        let region = self.open_region(Some((var, hi.clone(), false, span)));
        let id = self.b.open_block();
        self.stmts.push(Vec::new());
        idx.push(IntExpr::Var(var));
        self.copy_loops(rest, span, idx, body);
        idx.pop();
        self.b.close_block();
        let body = Block {
            id,
            stmts: self.stmts.pop().unwrap_or_default(),
        };
        self.region_stack.pop();
        self.emit(Stmt::For {
            region,
            var,
            lo: IntExpr::Lit(0),
            hi: hi.clone(),
            inclusive: false,
            rev: false,
            body,
            end: None,
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
            one_pass: None,
            plan: None,
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

    /// The `#[loops = store | recompute]` marker among a `for` loop's attributes, if any.
    fn loop_marker(&mut self, attrs: &[syn::Attribute]) -> Option<(LoopPlan, TokenStream)> {
        let mut plan = None;
        for attr in attrs.iter().filter(|a| super::is_loop_marker(a)) {
            match &attr.meta {
                _ if plan.is_some() => self.err(
                    attr,
                    "`#[loops = ...]` given twice on one loop: choose one of `store` and `recompute`",
                ),
                syn::Meta::NameValue(nv) => {
                    plan = crate::attr::loop_plan(&nv.value, self.errors)
                        .map(|p| (p, attr.to_token_stream()));
                }
                _ => self.err(
                    attr,
                    "a loop's marker is `#[loops = store]` or `#[loops = recompute]`",
                ),
            }
        }
        plan
    }

    /// Reports a `#[loops = ...]` marker on a loop with no bound (`while`, `loop`): its
    /// iterations cannot be stored, and it is replayed already.
    fn no_loop_marker(&mut self, attrs: &[syn::Attribute], what: &str) {
        for attr in attrs.iter().filter(|a| super::is_loop_marker(a)) {
            self.err(
                attr,
                format!("`#[loops = ...]` chooses how a `for` loop is reversed, not {what}, which runs to a bound known only at run time and is reversed the one way that allows: remove the marker"),
            );
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
        let Some((lo, hi, inclusive, rev, end_span, elements)) = self.loop_range(&f.expr) else {
            return;
        };
        let leaves = f.body.stmts.first().and_then(break_if).is_some()
            || f.body.stmts.last().and_then(break_if).is_some();
        if leaves && !self.leaving_allowed(&f.for_token) {
            return;
        }
        if leaves && rev {
            self.err(
                &f.expr,
                "a loop with `break` runs forwards: write `a..b`, not `(a..b).rev()`",
            );
            return;
        }
        let var = self.b.func.int_vars.len();
        let counter = if elements.is_some() { "i" } else { &name };
        self.b.func.int_vars.push(counter.to_string());
        let end_var = leaves.then(|| {
            self.b.func.int_vars.push("end".into());
            self.b.func.int_vars.len() - 1
        });
        let plan = self.loop_marker(&f.attrs);
        let region = self.open_region(Some((var, hi.clone(), inclusive, end_span)));
        self.b.func.regions[region].plan = plan;
        self.scopes.push(HashMap::new());
        match elements {
            // `for x in xs`: `x` is the place `xs[i]`, read (or indexed further) as written.
            Some(xs) => self.bind(name, Binding::Place(xs.indexed(&[IntExpr::Var(var)]))),
            None => self.bind(name, Binding::Int(IntExpr::Var(var))),
        }
        let body = match end_var {
            Some(e) => self.loop_body(&f.body, None, var, e),
            None => self.block(&f.body, None),
        };
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
            end: end_var,
        });
    }

    /// What a `for` loop runs over: `lo..hi`, `lo..=hi`, `(lo..hi).rev()`, or the elements of
    /// a parameter (`for x in xs`, `xs.iter()`: `0..xs.len()` for a slice or `&Vec`, the
    /// array's length otherwise), with the span of the bound and the parameter's place.
    #[allow(clippy::type_complexity)]
    fn loop_range(
        &mut self,
        e: &Expr,
    ) -> Option<(IntExpr, IntExpr, bool, bool, Span, Option<Place>)> {
        if let Some((xs, len)) = self.elements(e) {
            return Some((IntExpr::Lit(0), len, false, false, e.span(), Some(xs)));
        }
        let (range, rev) = match e {
            Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                (strip_parens(&m.receiver), true)
            }
            e => (e, false),
        };
        let Expr::Range(r) = range else {
            self.err(
                e,
                "only ranges and the elements of a parameter are supported in `for`: `for i in a..b`, `a..=b`, `(a..b).rev()`, `for x in xs` or `xs.iter()` (iterator chains and closures are not differentiable)",
            );
            return None;
        };
        let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
        let (Some(start), Some(end)) = (&r.start, &r.end) else {
            self.err(r, "a loop range needs both bounds: `a..b`");
            return None;
        };
        let lo = self.expr(start).and_then(|l| self.integer(l, start.span()));
        let hi = self.expr(end).and_then(|l| self.integer(l, end.span()));
        Some((lo?, hi?, inclusive, rev, end.span(), None))
    }

    /// `xs` or `xs.iter()` for a parameter array, slice or `&Vec`: its place and its length.
    fn elements(&mut self, e: &Expr) -> Option<(Place, IntExpr)> {
        let e = match e {
            Expr::MethodCall(m) if m.method == "iter" && m.args.is_empty() => &*m.receiver,
            e => e,
        };
        let Expr::Path(path) = e else {
            return None;
        };
        let name = path.path.get_ident()?.to_string();
        let Some(Binding::Place(place)) = self.lookup(&name) else {
            return None;
        };
        let Base::Param(p) = place.base else {
            return None;
        };
        let param = &self.b.func.params[p];
        if place.path.is_empty() && crate::interface::has_runtime_length(&param.ty) {
            return Some((place, IntExpr::Len(param.name.clone())));
        }
        let (_, dims) = self.place_type(&place)?;
        let len = dims.first()?.clone();
        Some((place, len))
    }

    /// `while cond { body }` (`test` is `cond`) or `loop { body }`: a loop from 0 with no bound
    /// of its own, left by its test or by `if c { break; }` at the start or the end of its
    /// body. Its trip count is known only at run time, so what it overwrites needs
    /// `max_iters`, as a `for` loop with a run-time bound does.
    fn leaving_loop(&mut self, keyword: &dyn ToTokens, test: Option<&Expr>, block: &syn::Block) {
        if !self.leaving_allowed(keyword) {
            return;
        }
        let leaves = test.is_some()
            || block.stmts.first().and_then(break_if).is_some()
            || block.stmts.last().and_then(break_if).is_some();
        if !leaves {
            self.err(
                keyword,
                "this `loop` has no way out the macro can see: end its body with `if done { break; }` (or start it with one)",
            );
            return;
        }
        let var = self.b.func.int_vars.len();
        self.b.func.int_vars.push("iteration".into());
        let end = var + 1;
        self.b.func.int_vars.push("end".into());
        let hi = IntExpr::Var(end);
        let region = self.open_region(Some((var, hi.clone(), false, whole_span(keyword))));
        self.scopes.push(HashMap::new());
        let body = self.loop_body(block, test, var, end);
        self.scopes.pop();
        self.region_stack.pop();
        self.emit(Stmt::For {
            region,
            var,
            lo: IntExpr::Lit(0),
            hi,
            inclusive: false,
            rev: false,
            body,
            end: Some(end),
        });
    }

    /// A loop that leaves early keeps one record of where it stopped, so it must run once per
    /// call: at the top of the function, not inside another loop or branch.
    fn leaving_allowed(&mut self, keyword: &dyn ToTokens) -> bool {
        if self.region_stack.is_empty() {
            return true;
        }
        self.err(
            keyword,
            "a loop that can leave early (`while`, `loop`, `break`) is supported at the top of the function only, not inside another loop or branch: move the inner loop into a `#[differentiable]` function of its own",
        );
        false
    }

    /// The body of a loop that can leave early: `test` (a `while` condition) and each
    /// `if c { break; }` that is the first or the last statement become [`Stmt::Break`]s.
    fn loop_body(
        &mut self,
        block: &syn::Block,
        test: Option<&Expr>,
        var: IntVarId,
        end: IntVarId,
    ) -> Block {
        let id = self.b.open_block();
        self.stmts.push(Vec::new());
        self.scopes.push(HashMap::new());
        let leave = |l: &mut Self, cond: &Expr, negate: bool, at_start: bool| {
            let Some(c) = l.expr(cond).and_then(|v| l.boolean(v, cond.span())) else {
                return;
            };
            let cond = if negate {
                l.value(Op::Not(c), cond.span())
            } else {
                c
            };
            l.emit(Stmt::Break {
                cond,
                var,
                end,
                at_start,
            });
        };
        if let Some(test) = test {
            leave(self, test, true, true);
        }
        let n = block.stmts.len();
        for (i, s) in block.stmts.iter().enumerate() {
            let first = i == 0 && test.is_none();
            match break_if(s) {
                Some(cond) if first || i + 1 == n => leave(self, cond, false, first),
                _ => self.stmt(s),
            }
        }
        self.scopes.pop();
        self.b.close_block();
        Block {
            id,
            stmts: self.stmts.pop().unwrap_or_default(),
        }
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
                // An id of its own: the default, 0, is the function body's, and analyses that
                // ask which blocks a region holds would count the whole body in.
                let id = self.b.open_block();
                self.b.close_block();
                Block {
                    id,
                    stmts: Vec::new(),
                }
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

/// The error for a whole-array assignment to a local whose type the macro cannot see.
fn unknown_array_type(name: &str) -> String {
    format!("the macro does not know the type of `{name}` (a call's result): annotate it, `let mut {name}: [f32; N] = ...`, to assign to it as a whole")
}

/// `if cond { break; }` (no `else`, nothing but the `break`): its condition.
fn break_if(s: &SynStmt) -> Option<&Expr> {
    let SynStmt::Expr(Expr::If(i), _) = s else {
        return None;
    };
    if i.else_branch.is_some() {
        return None;
    }
    match i.then_branch.stmts.as_slice() {
        [SynStmt::Expr(Expr::Break(b), _)] if b.label.is_none() && b.expr.is_none() => {
            Some(&i.cond)
        }
        _ => None,
    }
}
