//! Calls: maths methods, and calls to differentiable functions and methods with their arguments.

use super::*;

impl Lower<'_> {
    pub(super) fn method(&mut self, m: &syn::ExprMethodCall) -> Option<Lowered> {
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
                if let Some(len) = self.runtime_len(&name, &place, m) {
                    return Some(Lowered::I(len));
                }
                let version = self.place_version(&place);
                let mut path = m.method.to_token_stream();
                if let Some(t) = &m.turbofish {
                    path.extend(t.to_token_stream());
                }
                let args = self.call_args(m.args.iter())?;
                let path = path.to_string().replace(' ', "");
                let call = Call {
                    path,
                    kind: CallKind::Value,
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

    /// `xs.len()` of a slice or `&Vec` parameter: an integer known at run time.
    fn runtime_len(&self, name: &str, place: &Place, m: &syn::ExprMethodCall) -> Option<IntExpr> {
        let Base::Param(p) = place.base else {
            return None;
        };
        let param = &self.b.func.params[p];
        (name == "len"
            && m.args.is_empty()
            && place.path.is_empty()
            && crate::interface::has_runtime_length(&param.ty))
        .then(|| IntExpr::Len(param.name.clone()))
    }

    pub(super) fn call(&mut self, c: &syn::ExprCall) -> Option<Lowered> {
        if let Expr::Path(p) = &*c.func {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segs.len() == 2 && Float::from_name(&segs[0]).is_some() {
                let args: Vec<&Expr> = c.args.iter().collect();
                return self.math_call(&segs[1], &args, p.span(), c);
            }
            let path = p.path.to_token_stream().to_string().replace(' ', "");
            let args = self.call_args(c.args.iter())?;
            return Some(Lowered::Call(
                Box::new(Call {
                    path,
                    kind: CallKind::Value,
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

    pub(super) fn math_call(
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
    pub(super) fn int_array_root(&self, e: &Expr) -> Option<String> {
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

    /// The arguments of a differentiable call, each by how its gradient travels.
    pub(super) fn call_args<'e>(
        &mut self,
        args: impl Iterator<Item = &'e Expr>,
    ) -> Option<Vec<CallArg>> {
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

    pub(super) fn call_arg(&mut self, a: &Expr) -> Option<CallArg> {
        // An integer-array parameter (class labels) is passed on as it is: a constant.
        let inner = match a {
            Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            _ => a,
        };
        if let Expr::Path(p) = inner {
            if let Some(ident) = p.path.get_ident() {
                if let Some(Binding::IntArray(name)) = self.lookup(&ident.to_string()) {
                    let passed = if std::ptr::eq(inner, a) {
                        name
                    } else {
                        format!("&{name}")
                    };
                    return Some(CallArg::Int(IntExpr::Named(passed)));
                }
            }
        }
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
                Lowered::Call(call, span) => {
                    let info = ArrayInfo {
                        ty: None,
                        rank: None,
                    };
                    let var = self.new_var(
                        format!("call_{}", self.b.func.vars.len()),
                        Some(info),
                        false,
                    );
                    self.decl_call(var, *call, span);
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
                Some(rank) if rank > place.index_count() => {
                    let version = self.place_version(&place);
                    Some(CallArg::ArrayValue(place, version))
                }
                _ => Some(CallArg::Scalar(self.read(place, span))),
            },
            Lowered::Call(call, span) => Some(CallArg::Scalar(self.value(Op::Call(call), span))),
        }
    }
}
