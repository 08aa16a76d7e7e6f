//! The doc comment of a generated function: the derivative it computes, written as maths.
//!
//! For straight-line code the partial derivatives are printed in full, with the user's own
//! `let` names kept (`d/dw = 2 * (y_hat - y) * x  where y_hat = x * w`). Loops and branches are
//! described rather than unrolled.

use std::collections::HashMap;

use crate::interface::Flavor;
use crate::ir::{BinOp, Block, Float, Function, IntExpr, Op, ParamKind, Seg, Stmt, ValueId};
use crate::rules::{AExpr, Cond};

/// Longest derivative printed in full; longer ones point to the expansion instead.
const MAX_LEN: usize = 240;

pub struct Derivatives<'a> {
    pub params: &'a HashMap<usize, AExpr>,
    pub defs: &'a HashMap<String, AExpr>,
}

pub fn describe(
    func: &syn::ItemFn,
    ir: &Function,
    wrt: &[bool],
    flavor: Flavor,
    d: &Derivatives,
) -> String {
    let name = func.sig.ident.to_string();
    let active: Vec<&str> = ir
        .params
        .iter()
        .zip(wrt)
        .filter(|(_, w)| **w)
        .map(|(p, _)| p.name.as_str())
        .collect();
    let mut out = match flavor {
        Flavor::Grad | Flavor::Hvp => format!(
            " The value of [`{name}`] and its gradient with respect to `{}`, generated at compile time by reverse-mode differentiation.\n",
            active.join("`, `")
        ),
        Flavor::Vjp | Flavor::Fwd | Flavor::Jvp | Flavor::Jvpk => format!(
            " The value of [`{name}`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.\n"
        ),
    };
    out.push_str("\n Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.\n");
    if has_regions(&ir.body) {
        out.push_str("\n Loops and branches are differentiated by a reverse sweep that recomputes loop-local values and restores overwritten ones from stack buffers; read the generated code with `cargo expand`.\n");
        return out;
    }
    let p = Printer { ir, defs: d.defs };
    let mut lines = Vec::new();
    for (i, param) in ir.params.iter().enumerate() {
        if !wrt[i] || !matches!(param.kind, ParamKind::Scalar) {
            continue;
        }
        let text = d
            .params
            .get(&i)
            .map_or_else(|| "0".to_string(), |e| p.aexpr(e, 0));
        let text = if text.len() > MAX_LEN {
            "(long: see the generated code)".to_string()
        } else {
            text
        };
        lines.push(match flavor {
            Flavor::Grad | Flavor::Hvp => format!(" ∂{name}/∂{} = {text}", param.name),
            Flavor::Vjp | Flavor::Fwd | Flavor::Jvp | Flavor::Jvpk => {
                format!(" d_{} = {text}", param.name)
            }
        });
    }
    if !lines.is_empty() {
        out.push_str("\n ```text\n");
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        let wheres: Vec<String> = ir
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.name.is_some() && !matches!(v.op, Op::Param(_)))
            .map(|(i, v)| format!(" {} = {}", v.name.as_deref().unwrap_or("?"), p.op(i, 0)))
            .collect();
        if !wheres.is_empty() {
            out.push_str(" where\n");
            for w in wheres {
                out.push_str(&format!("   {}\n", w.trim_start()));
            }
        }
        out.push_str(" ```\n");
    }
    out
}

/// How a value reads in the user's terms: its `let` name, or its expression.
pub fn label(ir: &Function, v: ValueId) -> String {
    let empty = HashMap::new();
    Printer { ir, defs: &empty }.value(v, 0)
}

fn has_regions(block: &Block) -> bool {
    block
        .stmts
        .iter()
        .any(|s| matches!(s, Stmt::For { .. } | Stmt::If { .. }))
}

struct Printer<'a> {
    ir: &'a Function,
    defs: &'a HashMap<String, AExpr>,
}

// Precedences: 1 for + -, 2 for * /, 3 for unary minus, 4 for atoms and calls.
fn paren(s: String, prec: u8, ctx: u8) -> String {
    if prec < ctx {
        format!("({s})")
    } else {
        s
    }
}

impl Printer<'_> {
    fn value(&self, v: ValueId, ctx: u8) -> String {
        let value = &self.ir.values[v];
        match (&value.name, &value.op) {
            (_, Op::Param(p)) => self.ir.params[*p].name.clone(),
            (Some(n), _) => n.clone(),
            _ => self.op(v, ctx),
        }
    }

    fn op(&self, v: ValueId, ctx: u8) -> String {
        match &self.ir.values[v].op {
            Op::Const(bits) => fmt_float(self.ir.float, f64::from_bits(*bits)),
            Op::Param(p) => self.ir.params[*p].name.clone(),
            Op::FromInt(i) => int(i),
            Op::Extern(s) => s.clone(),
            Op::Read(place, _) => {
                let mut s = match place.base {
                    crate::ir::Base::Param(p) => self.ir.params[p].name.clone(),
                    crate::ir::Base::Var(var) => self.ir.vars[var].name.clone(),
                };
                for seg in &place.path {
                    match seg {
                        Seg::Field(f) => s.push_str(&format!(".{f}")),
                        Seg::Index(i) => s.push_str(&format!("[{}]", int(i))),
                    }
                }
                s
            }
            Op::Neg(a) => paren(format!("-{}", self.value(*a, 3)), 3, ctx),
            Op::Bin(op, a, b) => self.bin(
                *op,
                self.value(*a, prec_l(*op)),
                self.value(*b, prec_r(*op)),
                ctx,
            ),
            Op::Math(f, args) => {
                let args: Vec<String> = args.iter().map(|a| self.value(*a, 0)).collect();
                format!("{}({})", f.name(), args.join(", "))
            }
            Op::Powi(a, n) => format!("{}^{}", self.value(*a, 4), int(n)),
            _ => "…".to_string(),
        }
    }

    fn bin(&self, op: BinOp, a: String, b: String, ctx: u8) -> String {
        let (sym, prec) = match op {
            BinOp::Add => ("+", 1),
            BinOp::Sub => ("-", 1),
            BinOp::Mul => ("*", 2),
            BinOp::Div => ("/", 2),
        };
        paren(format!("{a} {sym} {b}"), prec, ctx)
    }

    fn aexpr(&self, e: &AExpr, ctx: u8) -> String {
        match e {
            AExpr::Lit(x) => fmt_float(self.ir.float, *x),
            AExpr::Val(v) => self.value(*v, ctx),
            AExpr::Adj(name) => match self.defs.get(name) {
                Some(def) => self.aexpr(def, ctx),
                None => name.clone(),
            },
            AExpr::Int(i) => int(i),
            AExpr::Neg(a) => paren(format!("-{}", self.aexpr(a, 3)), 3, ctx),
            AExpr::Bin(op, a, b) => self.bin(
                *op,
                self.aexpr(a, prec_l(*op)),
                self.aexpr(b, prec_r(*op)),
                ctx,
            ),
            AExpr::Math(f, args) => {
                let args: Vec<String> = args.iter().map(|a| self.aexpr(a, 0)).collect();
                format!("{}({})", f.name(), args.join(", "))
            }
            AExpr::Powi(a, n) => format!("{}^{}", self.aexpr(a, 4), int(n)),
            // the maths; the flush is a detail of the arithmetic
            AExpr::Flushed(d, y) => self.aexpr(&crate::rules::unflushed(d, y), ctx),
            AExpr::Select(c, a, b) => {
                format!(
                    "({} if {} else {})",
                    self.aexpr(a, 0),
                    self.cond(c),
                    self.aexpr(b, 0)
                )
            }
        }
    }

    fn cond(&self, c: &Cond) -> String {
        match c {
            Cond::Cmp(op, a, b) => {
                let sym = match op {
                    crate::ir::CmpOp::Lt => "<",
                    crate::ir::CmpOp::Le => "<=",
                    crate::ir::CmpOp::Gt => ">",
                    crate::ir::CmpOp::Ge => ">=",
                    crate::ir::CmpOp::Eq => "==",
                    crate::ir::CmpOp::Ne => "!=",
                };
                format!("{} {sym} {}", self.aexpr(a, 1), self.aexpr(b, 1))
            }
            Cond::And(a, b) => format!("{} and {}", self.cond(a), self.cond(b)),
            Cond::Or(a, b) => format!("({} or {})", self.cond(a), self.cond(b)),
            Cond::IntIsZero(i) => format!("{} == 0", int(i)),
            Cond::Val(v) => self.value(*v, 0),
        }
    }
}

fn prec_l(op: BinOp) -> u8 {
    match op {
        BinOp::Add | BinOp::Sub => 1,
        BinOp::Mul | BinOp::Div => 2,
    }
}

/// The right operand of `-` and `/` needs parentheses at equal precedence.
fn prec_r(op: BinOp) -> u8 {
    match op {
        BinOp::Add => 1,
        BinOp::Sub => 2,
        BinOp::Mul => 2,
        BinOp::Div => 3,
    }
}

/// A constant as the function's float prints it (shortest round trip).
fn fmt_float(float: Float, x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e7 {
        format!("{x:.0}")
    } else {
        match float {
            Float::F32 => format!("{}", x as f32),
            Float::F64 => format!("{x}"),
        }
    }
}

fn int(e: &IntExpr) -> String {
    match e {
        IntExpr::Lit(n) => n.to_string(),
        IntExpr::Var(i) => format!("i{i}"),
        IntExpr::Named(n) => n.clone(),
        IntExpr::Index(n, idx) => {
            let idx: Vec<String> = idx.iter().map(|i| format!("[{}]", int(i))).collect();
            format!("{n}{}", idx.concat())
        }
        IntExpr::Bin(op, a, b) => {
            let sym = match op {
                crate::ir::IntBinOp::Add => "+",
                crate::ir::IntBinOp::Sub => "-",
                crate::ir::IntBinOp::Mul => "*",
                crate::ir::IntBinOp::Div => "/",
                crate::ir::IntBinOp::Rem => "%",
            };
            format!("({} {sym} {})", int(a), int(b))
        }
        IntExpr::Cast(a, _) => int(a),
        IntExpr::Len(n) => format!("{n}.len()"),
    }
}
