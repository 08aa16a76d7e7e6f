//! Every derivative rule, in one exhaustive `match`.
//!
//! For a value `y = op(x1, x2, ...)` with adjoint `d` (the derivative of the output by `y`), a
//! rule gives each `f32` operand's contribution `d * dy/dxi`. Rules reuse the forward value `y`
//! where it saves work (exp, tanh, sqrt, division). At kinks they follow PyTorch: `relu'(0) = 0`,
//! `abs'(0) = 0`, `max`/`min` ties split the gradient evenly, `clamp` passes it at the bounds.

use crate::ir::{BinOp, CmpOp, IntExpr, MathFn, Op, ValueId};

/// An adjoint expression: straight-line `f32` code over forward values and named adjoints.
#[derive(Clone, Debug, PartialEq)]
pub enum AExpr {
    Lit(f64),
    /// A forward value.
    Val(ValueId),
    /// A named adjoint (a `let` or a `let mut` of the reverse sweep).
    Adj(String),
    /// An integer as `f32`.
    Int(IntExpr),
    Neg(Box<AExpr>),
    Bin(BinOp, Box<AExpr>, Box<AExpr>),
    Math(MathFn, Vec<AExpr>),
    Powi(Box<AExpr>, IntExpr),
    /// `if cond { a } else { b }`.
    Select(Box<Cond>, Box<AExpr>, Box<AExpr>),
    /// `d * y` for `y >= 0`, zero where the product is subnormal: see [`flushed`].
    Flushed(Box<AExpr>, Box<AExpr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Cmp(CmpOp, AExpr, AExpr),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    IntIsZero(IntExpr),
    /// A `bool` value.
    Val(ValueId),
}

pub fn lit(x: f64) -> AExpr {
    AExpr::Lit(x)
}

pub fn val(v: ValueId) -> AExpr {
    AExpr::Val(v)
}

pub fn neg(a: AExpr) -> AExpr {
    match a {
        AExpr::Neg(inner) => *inner,
        AExpr::Lit(x) => AExpr::Lit(-x),
        a => AExpr::Neg(Box::new(a)),
    }
}

pub fn add(a: AExpr, b: AExpr) -> AExpr {
    match b {
        AExpr::Neg(b) => AExpr::Bin(BinOp::Sub, Box::new(a), b),
        b => AExpr::Bin(BinOp::Add, Box::new(a), Box::new(b)),
    }
}

pub fn sub(a: AExpr, b: AExpr) -> AExpr {
    AExpr::Bin(BinOp::Sub, Box::new(a), Box::new(b))
}

/// `a * b`, dropping exact factors of one and folding signs outward.
pub fn mul(a: AExpr, b: AExpr) -> AExpr {
    match (a, b) {
        (AExpr::Lit(1.0), b) => b,
        (a, AExpr::Lit(1.0)) => a,
        (AExpr::Lit(-1.0), b) => neg(b),
        (a, AExpr::Lit(-1.0)) => neg(a),
        (AExpr::Neg(a), b) => neg(mul(*a, b)),
        (a, AExpr::Neg(b)) => neg(mul(a, *b)),
        (a, b) => AExpr::Bin(BinOp::Mul, Box::new(a), Box::new(b)),
    }
}

pub fn div(a: AExpr, b: AExpr) -> AExpr {
    match (a, b) {
        (a, AExpr::Lit(1.0)) => a,
        (AExpr::Neg(a), b) => neg(div(*a, b)),
        (a, b) => AExpr::Bin(BinOp::Div, Box::new(a), Box::new(b)),
    }
}

/// `d * y`, `y >= 0`, flushed to zero where its magnitude is below the smallest normal number
/// (`__private::flushed_product`). For the adjoint of an `exp`: a tiny weight (a far component
/// of a mixture, a small softmax entry) would otherwise make every operation of its reverse
/// subnormal, which Intel cores run about 100x slower. What is dropped is below
/// `MIN_POSITIVE` in magnitude; a forward partial (`d = 1`) keeps the product exact.
pub fn flushed(d: AExpr, y: AExpr) -> AExpr {
    AExpr::Flushed(Box::new(d), Box::new(y))
}

/// The exact product `d * y` a [`flushed`] one stands for: what the doc prints and what a
/// forward partial computes.
pub fn unflushed(d: &AExpr, y: &AExpr) -> AExpr {
    mul(d.clone(), y.clone())
}

fn math(f: MathFn, args: Vec<AExpr>) -> AExpr {
    AExpr::Math(f, args)
}

fn select(c: Cond, a: AExpr, b: AExpr) -> AExpr {
    AExpr::Select(Box::new(c), Box::new(a), Box::new(b))
}

fn cmp(op: CmpOp, a: AExpr, b: AExpr) -> Cond {
    Cond::Cmp(op, a, b)
}

/// `d * 2 * a` written so that `2.0 * a` reads first, as a person would write it.
fn twice(a: AExpr, d: AExpr) -> AExpr {
    mul(mul(lit(2.0), a), d)
}

/// The contributions of `y = op(...)` to its `f32` operands, given `y`'s adjoint `d`.
/// An operand may appear more than once (`x.max(x)`); the caller sums its contributions.
/// `is_constant(v)`: whether an operand is a literal or named constant, where PyTorch's rule
/// differs for scalar arguments (`clamp`).
pub fn contributions(
    op: &Op,
    y: ValueId,
    d: AExpr,
    is_constant: impl Fn(ValueId) -> bool,
) -> Vec<(ValueId, AExpr)> {
    use MathFn as M;
    let y = val(y);
    match op {
        // Constants, parameters and reads have no operands; reads are handled as places.
        Op::Const(_)
        | Op::BoolConst(_)
        | Op::Param(_)
        | Op::FromInt(_)
        | Op::Extern(_)
        | Op::Read(..)
        | Op::Cmp(..)
        | Op::IntCmp(..)
        | Op::Not(_)
        | Op::And(..)
        | Op::Or(..) => vec![],
        // Calls are differentiated through the callee's `_vjp` (see `reverse.rs`).
        Op::Call(_) => vec![],
        // d (if c { a } else { b }) = if c { da } else { db }
        Op::Select(c, a, b) => vec![
            (*a, select(Cond::Val(*c), d.clone(), lit(0.0))),
            (*b, select(Cond::Val(*c), lit(0.0), d)),
        ],
        // d(-a) = -da
        Op::Neg(a) => vec![(*a, neg(d))],
        Op::Bin(bin, a, b) => {
            let (a, b) = (*a, *b);
            match bin {
                // d(a + b) = da + db
                BinOp::Add => vec![(a, d.clone()), (b, d)],
                // d(a - b) = da - db
                BinOp::Sub => vec![(a, d.clone()), (b, neg(d))],
                // d(a * a) = 2a da
                BinOp::Mul if a == b => vec![(a, twice(val(a), d))],
                // d(a * b) = b da + a db
                BinOp::Mul => vec![(a, mul(d.clone(), val(b))), (b, mul(d, val(a)))],
                // d(a / b) = da / b - (a / b) db / b
                BinOp::Div => vec![
                    (a, div(d.clone(), val(b))),
                    (b, neg(div(mul(d, y), val(b)))),
                ],
            }
        }
        // d(x^n) = n x^(n-1) dx, and 0 for n = 0 (PyTorch: no NaN at x = 0).
        Op::Powi(x, n) => match n {
            IntExpr::Lit(0) => vec![],
            IntExpr::Lit(1) => vec![(*x, d)],
            IntExpr::Lit(2) => vec![(*x, twice(val(*x), d))],
            n => {
                let n_minus_1 = IntExpr::Bin(
                    crate::ir::IntBinOp::Sub,
                    Box::new(n.clone()),
                    Box::new(IntExpr::Lit(1)),
                );
                let g = mul(
                    mul(
                        AExpr::Int(n.clone()),
                        AExpr::Powi(Box::new(val(*x)), n_minus_1),
                    ),
                    d,
                );
                let g = match n {
                    IntExpr::Lit(_) => g,
                    n => select(Cond::IntIsZero(n.clone()), lit(0.0), g),
                };
                vec![(*x, g)]
            }
        },
        Op::Math(f, args) => {
            let x = args.first().copied().map(val).unwrap_or(lit(0.0));
            let a0 = args.first().copied().unwrap_or(0);
            let one = |g: AExpr| vec![(a0, g)];
            match f {
                // d e^x = e^x dx (subnormal contributions flushed, see `flushed`)
                M::Exp => one(flushed(d, y)),
                // d 2^x = 2^x ln 2 dx
                M::Exp2 => one(flushed(mul(d, lit(std::f64::consts::LN_2)), y)),
                // d ln x = dx / x
                M::Ln => one(div(d, x)),
                // d log2 x = dx / (x ln 2)
                M::Log2 => one(div(d, mul(x, lit(std::f64::consts::LN_2)))),
                // d log10 x = dx / (x ln 10)
                M::Log10 => one(div(d, mul(x, lit(std::f64::consts::LN_10)))),
                // d sqrt x = dx / (2 sqrt x)
                M::Sqrt => one(div(d, mul(lit(2.0), y))),
                // d cbrt x = dx / (3 cbrt(x)^2)
                M::Cbrt => one(div(d, mul(mul(lit(3.0), y.clone()), y))),
                // d x^e = e x^(e-1) dx + x^e ln x de  (PyTorch: 0 where e = 0, resp. x = 0 and e >= 0)
                M::Powf => {
                    let (xv, e) = (args[0], args[1]);
                    let dx = select(
                        cmp(CmpOp::Eq, val(e), lit(0.0)),
                        lit(0.0),
                        mul(
                            mul(val(e), math(M::Powf, vec![val(xv), sub(val(e), lit(1.0))])),
                            d.clone(),
                        ),
                    );
                    let de = select(
                        Cond::And(
                            Box::new(cmp(CmpOp::Eq, val(xv), lit(0.0))),
                            Box::new(cmp(CmpOp::Ge, val(e), lit(0.0))),
                        ),
                        lit(0.0),
                        mul(mul(y, math(M::Ln, vec![val(xv)])), d),
                    );
                    vec![(xv, dx), (e, de)]
                }
                // d sin x = cos x dx
                M::Sin => one(mul(math(M::Cos, vec![x]), d)),
                // d cos x = -sin x dx
                M::Cos => one(neg(mul(math(M::Sin, vec![x]), d))),
                // d tan x = (1 + tan^2 x) dx
                M::Tan => one(mul(add(lit(1.0), mul(y.clone(), y)), d)),
                // d tanh x = (1 - tanh^2 x) dx
                M::Tanh => one(mul(sub(lit(1.0), mul(y.clone(), y)), d)),
                // d sinh x = cosh x dx
                M::Sinh => one(mul(math(M::Cosh, vec![x]), d)),
                // d cosh x = sinh x dx
                M::Cosh => one(mul(math(M::Sinh, vec![x]), d)),
                // d asin x = dx / sqrt(1 - x^2)
                M::Asin => one(div(
                    d,
                    math(M::Sqrt, vec![sub(lit(1.0), mul(x.clone(), x))]),
                )),
                // d acos x = -dx / sqrt(1 - x^2)
                M::Acos => one(neg(div(
                    d,
                    math(M::Sqrt, vec![sub(lit(1.0), mul(x.clone(), x))]),
                ))),
                // d atan x = dx / (1 + x^2)
                M::Atan => one(div(d, add(lit(1.0), mul(x.clone(), x)))),
                // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
                // (PyTorch: 0 at the origin, where the formula is 0 / 0.)
                M::Atan2 => {
                    let (a, b) = (args[0], args[1]);
                    let r2 = add(mul(val(a), val(a)), mul(val(b), val(b)));
                    let at_origin = || cmp(CmpOp::Eq, r2.clone(), lit(0.0));
                    vec![
                        (
                            a,
                            select(
                                at_origin(),
                                lit(0.0),
                                div(mul(d.clone(), val(b)), r2.clone()),
                            ),
                        ),
                        (
                            b,
                            select(at_origin(), lit(0.0), neg(div(mul(d, val(a)), r2.clone()))),
                        ),
                    ]
                }
                // d |x| = sgn(x) dx, with sgn(0) = 0 (PyTorch)
                M::Abs => one(select(
                    cmp(CmpOp::Gt, x.clone(), lit(0.0)),
                    d.clone(),
                    select(cmp(CmpOp::Lt, x, lit(0.0)), neg(d), lit(0.0)),
                )),
                // d max(a, b): all to the larger, half each on a tie (PyTorch)
                // (Rust's max/min return the other argument when one is NaN: it gets the
                // gradient, like torch.fmax/fmin.)
                M::Max | M::Min => {
                    let (a, b) = (args[0], args[1]);
                    let wins = if *f == M::Max { CmpOp::Gt } else { CmpOp::Lt };
                    let share = |p: ValueId, q: ValueId| {
                        let q_is_nan = cmp(CmpOp::Ne, val(q), val(q));
                        select(
                            Cond::Or(Box::new(cmp(wins, val(p), val(q))), Box::new(q_is_nan)),
                            d.clone(),
                            select(
                                cmp(CmpOp::Eq, val(p), val(q)),
                                mul(lit(0.5), d.clone()),
                                lit(0.0),
                            ),
                        )
                    };
                    vec![(a, share(a, b)), (b, share(b, a))]
                }
                // d clamp(x, lo, hi) = dx strictly inside (lo, hi), d lo below, d hi above. On a
                // bound PyTorch splits the gradient evenly between x and a bound that is a
                // variable (like a max/min tie) and gives none to x at a constant bound.
                M::Clamp => {
                    let (xv, lo, hi) = (args[0], args[1], args[2]);
                    let tie = |b: ValueId| {
                        let share = if is_constant(b) {
                            lit(0.0)
                        } else {
                            mul(lit(0.5), d.clone())
                        };
                        (cmp(CmpOp::Eq, val(xv), val(b)), share)
                    };
                    let inside = Cond::And(
                        Box::new(cmp(CmpOp::Gt, val(xv), val(lo))),
                        Box::new(cmp(CmpOp::Lt, val(xv), val(hi))),
                    );
                    let (at_lo, lo_share) = tie(lo);
                    let (at_hi, hi_share) = tie(hi);
                    let half = mul(lit(0.5), d.clone());
                    let dx = select(
                        inside,
                        d.clone(),
                        select(
                            at_lo.clone(),
                            lo_share.clone(),
                            select(at_hi.clone(), hi_share, lit(0.0)),
                        ),
                    );
                    let dlo = select(
                        cmp(CmpOp::Lt, val(xv), val(lo)),
                        d.clone(),
                        select(at_lo, half.clone(), lit(0.0)),
                    );
                    let dhi = select(
                        cmp(CmpOp::Gt, val(xv), val(hi)),
                        d.clone(),
                        select(at_hi, half, lit(0.0)),
                    );
                    // lo == hi == x: PyTorch gives everything to x.
                    let degenerate = || {
                        Cond::And(
                            Box::new(cmp(CmpOp::Eq, val(xv), val(lo))),
                            Box::new(cmp(CmpOp::Eq, val(xv), val(hi))),
                        )
                    };
                    vec![
                        (xv, select(degenerate(), d.clone(), dx)),
                        (lo, select(degenerate(), lit(0.0), dlo)),
                        (hi, select(degenerate(), lit(0.0), dhi)),
                    ]
                }
                // d (1/x) = -dx / x^2 = -(1/x)^2 dx
                M::Recip => one(neg(mul(mul(y.clone(), y), d))),
                // d hypot(a, b) = (a da + b db) / hypot(a, b)
                M::Hypot => {
                    let (a, b) = (args[0], args[1]);
                    vec![
                        (a, div(mul(d.clone(), val(a)), y.clone())),
                        (b, div(mul(d, val(b)), y)),
                    ]
                }
                // d (x * a + b) = a dx + x da + db
                M::MulAdd => {
                    let (xv, a, b) = (args[0], args[1], args[2]);
                    vec![
                        (xv, mul(d.clone(), val(a))),
                        (a, mul(d.clone(), val(xv))),
                        (b, d),
                    ]
                }
                // d (e^x - 1) = e^x dx = (y + 1) dx
                M::ExpM1 => one(mul(add(y, lit(1.0)), d)),
                // d ln(1 + x) = dx / (1 + x)
                M::Ln1p => one(div(d, add(lit(1.0), x))),
                // Piecewise constant: zero gradient everywhere (PyTorch too).
                M::Floor | M::Ceil | M::Round | M::Signum => vec![],
            }
        }
    }
}
