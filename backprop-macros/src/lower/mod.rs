//! Step 1, parse: the user's `syn::ItemFn` becomes the IR. Everything outside the supported
//! subset becomes an error on its exact tokens, and lowering goes on so that several mistakes
//! are reported together.
//!
//! This file holds the lowering state (scopes, the open blocks, the IR builder); one file per
//! part of the syntax does the work: [`signature`], [`statements`], [`expressions`], [`calls`]
//! and [`places`].

pub mod builder;
mod calls;
mod expressions;
mod float;
mod places;
mod signature;
mod statements;

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::{BinOp as SynBinOp, Expr, FnArg, Pat, ReturnType, Stmt as SynStmt, Type, UnOp};

use crate::errors::Errors;
use crate::ir::*;
pub use builder::Builder;

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
    let mut l = Lower::new(errors, array_names(&item.block), read_names(&item.block));
    l.float_type(item, true);
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

/// Whether `attr` is a `#[loops = ...]` marker, which only the macro reads.
fn is_loop_marker(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("loops")
}

/// The function as the user wrote it, without the `#[loops = ...]` markers on its loops: they
/// are the macro's, and rustc knows no such attribute.
pub fn without_loop_markers(item: &syn::ItemFn) -> syn::ItemFn {
    struct Strip;
    impl syn::visit_mut::VisitMut for Strip {
        fn visit_expr_for_loop_mut(&mut self, e: &mut syn::ExprForLoop) {
            e.attrs.retain(|a| !is_loop_marker(a));
            syn::visit_mut::visit_expr_for_loop_mut(self, e);
        }
        fn visit_expr_while_mut(&mut self, e: &mut syn::ExprWhile) {
            e.attrs.retain(|a| !is_loop_marker(a));
            syn::visit_mut::visit_expr_while_mut(self, e);
        }
        fn visit_expr_loop_mut(&mut self, e: &mut syn::ExprLoop) {
            e.attrs.retain(|a| !is_loop_marker(a));
            syn::visit_mut::visit_expr_loop_mut(self, e);
        }
    }
    let mut item = item.clone();
    syn::visit_mut::VisitMut::visit_item_fn_mut(&mut Strip, &mut item);
    item
}

/// Lowers only the signature, for a function whose derivative is written by hand: its body
/// is not differentiated, and it may return any tensor (`T: Tensor` included).
pub fn lower_signature(item: &syn::ItemFn, errors: &mut Errors) -> Function {
    let mut l = Lower::new(errors, HashSet::new(), HashSet::new());
    l.float_type(item, false);
    l.params(&item.sig);
    match &item.sig.output {
        ReturnType::Type(_, ty) if is_float(ty) => {}
        ReturnType::Type(_, ty) => l.b.func.ret_array = Some(ty.to_token_stream()),
        ReturnType::Default => l.errors.push(syn::Error::new(
            item.sig.paren_token.span.close(),
            "a differentiable function returns `f32` or a tensor: add `-> f32`",
        )),
    }
    l.b.func
}

impl<'a> Lower<'a> {
    fn new(
        errors: &'a mut Errors,
        array_names: HashSet<String>,
        read_names: HashSet<String>,
    ) -> Self {
        Lower {
            b: Builder::new(),
            errors,
            scopes: vec![HashMap::new()],
            stmts: vec![Vec::new()],
            region_stack: Vec::new(),
            array_names,
            read_names,
            param_ident: None,
        }
    }
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

    /// A local array initialised by a call, which errors about the call point at (`span`).
    fn decl_call(&mut self, var: VarId, call: Call, span: Span) {
        self.b.func.call_spans.insert(var, span);
        self.emit(Stmt::Decl {
            var,
            init: VarInit::Call(call),
        });
    }

    /// A constant of the function's float (`x` exact in it).
    fn float_const(&mut self, x: f64) -> ValueId {
        self.value(Op::Const(x.to_bits()), Span::call_site())
    }

    /// A literal's value in the function's float, parsed in that type (not rounded twice).
    fn parse_float(&self, digits: &str) -> Option<f64> {
        match self.b.func.float {
            Float::F32 => digits.parse::<f32>().ok().map(f64::from),
            Float::F64 => digits.parse::<f64>().ok(),
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

/// `f32` or `f64`: which one the function computes in is [`Function::float`], and every token
/// of the other has its error already ([`float`]).
fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some_and(|i| Float::from_name(&i.to_string()).is_some()))
}

fn is_float_array(ty: &Type) -> bool {
    match ty {
        Type::Array(a) => is_float(&a.elem) || is_float_array(&a.elem),
        Type::Paren(p) => is_float_array(&p.elem),
        _ => false,
    }
}

/// The rank of `[f32; N]`-like type tokens (a slice `[[f32; N]]` counts as an array), or `None` for anything else (a struct).
fn array_rank_of(tokens: &TokenStream) -> Option<usize> {
    let ty: Type = syn::parse2(tokens.clone()).ok()?;
    let ty = match ty {
        Type::Reference(r) => *r.elem,
        t => t,
    };
    let (mut rank, mut t) = match &ty {
        Type::Slice(s) => (1, &*s.elem),
        t => (0, t),
    };
    while let Type::Array(a) = t {
        rank += 1;
        t = &a.elem;
    }
    is_float(t).then_some(rank)
}
