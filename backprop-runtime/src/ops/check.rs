//! Test helpers: pseudo-random inputs, and vjps checked against central finite differences.

use crate::tensor::Tensor;

/// Deterministic values in `[-1, 1)` from a seed (an LCG: the tests need no `rand` crate).
pub fn rand<T: Tensor>(seed: u64) -> T {
    let mut t = T::zero();
    let mut s = seed ^ 0x9e37_79b9_7f4a_7c15;
    for v in t.flat_mut() {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *v = (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
    }
    t
}

/// `<a, b>` in `f64`, so the finite differences below are not drowned in rounding.
fn inner<T: Tensor>(a: &T, b: &T) -> f64 {
    a.flat()
        .iter()
        .zip(b.flat())
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// Checks `vjp(x, d_x, u)`, which must return `f(x)` and add `J(x)^T u` into `d_x`, against
/// central differences of `t -> <u, f(x + t v)>` with step `h`: along every coordinate `v = e_i`
/// for small inputs, along random directions for large ones. `d_x` starts non-zero, so a vjp
/// that overwrites its shadow instead of adding to it fails.
pub fn check_vjp<X: Tensor, Y: Tensor>(
    f: impl Fn(&X) -> Y,
    vjp: impl Fn(&X, &mut X, &Y) -> Y,
    x: &X,
    h: f32,
) {
    let u: Y = rand(7);
    let before: X = rand(11);
    let mut d_x = before;
    let y = vjp(x, &mut d_x, &u);
    let fx = f(x);
    for (a, b) in y.flat().iter().zip(fx.flat()) {
        assert!(
            (a - b).abs() <= 1e-6 * b.abs().max(1.0),
            "vjp value {a} != f(x) = {b}"
        );
    }
    let mut grad = d_x;
    for (g, b) in grad.flat_mut().iter_mut().zip(before.flat()) {
        *g -= b;
    }

    let along = |v: &X| {
        let shifted = |t: f32| {
            let mut p = *x;
            for (p, v) in p.flat_mut().iter_mut().zip(v.flat()) {
                *p += t * v;
            }
            inner(&u, &f(&p))
        };
        let fd = (shifted(h) - shifted(-h)) / (2.0 * f64::from(h));
        let analytic = inner(&grad, v);
        let tol = 1e-3 * analytic.abs().max(fd.abs()) + 1e-4;
        assert!(
            (fd - analytic).abs() <= tol,
            "finite difference {fd} != vjp {analytic}"
        );
    };
    if X::LEN <= 256 {
        for i in 0..X::LEN {
            let mut e = X::zero();
            e.flat_mut()[i] = 1.0;
            along(&e);
        }
    } else {
        for seed in 0..3 {
            along(&rand::<X>(100 + seed));
        }
    }
}
