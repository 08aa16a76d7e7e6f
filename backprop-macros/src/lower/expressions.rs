//! Expressions: literals, paths, operators, casts, and what a lowered expression is used as.

use super::*;

impl Lower<'_> {
    pub(super) fn expr(&mut self, e: &Expr) -> Option<Lowered> {
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

    pub(super) fn unsupported(&mut self, e: &Expr) {
        let msg = match e {
            Expr::Closure(_) => "closures cannot be differentiated: write the computation inline or as a `#[differentiable]` function",
            Expr::While(_) => "a `while` loop is a statement, not a value: end the block with the value after the loop",
            Expr::Loop(_) => "a `loop` is a statement, not a value (`break value` is not supported): end the block with the value after the loop",
            Expr::Break(_) => "`break` is supported as `if cond { break; }`, the first or the last statement of a loop's body (use `if` around the rest otherwise)",
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

    pub(super) fn literal(&mut self, lit: &syn::Lit) -> Option<Lowered> {
        match lit {
            syn::Lit::Float(f) => {
                // A suffix of the other float type has its error already.
                if !matches!(f.suffix(), "" | "f32" | "f64") {
                    self.err(f, "only float literals are supported");
                    return None;
                }
                let x = self.parse_float(f.base10_digits())?;
                Some(Lowered::F(self.float_const(x)))
            }
            syn::Lit::Int(i) => {
                if Float::from_name(i.suffix()).is_some() {
                    let x = self.parse_float(i.base10_digits())?;
                    return Some(Lowered::F(self.float_const(x)));
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

    pub(super) fn path(&mut self, p: &syn::ExprPath) -> Option<Lowered> {
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

    pub(super) fn binary(&mut self, b: &syn::ExprBinary) -> Option<Lowered> {
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

    pub(super) fn cast(&mut self, c: &syn::ExprCast) -> Option<Lowered> {
        let inner = self.expr(&c.expr)?;
        let target = c.ty.to_token_stream().to_string();
        // `as f64` in an `f64` function (`as f32` in an `f32` one): the other type has its
        // error already; a float converted to its own type is itself.
        if Float::from_name(&target).is_some() {
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

    pub(super) fn scalar(&mut self, l: Lowered, span: Span) -> Option<ValueId> {
        match l {
            Lowered::F(v) => Some(v),
            Lowered::P(place, pspan) => {
                if let Some(rank) = self.place_rank(&place) {
                    let depth = place.index_count();
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
                self.err_at(
                    span,
                    format_args!(
                        "this is an integer: convert it with `as {}`",
                        self.b.func.float.name()
                    ),
                );
                None
            }
            Lowered::B(_) => {
                self.err_at(span, "expected an `f32`, found a `bool`");
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, l: Lowered, span: Span) -> Option<ValueId> {
        match l {
            Lowered::B(v) => Some(v),
            _ => {
                self.err_at(span, "a condition must be a comparison or a `bool`");
                None
            }
        }
    }

    pub(super) fn integer(&mut self, l: Lowered, span: Span) -> Option<IntExpr> {
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
}
