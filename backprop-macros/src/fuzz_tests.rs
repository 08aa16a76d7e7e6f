//! Fuzzing the macro's entry point: whatever tokens arrive, `expand::differentiable` must not
//! panic, its output must parse as items, and every `compile_error!` it emits must carry a
//! message and point at the user's code.
//!
//! Inputs come from a grammar of function items (inside and outside the supported subset),
//! from token-level mutations of valid programs, and from arbitrary attribute arguments. The
//! grammar is driven by a vector of choices, so proptest shrinks a failure to a small program.
//! CI runs a fixed seed; `PROPTEST_CASES=100000 cargo test -p backprop-macros fuzz --release`
//! runs longer, and `BACKPROP_FUZZ_SEED=n` picks other inputs.

use proc_macro2::{Group, TokenStream, TokenTree};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Walks the grammar, taking each decision from `choices` (0 once they run out, and choice 0
/// is always the simplest production, so every walk ends and shrinking simplifies).
struct Walk<'a> {
    choices: &'a [u32],
    next: usize,
    /// Only supported constructs over bound names: programs that should expand.
    valid: bool,
    /// Enclosing `for` loops (the loop variable `i` is bound inside one).
    loops: u32,
}

impl<'a> Walk<'a> {
    /// The first choice decides whether to stay inside the supported subset.
    fn new(choices: &'a [u32]) -> Self {
        let valid = choices.first().is_some_and(|c| c % 2 == 0);
        Walk {
            choices,
            next: 1,
            valid,
            loops: 0,
        }
    }
}

impl Walk<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let c = self.choices.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        c as usize % n
    }

    fn one<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.pick(items.len())]
    }

    /// One of `good`, or in invalid mode one of `good` and `bad`.
    fn either<'s>(&mut self, good: &[&'s str], bad: &[&'s str]) -> &'s str {
        let n = if self.valid {
            good.len()
        } else {
            good.len() + bad.len()
        };
        let k = self.pick(n);
        if k < good.len() {
            good[k]
        } else {
            bad[k - good.len()]
        }
    }

    /// A production number below `good`, or in invalid mode below `all`.
    fn production(&mut self, good: usize, all: usize) -> usize {
        self.pick(if self.valid { good } else { all })
    }

    fn item(&mut self) -> String {
        match self.production(1, 5) {
            0 => self.function(),
            1 => "struct S { w: f32 }".into(),
            2 => format!("impl S {{ {} }}", self.function()),
            3 => self.soup(),
            _ => self.function(),
        }
    }

    /// Tokens with no grammar at all (balanced, so that they lex).
    fn soup(&mut self) -> String {
        let n = self.pick(12);
        (0..n)
            .map(|_| {
                let t = self.one(&[
                    "fn", "x", "f32", "()", "{}", "->", ";", ",", "let", "=", "+", "1.0", "&",
                    "[]", "#", "!", "'a", "\"s\"", "::", "<", ">", "self", "mut",
                ]);
                t.to_string()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn function(&mut self) -> String {
        let vis = self.one(&["", "pub ", "pub(crate) "]);
        let quals = self.either(&[""], &["const ", "async ", "unsafe ", "extern \"C\" "]);
        let name = self.one(&["f", "g", "loss", "r#try", "_x"]);
        let generics = self.either(&["", "<const N: usize>"], &["<T: Copy>", "<'a>", "<T>"]);
        let params = if self.valid {
            // Distinct names, always `x`, so that bodies can name them.
            let extra = ["y: f32", "a: &[f32; 3]", "b: [f32; 2]", "n: usize", "&self"];
            let mut ps = vec!["x: f32"];
            for e in extra {
                if self.pick(2) == 1 {
                    if e == "&self" {
                        ps.insert(0, e);
                    } else {
                        ps.push(e);
                    }
                }
            }
            ps.join(", ")
        } else {
            let n = self.pick(5);
            let ps: Vec<&str> = (0..n).map(|_| self.param()).collect();
            ps.join(", ")
        };
        let ret = self.either(
            &[" -> f32", " -> [f32; 3]"],
            &[
                "",
                " -> f64",
                " -> (f32, f32)",
                " -> Self",
                " -> [[f32; 2]; 2]",
                " -> [f32; N]",
                " -> impl Copy",
            ],
        );
        let wc = self.either(&[""], &[" where T: Copy"]);
        let body = if self.valid {
            // Locals the statements can write.
            let tail = if ret == " -> f32" {
                "s + h[1]"
            } else {
                "[s, h[0], h[2]]"
            };
            let n = self.pick(5);
            let stmts: Vec<String> = (0..n).map(|_| self.stmt(1)).collect();
            format!(
                "{{ let mut s = x; let mut h = [0.0; 3]; {} {tail} }}",
                stmts.join(" ")
            )
        } else {
            self.block(0)
        };
        format!("{vis}{quals}fn {name}{generics}({params}){ret}{wc} {body}")
    }

    fn param(&mut self) -> &'static str {
        self.one(&[
            "x: f32",
            "y: f32",
            "a: &[f32; 3]",
            "b: [f32; 2]",
            "w: &[[f32; 3]; 2]",
            "n: usize",
            "k: i32",
            "flag: bool",
            "s: &S",
            "&self",
            "self",
            "&mut self",
            "mut x: f32",
            "x: &mut f32",
            "x: f64",
            "(p, q): (f32, f32)",
            "v: Vec<f32>",
            "sl: &[f32]",
            "t: T",
            "c: &[f32; N]",
            "x: f32",
            "d_x: f32",
            "__bp_x: f32",
            "_: f32",
            "e: &'a [f32; 3]",
            "m: [[f32; 2]; 2]",
        ])
    }

    fn block(&mut self, depth: u32) -> String {
        let n = if depth > 2 { 0 } else { self.pick(4) };
        let mut s: Vec<String> = (0..n).map(|_| self.stmt(depth)).collect();
        if !self.valid && self.pick(4) != 3 {
            s.push(self.expr(depth));
        }
        format!("{{ {} }}", s.join(" "))
    }

    fn place(&mut self, depth: u32) -> String {
        match self.production(2, 6) {
            0 => "s".into(),
            1 => format!("h[{}]", self.index()),
            2 => format!("h[{}][{}]", self.index(), self.index()),
            3 => "x".into(),
            4 => "a[0]".into(),
            _ => format!("({})", self.expr(depth + 1)),
        }
    }

    fn index(&mut self) -> String {
        let good: &[&str] = if self.loops > 0 {
            &["0", "i", "2 - i", "i % 3", "(i + 1) % 3"]
        } else {
            &["0", "1", "2"]
        };
        self.either(good, &["7", "x", "-1", "n", "j", "N - 1", "i + 1"])
            .into()
    }

    fn stmt(&mut self, depth: u32) -> String {
        let d = depth + 1;
        if d > 3 {
            return format!("s += {};", self.expr(d));
        }
        match self.production(9, 25) {
            0 => format!("let v = {};", self.expr(d)),
            1 => {
                let op = self.either(&["=", "+=", "-=", "*=", "/="], &["%=", "&=", "<<="]);
                format!("{} {op} {};", self.place(d), self.expr(d))
            }
            2 => format!(
                "if {} {} else {}",
                self.cond(d),
                self.block(d),
                self.block(d)
            ),
            3 => format!("if {} {}", self.cond(d), self.block(d)),
            4..=5 => {
                let range = self.either(
                    &["0..3", "0..=2", "(0..3).rev()", "1..3"],
                    &["0..n", "0..N", "a.iter()", "3..0", "0..x", "1..", "..3"],
                );
                let var = self.either(&["i"], &["j", "_", "(i, j)"]);
                self.loops += 1;
                let body = self.block(d);
                self.loops -= 1;
                format!("for {var} in {range} {body}")
            }
            6 => format!(
                "let mut t = {}; t *= {}; s += t;",
                self.expr(d),
                self.expr(d)
            ),
            7 => format!("let c = {}; if c {{ s -= x; }}", self.cond(d)),
            // An empty statement, valid Rust (`;;` was once a known bug).
            8 => ";".into(),
            9 => format!("while {} {}", self.expr(d), self.block(d)),
            10 => format!("loop {}", self.block(d)),
            11 => format!("{};", self.expr(d)),
            12 => format!("return {};", self.expr(d)),
            13 => "fn inner() {}".into(),
            14 => format!("println!(\"{{}}\", {});", self.expr(d)),
            15 => format!("let (p, q) = ({}, {});", self.expr(d), self.expr(d)),
            16 => format!("let s: f32 = {};", self.expr(d)),
            17 => format!("let s: [f32; 2] = {};", self.expr(d)),
            18 => format!("let Some(s) = {} else {{ return 0.0; }};", self.expr(d)),
            19 => "let s;".into(),
            20 => format!("let mut i = {};", self.expr(d)),
            21 => format!("let s = {};", self.expr(d)),
            22 => format!("'outer: for i in 0..3 {}", self.block(d)),
            23 => "break;".into(),
            _ => self.block(d),
        }
    }

    fn cond(&mut self, depth: u32) -> String {
        if !self.valid && self.pick(3) == 0 {
            return self.expr(depth);
        }
        let op = self.either(&["<", ">", "<=", ">="], &["==", "!="]);
        let c = format!("{} {op} {}", self.expr(depth), self.expr(depth));
        match self.pick(4) {
            0 => format!("{c} && {} > 0.5", self.leaf()),
            1 => format!("{c} || {} < 1.0", self.leaf()),
            _ => c,
        }
    }

    fn expr(&mut self, depth: u32) -> String {
        if depth > 4 {
            return self.leaf();
        }
        let d = depth + 1;
        match self.production(12, 34) {
            0..=2 => self.leaf(),
            3..=4 => {
                let op = self.either(
                    &["+", "-", "*", "/"],
                    &[
                        "%", "&&", "||", "<", ">", "==", "!=", "&", "|", "^", "<<", ">=", "<=",
                    ],
                );
                format!("({} {op} {})", self.expr(d), self.expr(d))
            }
            5 => {
                let op = self.either(&["-"], &["!", "*", "&", "&mut "]);
                format!("({op}{})", self.expr(d))
            }
            6..=7 => {
                let (m, n) = match self.production(14, 26) {
                    k @ 0..=9 => (
                        [
                            "sin", "exp", "tanh", "abs", "floor", "signum", "recip", "exp_m1",
                            "cos", "atan",
                        ][k],
                        0,
                    ),
                    10 => ("powi", 9),
                    11 => ("max", 1),
                    12 => ("clamp", 2),
                    13 => ("mul_add", 2),
                    k => (
                        [
                            "foo",
                            "iter",
                            "sum",
                            "len",
                            "unwrap",
                            "to_degrees",
                            "sin_cos",
                            "g",
                            "ln",
                            "sqrt",
                            "powf",
                            "hypot",
                        ][k - 14],
                        self.pick(4),
                    ),
                };
                let args: Vec<String> = if n == 9 {
                    vec![self.either(&["2", "3"], &["x", "2.0", "-1"]).into()]
                } else {
                    (0..n).map(|_| self.expr(d)).collect()
                };
                format!("{}.{m}({})", self.expr(d), args.join(", "))
            }
            8 => {
                let f = self.either(
                    &["f32::max", "f32::min"],
                    &[
                        "f",
                        "square",
                        "dot3",
                        "f32::sin",
                        "Self::g",
                        "layer",
                        "std::mem::swap",
                        "g::<f32>",
                        "self.g",
                        "self.lin.apply",
                        "s.w.apply",
                    ],
                );
                let n = if self.valid { 2 } else { self.pick(4) };
                let args: Vec<String> = (0..n)
                    .map(|_| {
                        let prefix = self.either(&[""], &["&", "&mut "]);
                        format!("{prefix}{}", self.expr(d))
                    })
                    .collect();
                format!("{f}({})", args.join(", "))
            }
            9 => format!(
                "(if {} {{ {} }} else {{ {} }})",
                self.cond(d),
                self.expr(d),
                self.expr(d)
            ),
            10 => format!("{{ let t = {}; t * {} }}", self.expr(d), self.expr(d)),
            11 => {
                if self.loops > 0 {
                    "(i as f32)".into()
                } else {
                    "(2 as f32)".into()
                }
            }
            12 => format!("{}[{}]", self.leaf(), self.index()),
            13 => format!("{}.{}", self.leaf(), self.one(&["w", "0", "lin", "len"])),
            14 => format!("|z| {}", self.expr(d)),
            15 => format!("match {} {{ _ => {} }}", self.expr(d), self.expr(d)),
            16 => format!("({}, {})", self.expr(d), self.expr(d)),
            17 => format!("[{}, {}, {}]", self.expr(d), self.expr(d), self.expr(d)),
            18 => format!("[{}; {}]", self.expr(d), self.one(&["3", "N", "0", "n"])),
            19 => format!(
                "({} as {})",
                self.expr(d),
                self.one(&["f32", "f64", "usize", "i32", "u8", "bool"])
            ),
            20 => format!("vec![{}]", self.expr(d)),
            21 => format!("unsafe {{ {} }}", self.expr(d)),
            22 => format!("{}?", self.leaf()),
            23 => format!("S {{ w: {} }}", self.expr(d)),
            24 => format!("({}..{})", self.leaf(), self.leaf()),
            25 => format!("return {}", self.expr(d)),
            26 => format!("{}.await", self.leaf()),
            27 => format!("(x = {})", self.expr(d)),
            28 => format!("if {} {}", self.expr(d), self.block(d)),
            29 => self.block(d),
            30 => format!("'l: {{ {} }}", self.expr(d)),
            _ => format!("{}(x)", self.leaf()),
        }
    }

    fn leaf(&mut self) -> String {
        let good: &[&str] = if self.loops > 0 {
            &["x", "s", "1.0", "0.5", "h[i]", "h[1]", "(i as f32)"]
        } else {
            &["x", "s", "1.0", "0.5", "h[1]", "-2.0"]
        };
        self.either(
            good,
            &[
                "y",
                "a",
                "i",
                "h",
                "0",
                "2",
                "1e3",
                "true",
                "\"s\"",
                "'c'",
                "0.5f32",
                "1.0f64",
                "1u8",
                "f32::MAX",
                "std::f32::consts::PI",
                "self",
                "unknown",
                "n",
                "N",
                "b",
                "w",
                "-0.0",
                "f32::NAN",
                "()",
                "d_x",
                "__bp_0",
                "T::default()",
                "__bp_grad",
                "d_out",
            ],
        )
        .into()
    }

    fn attr(&mut self) -> String {
        let n = self.pick(3);
        let parts: Vec<&str> = (0..n)
            .map(|_| {
                self.either(
                    &["check_finite", "wrt(x)", "crate = \"backprop\""],
                    &[
                        "wrt(x, a)",
                        "wrt()",
                        "wrt(x, x)",
                        "wrt(1)",
                        "wrt = x",
                        "check_finite(1)",
                        "check_finite = true",
                        "crate = \"::a::b\"",
                        "crate = \"not a path!\"",
                        "crate = 1",
                        "crate",
                        "foo",
                        "wrt(x) wrt(y)",
                        "= =",
                        "\"str\"",
                        "wrt(self)",
                        "wrt(n)",
                        "wrt(zzz)",
                        "wrt(a.b)",
                        "::wrt(x)",
                        "wrt[x]",
                        "wrt{x}",
                        "",
                    ],
                )
            })
            .collect();
        let sep = self.either(&[", "], &[" ", "; "]);
        parts.join(sep)
    }
}

/// Valid programs to mutate, one per supported construct family.
const CORPUS: &[&str] = &[
    "fn loss(w: f32, x: f32, y: f32) -> f32 { let y_hat = x * w; (y_hat - y) * (y_hat - y) }",
    "fn f(x: f32, y: f32) -> f32 { let a = x * y; a.sin() + a * a }",
    "fn r(w: f32, x: &[f32; 6]) -> f32 { let mut h = 0.0; for i in 0..6 { h = (w * h + x[i]).tanh(); } h * h }",
    "pub fn leaky(x: f32, slope: f32) -> f32 { let y = if x > 0.0 { x } else { slope * x }; y * 2.0 }",
    "fn layer(w: &[[f32; 3]; 2], x: &[f32; 3]) -> [f32; 2] { let mut out = [0.0; 2]; for j in 0..2 { out[j] = dot3(&w[j], x).tanh(); } out }",
    "fn model(w: &[[f32; 3]; 2], x: &[f32; 3], k: f32) -> f32 { let h = layer(w, x); square(h[0] * k) + square(h[1]) + dot3(x, x) * square(k) }",
    "fn energy(&self, x: &[f32; 3]) -> f32 { let h = layer(&self.w, x); h[0] + h[1] * h[1] + self.lin.apply(x) }",
    "fn g<const N: usize>(x: &[f32; N], n: usize, b: [f32; 2]) -> f32 { let mut s = 0.0; for i in (0..N).rev() { if i < n { s += x[i] * b[i % 2]; } else { s -= x[i].max(b[0]).clamp(-1.0, 1.0); } } return s.powi(2) + (n as f32); }",
    "fn q(x: f32, y: f32) -> f32 { let mut s = x; for i in 0..=3 { for j in 1..3 { s = s * 0.5 + (y * (j as f32)).atan2(s.hypot(x)); } } let c = s > 0.0 && y < 1.0; if c { s.mul_add(x, y) } else { s.ln_1p().exp_m1() } }",
    "fn p(a: &[f32; 3]) -> f32 { let t = [a[0], a[1] * 2.0, -a[2]]; let mut h = [[0.0; 3]; 2]; h[1][2] = t[0].powf(a[1]); h[0][0] += f32::min(t[1], t[2]); h[1][2] / h[0][0].recip().sqrt() }",
];

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".into())
}

/// Every `compile_error!` in `out` has a non-empty message and a span inside the input.
fn check_errors(out: &TokenStream) -> Result<(), String> {
    let tokens: Vec<TokenTree> = out.clone().into_iter().collect();
    for (k, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Group(g) => check_errors(&g.stream())?,
            TokenTree::Ident(i) if i == "compile_error" => {
                let Some(TokenTree::Group(args)) = tokens.get(k + 2) else {
                    return Err("`compile_error` without arguments".into());
                };
                let msg: syn::LitStr = syn::parse2(args.stream())
                    .map_err(|e| format!("`compile_error!` argument is not a string: {e}"))?;
                if msg.value().trim().is_empty() {
                    return Err("`compile_error!` with an empty message".into());
                }
                let range = i.span().byte_range();
                let at_attribute = CALL_SITE_OK.iter().any(|m| msg.value().starts_with(m));
                if range.is_empty() && !at_attribute {
                    return Err(format!(
                        "`compile_error!(\"{}\")` is not spanned to the input",
                        msg.value()
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Errors that may point at the call site, which a compiler shows as the `#[differentiable]`
/// attribute itself: attribute arguments that end early, and a missing return type (there is
/// no token to point at).
const CALL_SITE_OK: &[&str] = &[
    "expected `wrt(a, b, ...)`",
    "`wrt` takes parameter names",
    "a differentiable function must return `f32`",
];

/// Counts what a run met, for the report.
#[derive(Default, Debug)]
struct Seen {
    inputs: usize,
    unlexable: usize,
    items: usize,
    expanded: usize,
    errors: usize,
    /// Items with an empty statement (`;;`, `{ ;`), checked like every other input.
    empty_statements: usize,
}

thread_local! {
    static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::new(Seen::default());
}

fn seen(f: impl FnOnce(&mut Seen)) {
    SEEN.with(|s| f(&mut s.borrow_mut()));
}

/// The property, on tokens.
fn check_tokens(attr: TokenStream, item: TokenStream) -> Result<(), String> {
    seen(|s| s.inputs += 1);
    // rustc only hands attribute macros items that parse; other token streams must merely not
    // panic.
    let is_item = syn::parse2::<syn::Item>(item.clone()).is_ok();
    let (a, i) = (attr.clone(), item.clone());
    let out = std::panic::catch_unwind(move || crate::expand::differentiable(a, i))
        .map_err(|p| format!("panic: {}", message(p)))?;
    if !is_item {
        return Ok(());
    }
    seen(|s| s.items += 1);
    let text = item.to_string();
    if text.contains("; ;") || text.contains("{ ;") {
        seen(|s| s.empty_statements += 1);
    }
    syn::parse2::<syn::File>(out.clone())
        .map_err(|e| format!("the output does not parse as items: {e}\n{out}"))?;
    if out.to_string().contains("compile_error") {
        seen(|s| s.errors += 1);
    } else {
        seen(|s| s.expanded += 1);
    }
    check_errors(&out)
}

/// The property, on source text (which must lex; grammar output always does).
fn check_source(attr: &str, item: &str) -> Result<(), TestCaseError> {
    let (Ok(a), Ok(i)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        seen(|s| s.unlexable += 1);
        return Ok(());
    };
    check_tokens(a, i)
        .map_err(|e| TestCaseError::fail(format!("{e}\n  attr: {attr}\n  item: {item}")))
}

/// One token-tree edit, addressed by numbers so that proptest can shrink it.
#[derive(Clone, Debug)]
struct Edit {
    kind: u8,
    at: u32,
    other: u32,
}

fn edit() -> impl Strategy<Value = Edit> {
    (0u8..4, any::<u32>(), any::<u32>()).prop_map(|(kind, at, other)| Edit { kind, at, other })
}

/// Applies `e` inside the group reached by `at` (so edits happen at every depth, and
/// delimiters stay balanced).
fn apply(ts: TokenStream, e: &Edit, depth: u32) -> TokenStream {
    let mut tt: Vec<TokenTree> = ts.into_iter().collect();
    if tt.is_empty() {
        return TokenStream::new();
    }
    let groups: Vec<usize> = (0..tt.len())
        .filter(|&k| matches!(tt[k], TokenTree::Group(_)))
        .collect();
    // Descend into a group three times in four, choosing it by the bits of `at`: most edits
    // then land in a body, and the item still parses.
    let bits = e.at >> (depth * 4);
    if !groups.is_empty() && bits & 3 != 0 && depth < 7 {
        let k = groups[(bits as usize >> 2) % groups.len()];
        if let TokenTree::Group(g) = &tt[k] {
            let mut ng = Group::new(g.delimiter(), apply(g.stream(), e, depth + 1));
            ng.set_span(g.span());
            tt[k] = TokenTree::Group(ng);
        }
        return tt.into_iter().collect();
    }
    let n = tt.len();
    let i = (e.other as usize) % n;
    let j = (e.other as usize / n.max(1)) % n;
    match e.kind {
        0 => {
            tt.remove(i);
        }
        1 => {
            let t = tt[i].clone();
            tt.insert(i, t);
        }
        2 => tt.swap(i, j),
        _ => {
            // Move a token somewhere else.
            let t = tt.remove(i);
            tt.insert(j.min(tt.len()), t);
        }
    }
    tt.into_iter().collect()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1200)
}

fn runner(salt: u8) -> TestRunner {
    let seed: u8 = std::env::var("BACKPROP_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut key = [seed; 32];
    key[0] = salt;
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}

fn report(
    name: &str,
    result: Result<(), proptest::test_runner::TestError<impl std::fmt::Debug>>,
) -> Seen {
    let s = SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()));
    println!("fuzz {name}: {s:?}");
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    s
}

#[test]
fn fuzz_grammar_items() {
    let mut r = runner(1);
    let result = r.run(
        &(vec(any::<u32>(), 0..24), vec(any::<u32>(), 0..160)),
        |(a, i)| {
            let attr = Walk::new(&a).attr();
            let item = Walk::new(&i).item();
            check_source(&attr, &item)
        },
    );
    let s = report("grammar", result);
    // Empty statements were once exempt from the span check; now they are checked like the
    // rest, and the grammar makes them (one statement production in 25).
    if cases() >= 100 {
        assert!(
            s.empty_statements > 0,
            "no program had an empty statement: {s:?}"
        );
    }
}

#[test]
fn fuzz_mutated_programs() {
    let mut r = runner(2);
    let result = r.run(
        &(0..CORPUS.len(), vec(edit(), 1..4), vec(any::<u32>(), 0..8)),
        |(k, edits, a)| {
            let attr = Walk::new(&a).attr();
            let mut item: TokenStream = CORPUS[k].parse().unwrap();
            for e in &edits {
                item = apply(item, e, 0);
            }
            let attr_ts: TokenStream = attr.parse().unwrap_or_default();
            check_tokens(attr_ts, item.clone())
                .map_err(|e| TestCaseError::fail(format!("{e}\n  attr: {attr}\n  item: {item}")))
        },
    );
    report("mutations", result);
}

#[test]
fn fuzz_attribute_arguments() {
    let mut r = runner(3);
    // Arbitrary token soup as the attribute, on valid functions.
    let token = prop_oneof![
        Just("wrt".to_string()),
        Just("check_finite".to_string()),
        Just("crate".to_string()),
        "[a-z_]{1,6}",
        Just(",".to_string()),
        Just("=".to_string()),
        Just("\"backprop\"".to_string()),
        Just("\"\"".to_string()),
        Just("1".to_string()),
        Just("::".to_string()),
        Just("(x)".to_string()),
        Just("(x, y, a)".to_string()),
        Just("()".to_string()),
        Just("[]".to_string()),
        Just("{ }".to_string()),
        Just("#".to_string()),
        Just("'a".to_string()),
    ];
    let result = r.run(&(0..CORPUS.len(), vec(token, 0..8)), |(k, tokens)| {
        check_source(&tokens.join(" "), CORPUS[k])
    });
    report("attributes", result);
}

#[test]
fn the_grammar_reaches_valid_programs() {
    // A fuzzer that only ever produced errors would test little: the corpus must expand.
    for (k, src) in CORPUS.iter().enumerate() {
        let out = crate::expand::differentiable(TokenStream::new(), src.parse().unwrap());
        let text = out.to_string();
        assert!(
            !text.contains("compile_error"),
            "corpus program {k} does not expand:\n{text}"
        );
    }
}

// Found by `fuzz_mutated_programs` (a duplicated `;`); the fuzzers no longer look past it.

#[test]
fn empty_statement_is_accepted() {
    for src in [
        "fn f(x: f32) -> f32 { let y = x;; y }",
        "fn f(x: f32) -> f32 { ; x }",
        "fn f(x: f32) -> f32 { let mut s = x; for i in 0..3 { ; s = s * x;; } ; s }",
        "fn f(x: f32) -> f32 { let y = if x > 0.0 { ; x } else { ;; x * 2.0 }; y }",
    ] {
        let out = crate::expand::differentiable(TokenStream::new(), src.parse().unwrap());
        assert!(
            check_errors(&out).is_ok(),
            "unspanned error for {src}: {out}"
        );
        assert!(
            !out.to_string().contains("compile_error"),
            "{src} rejected: {out}"
        );
    }
}
