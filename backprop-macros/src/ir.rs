//! The intermediate representation: hash-consed values in structured blocks.
//!
//! Every `f32` or `bool` intermediate is a [`Value`] defined by one [`Stmt::Let`]; values are
//! immutable, so identical operations on identical operands are the same value (CSE for free).
//! State that changes (`let mut` scalars written in loops or branches, local arrays) lives in
//! [`Var`]s written by [`Stmt::Assign`]. Loops and branches are structured [`Region`]s.

use proc_macro2::Span;
use std::collections::HashMap;

pub type ValueId = usize;
pub type VarId = usize;
pub type ParamId = usize;
pub type IntVarId = usize;
pub type RegionId = usize;

/// The type of a value: the function's float ([`Function::float`]) or `bool`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    F32,
    Bool,
}

/// The one float type a function computes in: every value, local, buffer, literal and zero of
/// its derivatives has it. Found from the signature (the return type first), else the body.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Float {
    #[default]
    F32,
    F64,
}

impl Float {
    pub fn name(self) -> &'static str {
        match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
        }
    }

    pub fn from_name(name: &str) -> Option<Float> {
        match name {
            "f32" => Some(Float::F32),
            "f64" => Some(Float::F64),
            _ => None,
        }
    }

    /// The size of one value, for the stack budgets.
    pub fn bytes(self) -> u128 {
        match self {
            Float::F32 => 4,
            Float::F64 => 8,
        }
    }

    /// `x` rounded to this type (constants are kept as `f64`, which holds every `f32`).
    pub fn round(self, x: f64) -> f64 {
        match self {
            Float::F32 => x as f32 as f64,
            Float::F64 => x,
        }
    }
}

/// Binary arithmetic on `f32`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Comparisons (on `f32` or integers).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// The `f32` methods the macro knows, with their number of `f32` arguments (self included).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MathFn {
    Exp,
    Exp2,
    Ln,
    Log2,
    Log10,
    Sqrt,
    Cbrt,
    Powf,
    Sin,
    Cos,
    Tan,
    Tanh,
    Sinh,
    Cosh,
    Asin,
    Acos,
    Atan,
    Atan2,
    Abs,
    Max,
    Min,
    Clamp,
    Recip,
    Hypot,
    MulAdd,
    ExpM1,
    Ln1p,
    Floor,
    Ceil,
    Round,
    Signum,
}

impl MathFn {
    /// Every method with its Rust name and arity (self included).
    pub const ALL: &'static [(MathFn, &'static str, usize)] = &[
        (MathFn::Exp, "exp", 1),
        (MathFn::Exp2, "exp2", 1),
        (MathFn::Ln, "ln", 1),
        (MathFn::Log2, "log2", 1),
        (MathFn::Log10, "log10", 1),
        (MathFn::Sqrt, "sqrt", 1),
        (MathFn::Cbrt, "cbrt", 1),
        (MathFn::Powf, "powf", 2),
        (MathFn::Sin, "sin", 1),
        (MathFn::Cos, "cos", 1),
        (MathFn::Tan, "tan", 1),
        (MathFn::Tanh, "tanh", 1),
        (MathFn::Sinh, "sinh", 1),
        (MathFn::Cosh, "cosh", 1),
        (MathFn::Asin, "asin", 1),
        (MathFn::Acos, "acos", 1),
        (MathFn::Atan, "atan", 1),
        (MathFn::Atan2, "atan2", 2),
        (MathFn::Abs, "abs", 1),
        (MathFn::Max, "max", 2),
        (MathFn::Min, "min", 2),
        (MathFn::Clamp, "clamp", 3),
        (MathFn::Recip, "recip", 1),
        (MathFn::Hypot, "hypot", 2),
        (MathFn::MulAdd, "mul_add", 3),
        (MathFn::ExpM1, "exp_m1", 1),
        (MathFn::Ln1p, "ln_1p", 1),
        (MathFn::Floor, "floor", 1),
        (MathFn::Ceil, "ceil", 1),
        (MathFn::Round, "round", 1),
        (MathFn::Signum, "signum", 1),
    ];

    pub fn from_name(name: &str) -> Option<(MathFn, usize)> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|&(f, _, a)| (f, a))
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _, _)| *f == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("?")
    }
}

/// An integer expression: loop indices, integer parameters, consts and arithmetic on them.
/// Never differentiated; emitted as written (with the macro's names for loop variables).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum IntExpr {
    Lit(u128),
    /// A loop variable or integer `let`.
    Var(IntVarId),
    /// A const, const generic or integer parameter, emitted verbatim.
    Named(String),
    Bin(IntBinOp, Box<IntExpr>, Box<IntExpr>),
    /// `expr as ty` between integer types.
    Cast(Box<IntExpr>, String),
    /// An element of an integer-array parameter (`labels[b]`).
    Index(String, Vec<IntExpr>),
    /// `xs.len()` of a slice or `&Vec` parameter: known only at run time.
    Len(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IntBinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Where a read or write goes: a local, an array element, a field of a reference parameter.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Place {
    pub base: Base,
    pub path: Vec<Seg>,
}

impl Place {
    /// How many times the place indexes into an array (`x[i].w[j]`: 2).
    pub fn index_count(&self) -> usize {
        self.path
            .iter()
            .filter(|s| matches!(s, Seg::Index(_)))
            .count()
    }

    /// The place indexed further by `idx` (`row` and `[j]` give `row[j]`).
    pub fn indexed(&self, idx: &[IntExpr]) -> Place {
        let mut p = self.clone();
        p.path.extend(idx.iter().cloned().map(Seg::Index));
        p
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Base {
    /// A local `let mut` scalar or array.
    Var(VarId),
    /// An array or reference parameter (read-only).
    Param(ParamId),
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Seg {
    Field(String),
    Index(IntExpr),
}

/// The operation defining a value. Hash-consed: structurally equal ops are one value.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Op {
    /// A literal of the function's float, by the bits of its (exact) `f64` value.
    Const(u64),
    BoolConst(bool),
    /// A by-value `f32` or `bool` parameter.
    Param(ParamId),
    /// `int as f32`: a constant as far as derivatives go.
    FromInt(IntExpr),
    /// A named `f32` constant (`PI`, `SCALE`), emitted as written.
    Extern(String),
    /// The current value of a place. `version` counts the writes to its variable so far, so two
    /// reads are one value only when nothing was written in between.
    Read(Place, u32),
    Neg(ValueId),
    Bin(BinOp, ValueId, ValueId),
    Math(MathFn, Vec<ValueId>),
    Powi(ValueId, IntExpr),
    Cmp(CmpOp, ValueId, ValueId),
    IntCmp(CmpOp, IntExpr, IntExpr),
    Not(ValueId),
    And(ValueId, ValueId),
    Or(ValueId, ValueId),
    /// A call returning `f32`.
    Call(Box<Call>),
    /// `if cond { a } else { b }`: made by forward mode from the derivative rules' selections.
    Select(ValueId, ValueId, ValueId),
}

impl Op {
    /// The values this op reads.
    pub fn operands(&self) -> Vec<ValueId> {
        match self {
            Op::Neg(a) | Op::Not(a) | Op::Powi(a, _) => vec![*a],
            Op::Bin(_, a, b) | Op::Cmp(_, a, b) | Op::And(a, b) | Op::Or(a, b) => vec![*a, *b],
            Op::Math(_, args) => args.clone(),
            Op::Select(c, a, b) => vec![*c, *a, *b],
            Op::Call(call) => call
                .args
                .iter()
                .filter_map(|a| match a {
                    CallArg::Scalar(v) | CallArg::Bool(v) => Some(*v),
                    _ => None,
                })
                .collect(),
            Op::Const(_)
            | Op::BoolConst(_)
            | Op::Param(_)
            | Op::FromInt(_)
            | Op::Extern(_)
            | Op::Read(..)
            | Op::IntCmp(..) => vec![],
        }
    }
}

#[derive(Clone, Debug)]
pub struct Value {
    pub op: Op,
    pub ty: Ty,
    /// The user's name when a `let` binds exactly this value.
    pub name: Option<String>,
    pub block: usize,
}

/// A mutable local: a `let mut` scalar or a local array.
#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    /// `None` for a scalar.
    pub array: Option<ArrayInfo>,
    /// Depth of the region stack where it was declared.
    pub depth: usize,
    /// Written exactly once per execution of the `if` it is the result of.
    pub if_result: bool,
}

/// What the macro knows of a local array: its type and rank, unless it comes from a call and
/// the compiler infers them.
#[derive(Clone, Debug)]
pub struct ArrayInfo {
    pub ty: Option<proc_macro2::TokenStream>,
    pub rank: Option<usize>,
}

/// A call to a differentiable function or method, differentiated through its `_vjp`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Call {
    /// The function's path (`layer`, `ops::dot`, `dot::<3>`), as written.
    pub path: String,
    /// The function itself, or (in a tangent program) its tangent.
    pub kind: CallKind,
    /// For a method call: the receiver, a place (`self.l1`), with its version.
    pub receiver: Option<(Place, u32)>,
    pub args: Vec<CallArg>,
}

/// What a call computes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CallKind {
    /// The callee's value.
    Value,
    /// In a tangent program: the tangent of the callee's value, through its `_jvp`. Its
    /// arguments are the callee's `_jvp`'s: each float argument followed by its tangent.
    Tangent,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CallArg {
    /// An `f32` by value: its gradient comes back in the result tuple.
    Scalar(ValueId),
    /// `&place`: its shadow follows it.
    Ref(Place, u32),
    /// An array by value: its gradient comes back in the result tuple.
    ArrayValue(Place, u32),
    Int(IntExpr),
    Bool(ValueId),
}

impl Call {
    /// Every place the call reads (receiver included).
    pub fn places(&self) -> Vec<&Place> {
        let args = self.args.iter().filter_map(|a| match a {
            CallArg::Ref(p, _) | CallArg::ArrayValue(p, _) => Some(p),
            _ => None,
        });
        self.receiver.iter().map(|(p, _)| p).chain(args).collect()
    }
}

/// How an element of a local array starts.
#[derive(Clone, Debug)]
pub enum VarInit {
    Scalar(ValueId),
    /// `[v; N]` (nested): every element is `v`.
    Repeat(ValueId, Vec<IntExpr>),
    /// `[a, b, ...]` (nested): each element by its index path.
    List(Vec<(Vec<usize>, ValueId)>),
    /// An `if` result, assigned in each branch.
    Uninit,
    /// The array a call returns.
    Call(Call),
    /// A zero of the type of a place: the tangent of an argument that has none.
    ZeroLike(Place),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
}

/// How an overwritten value is kept for the reverse sweep.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Save {
    /// Nothing to keep: an accumulator, or the write-once result of an `if`.
    None,
    /// A local `let`, in the block that declared the variable.
    Local(usize),
    /// Stack buffer `k`, indexed by every enclosing loop.
    Buffer(usize),
    /// Nothing to keep: the first write to each element of a fresh `[c; N]`, whose old value is
    /// the constant `c` (this value).
    Known(ValueId),
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Let(ValueId),
    Decl {
        var: VarId,
        init: VarInit,
    },
    Assign {
        place: Place,
        value: ValueId,
        op: AssignOp,
        save: Save,
        /// Regions enclosing this write (outermost first).
        regions: Vec<RegionId>,
        span: Span,
    },
    For {
        region: RegionId,
        var: IntVarId,
        lo: IntExpr,
        hi: IntExpr,
        inclusive: bool,
        rev: bool,
        body: Block,
        /// For a loop that can leave early (`while`, `loop`, `break`; only at the top of the
        /// function): the integer local where the forward sweep records the end of the range
        /// it ran. The reverse sweep and recomputations run `lo..end`. A `while` or `loop` has
        /// no bound of its own: its `hi` is this local.
        end: Option<IntVarId>,
    },
    /// `if cond { break; }`, as the first or the last statement of the body of the loop whose
    /// variable is `var` (a `while` loop's test is one at the start, on the negated
    /// condition). Only the forward sweep runs it, recording in `end` where the loop stopped:
    /// after the iteration for a break at the end, before it for one at the start.
    Break {
        cond: ValueId,
        var: IntVarId,
        end: IntVarId,
        at_start: bool,
    },
    If {
        region: RegionId,
        cond: ValueId,
        then: Block,
        els: Block,
        /// Stack buffer recording the branch taken, when an enclosing region must undo it.
        record: Option<usize>,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub id: usize,
    pub stmts: Vec<Stmt>,
}

/// How a function-level loop whose iterations only add into accumulators is reversed: the
/// `loops = ...` argument of the attribute, or a `#[loops = ...]` marker on the loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum LoopPlan {
    /// By the cost model of [`crate::analyze::plan`].
    #[default]
    Auto,
    /// Keep what every iteration's reverse needs, one buffer entry per iteration.
    Store,
    /// Replay each iteration in the reverse sweep: buffers of one iteration.
    Recompute,
}

/// A loop or branch, with what the analyses need to know about it.
#[derive(Clone, Debug)]
pub struct Region {
    pub depth: usize,
    /// Variables this region reads or writes other than by pure accumulation (`v += e` with `e`
    /// independent of `v`).
    pub non_accumulating: std::collections::HashSet<VarId>,
    /// Variables this region only accumulates into, with the local save that keeps their value
    /// on entry: the reverse sweep does not undo accumulations, so it restores these after the
    /// region for the recomputation of earlier code that reads them.
    pub entry_saves: Vec<(VarId, usize)>,
    /// For a loop nested in another region: the variables declared outside it that it writes,
    /// with the buffer that keeps their values after it, per iteration of the enclosing loops.
    /// Recomputing the enclosing region restores them from there instead of re-running the loop.
    pub snapshot: Vec<(VarId, usize)>,
    /// For loops: the loop variable and its buffer length (the upper bound, `+ 1` if inclusive).
    pub loop_info: Option<(IntVarId, IntExpr, bool, Span)>,
    /// A loop whose iterations only add into accumulators, reversed iteration by iteration: the
    /// forward sweep runs it without keeping anything, and the reverse sweep recomputes each
    /// iteration (keeping what its own reverse needs) before reversing it. Its buffers hold one
    /// iteration, whatever the trip count.
    pub replayed: bool,
    /// A replayed loop whose iterations add into one scalar accumulator, this variable: the
    /// gradient's forward sweep reverses each iteration as it runs it, with the accumulator's
    /// adjoint taken as 1, into gradients of the loop's inputs that the reverse sweep scales by
    /// the accumulator's adjoint (the iteration is linear in it). One pass over the loop.
    pub one_pass: Option<VarId>,
    /// A `#[loops = store | recompute]` marker on this loop, with its tokens (for errors on
    /// it): it overrides the function's `loops = ...` and the cost model for this loop alone.
    pub plan: Option<(LoopPlan, proc_macro2::TokenStream)>,
}

#[derive(Clone, Debug)]
pub enum ParamKind {
    /// `x: f32`.
    Scalar,
    /// `x: [f32; N]` (any nesting), by value.
    Array,
    /// `x: &T`: an array or a struct, with a shadow.
    Ref,
    /// `self` by reference.
    RefSelf,
    /// Integers, bools and other constants.
    Constant,
    /// A parameter whose type was rejected (its error is reported).
    Rejected,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub ty: proc_macro2::TokenStream,
    pub is_bool: bool,
    /// `x: &f32`: read as `*x`, its shadow written as `*d_x`.
    pub scalar_ref: bool,
    /// The user's identifier, with its span: inside `macro_rules!` only it names the parameter.
    pub ident: Option<proc_macro2::Ident>,
}

/// A whole function.
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// The float type of every value.
    pub float: Float,
    pub values: Vec<Value>,
    pub spans: Vec<Span>,
    pub vars: Vec<Var>,
    pub params: Vec<Param>,
    pub int_vars: Vec<String>,
    pub regions: Vec<Region>,
    pub body: Block,
    pub ret: Option<ValueId>,
    /// For a function returning an array: its type, and the local array it ends with.
    pub ret_array: Option<proc_macro2::TokenStream>,
    pub ret_var: Option<VarId>,
    /// Values stored on the forward sweep (in buffer `k`) instead of recomputed in reverse.
    pub stored: HashMap<ValueId, usize>,
    /// Number of save buffers / decision records, with their element type and loop nest.
    pub buffers: Vec<Buffer>,
    pub block_count: usize,
    /// The call that initialises each local array made from one, for errors at the call.
    pub call_spans: HashMap<VarId, Span>,
    /// In a tangent program: calls whose value and tangent `_jvp` computes in one call of the
    /// callee's `_jvp` (the value's `let` or local, with its tangent's).
    pub fused: Vec<(Site, Site)>,
    /// `max_iters = M`: the buffer length of every loop whose bound is known only at run time.
    pub max_iters: Option<u128>,
}

/// A call in the IR: the value it defines, or the local array it initialises.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Site {
    Value(ValueId),
    Var(VarId),
}

#[derive(Clone, Debug)]
pub struct Buffer {
    pub is_bool: bool,
    /// The type of one element when it is not a scalar (a snapshot of a local array).
    pub elem_ty: Option<proc_macro2::TokenStream>,
    /// The enclosing loops, outermost first.
    pub loops: Vec<RegionId>,
    /// What it holds, for its name in the generated code.
    pub label: String,
    /// Planned, then found unread (a pruned snapshot): not declared.
    pub unread: bool,
}

impl Function {
    pub fn const_value(&self, v: ValueId) -> Option<f64> {
        match self.values[v].op {
            Op::Const(bits) => Some(f64::from_bits(bits)),
            _ => None,
        }
    }
}
