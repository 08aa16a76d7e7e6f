//! Shared by the scalar gradient tests: each `#[differentiable]` function's f64 twin, one view of
//! functions of one to four scalars, the PyTorch fixtures and the checks against them.
#![allow(dead_code)] // each test binary uses its own part

use std::collections::BTreeSet;

use serde_json::Value;

/// Writes a `#[differentiable]` function once and gets it twice: as written (with its generated
/// `_grad` and `_vjp`), and as `NAME::exact`, the same body compiled over `f64` (`f32` is an alias
/// of `f64` inside its block), the reference for finite differences.
///
/// The attribute is taken as two token trees (`#` and `[...]`) and passed on untouched: written
/// inside this macro instead, the generated code could not see the parameters (`macro_rules`
/// hygiene gives the attribute's tokens another syntax context).
macro_rules! twin {
    ($hash:tt $attr:tt $vis:vis fn $name:ident $($rest:tt)*) => {
        $hash $attr
        $vis fn $name $($rest)*

        // In a block of its own, `f32` is an alias of `f64`; the twin is an associated function
        // of the carrier struct `#[differentiable]` gives `NAME` (`NAME::fwd` is its other).
        const _: () = {
            #[allow(non_camel_case_types)]
            type f32 = f64;
            #[allow(clippy::all)]
            impl $name {
                pub fn exact $($rest)*
            }
        };
    };
}
pub(crate) use twin;

/// Defines module `$name` holding the item with the attribute's arguments `$args`, and module
/// `$stored` with the same and `loops = store`: a loop reversed another way, to check a
/// one-pass (or lanes) gradient against.
macro_rules! with_stored {
    ($name:ident, $stored:ident, [$($args:tt)*], $item:item) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[backprop::differentiable($($args)*)]
            $item
        }
        // only its gradient is used, against the default's
        #[allow(dead_code)]
        mod $stored {
            #[allow(unused_imports)]
            use super::*;
            #[backprop::differentiable($($args)* loops = store)]
            $item
        }
    };
}
pub(crate) use with_stored;

/// A test case from a function, its `_grad` and its twin: `case!(exp, exp_grad)`.
macro_rules! case {
    ($f:ident, $grad:ident) => {
        $crate::common::Case::new(stringify!($f), $f, $grad, $f::exact)
    };
}
pub(crate) use case;

/// A function of one to four scalars, called with a slice. `Args` only tells the impls apart.
pub trait Call<T, Args, R> {
    /// Calls with `x[0], x[1], ...`.
    fn call(&self, x: &[T]) -> R;
}

macro_rules! impl_call {
    ($($i:tt $t:ident),+) => {
        impl<T: Copy, R, F: Fn($($t),+) -> R> Call<T, ($($t,)+), R> for F {
            fn call(&self, x: &[T]) -> R {
                assert_eq!(x.len(), [$($i),+].len(), "wrong number of arguments");
                self($(x[$i]),+)
            }
        }
    };
}
impl_call!(0 T);
impl_call!(0 T, 1 T);
impl_call!(0 T, 1 T, 2 T);
impl_call!(0 T, 1 T, 2 T, 3 T);

/// What `_grad` and `_vjp` return: the value, then the gradients.
pub trait Grads {
    /// `(value, [gradients])`.
    fn split(self) -> (f32, Vec<f32>);
}

macro_rules! impl_grads {
    ($($i:tt $t:ty),*) => {
        impl Grads for (f32, $($t),*) {
            fn split(self) -> (f32, Vec<f32>) {
                (self.0, vec![$(self.$i),*])
            }
        }
    };
}
impl_grads!(1 f32);
impl_grads!(1 f32, 2 f32);
impl_grads!(1 f32, 2 f32, 3 f32);

type Value32 = Box<dyn Fn(&[f32]) -> f32>;
type Grad32 = Box<dyn Fn(&[f32]) -> (f32, Vec<f32>)>;
type Exact64 = Box<dyn Fn(&[f64]) -> f64>;

/// One function under test, named as in the fixtures.
pub struct Case {
    name: &'static str,
    value: Value32,
    grad: Grad32,
    exact: Exact64,
}

impl Case {
    /// The function, its `_grad` (or any function returning the fixture's gradients) and its
    /// f64 twin.
    pub fn new<A, B, C, G: Grads>(
        name: &'static str,
        value: impl Call<f32, A, f32> + 'static,
        grad: impl Call<f32, B, G> + 'static,
        exact: impl Call<f64, C, f64> + 'static,
    ) -> Self {
        Case {
            name,
            value: Box::new(move |x| value.call(x)),
            grad: Box::new(move |x| grad.call(x).split()),
            exact: Box::new(move |x| exact.call(x)),
        }
    }
}

/// One fixture point: PyTorch's value and gradient (with respect to `wrt`) at `x`.
pub struct Point {
    pub x: Vec<f32>,
    pub value: f32,
    pub grad: Vec<f32>,
    pub wrt: Vec<usize>,
    /// Away from kinks: finite differences apply.
    pub smooth: bool,
}

const FIXTURES: &str = include_str!("../fixtures/scalar.json");

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => s.parse().unwrap(), // "nan", "inf", "-inf"
        _ => panic!("not a number: {v}"),
    }
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(number).collect()
}

/// The fixture points of every case in `group`, by name.
pub fn fixtures(group: &str) -> Vec<(String, Vec<Point>)> {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    let cases = all[group]
        .as_object()
        .unwrap_or_else(|| panic!("no group {group}"));
    cases
        .iter()
        .map(|(name, points)| {
            let points = points
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Point {
                    // The fixture holds f32 values exactly, so these casts are exact.
                    x: numbers(&p["x"]).into_iter().map(|v| v as f32).collect(),
                    value: number(&p["value"]) as f32,
                    grad: numbers(&p["grad"]).into_iter().map(|v| v as f32).collect(),
                    wrt: p["wrt"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_u64().unwrap() as usize)
                        .collect(),
                    smooth: p["smooth"].as_bool().unwrap(),
                })
                .collect();
            (name.clone(), points)
        })
        .collect()
}

/// Agreement with PyTorch's float32 autograd: `|got - want| <= 1e-6 + 1e-6 |want|`.
pub const TORCH: (f64, f64) = (1e-6, 1e-6);
/// Agreement with central differences of the f64 twin, same bounds: the f32 gradient carries
/// the rounding of its f32 forward values (a few ulps of 6e-8 each, times the conditioning of
/// the rule; the largest seen is below 1e-7), the differences themselves are good to 1e-10.
pub const FINITE_DIFFERENCES: (f64, f64) = (1e-6, 1e-6);

/// Whether `got` is within `abs + rel |want|` of `want`; NaN and infinities must match exactly.
pub fn close(got: f64, want: f64, (rel, abs): (f64, f64)) -> bool {
    if !want.is_finite() {
        return got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan());
    }
    (got - want).abs() <= abs + rel * want.abs()
}

/// Central difference of `f` in argument `i` at `x`, in f64, step scaled to `x[i]`.
pub fn central_difference(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize) -> f64 {
    let h = 6e-6 * x[i].abs().max(1.0); // about cbrt(f64::EPSILON)
    let (mut up, mut down) = (x.to_vec(), x.to_vec());
    up[i] += h;
    down[i] -= h;
    (f(&up) - f(&down)) / (2.0 * h)
}

/// Largest deviation seen, relative to the tolerance's scale, for the report.
#[derive(Default)]
struct Worst {
    torch: f64,
    fd: f64,
}

fn scaled(got: f64, want: f64) -> f64 {
    if want.is_finite() {
        (got - want).abs() / want.abs().max(1.0)
    } else {
        0.0
    }
}

/// Checks every case against every fixture point of `group`: the value of `_grad` equals the
/// function's own value and PyTorch's, the gradient PyTorch's, and away from kinks the central
/// differences of the f64 twin. The cases and the fixture's names must be the same set.
/// Panics with every failure at once.
pub fn check(group: &str, cases: &[Case]) {
    check_except(group, cases, &[]);
}

/// [`check`], leaving out the points `(case, x)` listed in `except`.
pub fn check_except(group: &str, cases: &[Case], except: &[(&str, &[f32])]) {
    let fixtures = fixtures(group);
    let ours: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    let theirs: BTreeSet<&str> = fixtures.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        ours, theirs,
        "the Rust cases and the fixture group `{group}` differ"
    );
    assert_eq!(ours.len(), cases.len(), "a case name is used twice");

    let mut failures = Vec::new();
    let mut worst = Worst::default();
    let mut count = 0;
    for (name, points) in &fixtures {
        let case = cases.iter().find(|c| c.name == name).unwrap();
        for p in points {
            if except
                .iter()
                .any(|(n, x)| n == name && *x == p.x.as_slice())
            {
                continue;
            }
            count += 1;
            let at = format!("{name} at {:?}", p.x);
            let (v, g) = (case.grad)(&p.x);
            let plain = (case.value)(&p.x);
            if !close(v.into(), plain.into(), (0.0, 0.0)) {
                failures.push(format!("{at}: _grad's value {v} != the function's {plain}"));
            }
            if !close(v.into(), p.value.into(), TORCH) {
                failures.push(format!("{at}: value {v}, torch {}", p.value));
            }
            worst.torch = worst.torch.max(scaled(v.into(), p.value.into()));
            if g.len() != p.grad.len() {
                failures.push(format!(
                    "{at}: {} gradients, torch {}",
                    g.len(),
                    p.grad.len()
                ));
                continue;
            }
            let x64: Vec<f64> = p.x.iter().map(|&v| v.into()).collect();
            for (k, (&got, &want)) in g.iter().zip(&p.grad).enumerate() {
                let i = p.wrt[k];
                if !close(got.into(), want.into(), TORCH) {
                    failures.push(format!("{at}: d/dx{i} = {got}, torch {want}"));
                }
                worst.torch = worst.torch.max(scaled(got.into(), want.into()));
                if p.smooth {
                    let fd = central_difference(&case.exact, &x64, i);
                    if !close(got.into(), fd, FINITE_DIFFERENCES) {
                        failures.push(format!("{at}: d/dx{i} = {got}, finite differences {fd}"));
                    }
                    worst.fd = worst.fd.max(scaled(got.into(), fd));
                }
            }
        }
    }
    println!(
        "{group}: {} cases, {count} points; largest deviation |got - want| / max(1, |want|): \
         {:.2e} from torch, {:.2e} from finite differences",
        cases.len(),
        worst.torch,
        worst.fd
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Cotangents for the `_vjp` checks: powers of two scale every adjoint exactly, so those must
/// match `d_out * gradient` to the bit; the others to rounding.
pub const D_OUTS: [f32; 5] = [2.0, -0.5, 0.0, 0.3, -7.0];

/// A `_vjp`, called with the point's arguments followed by `d_out`.
pub struct Vjp {
    name: &'static str,
    vjp: Grad32,
}

impl Vjp {
    /// The `_vjp` of the case `name` (whose `_grad` has every float parameter active).
    pub fn new<A, G: Grads>(name: &'static str, vjp: impl Call<f32, A, G> + 'static) -> Self {
        Vjp {
            name,
            vjp: Box::new(move |x| vjp.call(x).split()),
        }
    }
}

/// `f_vjp(x, d_out)` returns `f(x)` and `d_out` times `f_grad(x)`, at every fixture point.
pub fn check_vjp(group: &str, cases: &[Case], vjps: &[Vjp]) {
    let fixtures = fixtures(group);
    let mut failures = Vec::new();
    for vjp in vjps {
        let case = cases
            .iter()
            .find(|c| c.name == vjp.name)
            .expect("a case of that name");
        let (_, points) = fixtures.iter().find(|(n, _)| n == vjp.name).unwrap();
        for p in points {
            let (v, g) = (case.grad)(&p.x);
            for d in D_OUTS {
                let args: Vec<f32> = p.x.iter().copied().chain([d]).collect();
                let (vv, gv) = (vjp.vjp)(&args);
                let exact = d.abs().log2().fract() == 0.0;
                let tol = if exact { (0.0, 0.0) } else { TORCH };
                let ok = vv.to_bits() == v.to_bits()
                    && gv.len() == g.len()
                    && gv
                        .iter()
                        .zip(&g)
                        .all(|(&a, &b)| close(a.into(), f64::from(d * b), tol));
                if !ok {
                    failures.push(format!(
                        "{}_vjp at {:?}, d_out {d}: ({vv}, {gv:?}), _grad ({v}, {g:?})",
                        vjp.name, p.x
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
