//! The program generator. Every construct is rendered twice at once: as `f32` code for
//! `#[differentiable]` and as `f64` code for the reference, where every comparison and every
//! kink (`abs`, `max`, `floor`, ...) goes through a helper that records how close it came to
//! flipping, so the test can stay away from branch boundaries.
//!
//! Domains are kept by construction: `ln`/`sqrt` see `x * x + c`, `asin` sees a value squashed
//! into `[-0.9, 0.9]`, `exp` sees a squashed value, `powf` a positive base. Each expression carries
//! a rough bound on its magnitude; `fit` squashes it with `tanh` when it would grow too large.

use crate::rng::Rng;

/// An expression in both renderings, with a rough bound on its magnitude.
#[derive(Clone)]
struct Ex {
    f: String,
    r: String,
    b: f64,
}

impl Ex {
    fn new(f: impl Into<String>, r: impl Into<String>, b: f64) -> Ex {
        Ex {
            f: f.into(),
            r: r.into(),
            b,
        }
    }

    fn same(code: String, b: f64) -> Ex {
        Ex::new(code.clone(), code, b)
    }
}

#[derive(Clone)]
struct Scalar {
    name: String,
    bound: f64,
    mutable: bool,
}

#[derive(Clone)]
struct Array {
    name: String,
    len: usize,
    bound: f64,
    mutable: bool,
    /// How to pass it to a helper taking `&[f32; N]`.
    by_ref: String,
    /// Whether the macro knows its type (not a call's result), so that it can be copied.
    typed: bool,
}

#[derive(Clone)]
struct LoopVar {
    name: String,
    /// Largest value it takes.
    max: usize,
}

#[derive(Clone, Default)]
struct Env {
    scalars: Vec<Scalar>,
    arrays: Vec<Array>,
    bools: Vec<String>,
    loops: Vec<LoopVar>,
    /// A slice parameter `&[f32]` (its name, its length in every harness call, its bound):
    /// read by indexing, and `0..len()` bounds loops; never passed whole.
    slice: Option<(String, usize, f64)>,
}

impl Env {
    /// Indices of the scalars not hidden by a later binding of the same name.
    fn visible_scalars(&self) -> Vec<usize> {
        (0..self.scalars.len())
            .filter(|&i| {
                !self.scalars[i + 1..]
                    .iter()
                    .any(|s| s.name == self.scalars[i].name)
            })
            .collect()
    }

    fn mutable_scalars(&self) -> Vec<usize> {
        self.visible_scalars()
            .into_iter()
            .filter(|&i| self.scalars[i].mutable)
            .collect()
    }

    fn mutable_arrays(&self) -> Vec<usize> {
        (0..self.arrays.len())
            .filter(|&i| self.arrays[i].mutable)
            .collect()
    }
}

/// One generated program: the `f32` item, the `f64` reference and the flat harness.
pub struct Program {
    /// The Rust source of all its items.
    pub code: String,
    /// Its name, `pN`.
    pub name: String,
    /// Whether it has an `f64` twin `pN_f64` (and harness `pN_run64`).
    pub twin: bool,
}

#[derive(Clone)]
enum Param {
    Scalar(String),
    RefArray(String, usize),
    ValArray(String, usize),
    /// `&[f32]`, given an array of this length by the harness (the `f64` reference takes the
    /// array itself).
    Slice(String, usize),
}

impl Param {
    fn name(&self) -> &str {
        match self {
            Param::Scalar(s)
            | Param::RefArray(s, _)
            | Param::ValArray(s, _)
            | Param::Slice(s, _) => s,
        }
    }
}

const LITS: &[&str] = &["0.5", "1.5", "2.0", "0.25", "3.0", "0.75", "1.25", "0.3"];

/// The fewest iterations of a sum loop ([`Gen::sum_loop`]): the macro's `lanes::MIN_LEN`.
pub const SUM_MIN: usize = 8;

/// The generator's state: the random source, a counter for fresh names, and the most
/// iterations of a sum loop (0 for none).
pub struct Gen {
    rng: Rng,
    fresh: usize,
    sum_trips: usize,
}

impl Gen {
    /// A generator whose programs are fixed by `seed` and `sum_trips`: with 0, no sum loops,
    /// and the random numbers drawn as before they existed (the committed corpus); from
    /// [`SUM_MIN`], half the top-level loops are sums of `SUM_MIN..=sum_trips` terms.
    pub fn new(seed: u64, sum_trips: usize) -> Gen {
        Gen {
            rng: Rng::new(seed),
            fresh: 0,
            sum_trips,
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn lit(&mut self) -> (String, f64) {
        let l = *self.rng.pick(LITS);
        (l.to_string(), l.parse().unwrap())
    }

    /// `e` itself if its bound is at most `limit`, else `tanh(e / bound) * limit`.
    fn fit(&mut self, e: Ex, limit: f64) -> Ex {
        if e.b <= limit {
            return e;
        }
        let s = format!("{:.4}", (1.0 / e.b).max(0.001));
        let l = format!("{limit:.2}");
        Ex::new(
            format!("(({} * {s}).tanh() * {l})", e.f),
            format!("(({} * {s}).tanh() * {l})", e.r),
            limit,
        )
    }

    fn index(&mut self, env: &Env, len: usize) -> String {
        if !env.loops.is_empty() && self.rng.chance(0.7) {
            let l = self.rng.pick(&env.loops).clone();
            let i = &l.name;
            if l.max < len {
                return match self.rng.below(3) {
                    0 => format!("{} - {i}", len - 1),
                    _ => i.clone(),
                };
            }
            return match self.rng.below(2) {
                0 => format!("{i} % {len}"),
                _ => format!("({i} + 1) % {len}"),
            };
        }
        format!("{}", self.rng.below(len))
    }

    fn leaf(&mut self, env: &Env) -> Ex {
        let roll = self.rng.below(10);
        if let Some((name, len, bound)) = env.slice.clone().filter(|_| roll < 2) {
            let i = self.index(env, len);
            return Ex::same(format!("{name}[{i}]"), bound);
        }
        if roll < 3 && !env.arrays.is_empty() {
            let a = self.rng.pick(&env.arrays).clone();
            let i = self.index(env, a.len);
            return Ex::same(format!("{}[{i}]", a.name), a.bound);
        }
        if roll == 3 && !env.loops.is_empty() {
            let l = self.rng.pick(&env.loops).clone();
            return Ex::new(
                format!("({} as f32)", l.name),
                format!("({} as f64)", l.name),
                l.max as f64,
            );
        }
        let vis = env.visible_scalars();
        if vis.is_empty() {
            let a = self.rng.pick(&env.arrays).clone();
            return Ex::same(format!("{}[0]", a.name), a.bound);
        }
        let s = &env.scalars[*self.rng.pick(&vis)];
        Ex::same(s.name.clone(), s.bound)
    }

    fn method(e: &Ex, m: &str, b: f64) -> Ex {
        Ex::new(format!("{}.{m}()", e.f), format!("{}.{m}()", e.r), b)
    }

    /// A kink: the reference calls `HELPER_(x, m)` to record its margin.
    fn kink(e: &Ex, m: &str, b: f64) -> Ex {
        Ex::new(format!("{}.{m}()", e.f), format!("{m}_({}, m)", e.r), b)
    }

    fn bin(a: &Ex, op: &str, c: &Ex, b: f64) -> Ex {
        Ex::new(
            format!("({} {op} {})", a.f, c.f),
            format!("({} {op} {})", a.r, c.r),
            b,
        )
    }

    fn with_lit(&mut self, a: &Ex, op: &str) -> Ex {
        let (l, v) = self.lit();
        let (f, r, b) = match (op, self.rng.chance(0.5)) {
            ("*", _) => (
                format!("({} * {l})", a.f),
                format!("({} * {l})", a.r),
                a.b * v,
            ),
            ("/", _) => (
                format!("({} / {l})", a.f),
                format!("({} / {l})", a.r),
                a.b / v,
            ),
            (_, true) => (
                format!("({} {op} {l})", a.f),
                format!("({} {op} {l})", a.r),
                a.b + v,
            ),
            (_, false) => (
                format!("({l} {op} {})", a.f),
                format!("({l} {op} {})", a.r),
                a.b + v,
            ),
        };
        Ex::new(f, r, b)
    }

    /// A positive value: `x * x + c`, or `exp` of something small.
    fn positive(&mut self, env: &mut Env, depth: u32) -> (Ex, f64) {
        let e = self.expr(env, depth);
        let e = self.fit(e, 5.0);
        if self.rng.chance(0.8) {
            let c = *self.rng.pick(&["1.0", "0.5", "2.0"]);
            let cv: f64 = c.parse().unwrap();
            let b = e.b * e.b + cv;
            (
                Ex::new(
                    format!("({} * {} + {c})", e.f, e.f),
                    format!("({} * {} + {c})", e.r, e.r),
                    b,
                ),
                cv,
            )
        } else {
            let e = self.fit(e, 2.0);
            let b = e.b.exp();
            (Self::method(&e, "exp", b), (-e.b).exp())
        }
    }

    fn cond(&mut self, env: &mut Env, depth: u32) -> Ex {
        if !env.bools.is_empty() && self.rng.chance(0.2) {
            let c = self.rng.pick(&env.bools).clone();
            return Ex::same(c, 0.0);
        }
        if depth > 0 && self.rng.chance(0.15) {
            let a = self.cond(env, depth - 1);
            let c = self.cond(env, depth - 1);
            let op = *self.rng.pick(&["&&", "||"]);
            return Self::bin(&a, op, &c, 0.0);
        }
        let a = self.expr(env, depth.min(2));
        let c = if self.rng.chance(0.4) {
            let (l, v) = self.lit();
            Ex::same(l, v)
        } else {
            self.other(env, depth.min(1), &a)
        };
        let (op, h) = *self
            .rng
            .pick(&[(">", "gt"), ("<", "lt"), (">=", "ge"), ("<=", "le")]);
        Ex::new(
            format!("{} {op} {}", a.f, c.f),
            format!("{h}({}, {}, m)", a.r, c.r),
            0.0,
        )
    }

    /// An expression that is not textually `a`: `max(a, a)` or `a > a` would sit on its kink.
    fn other(&mut self, env: &mut Env, depth: u32, a: &Ex) -> Ex {
        let c = self.expr(env, depth);
        if c.f != a.f {
            return c;
        }
        let (l, v) = self.lit();
        Ex::new(
            format!("({} + {l})", c.f),
            format!("({} + {l})", c.r),
            c.b + v,
        )
    }

    fn arrays_of_len(env: &Env, n: usize) -> Vec<Array> {
        env.arrays.iter().filter(|a| a.len == n).cloned().collect()
    }

    /// An expression of at most `depth` levels over the variables in scope.
    fn expr(&mut self, env: &mut Env, depth: u32) -> Ex {
        if depth == 0 || self.rng.chance(0.2) {
            return self.leaf(env);
        }
        let d = depth - 1;
        match self.rng.below(40) {
            0..=3 => {
                let a = self.expr(env, d);
                let c = self.expr(env, d);
                let op = *self.rng.pick(&["+", "-"]);
                Self::bin(&a, op, &c, a.b + c.b)
            }
            4..=5 => {
                let a = self.expr(env, d);
                let op = *self.rng.pick(&["+", "-", "*", "/"]);
                let a = self.fit(a, 8.0);
                self.with_lit(&a, op)
            }
            6..=8 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 6.0);
                let c = self.expr(env, d);
                let c = self.fit(c, 6.0);
                Self::bin(&a, "*", &c, a.b * c.b)
            }
            9..=10 => {
                let a = self.expr(env, d);
                let (p, lo) = self.positive(env, d);
                Self::bin(&a, "/", &p, a.b / lo)
            }
            11 => {
                let a = self.expr(env, d);
                Ex::new(format!("(-{})", a.f), format!("(-{})", a.r), a.b)
            }
            12..=13 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 10.0);
                let m = *self.rng.pick(&["sin", "cos", "tanh", "atan"]);
                Self::method(&a, m, 1.6)
            }
            14 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 2.0);
                let m = *self.rng.pick(&["exp", "exp2", "exp_m1", "sinh", "cosh"]);
                Self::method(&a, m, a.b.exp() + 1.0)
            }
            15 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 1.0);
                Self::method(&a, "tan", 1.6)
            }
            16..=17 => {
                let (p, _) = self.positive(env, d);
                let m = *self.rng.pick(&["ln", "log2", "log10", "sqrt", "cbrt"]);
                let b = match m {
                    "sqrt" | "cbrt" => p.b.sqrt(),
                    _ => p.b.ln().abs() * 1.5 + 2.0,
                };
                Self::method(&p, m, b)
            }
            18 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 3.0);
                let sq = Self::bin(&a, "*", &a, a.b * a.b);
                Self::method(&sq, "ln_1p", (a.b * a.b).ln_1p())
            }
            19 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 0.9);
                let m = *self.rng.pick(&["asin", "acos"]);
                Self::method(&a, m, 3.2)
            }
            20 => {
                let (p, _) = self.positive(env, d);
                Self::method(&p, "recip", 2.0)
            }
            21 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 2.0);
                let k = *self.rng.pick(&[2, 3, 4]);
                Ex::new(
                    format!("{}.powi({k})", a.f),
                    format!("{}.powi({k})", a.r),
                    a.b.powi(k),
                )
            }
            22 => {
                let (p, _) = self.positive(env, d);
                let p = self.fit(p, 4.0);
                // fit may squash the base towards zero; keep it positive.
                let p = Ex::new(
                    format!("({} + 0.5)", p.f),
                    format!("({} + 0.5)", p.r),
                    p.b + 0.5,
                );
                if self.rng.chance(0.5) {
                    let e = self.expr(env, d);
                    let e = self.fit(e, 2.0);
                    Ex::new(
                        format!("{}.powf({})", p.f, e.f),
                        format!("{}.powf({})", p.r, e.r),
                        p.b.powf(2.0),
                    )
                } else {
                    let k = *self.rng.pick(&["1.5", "0.5", "2.5", "-0.5"]);
                    Ex::new(
                        format!("{}.powf({k})", p.f),
                        format!("{}.powf({k})", p.r),
                        p.b.powf(2.5),
                    )
                }
            }
            23 => {
                let a = self.expr(env, d);
                let (p, _) = self.positive(env, d);
                Ex::new(
                    format!("{}.atan2({})", a.f, p.f),
                    format!("{}.atan2({})", a.r, p.r),
                    1.6,
                )
            }
            24 => {
                let a = self.expr(env, d);
                let c = self.other(env, d, &a);
                Ex::new(
                    format!("{}.hypot({})", a.f, c.f),
                    format!("hypot_({}, {}, m)", a.r, c.r),
                    a.b + c.b,
                )
            }
            25 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 6.0);
                let c = self.expr(env, d);
                let c = self.fit(c, 6.0);
                let e = self.expr(env, d);
                Ex::new(
                    format!("{}.mul_add({}, {})", a.f, c.f, e.f),
                    format!("{}.mul_add({}, {})", a.r, c.r, e.r),
                    a.b * c.b + e.b,
                )
            }
            26 => {
                let a = self.expr(env, d);
                let b = a.b;
                Self::kink(&a, "abs", b)
            }
            27..=28 => {
                let a = self.expr(env, d);
                let c = self.other(env, d, &a);
                let m = *self.rng.pick(&["max", "min"]);
                let b = a.b.max(c.b);
                if self.rng.chance(0.5) {
                    Ex::new(
                        format!("{}.{m}({})", a.f, c.f),
                        format!("{m}_({}, {}, m)", a.r, c.r),
                        b,
                    )
                } else {
                    Ex::new(
                        format!("f32::{m}({}, {})", a.f, c.f),
                        format!("{m}_({}, {}, m)", a.r, c.r),
                        b,
                    )
                }
            }
            29 => {
                let a = self.expr(env, d);
                let (lo, hi) = *self
                    .rng
                    .pick(&[("-0.5", "0.5"), ("-1.0", "2.0"), ("0.0", "1.0")]);
                Ex::new(
                    format!("{}.clamp({lo}, {hi})", a.f),
                    format!("clamp_({}, {lo}, {hi}, m)", a.r),
                    2.0,
                )
            }
            30 => {
                let a = self.expr(env, d);
                let m = *self.rng.pick(&["floor", "ceil", "round", "signum"]);
                let b = a.b + 1.0;
                let z = Self::kink(&a, m, b);
                // Zero gradient on its own: add something differentiable next to it.
                let c = self.expr(env, d);
                Self::bin(&z, "+", &c, z.b + c.b)
            }
            31..=32 => {
                let c = self.cond(env, d);
                let a = self.expr(env, d);
                let e = self.expr(env, d);
                Ex::new(
                    format!("(if {} {{ {} }} else {{ {} }})", c.f, a.f, e.f),
                    format!("(if {} {{ {} }} else {{ {} }})", c.r, a.r, e.r),
                    a.b.max(e.b),
                )
            }
            33 => {
                // A block with its own `let`.
                let a = self.expr(env, d);
                let a = self.fit(a, 4.0);
                let t = self.name("t");
                env.scalars.push(Scalar {
                    name: t.clone(),
                    bound: a.b,
                    mutable: false,
                });
                let e = self.expr(env, d);
                let e = self.fit(e, 4.0);
                env.scalars.pop();
                Ex::new(
                    format!("{{ let {t} = {}; {t} * {} + {t} }}", a.f, e.f),
                    format!("{{ let {t} = {}; {t} * {} + {t} }}", a.r, e.r),
                    a.b * e.b + a.b,
                )
            }
            34 => {
                let a = self.expr(env, d);
                let a = self.fit(a, 3.0);
                Ex::new(
                    format!("h_sq({})", a.f),
                    format!("h_sq_ref({}, m)", a.r),
                    a.b * a.b,
                )
            }
            35 => {
                let a = self.expr(env, d);
                let c = self.expr(env, d);
                let a = self.fit(a, 4.0);
                let c = self.fit(c, 4.0);
                Ex::new(
                    format!("h_mix({}, {})", a.f, c.f),
                    format!("h_mix_ref({}, {}, m)", a.r, c.r),
                    2.0 + 0.5 * a.b,
                )
            }
            36 => {
                let a = self.expr(env, d);
                Ex::new(
                    format!("h_leaky({})", a.f),
                    format!("h_leaky_ref({}, m)", a.r),
                    a.b,
                )
            }
            37 => {
                let threes = Self::arrays_of_len(env, 3);
                if threes.is_empty() {
                    return self.leaf(env);
                }
                let a = self.rng.pick(&threes).clone();
                let c = self.rng.pick(&threes).clone();
                Ex::new(
                    format!("h_dot({}, {})", a.by_ref, c.by_ref),
                    format!("h_dot_ref({}, {}, m)", a.by_ref, c.by_ref),
                    3.0 * a.bound * c.bound,
                )
            }
            38 => {
                // `as f32` from the loop counter.
                let a = self.expr(env, d);
                let Some(l) = env.loops.last().cloned() else {
                    return a;
                };
                let a = self.fit(a, 6.0);
                Ex::new(
                    format!("(({} as f32) * 0.5 + {})", l.name, a.f),
                    format!("(({} as f64) * 0.5 + {})", l.name, a.r),
                    l.max as f64 * 0.5 + a.b,
                )
            }
            _ => {
                let a = self.expr(env, d);
                Self::method(&a, "tanh", 1.0)
            }
        }
    }

    /// `n` statements; inner blocks go out of scope with their `let`s.
    fn block(&mut self, env: &mut Env, n: usize, depth: u32, out: &mut Lines) {
        for _ in 0..n {
            self.stmt(env, depth, out);
        }
    }

    fn in_loop(env: &Env) -> bool {
        !env.loops.is_empty()
    }

    fn assign(&mut self, env: &mut Env, out: &mut Lines) -> bool {
        let muts = env.mutable_scalars();
        if muts.is_empty() {
            return false;
        }
        let idx = *self.rng.pick(&muts);
        let v = env.scalars[idx].name.clone();
        let cur = env.scalars[idx].bound;
        let d = 2 + self.rng.below(2) as u32;
        let looped = Self::in_loop(env);
        let limit: f64 = if looped { 1.0 } else { 8.0 };
        let (op, e, nb) = match self.rng.below(7) {
            0 => {
                let e = self.expr(env, d);
                let e = self.fit(e, limit.max(cur));
                ("=", e.clone(), e.b)
            }
            1 | 2 => {
                let e = self.expr(env, d);
                let e = self.fit(e, limit);
                (*self.rng.pick(&["+=", "-="]), e.clone(), cur + e.b)
            }
            3 => {
                let e = self.expr(env, d);
                let e = self.fit(e, if looped { 1.0 } else { 3.0 });
                ("*=", e.clone(), cur * e.b.max(1.0))
            }
            4 => {
                let (p, lo) = self.positive(env, d);
                ("/=", p, cur / lo)
            }
            _ => {
                // A recurrence: the variable overwritten non-linearly in terms of itself.
                let e = self.expr(env, d);
                let e = self.fit(e, 2.0);
                let (w, _) = self.lit();
                let m = *self.rng.pick(&["tanh", "sin", "atan"]);
                let ex = Ex::new(
                    format!("({v} * {w} + {}).{m}()", e.f),
                    format!("({v} * {w} + {}).{m}()", e.r),
                    1.6,
                );
                ("=", ex, 1.6)
            }
        };
        out.push(format!("{v} {op} {};", e.f), format!("{v} {op} {};", e.r));
        env.scalars[idx].bound = nb.max(if op == "=" { 0.0 } else { cur });
        true
    }

    fn assign_elem(&mut self, env: &mut Env, out: &mut Lines) -> bool {
        let muts = env.mutable_arrays();
        if muts.is_empty() {
            return false;
        }
        let idx = *self.rng.pick(&muts);
        let a = env.arrays[idx].clone();
        let i = self.index(env, a.len);
        let e = self.expr(env, 2);
        let e = self.fit(e, if Self::in_loop(env) { 1.0 } else { 4.0 });
        let op = *self.rng.pick(&["=", "+=", "-=", "=", "*="]);
        let nb = match op {
            "=" => a.bound.max(e.b),
            "*=" => a.bound * e.b.max(1.0),
            _ => a.bound + e.b,
        };
        out.push(
            format!("{}[{i}] {op} {};", a.name, e.f),
            format!("{}[{i}] {op} {};", a.name, e.r),
        );
        env.arrays[idx].bound = nb;
        true
    }

    /// A whole array assigned at once: by a recurrent call reading its old value
    /// (`t = h_cell(&u, &t)`), by an array-returning call, a copy of another array, a literal
    /// (which may read the old value) or a repeat.
    fn assign_whole(&mut self, env: &mut Env, out: &mut Lines) -> bool {
        let muts = env.mutable_arrays();
        if muts.is_empty() {
            return false;
        }
        // Mostly a recurrent state of three, the helpers' size, when there is one.
        let threes: Vec<usize> = muts
            .iter()
            .copied()
            .filter(|&i| env.arrays[i].len == 3)
            .collect();
        let recurrent = !threes.is_empty() && self.rng.chance(0.5);
        let idx = *self.rng.pick(if recurrent { &threes } else { &muts });
        let a = env.arrays[idx].clone();
        let limit = if Self::in_loop(env) { 1.0 } else { 4.0 };
        let (f, r, b) = match if recurrent { 0 } else { self.rng.below(5) } {
            0 | 1 if a.len == 3 => {
                if self.rng.chance(0.7) {
                    let inputs = Self::arrays_of_len(env, 3);
                    let x = self.rng.pick(&inputs).by_ref.clone();
                    (
                        format!("h_cell({x}, &{})", a.name),
                        format!("h_cell_ref({x}, &{}, m)", a.name),
                        1.0,
                    )
                } else {
                    let p = self.expr(env, 2);
                    let p = self.fit(p, 2.0);
                    let q = self.expr(env, 2);
                    let q = self.fit(q, 2.0);
                    (
                        format!("h_lift({}, {})", p.f, q.f),
                        format!("h_lift_ref({}, {}, m)", p.r, q.r),
                        (p.b * q.b).max(1.0),
                    )
                }
            }
            0 | 1 => {
                let sources = Self::arrays_of_len(env, a.len);
                let u = self.rng.pick(&sources).clone();
                let src = Self::copy_of(&u);
                (src.clone(), src, u.bound)
            }
            2 | 3 => {
                let (mut fs, mut rs, mut b) = (Vec::new(), Vec::new(), 0.0f64);
                for _ in 0..a.len {
                    let e = self.expr(env, 2);
                    let e = self.fit(e, limit);
                    b = b.max(e.b);
                    fs.push(e.f);
                    rs.push(e.r);
                }
                (
                    format!("[{}]", fs.join(", ")),
                    format!("[{}]", rs.join(", ")),
                    b,
                )
            }
            _ => {
                let e = self.expr(env, 2);
                let e = self.fit(e, limit);
                (
                    format!("[{}; {}]", e.f, a.len),
                    format!("[{}; {}]", e.r, a.len),
                    e.b,
                )
            }
        };
        out.push(format!("{} = {f};", a.name), format!("{} = {r};", a.name));
        env.arrays[idx].bound = a.bound.max(b);
        true
    }

    /// How to copy an array by value: `*a` for a `&` parameter, the name otherwise.
    fn copy_of(a: &Array) -> String {
        if a.by_ref == a.name {
            format!("*{}", a.name)
        } else {
            a.name.clone()
        }
    }

    fn stmt(&mut self, env: &mut Env, depth: u32, out: &mut Lines) {
        // Inside blocks, mostly write outer state: a `let` there dies at the `}`.
        if depth >= 1 && self.rng.chance(0.15) && self.assign_whole(env, out) {
            return;
        }
        if depth >= 1
            && self.rng.chance(0.5)
            && (self.assign(env, out) || self.assign_elem(env, out))
        {
            return;
        }
        let nested = depth >= 2;
        let roll = self.rng.below(if nested { 10 } else { 19 });
        match roll {
            0 | 1 => self.let_value(env, 3, out),
            2 => {
                // Shadowing: the new binding may read the old one.
                let vis = env.visible_scalars();
                if vis.is_empty() {
                    return self.stmt(env, depth, out);
                }
                let name = env.scalars[*self.rng.pick(&vis)].name.clone();
                let e = self.expr(env, 3);
                let e = self.fit(e, 8.0);
                out.push(
                    format!("let {name} = {};", e.f),
                    format!("let {name} = {};", e.r),
                );
                env.scalars.push(Scalar {
                    name,
                    bound: e.b,
                    mutable: false,
                });
            }
            3 | 4 => {
                let v = self.name("s");
                let (f, r, b) = if self.rng.chance(0.5) {
                    // Annotated: a bare literal's type would be inferred too late for methods.
                    let l = *self.rng.pick(&["0.0", "1.0"]);
                    (l.to_string(), l.to_string(), 1.0)
                } else {
                    let e = self.expr(env, 2);
                    (e.f, e.r, e.b)
                };
                out.push(
                    format!("let mut {v}: f32 = {f};"),
                    format!("let mut {v}: f64 = {r};"),
                );
                env.scalars.push(Scalar {
                    name: v,
                    bound: b,
                    mutable: true,
                });
            }
            5..=7 => {
                if !self.assign(env, out) && !self.assign_elem(env, out) {
                    self.stmt(env, depth, out);
                }
            }
            8 => {
                if !self.assign_elem(env, out) && !self.assign(env, out) {
                    self.stmt(env, depth, out);
                }
            }
            9 => self.if_stmt(env, depth, out),
            10..=12 => self.for_loop(env, depth, out),
            13 => {
                // A zeroed local array filled by a loop.
                let n = 2 + self.rng.below(3);
                let t = self.name("t");
                let i = format!("i{}", env.loops.len());
                out.push(
                    format!("let mut {t}: [f32; {n}] = [0.0; {n}];"),
                    format!("let mut {t}: [f64; {n}] = [0.0; {n}];"),
                );
                env.loops.push(LoopVar {
                    name: i.clone(),
                    max: n - 1,
                });
                let e = self.expr(env, 3);
                let e = self.fit(e, 6.0);
                env.loops.pop();
                out.push(
                    format!("for {i} in 0..{n} {{ {t}[{i}] = {}; }}", e.f),
                    format!("for {i} in 0..{n} {{ {t}[{i}] = {}; }}", e.r),
                );
                env.arrays.push(Array {
                    name: t.clone(),
                    len: n,
                    bound: e.b,
                    mutable: true,
                    by_ref: format!("&{t}"),
                    typed: true,
                });
            }
            14 => {
                let n = 2 + self.rng.below(3);
                let t = self.name("t");
                let mut fs = Vec::new();
                let mut rs = Vec::new();
                let mut b: f64 = 0.0;
                for _ in 0..n {
                    let e = self.expr(env, 2);
                    let e = self.fit(e, 6.0);
                    b = b.max(e.b);
                    fs.push(e.f);
                    rs.push(e.r);
                }
                let mutable = self.rng.chance(0.5);
                let m = if mutable { "mut " } else { "" };
                out.push(
                    format!("let {m}{t} = [{}];", fs.join(", ")),
                    format!("let {m}{t} = [{}];", rs.join(", ")),
                );
                env.arrays.push(Array {
                    name: t.clone(),
                    len: n,
                    bound: b,
                    mutable,
                    by_ref: format!("&{t}"),
                    typed: true,
                });
            }
            15 => {
                // An array-returning differentiable helper, its result read at once (an unread
                // one is covered by tests/regressions/unused_array_call.rs).
                let muts = env.mutable_scalars();
                if muts.is_empty() {
                    return self.stmt(env, depth, out);
                }
                let acc = env.scalars[*self.rng.pick(&muts)].name.clone();
                let k = self.rng.below(3);
                let a = self.expr(env, 2);
                let a = self.fit(a, 3.0);
                let c = self.expr(env, 2);
                let c = self.fit(c, 3.0);
                let t = self.name("t");
                out.push(
                    format!(
                        "let {t} = h_lift({}, {}); {acc} += {t}[{k}].tanh();",
                        a.f, c.f
                    ),
                    format!(
                        "let {t} = h_lift_ref({}, {}, m); {acc} += {t}[{k}].tanh();",
                        a.r, c.r
                    ),
                );
                env.arrays.push(Array {
                    name: t.clone(),
                    len: 3,
                    bound: (a.b * c.b).max(1.0),
                    mutable: false,
                    by_ref: format!("&{t}"),
                    typed: false,
                });
            }
            16 => {
                if !self.assign_whole(env, out) {
                    self.stmt(env, depth, out);
                }
            }
            17 => {
                // A local copy of another array (`let mut t = *a`, `let mut t = u`).
                let typed: Vec<Array> = env.arrays.iter().filter(|a| a.typed).cloned().collect();
                if typed.is_empty() {
                    return self.stmt(env, depth, out);
                }
                let u = self.rng.pick(&typed).clone();
                let t = self.name("t");
                let src = Self::copy_of(&u);
                out.push(
                    format!("let mut {t} = {src};"),
                    format!("let mut {t} = {src};"),
                );
                env.arrays.push(Array {
                    name: t.clone(),
                    len: u.len,
                    bound: u.bound,
                    mutable: true,
                    by_ref: format!("&{t}"),
                    typed: true,
                });
            }
            _ => {
                let c = self.cond(env, 1);
                let v = self.name("c");
                out.push(format!("let {v} = {};", c.f), format!("let {v} = {};", c.r));
                env.bools.push(v);
            }
        }
    }

    /// Runs `body` on a copy of `env`, then keeps only the outer bindings, with their bounds.
    fn scoped(&mut self, env: &mut Env, body: impl FnOnce(&mut Self, &mut Env)) {
        let (ns, na, nb, nl) = (
            env.scalars.len(),
            env.arrays.len(),
            env.bools.len(),
            env.loops.len(),
        );
        body(self, env);
        env.scalars.truncate(ns);
        env.arrays.truncate(na);
        env.bools.truncate(nb);
        env.loops.truncate(nl);
    }

    fn if_stmt(&mut self, env: &mut Env, depth: u32, out: &mut Lines) {
        let c = self.cond(env, 2);
        let mut then = Lines::default();
        let mut other = env.clone();
        self.scoped(env, |g, env| {
            let n = 1 + g.rng.below(2);
            for _ in 0..n {
                if !g.assign(env, &mut then) {
                    g.stmt(env, depth + 1, &mut then);
                }
            }
        });
        let mut els = Lines::default();
        let has_else = self.rng.chance(0.6);
        if has_else {
            self.scoped(&mut other, |g, env| {
                let n = 1 + g.rng.below(2);
                for _ in 0..n {
                    if g.rng.chance(0.3) || !g.assign_elem(env, &mut els) {
                        g.stmt(env, depth + 1, &mut els);
                    }
                }
            });
        }
        for (s, o) in env.scalars.iter_mut().zip(&other.scalars) {
            s.bound = s.bound.max(o.bound);
        }
        for (s, o) in env.arrays.iter_mut().zip(&other.arrays) {
            s.bound = s.bound.max(o.bound);
        }
        let tail = |l: &Lines, f: bool| {
            if f {
                l.f.join(" ")
            } else {
                l.r.join(" ")
            }
        };
        let ef = if has_else {
            format!(" else {{ {} }}", tail(&els, true))
        } else {
            String::new()
        };
        let er = if has_else {
            format!(" else {{ {} }}", tail(&els, false))
        } else {
            String::new()
        };
        out.push(
            format!("if {} {{ {} }}{ef}", c.f, tail(&then, true)),
            format!("if {} {{ {} }}{er}", c.r, tail(&then, false)),
        );
    }

    fn for_loop(&mut self, env: &mut Env, depth: u32, out: &mut Lines) {
        if env.loops.len() >= 2 {
            return self.stmt(env, depth + 1, out);
        }
        // Drawn only with sum loops asked for, so that the default corpus stays the same.
        if depth == 0 && env.loops.is_empty() && self.sum_trips >= SUM_MIN && self.rng.chance(0.5) {
            return self.sum_loop(env, out);
        }
        let lo = self.rng.below(2);
        let mut trip = 1 + self.rng.below(4);
        let mut hi = lo + trip;
        let mut range = match self.rng.below(4) {
            0 => format!("{lo}..={}", hi - 1),
            1 => format!("({lo}..{hi}).rev()"),
            _ => format!("{lo}..{hi}"),
        };
        // Over a slice's run-time length (`max_iters` sizes what it overwrites).
        if let Some((name, len, _)) = env.slice.clone().filter(|_| self.rng.chance(0.4)) {
            range = format!("0..{name}.len()");
            (hi, trip) = (len, len);
        }
        // At the top of the function a forward loop may be left by `if c { break; }` first or
        // last in its body.
        let leaves =
            depth == 0 && env.loops.is_empty() && !range.contains(".rev()") && self.rng.chance(0.4);
        let break_first = self.rng.chance(0.5);
        let i = format!("i{}", env.loops.len());
        // Writes inside the loop add at most 1 each; allow for a few per iteration.
        for s in env.scalars.iter_mut().filter(|s| s.mutable) {
            s.bound += 4.0 * trip as f64;
        }
        for a in env.arrays.iter_mut().filter(|a| a.mutable) {
            a.bound += 4.0 * trip as f64;
        }
        let mut body = Lines::default();
        self.scoped(env, |g, env| {
            env.loops.push(LoopVar {
                name: i.clone(),
                max: hi - 1,
            });
            let n = 1 + g.rng.below(3);
            let leave = |g: &mut Self, env: &mut Env, body: &mut Lines| {
                let c = g.cond(env, 2);
                body.push(
                    format!("if {} {{ break; }}", c.f),
                    format!("if {} {{ break; }}", c.r),
                );
            };
            if leaves && break_first {
                leave(g, env, &mut body);
            }
            for _ in 0..n {
                if g.rng.chance(0.5) && g.assign(env, &mut body) {
                    continue;
                }
                g.stmt(env, depth + 1, &mut body);
            }
            if leaves && !break_first {
                leave(g, env, &mut body);
            }
        });
        out.push(
            format!("for {i} in {range} {{ {} }}", body.f.join(" ")),
            format!("for {i} in {range} {{ {} }}", body.r.join(" ")),
        );
    }

    /// `let vN = e;`, an expression of depth `depth`, a new scalar in scope.
    fn let_value(&mut self, env: &mut Env, depth: u32, out: &mut Lines) {
        let e = self.expr(env, depth);
        let v = self.name("v");
        out.push(format!("let {v} = {};", e.f), format!("let {v} = {};", e.r));
        env.scalars.push(Scalar {
            name: v,
            bound: e.b,
            mutable: false,
        });
    }

    /// A sum over `SUM_MIN..=sum_trips` iterations: a fresh accumulator, which only the loop
    /// writes, by `+=` or, under a branch, `+=` and `-=`, of terms computed from the loop's
    /// variable and the data. The loop the macro reverses in one pass and, where it fits, runs
    /// in lanes.
    fn sum_loop(&mut self, env: &mut Env, out: &mut Lines) {
        let hi = SUM_MIN + self.rng.below(self.sum_trips + 1 - SUM_MIN);
        let acc = self.name("s");
        let i = format!("i{}", env.loops.len());
        let mut body = Lines::default();
        self.scoped(env, |g, env| {
            env.loops.push(LoopVar {
                name: i.clone(),
                max: hi - 1,
            });
            for _ in 0..1 + g.rng.below(2) {
                g.let_value(env, 2, &mut body);
            }
            let e = g.expr(env, 2);
            let e = g.fit(e, 1.0);
            if g.rng.chance(0.5) {
                let c = g.cond(env, 2);
                let other = g.expr(env, 2);
                let other = g.fit(other, 1.0);
                body.push(
                    format!(
                        "if {} {{ {acc} += {}; }} else {{ {acc} -= {}; }}",
                        c.f, e.f, other.f
                    ),
                    format!(
                        "if {} {{ {acc} += {}; }} else {{ {acc} -= {}; }}",
                        c.r, e.r, other.r
                    ),
                );
            } else {
                body.push(format!("{acc} += {};", e.f), format!("{acc} += {};", e.r));
            }
        });
        out.push(
            format!("let mut {acc}: f32 = 0.0;"),
            format!("let mut {acc}: f64 = 0.0;"),
        );
        out.push(
            format!("for {i} in 0..{hi} {{ {} }}", body.f.join(" ")),
            format!("for {i} in 0..{hi} {{ {} }}", body.r.join(" ")),
        );
        env.scalars.push(Scalar {
            name: acc,
            bound: hi as f64,
            mutable: true,
        });
    }

    /// The `n`-th program.
    pub fn program(&mut self, n: usize) -> Program {
        self.fresh = 0;
        let name = format!("p{n}");
        let mut params = Vec::new();
        for k in 0..1 + self.rng.below(3) {
            params.push(Param::Scalar(format!("x{k}")));
        }
        if self.rng.chance(0.55) {
            params.push(Param::RefArray("a".into(), 2 + self.rng.below(3)));
        }
        if self.rng.chance(0.25) {
            params.push(Param::ValArray("b".into(), 2 + self.rng.below(2)));
        }
        if self.rng.chance(0.25) {
            params.push(Param::Slice("c".into(), 1 + self.rng.below(4)));
        }
        // Shuffle: gradients must come back in parameter order whatever it is.
        for k in (1..params.len()).rev() {
            let j = self.rng.below(k + 1);
            params.swap(k, j);
        }
        let mut env = Env::default();
        for p in &params {
            match p {
                Param::Scalar(s) => env.scalars.push(Scalar {
                    name: s.clone(),
                    bound: 1.5,
                    mutable: false,
                }),
                Param::RefArray(a, n) => env.arrays.push(Array {
                    name: a.clone(),
                    len: *n,
                    bound: 1.5,
                    mutable: false,
                    by_ref: a.clone(),
                    typed: true,
                }),
                Param::ValArray(a, n) => env.arrays.push(Array {
                    name: a.clone(),
                    len: *n,
                    bound: 1.5,
                    mutable: false,
                    by_ref: format!("&{a}"),
                    typed: true,
                }),
                Param::Slice(a, n) => env.slice = Some((a.clone(), *n, 1.5)),
            }
        }
        let wrt: Vec<bool> = if self.rng.chance(0.15) {
            let mut w: Vec<bool> = params.iter().map(|_| self.rng.chance(0.5)).collect();
            let k = self.rng.below(w.len());
            w[k] = true;
            w
        } else {
            vec![true; params.len()]
        };
        // `max_iters` does not combine with `check_finite`: programs over a slice state a bound.
        let max_iters = env.slice.is_some().then_some(8);
        let check_finite = max_iters.is_none() && self.rng.chance(0.15);

        let n_params = env.scalars.len();
        let mut body = Lines::default();
        // Accumulators for the loops and branches to write.
        for _ in 0..1 + self.rng.below(2) {
            let v = self.name("s");
            let e = self.expr(&mut env, 1);
            body.push(
                format!("let mut {v} = {};", e.f),
                format!("let mut {v} = {};", e.r),
            );
            env.scalars.push(Scalar {
                name: v,
                bound: e.b,
                mutable: true,
            });
        }
        let n_stmts = 1 + self.rng.below(6);
        self.block(&mut env, n_stmts, 0, &mut body);
        // The result reads every local, so every statement matters.
        let mut fin = self.expr(&mut env, 3);
        let locals: Vec<usize> = env
            .visible_scalars()
            .into_iter()
            .filter(|&i| i >= n_params)
            .collect();
        for i in locals.into_iter().rev().take(4) {
            let s = env.scalars[i].clone();
            let s = self.fit(Ex::same(s.name.clone(), s.bound), 10.0);
            fin = Self::bin(&fin, "+", &s, fin.b + s.b);
        }
        for a in env.arrays.clone().iter().rev().take(2) {
            let k = self.rng.below(a.len);
            let e = self.fit(Ex::same(format!("{}[{k}]", a.name), a.bound), 10.0);
            fin = Self::bin(&fin, "+", &e, fin.b + e.b);
        }
        if self.rng.chance(0.3) {
            body.push(format!("return {};", fin.f), format!("return {};", fin.r));
        } else {
            body.push(fin.f.clone(), fin.r.clone());
        }
        let mut code = emit(&name, &params, &wrt, check_finite, max_iters, &body);
        let twin = n.is_multiple_of(F64_EVERY);
        if twin {
            code += &emit_f64(&name, &params, &wrt, check_finite, max_iters, &body);
        }
        Program { code, name, twin }
    }
}

/// One program in this many also has an `f64` twin (`pN_f64`), checked against the reference's
/// central differences to `f64` precision.
pub const F64_EVERY: usize = 3;

/// The `f64` twin of a program's function: the same text with every `f32` written `f64` and the
/// helpers' `f64` forms, under the same attribute without forward mode (which `f32` covers), and
/// its flat harness `NAME_run64`: the value and `_grad`'s gradient per flat input.
fn emit_f64(
    name: &str,
    params: &[Param],
    wrt: &[bool],
    check_finite: bool,
    max_iters: Option<usize>,
    body: &Lines,
) -> String {
    let attr = arguments(params, wrt, check_finite, max_iters);
    let attr = if attr.is_empty() {
        String::new()
    } else {
        format!("({})", attr.join(", "))
    };
    let sig: Vec<String> = params
        .iter()
        .map(|p| match p {
            Param::Scalar(s) => format!("{s}: f64"),
            Param::RefArray(a, n) => format!("{a}: &[f64; {n}]"),
            Param::Slice(a, _) => format!("{a}: &[f64]"),
            Param::ValArray(a, n) => format!("{a}: [f64; {n}]"),
        })
        .collect();
    let mut s = format!(
        "#[differentiable{attr}]\npub fn {name}_f64({}) -> f64 {{\n",
        sig.join(", ")
    );
    for l in &body.f {
        s += &format!("    {}\n", to_f64(l));
    }
    s += "}\n\n";

    let (mut offset, mut unpack, mut args, mut out, mut flat) = (
        0,
        String::new(),
        Vec::new(),
        vec!["value".to_string()],
        Vec::new(),
    );
    for (p, &w) in params.iter().zip(wrt) {
        match p {
            Param::Scalar(x) => {
                args.push(format!("x[{offset}]"));
                if w {
                    out.push(format!("g_{x}"));
                    flat.push(format!("g_{x}"));
                } else {
                    flat.push("f64::NAN".into());
                }
                offset += 1;
            }
            Param::RefArray(a, n) | Param::ValArray(a, n) | Param::Slice(a, n) => {
                let elems: Vec<String> = (offset..offset + n).map(|k| format!("x[{k}]")).collect();
                unpack += &format!("    let {a}: [f64; {n}] = [{}];\n", elems.join(", "));
                let by_ref = !matches!(p, Param::ValArray(..));
                if by_ref {
                    args.push(format!("&{a}"));
                    if w {
                        unpack += &format!("    let mut g_{a} = [PREFILL as f64; {n}];\n");
                        args.push(format!("&mut g_{a}"));
                    }
                } else {
                    args.push(a.clone());
                    if w {
                        out.push(format!("g_{a}"));
                    }
                }
                for k in 0..*n {
                    flat.push(match (w, by_ref) {
                        (false, _) => "f64::NAN".into(),
                        (true, true) => format!("g_{a}[{k}] - PREFILL as f64"),
                        (true, false) => format!("g_{a}[{k}]"),
                    });
                }
                offset += n;
            }
        }
    }
    let unwrap = unwrap(check_finite, max_iters);
    let pattern = if out.len() == 1 {
        out[0].clone()
    } else {
        format!("({})", out.join(", "))
    };
    s += &format!(
        "pub fn {name}_run64(x: &[f64]) -> Run64 {{\n{unpack}    let {pattern} = {name}_f64_grad({}){unwrap};\n    Run64 {{ value, grad: vec![{}] }}\n}}\n\n",
        args.join(", "),
        flat.join(", ")
    );
    s
}

/// A line of an `f32` program in `f64`: its types, casts and `f32::` paths, and the helpers'
/// `f64` forms (`h_sq` is `h_sq64`).
fn to_f64(line: &str) -> String {
    let line = line.replace("f32", "f64");
    let mut out = String::with_capacity(line.len() + 16);
    let mut rest = line.as_str();
    while let Some(i) = rest.find("h_") {
        let starts_word = rest[..i]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out += &rest[..i];
        out += &tail[..end];
        if starts_word && tail[end..].starts_with('(') {
            out += "64";
        }
        rest = &tail[end..];
    }
    out += rest;
    out
}

/// Lines of both renderings.
#[derive(Default)]
struct Lines {
    f: Vec<String>,
    r: Vec<String>,
}

impl Lines {
    fn push(&mut self, f: String, r: String) {
        self.f.push(f);
        self.r.push(r);
    }
}

/// The attribute's arguments other than forward mode: `wrt(...)` when some parameter is left out,
/// `check_finite`, `max_iters = M`.
fn arguments(
    params: &[Param],
    wrt: &[bool],
    check_finite: bool,
    max_iters: Option<usize>,
) -> Vec<String> {
    let mut attr = Vec::new();
    if wrt.iter().any(|w| !w) {
        let names: Vec<&str> = params
            .iter()
            .zip(wrt)
            .filter(|(_, w)| **w)
            .map(|(p, _)| p.name())
            .collect();
        attr.push(format!("wrt({})", names.join(", ")));
    }
    if check_finite {
        attr.push("check_finite".into());
    }
    if let Some(m) = max_iters {
        attr.push(format!("max_iters = {m}"));
    }
    attr
}

/// What the harness calls on a fallible gradient's result.
fn unwrap(check_finite: bool, max_iters: Option<usize>) -> &'static str {
    if check_finite {
        ".expect(\"finite gradient\")"
    } else if max_iters.is_some() {
        ".expect(\"within max_iters\")"
    } else {
        ""
    }
}

/// The items of one program: the function, its reference and the flat harness `NAME_run`.
fn emit(
    name: &str,
    params: &[Param],
    wrt: &[bool],
    check_finite: bool,
    max_iters: Option<usize>,
    body: &Lines,
) -> String {
    // Every program has its forward mode and second order too: the difftest checks `_jvp`,
    // `_jvpk` and `_hvp` on each.
    let mut attr = vec!["hvp".to_string()];
    attr.extend(arguments(params, wrt, check_finite, max_iters));
    let attr = format!("({})", attr.join(", "));
    let sig = |t: &str| -> String {
        params
            .iter()
            .map(|p| match p {
                Param::Scalar(s) => format!("{s}: {t}"),
                Param::RefArray(a, n) => format!("{a}: &[{t}; {n}]"),
                // The reference takes the array: `len()` and indexing read it alike.
                Param::Slice(a, _) if t == "f32" => format!("{a}: &[{t}]"),
                Param::Slice(a, n) => format!("{a}: &[{t}; {n}]"),
                Param::ValArray(a, n) => format!("{a}: [{t}; {n}]"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::new();
    s += &format!(
        "#[differentiable{attr}]\npub fn {name}({}) -> f32 {{\n",
        sig("f32")
    );
    for l in &body.f {
        s += &format!("    {l}\n");
    }
    s += "}\n\n";
    s += &format!("pub fn {name}_ref({}, m: &mut f64) -> f64 {{\n", sig("f64"));
    for l in &body.r {
        s += &format!("    {l}\n");
    }
    s += "}\n\n";

    // The harness: flat inputs in, flat gradients out, in parameter order.
    let mut offset = 0;
    let mut unpack = String::new();
    let mut unpack_ref = Vec::new();
    let mut plain_args = Vec::new();
    let mut grad_args = Vec::new();
    let mut vjp_args = Vec::new();
    let mut grad_out = vec!["value".to_string()];
    let mut vjp_out = vec!["vjp_value".to_string()];
    let mut grad_flat = Vec::new();
    let mut vjp_flat = Vec::new();
    let mut jvp_args = Vec::new();
    let mut jvpk_args = Vec::new();
    let mut hvp_args = Vec::new();
    let mut hvp_out = vec!["hvp_value".to_string()];
    let mut hvp_flat = Vec::new();
    for (p, &w) in params.iter().zip(wrt) {
        match p {
            Param::Scalar(s) => {
                plain_args.push(format!("x[{offset}]"));
                jvp_args.push(format!("x[{offset}], tangent({offset})"));
                jvpk_args.push(format!(
                    "x[{offset}], [tangent({offset}), tangent2({offset})]"
                ));
                unpack_ref.push(format!("x[{offset}]"));
                if w {
                    grad_out.push(format!("g_{s}"));
                    grad_flat.push(format!("g_{s}"));
                    hvp_out.push(format!("h_{s}"));
                    hvp_flat.push(format!("h_{s}"));
                } else {
                    grad_flat.push("f32::NAN".into());
                    hvp_flat.push("f32::NAN".into());
                }
                vjp_out.push(format!("v_{s}"));
                vjp_flat.push(format!("v_{s}"));
                offset += 1;
            }
            Param::RefArray(a, n) | Param::ValArray(a, n) | Param::Slice(a, n) => {
                let elems: Vec<String> = (offset..offset + n).map(|k| format!("x[{k}]")).collect();
                unpack += &format!("    let {a}: [f32; {n}] = [{}];\n", elems.join(", "));
                let tangents: Vec<String> = (offset..offset + n)
                    .map(|k| format!("tangent({k})"))
                    .collect();
                unpack += &format!("    let {a}_dot: [f32; {n}] = [{}];\n", tangents.join(", "));
                let second: Vec<String> = (offset..offset + n)
                    .map(|k| format!("tangent2({k})"))
                    .collect();
                unpack += &format!("    let {a}_dot2: [f32; {n}] = [{}];\n", second.join(", "));
                let by_ref = !matches!(p, Param::ValArray(..));
                let amp = if by_ref { "&" } else { "" };
                jvp_args.push(format!("{amp}{a}, {amp}{a}_dot"));
                jvpk_args.push(format!("{amp}{a}, [{amp}{a}_dot, {amp}{a}_dot2]"));
                unpack_ref.push(format!("{amp}[{}]", elems.join(", ")));
                plain_args.push(if by_ref { format!("&{a}") } else { a.clone() });
                for k in 0..*n {
                    if w {
                        let (g, h) = if by_ref {
                            (
                                format!("g_{a}[{k}] - PREFILL"),
                                format!("h_{a}[{k}] - PREFILL"),
                            )
                        } else {
                            (format!("g_{a}[{k}]"), format!("h_{a}[{k}]"))
                        };
                        grad_flat.push(g);
                        hvp_flat.push(h);
                    } else {
                        grad_flat.push("f32::NAN".into());
                        hvp_flat.push("f32::NAN".into());
                    }
                    vjp_flat.push(if by_ref {
                        format!("v_{a}[{k}] - PREFILL")
                    } else {
                        format!("v_{a}[{k}]")
                    });
                }
                if by_ref {
                    unpack += &format!("    let mut g_{a} = [PREFILL; {n}];\n    let mut v_{a} = [PREFILL; {n}];\n");
                    if w {
                        unpack += &format!("    let mut h_{a} = [PREFILL; {n}];\n");
                    }
                } else {
                    vjp_out.push(format!("v_{a}"));
                    if w {
                        grad_out.push(format!("g_{a}"));
                        hvp_out.push(format!("h_{a}"));
                    }
                }
                offset += n;
            }
        }
        let last = plain_args.last().unwrap().clone();
        grad_args.push(last.clone());
        vjp_args.push(last);
        hvp_args.push(jvp_args.last().unwrap().clone());
        if let Param::RefArray(a, _) | Param::Slice(a, _) = p {
            if w {
                grad_args.push(format!("&mut g_{a}"));
                hvp_args.push(format!("&mut h_{a}"));
            }
            vjp_args.push(format!("&mut v_{a}"));
        }
    }
    vjp_args.push("D_OUT".into());
    let tuple = |v: &[String]| {
        if v.len() == 1 {
            v[0].clone()
        } else {
            format!("({})", v.join(", "))
        }
    };
    let unwrap = unwrap(check_finite, max_iters);
    s += &format!("pub fn {name}_run(x: &[f32]) -> Run {{\n{unpack}");
    s += &format!(
        "    let {} = {name}_grad({}){unwrap};\n",
        tuple(&grad_out),
        grad_args.join(", ")
    );
    s += &format!(
        "    let {} = {name}_vjp({}){unwrap};\n",
        tuple(&vjp_out),
        vjp_args.join(", ")
    );
    s += &format!(
        "    let (jvp_value, jvp) = {name}_jvp({});\n",
        jvp_args.join(", ")
    );
    s += &format!(
        "    let (jvpk_value, jvpk) = {name}_jvpk({});\n",
        jvpk_args.join(", ")
    );
    s += &format!(
        "    let {} = {name}_hvp({}){unwrap};\n",
        tuple(&hvp_out),
        hvp_args.join(", ")
    );
    let hvp = format!(
        "Some(Hvp {{ value: hvp_value, hv: vec![{}] }})",
        hvp_flat.join(", ")
    );
    s += &format!(
        "    Run {{ plain: {name}({}), value, vjp_value, grad: vec![{}], vjp: vec![{}], jvp_value, jvp, jvpk_value, jvpk, hvp: {hvp} }}\n}}\n\n",
        plain_args.join(", "),
        grad_flat.join(", "),
        vjp_flat.join(", ")
    );
    s += &format!(
        "pub fn {name}_ref_flat(x: &[f64], m: &mut f64) -> f64 {{\n    {name}_ref({}, m)\n}}\n\n",
        unpack_ref.join(", ")
    );
    s
}

/// How many flat inputs a program takes: read back from its harness for the table.
pub fn inputs_of(code: &str, name: &str) -> usize {
    let head = format!("pub fn {name}_ref(");
    let start = code.find(&head).unwrap() + head.len();
    let sig = &code[start..code[start..].find(')').unwrap() + start];
    sig.split(", ")
        .filter(|p| !p.starts_with("m:"))
        .map(|p| {
            if let Some(k) = p.rfind("; ") {
                p[k + 2..].trim_end_matches(']').parse::<usize>().unwrap()
            } else {
                1
            }
        })
        .sum()
}
