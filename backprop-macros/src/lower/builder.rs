//! The IR builder: values hash-consed and simplified as they are made, block by block.

use proc_macro2::Span;
use std::collections::HashMap;

use crate::ir::*;
use crate::simplify;

/// Builds values with hash-consing and simplification, block by block.
pub struct Builder {
    pub func: Function,
    memo: Vec<HashMap<Op, ValueId>>,
    consts: HashMap<Op, ValueId>,
    blocks: Vec<usize>,
    pub versions: HashMap<VarId, u32>,
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            func: Function {
                block_count: 1,
                ..Function::default()
            },
            memo: vec![HashMap::new()],
            consts: HashMap::new(),
            blocks: vec![0],
            versions: HashMap::new(),
        }
    }

    pub fn current_block(&self) -> usize {
        *self.blocks.last().expect("a block is open")
    }

    /// Opens a nested block (loop body or branch). Values of enclosing blocks stay visible,
    /// but nothing is shared with them: a body runs many times.
    pub fn open_block(&mut self) -> usize {
        let id = self.func.block_count;
        self.func.block_count += 1;
        self.memo.push(HashMap::new());
        self.blocks.push(id);
        id
    }

    pub fn close_block(&mut self) {
        self.memo.pop();
        self.blocks.pop();
    }

    /// The value of `op`: an existing equal one, a simplification, or a new one (in which case
    /// the caller's block gets a `Let`, returned as `Some`).
    pub fn value(&mut self, op: Op, span: Span) -> (ValueId, Option<Stmt>) {
        let op = match simplify::simplify(&self.func, &op) {
            Some(simplify::Simplified::Existing(v)) => return (v, None),
            Some(simplify::Simplified::Const(c)) => Op::Const(c.to_bits()),
            None => op,
        };
        // Every constant is a value of the function's float.
        let op = match op {
            Op::Const(bits) => Op::Const(self.func.float.round(f64::from_bits(bits)).to_bits()),
            op => op,
        };
        // Literals are emitted where they are used: no `let`, shared by every block.
        if let Op::Const(_) | Op::BoolConst(_) = op {
            if let Some(&v) = self.consts.get(&op) {
                return (v, None);
            }
            let id = self.push(op.clone(), span);
            self.consts.insert(op, id);
            return (id, None);
        }
        if let Some(&v) = self.memo.last().and_then(|m| m.get(&op)) {
            return (v, None);
        }
        let id = self.push(op.clone(), span);
        if let Some(m) = self.memo.last_mut() {
            m.insert(op, id);
        }
        (id, Some(Stmt::Let(id)))
    }

    fn push(&mut self, op: Op, span: Span) -> ValueId {
        let ty = match &op {
            Op::BoolConst(_)
            | Op::Cmp(..)
            | Op::IntCmp(..)
            | Op::Not(_)
            | Op::And(..)
            | Op::Or(..) => Ty::Bool,
            Op::Param(p) if self.func.params[*p].is_bool => Ty::Bool,
            _ => Ty::F32,
        };
        let id = self.func.values.len();
        let block = self.current_block();
        self.func.values.push(Value {
            op: op.clone(),
            ty,
            name: None,
            block,
        });
        self.func.spans.push(span);
        id
    }

    pub fn version(&self, var: VarId) -> u32 {
        self.versions.get(&var).copied().unwrap_or(0)
    }

    pub fn bump_version(&mut self, var: VarId) {
        *self.versions.entry(var).or_insert(0) += 1;
    }
}
