//! Step 4, emit: IR to Rust tokens. Forward code (the original computation, plus the saves the
//! reverse sweep needs) and the rendering shared with the reverse sweep.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::analyze::Activity;
use crate::ir::*;
use crate::reverse::OnePassLoop;
use crate::rules::{AExpr, Cond};

/// Allocates readable names that never collide with the user's.
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    pub fn new(reserved: HashSet<String>) -> Self {
        Names { taken: reserved }
    }

    /// `base`, or `base_2`, `base_3`, ... whichever is free.
    pub fn fresh(&mut self, base: &str) -> Ident {
        let base = base.trim_start_matches("r#");
        let mut name = base.to_string();
        let mut k = 2;
        while self.taken.contains(&name) || is_keyword(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.taken.insert(name.clone());
        format_ident!("{}", name)
    }
}

/// Whether `s` is a Rust keyword (strict or reserved, any edition): not a valid identifier.
fn is_keyword(s: &str) -> bool {
    syn::parse_str::<Ident>(s).is_err()
}

/// How a forward block is emitted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The first execution: writes the stack buffers and branch records.
    Original,
    /// Re-execution inside the reverse sweep of `region`: buffers are already written, and
    /// accumulations into variables declared outside `region` are skipped (nothing reads them).
    Recompute(RegionId),
    /// The forward sweep of a replayed loop ([`Region::replayed`]): its values only, nothing
    /// kept, since the reverse sweep replays every iteration.
    Plain,
    /// The replay of one iteration of loop `region` in the reverse sweep: keeps what the
    /// iteration's reverse needs, as `Original` does, and skips accumulations into variables
    /// declared outside the loop, as `Recompute` does.
    Replay(RegionId),
}

impl Mode {
    /// Whether this execution writes the buffers, branch records and tapes the reverse reads.
    fn keeps(self) -> bool {
        matches!(self, Mode::Original | Mode::Replay(_))
    }

    /// The region outside which accumulations are skipped (their reverse does not undo them).
    fn skips_accumulations_outside(self) -> Option<RegionId> {
        match self {
            Mode::Recompute(r) | Mode::Replay(r) => Some(r),
            Mode::Original | Mode::Plain => None,
        }
    }
}

/// Everything code generation knows about one generated function.
pub struct Gen<'a> {
    pub f: &'a Function,
    pub act: &'a Activity,
    pub rt: TokenStream,
    pub names: Names,
    pub value_names: Vec<Ident>,
    pub var_names: Vec<Ident>,
    pub int_names: Vec<Ident>,
    pub var_adj: Vec<Ident>,
    pub buffer_names: Vec<Ident>,
    pub local_saves: Vec<Ident>,
    /// The shadow (gradient) of each reference or array parameter, if active.
    pub shadows: Vec<Option<Ident>>,
    /// With `check_finite`: the function's name, for the error naming a non-finite adjoint.
    pub check_finite: Option<String>,
    /// With `max_iters`: the function's name, for the error of a loop that needs more.
    pub iteration_limit: Option<String>,
    /// The per-iteration `max_iters` check of a loop that can leave early, waiting for the
    /// test at the start of its body (by the loop's variable).
    loop_checks: HashMap<IntVarId, TokenStream>,
    /// Maths calls the forward sweep makes at the top level (in scope everywhere after it), so
    /// that a derivative needing one (sin' = cos) reuses it: without `std`, `libm` calls are
    /// opaque to LLVM and would be made twice.
    top_level_math: HashMap<(MathFn, Vec<ValueId>), ValueId>,
    /// Where the pullback of each active call waits for the reverse sweep.
    pub tapes: BTreeMap<Site, Tape>,
    /// Stored-value buffers that a tape replaces (the tape keeps the call's value too).
    replaced_buffers: HashSet<usize>,
    /// Inside `_fwd`'s pullback: shadows of `&` parameters are `Option`s, and `self` is this
    /// closure parameter.
    pub pullback_self: Option<Ident>,
    pub optional_shadows: bool,
    /// The binding of a given optional shadow (`if let Some(shadow) = d_x.as_deref_mut()`).
    guard: Ident,
    /// The loops the forward sweep reversed in one pass, with what their reverse left.
    pub one_pass_grads: HashMap<RegionId, crate::reverse::OnePassGrads>,
    /// While a one-pass loop's block of lanes is emitted: what varies across its lanes.
    pub lanes: Option<crate::lanes::LaneLoop>,
}

/// Where the pullback of an active call is kept between the forward and the reverse sweep.
pub enum Tape {
    /// At the top level of the function: a local.
    Local(Ident),
    /// In a branch or in loops with static bounds: a slot per iteration, `Option<(value,
    /// pullback)>`, declared at the top; the recomputation reads the value back from it.
    Slot { name: Ident, loops: Vec<RegionId> },
    /// In a loop whose bound is known only at run time, where no slot can be sized: the forward
    /// sweep calls the plain function, and the recomputation in the reverse sweep calls `_fwd`.
    Recomputed(Ident),
}

impl<'a> Gen<'a> {
    pub fn new(
        f: &'a Function,
        act: &'a Activity,
        rt: TokenStream,
        reserved: HashSet<String>,
        wrt: &[bool],
    ) -> Self {
        let mut names = Names::new(reserved);
        for p in &f.params {
            names.taken.insert(p.name.clone());
        }
        let value_names = f
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| match (&v.op, &v.name) {
                (Op::Param(p), _) => f.params[*p]
                    .ident
                    .clone()
                    .unwrap_or_else(|| format_ident!("{}", f.params[*p].name)),
                (_, Some(n)) => names.fresh(n),
                _ => names.fresh(&format!("t{i}")),
            })
            .collect();
        let var_names = f
            .vars
            .iter()
            .map(|v| names.fresh(&v.name))
            .collect::<Vec<_>>();
        let int_names = f.int_vars.iter().map(|n| names.fresh(n)).collect();
        let var_adj = var_names
            .iter()
            .map(|n| names.fresh(&format!("d_{n}")))
            .collect();
        let buffer_names = f.buffers.iter().map(|b| names.fresh(&b.label)).collect();
        let shadows = f
            .params
            .iter()
            .enumerate()
            .map(|(p, param)| match param.kind {
                ParamKind::Array | ParamKind::Ref | ParamKind::RefSelf if wrt[p] => {
                    Some(format_ident!("d_{}", param.name))
                }
                _ => None,
            })
            .collect();
        let top_level_math = f
            .body
            .stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Let(v) => match &f.values[*v].op {
                    Op::Math(m, args) => Some(((*m, args.clone()), *v)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let mut tapes = BTreeMap::new();
        let mut replaced_buffers = HashSet::new();
        plan_tapes(
            f,
            act,
            &f.body,
            &mut Vec::new(),
            false,
            &mut names,
            &mut tapes,
            &mut replaced_buffers,
        );
        let guard = names.fresh("shadow");
        Gen {
            guard,
            one_pass_grads: HashMap::new(),
            lanes: None,
            tapes,
            replaced_buffers,
            pullback_self: None,
            optional_shadows: false,
            top_level_math,
            f,
            act,
            rt,
            names,
            value_names,
            var_names,
            int_names,
            var_adj,
            buffer_names,
            local_saves: Vec::new(),
            shadows,
            check_finite: None,
            iteration_limit: None,
            loop_checks: HashMap::new(),
        }
    }

    // ---- rendering ------------------------------------------------------------------------

    /// The function's float type, `f32` or `f64`.
    pub fn float(&self) -> Float {
        self.f.float
    }

    /// What a site holds: a value, or a local's name.
    pub fn site(&self, site: Site) -> TokenStream {
        match site {
            Site::Value(v) => self.value(v),
            Site::Var(var) => {
                let name = &self.var_names[var];
                quote!(#name)
            }
        }
    }

    /// A value as an operand: a literal, or the name its `let` bound.
    pub fn value(&self, v: ValueId) -> TokenStream {
        match &self.f.values[v].op {
            Op::Const(bits) => self.float().lit(f64::from_bits(*bits)),
            Op::BoolConst(b) => quote!(#b),
            _ => {
                let name = &self.value_names[v];
                quote!(#name)
            }
        }
    }

    pub fn int(&self, e: &IntExpr) -> TokenStream {
        match e {
            IntExpr::Lit(n) => {
                let lit = Literal::u128_unsuffixed(*n);
                quote!(#lit)
            }
            IntExpr::Var(i) => {
                let name = &self.int_names[*i];
                quote!(#name)
            }
            IntExpr::Named(n) => match self.f.params.iter().position(|p| &p.name == n) {
                Some(p) => self.param(p),
                None => n.parse().unwrap_or_else(|_| quote!(#n)),
            },
            IntExpr::Bin(op, a, b) => {
                let (a, b) = (self.int(a), self.int(b));
                match op {
                    IntBinOp::Add => quote!((#a + #b)),
                    IntBinOp::Sub => quote!((#a - #b)),
                    IntBinOp::Mul => quote!((#a * #b)),
                    IntBinOp::Div => quote!((#a / #b)),
                    IntBinOp::Rem => quote!((#a % #b)),
                }
            }
            IntExpr::Index(name, idx) => {
                let name = self.param_named(name);
                let idx = idx.iter().map(|i| self.int(i));
                quote!(#name #([#idx])*)
            }
            IntExpr::Len(name) => {
                let xs = self.param_named(name);
                quote!(#xs.len())
            }
            IntExpr::Cast(a, ty) => {
                let a = self.int(a);
                let ty: TokenStream = ty.parse().unwrap_or_default();
                quote!((#a as #ty))
            }
        }
    }

    pub fn path(&self, path: &[Seg]) -> TokenStream {
        path.iter()
            .map(|s| match s {
                Seg::Field(name) => {
                    let name = format_ident!("{}", name);
                    quote!(.#name)
                }
                Seg::Index(i) => {
                    let i = self.int(i);
                    quote!([#i])
                }
            })
            .collect()
    }

    /// A parameter by its name, as [`Self::param`] emits it.
    fn param_named(&self, name: &str) -> TokenStream {
        match self.f.params.iter().position(|p| p.name == name) {
            Some(p) => self.param(p),
            None => format_ident!("{}", name).to_token_stream(),
        }
    }

    /// A parameter, by the user's own identifier.
    pub fn param(&self, p: ParamId) -> TokenStream {
        if let (ParamKind::RefSelf, Some(this)) = (&self.f.params[p].kind, &self.pullback_self) {
            return this.to_token_stream();
        }
        match &self.f.params[p].ident {
            Some(ident) => ident.to_token_stream(),
            None => param_ident(&self.f.params[p].name),
        }
    }

    /// A place in the forward computation.
    pub fn place(&self, place: &Place) -> TokenStream {
        let path = self.path(&place.path);
        match place.base {
            Base::Var(v) => {
                let name = &self.var_names[v];
                quote!(#name #path)
            }
            Base::Param(p) => {
                let name = self.param(p);
                if self.f.params[p].scalar_ref {
                    return quote!((*#name));
                }
                quote!(#name #path)
            }
        }
    }

    /// The adjoint of a local's place, if it has one.
    pub fn var_shadow(&self, place: &Place) -> Option<TokenStream> {
        let path = self.path(&place.path);
        match place.base {
            Base::Var(v) if self.act.vars[v] => {
                let name = &self.var_adj[v];
                Some(quote!(#name #path))
            }
            _ => None,
        }
    }

    /// Whether a place is a whole `&` parameter (or `self`): a reference already, and its
    /// shadow a `&mut`.
    fn is_ref_root(&self, place: &Place) -> bool {
        place.path.is_empty()
            && matches!(place.base, Base::Param(p)
                if matches!(self.f.params[p].kind, ParamKind::Ref | ParamKind::RefSelf))
    }

    /// Whether a place has an adjoint.
    pub fn has_shadow(&self, place: &Place) -> bool {
        match place.base {
            Base::Var(v) => self.act.vars[v],
            Base::Param(p) => self.act.params[p] && self.shadows[p].is_some(),
        }
    }

    /// The shadow of a parameter when the pullback receives it as an `Option`.
    fn optional_shadow(&self, place: &Place) -> Option<&Ident> {
        match place.base {
            Base::Param(p)
                if self.optional_shadows
                    && matches!(self.f.params[p].kind, ParamKind::Ref | ParamKind::RefSelf) =>
            {
                self.shadows[p].as_ref()
            }
            _ => None,
        }
    }

    /// The adjoint of a place as an lvalue, where it is a plain `&mut` or a local.
    fn direct_shadow(&self, place: &Place) -> Option<TokenStream> {
        let path = self.path(&place.path);
        match place.base {
            Base::Var(_) => self.var_shadow(place),
            Base::Param(p) if self.act.params[p] => {
                let name = self.shadows[p].as_ref()?;
                if self.f.params[p].scalar_ref {
                    return Some(quote!((*#name)));
                }
                Some(quote!(#name #path))
            }
            Base::Param(_) => None,
        }
    }

    /// `shadow += d` for an `f32` element, or `add_assign(shadow, d)` for a tensor (`tensor`):
    /// nothing if the place has no adjoint, and only if the caller passed a shadow when it is
    /// an optional one.
    pub fn add_to_shadow(&self, place: &Place, d: TokenStream, tensor: bool) -> TokenStream {
        if !self.has_shadow(place) {
            return TokenStream::new();
        }
        let rt = &self.rt;
        if let Some(name) = self.optional_shadow(place) {
            let path = self.path(&place.path);
            let scalar_ref = matches!(place.base, Base::Param(p) if self.f.params[p].scalar_ref);
            let s = &self.guard;
            let update = match (tensor, scalar_ref || place.path.is_empty()) {
                (false, true) => quote!(*#s += #d;),
                (false, false) => quote!(#s #path += #d;),
                (true, true) => quote!(#rt::add_assign(#s, &#d);),
                (true, false) => quote!(#rt::add_assign(&mut #s #path, &#d);),
            };
            return quote!(if let ::core::option::Option::Some(#s) = #name.as_deref_mut() { #update });
        }
        let is_ref_root = self.is_ref_root(place);
        match self.direct_shadow(place) {
            Some(shadow) if tensor && is_ref_root => quote!(#rt::add_assign(&mut *#shadow, &#d);),
            Some(shadow) if tensor => quote!(#rt::add_assign(&mut #shadow, &#d);),
            Some(shadow) => self.write(AssignOp::Add, shadow, d, true),
            None => TokenStream::new(),
        }
    }

    /// `shadow += scale * grad` for the whole shadow of parameter `p`, `grad` a value of the
    /// parameter's type; only if the caller passed a shadow when it is an optional one.
    pub fn add_scaled_to_shadow(
        &self,
        p: ParamId,
        scale: TokenStream,
        grad: &Ident,
    ) -> TokenStream {
        let rt = &self.rt;
        let place = Place {
            base: Base::Param(p),
            path: Vec::new(),
        };
        if let Some(name) = self.optional_shadow(&place) {
            let s = &self.guard;
            return quote! {
                if let ::core::option::Option::Some(#s) = #name.as_deref_mut() {
                    #rt::add_scaled(#s, #scale, &#grad);
                }
            };
        }
        let Some(shadow) = &self.shadows[p] else {
            return TokenStream::new();
        };
        match self.f.params[p].kind {
            ParamKind::Array => quote!(#rt::add_scaled(&mut #shadow, #scale, &#grad);),
            _ => quote!(#rt::add_scaled(&mut *#shadow, #scale, &#grad);),
        }
    }

    /// The adjoint of a place as a pullback's `Option<&mut T>` argument: `None` if inactive.
    pub fn shadow_arg(&self, place: &Place) -> TokenStream {
        if !self.has_shadow(place) {
            return quote!(::core::option::Option::None);
        }
        if let Some(name) = self.optional_shadow(place) {
            if place.path.is_empty() {
                return quote!(#name.as_deref_mut());
            }
            let path = self.path(&place.path);
            let s = &self.guard;
            return quote!(#name.as_deref_mut().map(|#s| &mut #s #path));
        }
        let is_ref_root = self.is_ref_root(place);
        match self.direct_shadow(place) {
            Some(shadow) if is_ref_root => quote!(::core::option::Option::Some(&mut *#shadow)),
            Some(shadow) => quote!(::core::option::Option::Some(&mut #shadow)),
            None => quote!(::core::option::Option::None),
        }
    }

    /// A maths function of the runtime for the function's float: `math::exp`, `math::f64::exp`.
    fn math_path(&self, name: &str) -> TokenStream {
        let (rt, name) = (&self.rt, format_ident!("{}", name));
        match self.float() {
            Float::F32 => quote!(#rt::math::#name),
            Float::F64 => quote!(#rt::math::f64::#name),
        }
    }

    pub fn math(&self, f: MathFn, args: Vec<TokenStream>) -> TokenStream {
        let path = self.math_path(f.name());
        quote!(#path(#(#args),*))
    }

    /// [`Self::math`], lane by lane where an argument `varies`.
    fn math_in_lanes(&self, f: MathFn, args: Vec<TokenStream>, varies: bool) -> TokenStream {
        if !varies {
            return self.math(f, args);
        }
        let (lanes, name) = (self.lanes_path(), format_ident!("{}", f.name()));
        quote!(#lanes::#name(#(#args),*))
    }

    /// `x.powi(n)`, lane by lane where `x` `varies`.
    fn powi(&self, x: TokenStream, n: &IntExpr, varies: bool) -> TokenStream {
        let n = self.int(n);
        let powi = match varies {
            true => {
                let lanes = self.lanes_path();
                quote!(#lanes::powi)
            }
            false => self.math_path("powi"),
        };
        quote!(#powi(#x, (#n) as i32))
    }

    /// `op` on two conditions: `&&` or `||` on `bool`s, `&` or `|` on masks.
    fn logic(&self, and: bool, x: TokenStream, y: TokenStream, varies: bool) -> TokenStream {
        if !varies {
            return if and {
                quote!(#x && #y)
            } else {
                quote!((#x || #y))
            };
        }
        let mask = self.lanes_path();
        let (x, y) = (quote!(#mask::Mask::from(#x)), quote!(#mask::Mask::from(#y)));
        if and {
            quote!((#x & #y))
        } else {
            quote!((#x | #y))
        }
    }

    /// A comparison: of scalars, or lane by lane (a mask) where an operand `varies`.
    fn compare(&self, op: CmpOp, x: TokenStream, y: TokenStream, varies: bool) -> TokenStream {
        if !varies {
            return cmp_tokens(op, x, y);
        }
        let lanes = self.lanes_path();
        let name = match op {
            CmpOp::Lt => quote!(lt),
            CmpOp::Le => quote!(le),
            CmpOp::Gt => quote!(gt),
            CmpOp::Ge => quote!(ge),
            CmpOp::Eq => quote!(eq),
            CmpOp::Ne => quote!(ne),
        };
        quote!(#lanes::#name(#x, #y))
    }

    /// `if c { x } else { y }`: a select lane by lane where anything `varies`.
    fn select(&self, c: TokenStream, x: TokenStream, y: TokenStream, varies: bool) -> TokenStream {
        if !varies {
            return quote!((if #c { #x } else { #y }));
        }
        let lanes = self.lanes_path();
        quote!(#lanes::select(#c, #x, #y))
    }

    /// The right-hand side of a value's `let`.
    pub fn op(&self, v: ValueId) -> TokenStream {
        let span = self.f.spans[v];
        let a = |x: &ValueId| self.value(*x);
        let varies = self.varies(v);
        let body = match &self.f.values[v].op {
            Op::Const(_) | Op::BoolConst(_) | Op::Param(_) => self.value(v),
            Op::FromInt(i) => {
                let (i_tokens, float) = (self.int(i), self.float());
                let e = quote!((#i_tokens) as #float);
                if self.int_varies(i) {
                    self.gathered(e)
                } else {
                    e
                }
            }
            Op::Extern(s) => s.parse().unwrap_or_default(),
            Op::Read(place, _) if self.gathers(place) => self.gathered(self.place(place)),
            Op::Read(place, _) => self.place(place),
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
            Op::Math(f, args) => self.math_in_lanes(*f, args.iter().map(a).collect(), varies),
            Op::Powi(x, n) => self.powi(a(x), n, varies),
            Op::Cmp(op, x, y) => self.compare(*op, a(x), a(y), varies),
            Op::IntCmp(op, x, y) => cmp_tokens(*op, self.int(x), self.int(y)),
            Op::Not(x) => {
                let x = a(x);
                quote!(!#x)
            }
            Op::And(x, y) => self.logic(true, a(x), a(y), varies),
            Op::Or(x, y) => self.logic(false, a(x), a(y), varies),
            Op::Call(call) => self.call(call),
            Op::Select(c, x, y) => self.select(a(c), a(x), a(y), varies),
        };
        quote_spanned!(span=> #body)
    }

    pub fn aexpr(&self, e: &AExpr) -> TokenStream {
        match e {
            AExpr::Lit(x) => self.float().lit(*x),
            AExpr::Val(v) => self.value(*v),
            AExpr::Adj(name) => name.parse().unwrap_or_default(),
            AExpr::Int(i) => {
                let (i_tokens, float) = (self.int(i), self.float());
                let e = quote!(((#i_tokens) as #float));
                if self.int_varies(i) {
                    self.gathered(e)
                } else {
                    e
                }
            }
            AExpr::Neg(x) => {
                let x = self.aexpr(x);
                quote!((-#x))
            }
            AExpr::Bin(BinOp::Add | BinOp::Sub, ..) => self.sum(e),
            AExpr::Bin(BinOp::Mul, x, y) => {
                let (x, y) = (self.aexpr(x), self.aexpr(y));
                quote!((#x * #y))
            }
            AExpr::Bin(BinOp::Div, x, y) => {
                let (x, y) = (self.aexpr(x), self.aexpr(y));
                quote!((#x / #y))
            }
            AExpr::Math(f, args) => {
                let operands: Option<Vec<ValueId>> = args
                    .iter()
                    .map(|a| match a {
                        AExpr::Val(v) => Some(*v),
                        _ => None,
                    })
                    .collect();
                if let Some(&v) = operands.and_then(|o| self.top_level_math.get(&(*f, o))) {
                    return self.value(v);
                }
                let args = args.iter().map(|x| self.aexpr(x)).collect();
                self.math_in_lanes(*f, args, self.aexpr_varies(e))
            }
            AExpr::Powi(x, n) => self.powi(self.aexpr(x), n, self.aexpr_varies(x)),
            AExpr::Select(c, x, y) => {
                let varies = self.aexpr_varies(e);
                self.select(self.cond(c), self.aexpr(x), self.aexpr(y), varies)
            }
            AExpr::Flushed(d, y) => {
                let (d, y, rt) = (self.aexpr(d), self.aexpr(y), &self.rt);
                if self.aexpr_varies(e) {
                    let lanes = self.lanes_path();
                    quote!(#lanes::flushed_product(#d, #y))
                } else {
                    quote!(#rt::flushed_product(#d, #y))
                }
            }
        }
    }

    /// A chain of sums and differences, `((a + b) - c)`, written flat: `(a + b - c)`, which
    /// Rust evaluates left to right, in the same order. A value's adjoint sums its uses'
    /// contributions in such a chain: nested, a value used 200 times nested 200 deep, past
    /// what the stack of a parser of the expansion holds.
    fn sum(&self, e: &AExpr) -> TokenStream {
        let mut terms = Vec::new();
        let mut first = e;
        while let AExpr::Bin(op @ (BinOp::Add | BinOp::Sub), x, y) = first {
            terms.push((*op, y));
            first = x;
        }
        let first = self.aexpr(first);
        let rest = terms.iter().rev().map(|(op, y)| {
            let y = self.aexpr(y);
            match op {
                BinOp::Sub => quote!(- #y),
                _ => quote!(+ #y),
            }
        });
        quote!((#first #(#rest)*))
    }

    fn cond(&self, c: &Cond) -> TokenStream {
        let varies = self.cond_varies(c);
        match c {
            Cond::Cmp(op, x, y) => self.compare(*op, self.aexpr(x), self.aexpr(y), varies),
            Cond::And(x, y) => self.logic(true, self.cond(x), self.cond(y), varies),
            Cond::Or(x, y) => self.logic(false, self.cond(x), self.cond(y), varies),
            Cond::Val(v) => self.value(*v),
            Cond::IntIsZero(i) => {
                let test = {
                    let i = self.int(i);
                    quote!((#i) == 0)
                };
                if self.int_varies(i) {
                    self.gathered_mask(test)
                } else {
                    test
                }
            }
        }
    }

    /// Checks that the shadow of each slice or `&Vec` parameter has its parameter's length: the reverse
    /// sweep indexes both alike, and a short shadow would otherwise fail as an out-of-bounds
    /// index in generated code, reported at the attribute.
    pub fn shadow_length_checks(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (p, param) in self.f.params.iter().enumerate() {
            let Some(shadow) = &self.shadows[p] else {
                continue;
            };
            if !crate::interface::has_runtime_length(&param.ty) {
                continue;
            }
            let value = self.param(p);
            let guard = &self.guard;
            let message = format!(
                "the shadow `{shadow}` has length {{}} where `{}` has length {{}}: give a shadow the length of its parameter",
                param.name
            );
            let check = |s: TokenStream| {
                quote! {
                    if #s.len() != #value.len() {
                        ::core::panic!(#message, #s.len(), #value.len());
                    }
                }
            };
            out.extend(if self.optional_shadows {
                let check = check(quote!(#guard));
                quote!(if let ::core::option::Option::Some(#guard) = &#shadow { #check })
            } else {
                check(quote!(#shadow))
            });
        }
        out
    }

    /// `: TYPE` for a local array whose type is known, nothing when the compiler infers it.
    pub fn array_type(&self, var: VarId) -> TokenStream {
        match self.f.vars[var].array.as_ref().and_then(|a| a.ty.as_ref()) {
            Some(ty) if self.var_varies(var) => {
                let lanes = self.lanes_path();
                let ty = crate::lanes::lanes_type(ty, &quote!(#lanes::Lanes));
                quote!(: #ty)
            }
            Some(ty) => quote!(: #ty),
            None => TokenStream::new(),
        }
    }

    /// A call of the plain function: its value only (a tangent call: the tangent its `_jvp`
    /// returns).
    pub fn call(&self, call: &Call) -> TokenStream {
        match call.kind {
            CallKind::Value => self.invoke(call, call.path.parse().unwrap_or_default()),
            CallKind::Tangent => {
                let jvp = self.jvp_call(call, Span::call_site());
                quote!(#jvp.1)
            }
        }
    }

    /// A call of the callee's `_fwd`: its value and pullback. The path carries the span of the
    /// user's call, so that a callee that is not differentiable is reported there.
    pub fn fwd_call(&self, call: &Call, span: Span) -> TokenStream {
        let suffix = match call.kind {
            CallKind::Value => "fwd",
            CallKind::Tangent => "tangent_fwd",
        };
        self.sibling_call(call, suffix, span)
    }

    /// [`Gen::fwd_call`] as its value and pullback, for a callee whose `_fwd` may return a
    /// `Result` (it has `max_iters`). With `max_iters`, the forward sweep (`Original`, `Plain`)
    /// returns the callee's error, and the reverse sweep's recomputations repeat calls that
    /// succeeded. Without it, a
    /// callee that can fail is a type error at the caller's attribute.
    fn unwrapped_fwd_call(&self, call: &Call, mode: Mode, span: Span) -> TokenStream {
        let (rt, fwd) = (&self.rt, self.fwd_call(call, span));
        match (&self.iteration_limit, mode) {
            (Some(_), Mode::Original | Mode::Plain) => quote! {
                match #rt::Forward::into_result(#fwd) {
                    ::core::result::Result::Ok(forward) => forward,
                    ::core::result::Result::Err(limit) => return ::core::result::Result::Err(limit),
                }
            },
            (Some(_), _) => quote!(#rt::repeated(#fwd)),
            // Not wrapped: in a debug build each move of a large pullback through a function
            // is a copy on the stack. A bounded callee is then a type mismatch.
            (None, _) => fwd,
        }
    }

    /// A tangent call as a call of the callee's `_jvp`: its value and tangent.
    fn jvp_call(&self, call: &Call, span: Span) -> TokenStream {
        self.sibling_call(call, "jvp", span)
    }

    fn sibling_call(&self, call: &Call, suffix: &str, span: Span) -> TokenStream {
        let method = call.receiver.is_some();
        let path = crate::interface::sibling_path(&call.path, method, suffix);
        self.invoke(call, respan(path, span))
    }

    /// Where a tangent program computes a call's value and tangent in one `_jvp` call: at the
    /// tangent's site, which follows the value's. `Some(true)` for the value's site (emitted
    /// there), `Some(false)` for the tangent's.
    fn fused(&self, site: Site) -> Option<(bool, Site, Site)> {
        self.f.fused.iter().find_map(|&(value, tangent)| {
            if value == site {
                Some((true, value, tangent))
            } else if tangent == site {
                Some((false, value, tangent))
            } else {
                None
            }
        })
    }

    /// `let (value, tangent) = callee_jvp(...)` at the tangent's site of a fused call.
    fn fused_call(&self, call: &Call, value: Site, tangent: Site, span: Span) -> TokenStream {
        let jvp = self.jvp_call(call, span);
        match (value, tangent) {
            (Site::Value(v), Site::Value(t)) => {
                let (v, t, float) = (&self.value_names[v], &self.value_names[t], self.float());
                quote!(let (#v, #t): (#float, #float) = #jvp;)
            }
            (Site::Var(v), Site::Var(t)) => {
                let (name, tname) = (&self.var_names[v], &self.var_names[t]);
                match self.f.vars[v].array.as_ref().and_then(|a| a.ty.clone()) {
                    Some(ty) => quote!(let (mut #name, mut #tname): (#ty, #ty) = #jvp;),
                    None => quote!(let (mut #name, mut #tname) = #jvp;),
                }
            }
            _ => unreachable!("a call's value and tangent are both scalars or both arrays"),
        }
    }

    fn invoke(&self, call: &Call, path: TokenStream) -> TokenStream {
        let args = call.args.iter().map(|a| self.call_arg(a));
        match &call.receiver {
            Some((recv, _)) => {
                let recv = self.place(recv);
                quote!(#recv.#path(#(#args),*))
            }
            None => quote!(#path(#(#args),*)),
        }
    }

    pub fn call_arg(&self, arg: &CallArg) -> TokenStream {
        match arg {
            CallArg::Scalar(v) | CallArg::Bool(v) => self.value(*v),
            CallArg::Ref(p, _) => {
                if let (true, Base::Param(i)) = (self.is_ref_root(p), p.base) {
                    return self.param(i);
                }
                let p = self.place(p);
                quote!(&#p)
            }
            CallArg::ArrayValue(p, _) => self.place(p),
            CallArg::Int(i) => self.int(i),
        }
    }

    // ---- forward --------------------------------------------------------------------------

    /// An active call in the forward code: `pattern` (`x`, `mut h`) of type `ty` (inferred if
    /// `None`) takes its value, and its pullback goes where the tape says.
    fn taped_call(
        &self,
        call: &Call,
        tape: &Tape,
        pattern: TokenStream,
        ty: Option<TokenStream>,
        mode: Mode,
        span: Span,
    ) -> TokenStream {
        let rt = &self.rt;
        let fwd = self.unwrapped_fwd_call(call, mode, span);
        let binding = match &ty {
            Some(ty) => quote!(let #pattern: #ty),
            None => quote!(let #pattern),
        };
        let ty = ty.unwrap_or_else(|| quote!(_));
        match (tape, mode) {
            (Tape::Local(pb), _) | (Tape::Recomputed(pb), Mode::Recompute(_)) => {
                quote!(let (#pattern, #pb): (#ty, _) = #fwd;)
            }
            (Tape::Recomputed(_), Mode::Original | Mode::Plain)
            | (Tape::Slot { .. }, Mode::Plain)
                if self.iteration_limit.is_some() =>
            {
                // Only the callee's `_fwd` checks its own `max_iters`: the forward sweep calls
                // it, so that the reverse sweep's repetition of the call cannot fail.
                quote!(#binding = (#fwd).0;)
            }
            (Tape::Recomputed(_), Mode::Original | Mode::Replay(_) | Mode::Plain)
            | (Tape::Slot { .. }, Mode::Plain) => {
                let plain = self.call(call);
                quote!(#binding = #plain;)
            }
            (Tape::Slot { name, loops }, Mode::Original | Mode::Replay(_)) => {
                let slot = self.slot(name, loops);
                quote!(#slot = ::core::option::Option::Some(#fwd); #binding = #rt::tape_value(&#slot);)
            }
            (Tape::Slot { name, loops }, Mode::Recompute(_)) => {
                let slot = self.slot(name, loops);
                quote!(#binding = #rt::tape_value(&#slot);)
            }
        }
    }

    /// The pullback of an active call, for the reverse sweep.
    pub fn pullback(&self, site: Site) -> Option<TokenStream> {
        let rt = &self.rt;
        Some(match self.tapes.get(&site)? {
            Tape::Local(pb) | Tape::Recomputed(pb) => quote!(#pb),
            Tape::Slot { name, loops } => {
                let slot = self.slot(name, loops);
                quote!(#rt::take_pullback(&mut #slot))
            }
        })
    }

    /// A tape slot indexed by the loop variables of its loops.
    fn slot(&self, name: &Ident, loops: &[RegionId]) -> TokenStream {
        let idx = self.loop_indices(loops);
        quote!(#name #idx)
    }

    /// Indexes a buffer by the loop variables of its loops.
    pub fn buffer_slot(&self, k: usize) -> TokenStream {
        let name = &self.buffer_names[k];
        let idx = self.loop_indices(&self.f.buffers[k].loops);
        quote!(#name #idx)
    }

    /// `[i][j]` for the loop variables of `loops`.
    fn loop_indices(&self, loops: &[RegionId]) -> TokenStream {
        loops
            .iter()
            .map(|r| {
                let (var, ..) = self.f.regions[*r]
                    .loop_info
                    .as_ref()
                    .expect("a loop region");
                let i = &self.int_names[*var];
                quote!([#i])
            })
            .collect()
    }

    /// Declarations of every stack buffer, at the top of the function.
    pub fn buffer_decls(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for tape in self.tapes.values() {
            if let Tape::Slot { name, loops } = tape {
                // `Option`s of a closure type that only the assignment names: `const` repeats
                // need no `Copy`.
                let mut init = quote!(::core::option::Option::None);
                for r in loops.iter().rev() {
                    let len = self.buffer_len(*r);
                    init = quote!([const { #init }; #len]);
                }
                out.extend(quote!(let mut #name = #init;));
            }
        }
        for (k, b) in self.f.buffers.iter().enumerate() {
            if self.replaced_buffers.contains(&k) || b.unread {
                continue;
            }
            let name = &self.buffer_names[k];
            if let Some(elem) = &b.elem_ty {
                let rt = &self.rt;
                let mut ty = elem.clone();
                for r in b.loops.iter().rev() {
                    let len = self.buffer_len(*r);
                    ty = quote!([#ty; #len]);
                }
                out.extend(quote!(let mut #name: #ty = #rt::Zero::zero();));
                continue;
            }
            let (ty, init) = if b.is_bool {
                (quote!(bool), quote!(false))
            } else {
                let float = self.float();
                (quote!(#float), float.suffixed(0.0))
            };
            out.extend(self.buffer_decl(k, name, ty, init));
        }
        out
    }

    /// `let mut name: [[ty; n]; m] = [[init; n]; m];`: buffer `k` of elements `ty`.
    pub fn buffer_decl(
        &self,
        k: usize,
        name: &Ident,
        ty: TokenStream,
        init: TokenStream,
    ) -> TokenStream {
        let (mut ty, mut init) = (ty, init);
        for r in self.f.buffers[k].loops.iter().rev() {
            let len = self.buffer_len(*r);
            ty = quote!([#ty; #len]);
            init = quote!([#init; #len]);
        }
        quote!(let mut #name: #ty = #init;)
    }

    /// The first run of a loop that can leave early (`while`, `loop`, `break`): it records in
    /// `end` where it stopped, for the reverse sweep and the replays to run `lo..end`. A
    /// `while` or `loop` has no bound: it counts from 0, and with `max_iters` each iteration
    /// that would need a buffer entry past the bound returns the error first (after the test
    /// at the start of the body, so a loop that stops at the bound is within it).
    #[allow(clippy::too_many_arguments)]
    fn leaving_loop(
        &mut self,
        r: RegionId,
        var: IntVarId,
        end: IntVarId,
        lo: &IntExpr,
        hi: &IntExpr,
        inclusive: bool,
        body: &Block,
        mode: Mode,
    ) -> TokenStream {
        let (i, e) = (self.int_names[var].clone(), self.int_names[end].clone());
        let unbounded = *hi == IntExpr::Var(end);
        let check = self
            .iteration_limit
            .as_ref()
            .zip(crate::analyze::capacity(self.f, r));
        let check = check.map(|(function, max)| {
            let needed = if unbounded {
                let max = Literal::u128_unsuffixed(max);
                quote!(#max + 1)
            } else {
                self.bound_len(hi, inclusive)
            };
            let err = self.limit_error(function, max, needed);
            let max = Literal::u128_unsuffixed(max);
            quote!(if #i >= #max { #err })
        });
        let tests_first = body
            .stmts
            .iter()
            .find(|s| !matches!(s, Stmt::Let(_)))
            .is_some_and(|s| matches!(s, Stmt::Break { at_start: true, .. }));
        let mut prologue = TokenStream::new();
        match check {
            Some(check) if tests_first => {
                self.loop_checks.insert(var, check);
            }
            Some(check) => prologue = check,
            None => {}
        }
        let body = self.forward(body, mode);
        self.loop_checks.remove(&var);
        let (start, range) = if unbounded {
            (quote!(0usize), quote!(0usize..))
        } else {
            (
                self.bound_len(hi, inclusive),
                self.range(lo, hi, inclusive, false),
            )
        };
        quote! {
            let mut #e: usize = #start;
            for #i in #range { #prologue #body }
        }
    }

    /// The end of a range as a length (`hi`, or `hi + 1` if inclusive).
    fn bound_len(&self, hi: &IntExpr, inclusive: bool) -> TokenStream {
        let hi = self.int(hi);
        if inclusive {
            quote!((#hi) + 1)
        } else {
            quote!(#hi)
        }
    }

    /// With `max_iters`, before a loop whose buffers it sizes: the error of a loop that needs
    /// more, returned by the forward sweep before anything is written out of bounds (the
    /// reverse sweep's replays run the same loops, so it needs no check of its own).
    fn iteration_check(&self, r: RegionId) -> TokenStream {
        let (Some(function), Some(max)) =
            (&self.iteration_limit, crate::analyze::capacity(self.f, r))
        else {
            return TokenStream::new();
        };
        let (_, hi, inclusive, _) = self.f.regions[r].loop_info.as_ref().expect("a loop region");
        let needed = self.bound_len(hi, *inclusive);
        let err = self.limit_error(function, max, needed.clone());
        let max = Literal::u128_unsuffixed(max);
        quote!(if #needed > #max { #err })
    }

    /// `return Err(IterationLimit { .. })` from the forward sweep.
    fn limit_error(&self, function: &str, max: u128, needed: TokenStream) -> TokenStream {
        let (rt, max) = (&self.rt, Literal::u128_unsuffixed(max));
        quote! {
            return ::core::result::Result::Err(#rt::IterationLimit { function: #function, max_iters: #max, needed: #needed });
        }
    }

    /// A buffer's length along a loop: the loop's upper bound (`+ 1` if inclusive), so that
    /// the loop variable indexes it, or `max_iters` for a bound known only at run time.
    fn buffer_len(&self, r: RegionId) -> TokenStream {
        if let Some(max) = crate::analyze::capacity(self.f, r) {
            let max = Literal::u128_unsuffixed(max);
            return quote!(#max);
        }
        let (_, hi, inclusive, _) = self.f.regions[r].loop_info.as_ref().expect("a loop region");
        let hi_tokens = self.int(hi);
        match (inclusive, hi) {
            (true, _) => quote!({ #hi_tokens + 1 }),
            (false, IntExpr::Bin(..)) => quote!({ #hi_tokens }),
            (false, _) => hi_tokens,
        }
    }

    /// The range of a loop run again (reversed, recomputed, replayed): `lo..end` for a loop
    /// that can leave early, where the forward sweep recorded where it stopped.
    pub fn rerun_range(
        &self,
        lo: &IntExpr,
        hi: &IntExpr,
        inclusive: bool,
        rev: bool,
        end: Option<IntVarId>,
    ) -> TokenStream {
        match end {
            Some(end) => self.range(lo, &IntExpr::Var(end), false, rev),
            None => self.range(lo, hi, inclusive, rev),
        }
    }

    pub fn range(&self, lo: &IntExpr, hi: &IntExpr, inclusive: bool, rev: bool) -> TokenStream {
        let (lo, hi) = (self.int(lo), self.int(hi));
        match (inclusive, rev) {
            (false, false) => quote!(#lo..#hi),
            (true, false) => quote!(#lo..=#hi),
            (false, true) => quote!((#lo..#hi).rev()),
            (true, true) => quote!((#lo..=#hi).rev()),
        }
    }

    /// Whether recomputing loop `region` (with `body`) in the reverse of `r` writes a variable
    /// declared outside the loop. If not, the recomputation has no effect and is left out: its
    /// values are the loop's own, and its reverse recomputes them per iteration. Being
    /// indexing code, it would not be dead to the optimiser (its bounds checks may panic), and
    /// it cost the GMM a third of its gradient's instructions at d = 10.
    fn rerun_writes(&self, region: RegionId, body: &Block, r: RegionId) -> bool {
        let outside = |var: VarId| self.f.vars[var].depth <= self.f.regions[region].depth;
        body.stmts.iter().any(|stmt| match stmt {
            Stmt::Assign {
                place, op, save, ..
            } => match place.base {
                Base::Var(var) => {
                    let skipped = *save == Save::None
                        && *op != AssignOp::Set
                        && self.f.vars[var].depth <= self.f.regions[r].depth;
                    outside(var) && !skipped
                }
                Base::Param(_) => false,
            },
            Stmt::For {
                region: inner,
                body,
                ..
            } => {
                let snapshot = &self.f.regions[*inner].snapshot;
                snapshot.iter().any(|(v, _)| outside(*v)) || self.rerun_writes(region, body, r)
            }
            Stmt::If { then, els, .. } => {
                self.rerun_writes(region, then, r) || self.rerun_writes(region, els, r)
            }
            Stmt::Let(_) | Stmt::Decl { .. } | Stmt::Break { .. } => false,
        })
    }

    /// The forward code of a block.
    pub fn forward(&mut self, block: &Block, mode: Mode) -> TokenStream {
        let mut out = TokenStream::new();
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let(v) => {
                    if let Op::Param(_) = self.f.values[*v].op {
                        continue;
                    }
                    if let Op::Call(call) = &self.f.values[*v].op {
                        match self.fused(Site::Value(*v)) {
                            Some((true, ..)) => continue,
                            Some((false, value, tangent)) => {
                                let span = self.f.spans[*v];
                                out.extend(self.fused_call(call, value, tangent, span));
                                continue;
                            }
                            None => {}
                        }
                        if let Some(tape) = self.tapes.get(&Site::Value(*v)) {
                            let name = &self.value_names[*v];
                            let span = self.f.spans[*v];
                            let pattern = quote!(#name);
                            out.extend(self.taped_call(
                                call,
                                tape,
                                pattern,
                                Some(self.float().to_token_stream()),
                                mode,
                                span,
                            ));
                            continue;
                        }
                    }
                    let name = &self.value_names[*v];
                    let ty = self.value_type(self.f.values[*v].ty, self.varies(*v));
                    match (self.f.stored.get(v), mode) {
                        (Some(&k), Mode::Original | Mode::Replay(_)) => {
                            let rhs = self.op(*v);
                            let slot = self.buffer_slot(k);
                            out.extend(quote!(let #name: #ty = #rhs; #slot = #name;));
                        }
                        (Some(&k), Mode::Recompute(_)) => {
                            let slot = self.buffer_slot(k);
                            out.extend(quote!(let #name: #ty = #slot;));
                        }
                        (None, _) | (Some(_), Mode::Plain) => {
                            let rhs = self.op(*v);
                            out.extend(quote!(let #name: #ty = #rhs;));
                        }
                    }
                }
                Stmt::Decl { var, init } => {
                    match (self.fused(Site::Var(*var)), init) {
                        (Some((true, ..)), _) => continue,
                        (Some((false, value, tangent)), VarInit::Call(call)) => {
                            out.extend(self.fused_call(call, value, tangent, Span::call_site()));
                            continue;
                        }
                        _ => {}
                    }
                    let name = &self.var_names[*var];
                    let varies = self.var_varies(*var);
                    let float = self.value_type(Ty::F32, varies);
                    // A variable in lanes starts with its initial value in every lane.
                    let element = |v: &ValueId| {
                        let v = self.value(*v);
                        match varies {
                            true => quote!(#float::from(#v)),
                            false => v,
                        }
                    };
                    let decl = match init {
                        VarInit::Scalar(v) => {
                            let v = element(v);
                            quote!(let mut #name: #float = #v;)
                        }
                        VarInit::Uninit if varies => quote!(let mut #name: #float = #float::ZERO;),
                        VarInit::Uninit => quote!(let mut #name: #float = 0.0;),
                        VarInit::ZeroLike(place) => {
                            let rt = &self.rt;
                            let like = self.call_arg(&CallArg::Ref(place.clone(), 0));
                            quote!(let mut #name = #rt::zero_like(#like);)
                        }
                        VarInit::Call(call) => {
                            let ty = self.array_type(*var);
                            match self.tapes.get(&Site::Var(*var)) {
                                Some(tape) => {
                                    let pattern = quote!(mut #name);
                                    let ty =
                                        self.f.vars[*var].array.as_ref().and_then(|a| a.ty.clone());
                                    let span = self.f.call_spans.get(var).copied();
                                    self.taped_call(
                                        call,
                                        tape,
                                        pattern,
                                        ty,
                                        mode,
                                        span.unwrap_or_else(Span::call_site),
                                    )
                                }
                                None => {
                                    let call = self.call(call);
                                    quote!(let mut #name #ty = #call;)
                                }
                            }
                        }
                        VarInit::Repeat(v, dims) => {
                            let ty = self.array_type(*var);
                            let mut e = element(v);
                            for d in dims.iter().rev() {
                                let d = self.int(d);
                                e = quote!([#e; #d]);
                            }
                            quote!(let mut #name #ty = #e;)
                        }
                        VarInit::List(items) => {
                            let ty = self.array_type(*var);
                            let rt = &self.rt;
                            let sets = items.iter().map(|(idx, v)| {
                                let v = element(v);
                                let idx = idx.iter().map(|i| Literal::usize_unsuffixed(*i));
                                quote!(#name #([#idx])* = #v;)
                            });
                            let zero = match varies {
                                true => {
                                    let lanes = self.lanes_path();
                                    let scalar =
                                        self.f.vars[*var].array.as_ref().and_then(|a| a.ty.clone());
                                    quote!(<#scalar as #lanes::HasLanes>::zero_lanes())
                                }
                                false => quote!(#rt::Zero::zero()),
                            };
                            quote!(let mut #name #ty = #zero; #(#sets)*)
                        }
                    };
                    out.extend(decl);
                }
                Stmt::Assign {
                    place,
                    value,
                    op,
                    save,
                    ..
                } => {
                    let Base::Var(var) = place.base else { continue };
                    if let Some(r) = mode.skips_accumulations_outside() {
                        let declared_outside = self.f.vars[var].depth <= self.f.regions[r].depth;
                        if *save == Save::None && *op != AssignOp::Set && declared_outside {
                            continue;
                        }
                    }
                    let target = self.place(place);
                    let varies = self.var_varies(var);
                    match save {
                        Save::Local(k) if mode != Mode::Plain => {
                            let name = self.local_save(*k);
                            let float = self.value_type(Ty::F32, varies);
                            out.extend(quote!(let #name: #float = #target;));
                        }
                        Save::Buffer(k) if mode.keeps() => {
                            let slot = self.buffer_slot(*k);
                            out.extend(quote!(#slot = #target;));
                        }
                        _ => {}
                    }
                    let v = self.value(*value);
                    out.extend(match self.is_accumulator(var) {
                        true => self.accumulate(*op, target, v),
                        false => self.write(*op, target, v, varies),
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
                    if mode != Mode::Plain {
                        out.extend(self.entry_saves(*region));
                    }
                    let snapshot = &self.f.regions[*region].snapshot;
                    if matches!(mode, Mode::Recompute(_)) && !snapshot.is_empty() {
                        // The loop's results, as the forward sweep left them.
                        for &(v, k) in snapshot {
                            let slot = self.buffer_slot(k);
                            let name = &self.var_names[v];
                            out.extend(quote!(#name = #slot;));
                        }
                        continue;
                    }
                    if let Mode::Recompute(r) = mode {
                        if !self.rerun_writes(*region, body, r) {
                            continue;
                        }
                    }
                    let first_run = matches!(mode, Mode::Original | Mode::Plain);
                    let i = self.int_names[*var].clone();
                    if mode == Mode::Original && end.is_none() {
                        if let Some(one_pass) = crate::reverse::one_pass_iteration(
                            self, *region, body, *rev, *inclusive,
                        ) {
                            let check = self.iteration_check(*region);
                            let OnePassLoop {
                                decls,
                                iteration,
                                lanes,
                            } = one_pass;
                            let Some(lanes) = lanes else {
                                let range = self.range(lo, hi, *inclusive, *rev);
                                out.extend(quote!(#check #decls for #i in #range { #iteration }));
                                continue;
                            };
                            let (start, stop) =
                                (self.names.fresh("start"), self.names.fresh("stop"));
                            let blocks_end = self.names.fresh("blocks_end");
                            let (lo, hi, width) = (self.int(lo), self.int(hi), lanes.width);
                            let (block_decls, block, sums) =
                                (lanes.decls, lanes.iteration, lanes.sums);
                            let min_len = lanes.min_len;
                            // Below `min_len` iterations, none in lanes: their buffers and sums
                            // would cost more than the blocks save.
                            out.extend(quote! {
                                #check #decls
                                let #start = #lo;
                                let #stop = #hi;
                                let #blocks_end = if #stop >= #start + #min_len { #start + (#stop - #start) / #width * #width } else { #start };
                                if #blocks_end > #start {
                                    #block_decls
                                    for #i in (#start..#blocks_end).step_by(#width) { #block }
                                    #sums
                                }
                                for #i in #blocks_end..#stop { #iteration }
                            });
                            continue;
                        }
                    }
                    let body_mode = if self.f.regions[*region].replayed {
                        Mode::Plain
                    } else {
                        mode
                    };
                    match end {
                        Some(end) if first_run => {
                            out.extend(self.leaving_loop(
                                *region, *var, *end, lo, hi, *inclusive, body, body_mode,
                            ));
                        }
                        _ => {
                            if first_run {
                                out.extend(self.iteration_check(*region));
                            }
                            let range = self.rerun_range(lo, hi, *inclusive, *rev, *end);
                            let body = self.forward(body, body_mode);
                            out.extend(quote!(for #i in #range { #body }));
                        }
                    }
                    if mode.keeps() {
                        for &(v, k) in &self.f.regions[*region].snapshot {
                            let slot = self.buffer_slot(k);
                            let name = &self.var_names[v];
                            out.extend(quote!(#slot = #name;));
                        }
                    }
                }
                Stmt::Break {
                    cond,
                    var,
                    end,
                    at_start,
                } => {
                    if matches!(mode, Mode::Original | Mode::Plain) {
                        let (c, i) = (self.value(*cond), &self.int_names[*var]);
                        let e = &self.int_names[*end];
                        let stop = if *at_start {
                            quote!(#i)
                        } else {
                            quote!(#i + 1)
                        };
                        out.extend(quote!(if #c { #e = #stop; break; }));
                        if *at_start {
                            out.extend(self.loop_checks.remove(var).unwrap_or_default());
                        }
                    }
                }
                Stmt::If {
                    region,
                    cond,
                    then,
                    els,
                    record,
                } => {
                    if mode != Mode::Plain {
                        out.extend(self.entry_saves(*region));
                    }
                    let c = self.value(*cond);
                    if let (Some(k), true) = (record, mode.keeps()) {
                        let slot = self.buffer_slot(*k);
                        out.extend(quote!(#slot = #c;));
                    }
                    if self.varies(*cond) {
                        out.extend(crate::lanes::masked_branch(self, c, true, |g, taken| {
                            g.forward(if taken { then } else { els }, mode)
                        }));
                        continue;
                    }
                    let then = self.forward(then, mode);
                    let els = self.forward(els, mode);
                    out.extend(quote!(if #c { #then } else { #els }));
                }
            }
        }
        out
    }

    /// Keeps the variables a region only accumulates into as they are on entry.
    fn entry_saves(&mut self, region: RegionId) -> TokenStream {
        let mut out = TokenStream::new();
        for &(var, k) in &self.f.regions[region].entry_saves {
            let name = self.local_save(k);
            let value = &self.var_names[var];
            out.extend(quote!(let #name = #value;));
        }
        out
    }

    /// Puts back what [`Self::entry_saves`] kept, once the region is reversed.
    pub fn entry_restores(&mut self, region: RegionId) -> TokenStream {
        let mut out = TokenStream::new();
        for &(var, k) in &self.f.regions[region].entry_saves {
            let name = self.local_save(k);
            let value = &self.var_names[var];
            out.extend(quote!(#value = #name;));
        }
        out
    }

    /// The name of local save `k` (allocated on first use, the same in forward and reverse).
    pub fn local_save(&mut self, k: usize) -> Ident {
        while self.local_saves.len() <= k {
            let n = self.local_saves.len();
            let name = self.names.fresh(&format!("old_{n}"));
            self.local_saves.push(name);
        }
        self.local_saves[k].clone()
    }
}

pub fn param_ident(name: &str) -> TokenStream {
    if name == "self" {
        quote!(self)
    } else {
        let id = Ident::new(name, Span::call_site());
        quote!(#id)
    }
}

/// `target = v;`, `target += v;` or `target -= v;`.
pub fn assign(op: AssignOp, target: TokenStream, v: TokenStream) -> TokenStream {
    match op {
        AssignOp::Set => quote!(#target = #v;),
        AssignOp::Add => quote!(#target += #v;),
        AssignOp::Sub => quote!(#target -= #v;),
    }
}

fn cmp_tokens(op: CmpOp, x: TokenStream, y: TokenStream) -> TokenStream {
    match op {
        CmpOp::Lt => quote!(#x < #y),
        CmpOp::Le => quote!(#x <= #y),
        CmpOp::Gt => quote!(#x > #y),
        CmpOp::Ge => quote!(#x >= #y),
        CmpOp::Eq => quote!(#x == #y),
        CmpOp::Ne => quote!(#x != #y),
    }
}

/// Decides where each active call keeps its pullback (see [`Tape`]).
#[allow(clippy::too_many_arguments)]
fn plan_tapes(
    f: &Function,
    act: &Activity,
    block: &Block,
    loops: &mut Vec<RegionId>,
    in_region: bool,
    names: &mut Names,
    tapes: &mut BTreeMap<Site, Tape>,
    replaced: &mut HashSet<usize>,
) {
    for stmt in &block.stmts {
        let (site, label) = match stmt {
            Stmt::Let(v) if act.values[*v] && matches!(f.values[*v].op, Op::Call(_)) => {
                let label = f.values[*v].name.clone().unwrap_or_else(|| format!("t{v}"));
                (Site::Value(*v), label)
            }
            Stmt::Decl {
                var,
                init: VarInit::Call(_),
            } if act.vars[*var] => (Site::Var(*var), f.vars[*var].name.clone()),
            Stmt::For { region, body, .. } => {
                loops.push(*region);
                plan_tapes(f, act, body, loops, true, names, tapes, replaced);
                loops.pop();
                continue;
            }
            Stmt::If { then, els, .. } => {
                plan_tapes(f, act, then, loops, true, names, tapes, replaced);
                plan_tapes(f, act, els, loops, true, names, tapes, replaced);
                continue;
            }
            _ => continue,
        };
        let loops = crate::analyze::buffer_loops(f, loops);
        let tape = if !in_region {
            Tape::Local(names.fresh(&format!("pullback_{label}")))
        } else if loops.iter().all(|r| crate::analyze::static_loop(f, *r)) {
            if let Site::Value(v) = site {
                if let Some(&k) = f.stored.get(&v) {
                    replaced.insert(k);
                }
            }
            Tape::Slot {
                name: names.fresh(&format!("tape_{label}")),
                loops,
            }
        } else {
            Tape::Recomputed(names.fresh(&format!("pullback_{label}")))
        };
        tapes.insert(site, tape);
    }
}

pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}

impl ToTokens for Float {
    /// The type, `f32` or `f64`: every type token generated code writes for a float.
    fn to_tokens(&self, out: &mut TokenStream) {
        out.extend(match self {
            Float::F32 => quote!(f32),
            Float::F64 => quote!(f64),
        });
    }
}

impl Float {
    /// A literal of this type, unsuffixed (typed by where it goes); `f32::NAN` and the
    /// infinities by name.
    pub fn lit(self, x: f64) -> TokenStream {
        if x.is_nan() {
            return quote!(#self::NAN);
        }
        if x.is_infinite() {
            return if x > 0.0 {
                quote!(#self::INFINITY)
            } else {
                quote!(#self::NEG_INFINITY)
            };
        }
        let lit = match self {
            Float::F32 => Literal::f32_unsuffixed(x.abs() as f32),
            Float::F64 => Literal::f64_unsuffixed(x.abs()),
        };
        if x.is_sign_negative() {
            quote!((-#lit))
        } else {
            quote!(#lit)
        }
    }

    /// A literal with its type's suffix (`0.0f32`), where nothing else types it.
    pub fn suffixed(self, x: f64) -> TokenStream {
        let digits = match self {
            Float::F32 => format!("{:?}", x as f32),
            Float::F64 => format!("{x:?}"),
        };
        syn::LitFloat::new(&format!("{digits}{}", self.name()), Span::call_site()).to_token_stream()
    }
}
