//! The signature: parameters, their kinds and shadows, and the return type.

use super::*;

impl Lower<'_> {
    pub(super) fn params(&mut self, sig: &syn::Signature) {
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

    pub(super) fn param(&mut self, arg: &FnArg) {
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

    pub(super) fn typed_param(&mut self, name: String, ty: &Type) {
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
                if let Type::Slice(slice) = &*r.elem {
                    if !is_float(&slice.elem) && !is_float_array(&slice.elem) {
                        self.err(
                            &slice.elem,
                            "slices in differentiable functions hold floats or float arrays: `&[f32]`, `&[[f32; N]]`",
                        );
                        return;
                    }
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
                if !is_float_array(ty) {
                    self.err(ty, "arrays in differentiable functions hold `f32`: `[f32; N]`, `[[f32; N]; M]`");
                    return;
                }
                let id = self.add_param(name.clone(), ParamKind::Array, tokens, false);
                self.bind(name, Binding::Place(Place { base: Base::Param(id), path: vec![] }));
            }
            Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let ident = p.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                if Float::from_name(&ident).is_some() {
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

    pub(super) fn add_param(
        &mut self,
        name: String,
        kind: ParamKind,
        ty: TokenStream,
        is_bool: bool,
    ) -> ParamId {
        let scalar_ref =
            matches!(syn::parse2::<Type>(ty.clone()), Ok(Type::Reference(r)) if is_float(&r.elem));
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

    pub(super) fn return_type(&mut self, sig: &syn::Signature) {
        match &sig.output {
            ReturnType::Type(_, ty) if is_float(ty) => {}
            ReturnType::Type(_, ty) if is_float_array(ty) => {
                self.b.func.ret_array = Some(ty.to_token_stream());
            }
            ReturnType::Type(_, ty) => self.err(
                ty,
                "a differentiable function returns `f32`, `f64` or an array of one (`[f32; N]`)",
            ),
            ReturnType::Default => self.errors.push(syn::Error::new(
                sig.paren_token.span.close(),
                "a differentiable function must return `f32`: add `-> f32`",
            )),
        }
    }
}
