//! Simplifications applied as values are built: constant folding and the identities that are
//! exact under IEEE 754. `x + 0.0` is not one (`-0.0 + 0.0 = +0.0`), nor is `x * 0.0`
//! (`inf * 0.0 = NaN`); `x - 0.0`, `x * 1.0`, `x / 1.0` and `-(-x)` are.

use crate::ir::{BinOp, Function, Op, ValueId};

/// What an op simplifies to.
pub enum Simplified {
    Existing(ValueId),
    Const(f64),
}

pub fn simplify(f: &Function, op: &Op) -> Option<Simplified> {
    let c = |v: ValueId| f.const_value(v);
    let is = |v: ValueId, k: f64| {
        c(v).is_some_and(|x| x == k && x.is_sign_negative() == k.is_sign_negative())
    };
    match *op {
        Op::Neg(a) => {
            if let Some(x) = c(a) {
                return Some(Simplified::Const(-x));
            }
            match f.values[a].op {
                Op::Neg(inner) => Some(Simplified::Existing(inner)),
                _ => None,
            }
        }
        Op::Bin(bin, a, b) => {
            if let (Some(x), Some(y)) = (c(a), c(b)) {
                // Exact in `f64` and rounded once: the function's own arithmetic (an `f64`
                // result of `f32` operands rounds to the `f32` result).
                return Some(Simplified::Const(f.float.round(match bin {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                })));
            }
            match bin {
                BinOp::Mul if is(b, 1.0) => Some(Simplified::Existing(a)),
                BinOp::Mul if is(a, 1.0) => Some(Simplified::Existing(b)),
                BinOp::Div if is(b, 1.0) => Some(Simplified::Existing(a)),
                BinOp::Sub if is(b, 0.0) => Some(Simplified::Existing(a)),
                BinOp::Add if is(b, -0.0) => Some(Simplified::Existing(a)),
                BinOp::Add if is(a, -0.0) => Some(Simplified::Existing(b)),
                _ => None,
            }
        }
        Op::Not(a) => match f.values[a].op {
            Op::Not(inner) => Some(Simplified::Existing(inner)),
            _ => None,
        },
        _ => None,
    }
}
