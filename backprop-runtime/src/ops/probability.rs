//! From logits to probabilities, on one row `[f32; N]`: `log_sum_exp`, `softmax`, `log_softmax`.
//!
//! All three subtract the row's maximum before exponentiating (PyTorch's rule: an infinite
//! maximum shifts by 0), so logits like `[1000, -1000, 0]` give finite values and gradients.

use crate::{differentiable, math};

/// The shift `m` that makes `exp(x - m)` safe: the maximum, or 0 if it is infinite.
#[inline]
fn shift<const N: usize>(x: &[f32; N]) -> f32 {
    let m = x
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    if m.is_infinite() {
        0.0
    } else {
        m
    }
}

/// The exponentials `exp(x - m)` for the shift `m`, and `m` and `ln(sum(exp(x - m)))`, whose
/// sum is `log_sum_exp(x)`. Kept apart so `log_softmax = (x - m) - ln_sum` never rounds
/// through the large `log_sum_exp` (at `x ~ 1000`, one f32 ulp of it is `6e-5`).
#[inline]
fn shifted_exp<const N: usize>(x: &[f32; N]) -> ([f32; N], f32, f32) {
    let m = shift(x);
    let e = x.map(|v| math::exp(v - m));
    (e, m, math::ln(e.iter().sum::<f32>()))
}

/// `ln(sum_i exp(x_i))`, computed without overflow (`-inf` for an empty row).
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn log_sum_exp<const N: usize>(x: &[f32; N]) -> f32 {
    let (_, m, ln_sum) = shifted_exp(x);
    m + ln_sum
}

/// [`log_sum_exp`] and its pullback: `d_x += softmax(x) * d_out`.
#[inline]
pub fn log_sum_exp_fwd<const N: usize>(
    x: &[f32; N],
) -> (f32, impl FnOnce(&[f32; N], Option<&mut [f32; N]>, f32)) {
    let (s, m, ln_sum) = softmax_and_shift(x);
    (
        m + ln_sum,
        move |_: &[f32; N], d_x: Option<&mut [f32; N]>, d_out: f32| {
            if let Some(d_x) = d_x {
                for (d, s) in d_x.iter_mut().zip(s) {
                    *d += s * d_out;
                }
            }
        },
    )
}

/// [`log_sum_exp`] and its tangent `<softmax(x), x_dot>` (forward mode).
#[inline]
pub fn log_sum_exp_jvp<const N: usize>(x: &[f32; N], x_dot: &[f32; N]) -> (f32, f32) {
    let (s, m, ln_sum) = softmax_and_shift(x);
    (m + ln_sum, weighted_sum(&s, x_dot))
}

/// `<s, v>`.
#[inline]
fn weighted_sum<const N: usize>(s: &[f32; N], v: &[f32; N]) -> f32 {
    s.iter().zip(v).map(|(s, v)| s * v).sum()
}

/// `softmax(x)` and the shift and log-sum of [`shifted_exp`], from one pass of exponentials.
#[inline]
fn softmax_and_shift<const N: usize>(x: &[f32; N]) -> ([f32; N], f32, f32) {
    let (e, m, ln_sum) = shifted_exp(x);
    let total: f32 = e.iter().sum();
    (e.map(|e| e / total), m, ln_sum)
}

/// `exp(x_i) / sum_j exp(x_j)`.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn softmax<const N: usize>(x: &[f32; N]) -> [f32; N] {
    softmax_and_shift(x).0
}

/// [`softmax`] and its pullback: `d_x += s * (d_out - <s, d_out>)` with `s = softmax(x)`.
#[inline]
pub fn softmax_fwd<const N: usize>(
    x: &[f32; N],
) -> (
    [f32; N],
    impl FnOnce(&[f32; N], Option<&mut [f32; N]>, &[f32; N]),
) {
    let s = softmax(x);
    (
        s,
        move |_: &[f32; N], d_x: Option<&mut [f32; N]>, d_out: &[f32; N]| {
            if let Some(d_x) = d_x {
                let s_dot_u: f32 = s.iter().zip(d_out).map(|(s, u)| s * u).sum();
                for ((d, s), u) in d_x.iter_mut().zip(&s).zip(d_out) {
                    *d += s * (u - s_dot_u);
                }
            }
        },
    )
}

/// [`softmax`] and its tangent `s * (x_dot - <s, x_dot>)` with `s = softmax(x)` (forward
/// mode).
#[inline]
pub fn softmax_jvp<const N: usize>(x: &[f32; N], x_dot: &[f32; N]) -> ([f32; N], [f32; N]) {
    let s = softmax(x);
    let mean = weighted_sum(&s, x_dot);
    (s, core::array::from_fn(|i| s[i] * (x_dot[i] - mean)))
}

/// `x_i - log_sum_exp(x)`: log-probabilities from logits.
#[differentiable(custom_fwd, jvp)]
#[inline]
pub fn log_softmax<const N: usize>(x: &[f32; N]) -> [f32; N] {
    let (_, m, ln_sum) = shifted_exp(x);
    x.map(|v| (v - m) - ln_sum)
}

/// [`log_softmax`] and its pullback: `d_x += d_out - softmax(x) * sum(d_out)`.
///
/// With `d_out = -onehot(target)` this is the gradient of cross-entropy, `softmax(x) - onehot`.
#[inline]
pub fn log_softmax_fwd<const N: usize>(
    x: &[f32; N],
) -> (
    [f32; N],
    impl FnOnce(&[f32; N], Option<&mut [f32; N]>, &[f32; N]),
) {
    let (s, m, ln_sum) = softmax_and_shift(x);
    let y = x.map(|v| (v - m) - ln_sum);
    (
        y,
        move |_: &[f32; N], d_x: Option<&mut [f32; N]>, d_out: &[f32; N]| {
            if let Some(d_x) = d_x {
                let total: f32 = d_out.iter().sum();
                for ((d, s), u) in d_x.iter_mut().zip(s).zip(d_out) {
                    *d += u - s * total;
                }
            }
        },
    )
}

/// [`log_softmax`] and its tangent `x_dot - <softmax(x), x_dot>` (forward mode).
#[inline]
pub fn log_softmax_jvp<const N: usize>(x: &[f32; N], x_dot: &[f32; N]) -> ([f32; N], [f32; N]) {
    let (s, m, ln_sum) = softmax_and_shift(x);
    let mean = weighted_sum(&s, x_dot);
    (x.map(|v| (v - m) - ln_sum), x_dot.map(|t| t - mean))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{check_vjp, rand};

    const STABILITY: [[f32; 3]; 3] = [
        [1000.0, 1001.0, 999.0],
        [1000.0, -1000.0, 0.0],
        [-1e30, 0.0, 1e30],
    ];

    #[test]
    fn values_by_hand() {
        let ln3 = 3.0f32.ln();
        assert!((log_sum_exp(&[0.0, 0.0, 0.0]) - ln3).abs() < 1e-6);
        assert_eq!(softmax(&[5.0, 5.0]), [0.5, 0.5]);
        assert_eq!(log_sum_exp(&[f32::NEG_INFINITY; 2]), f32::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[]), f32::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f32::INFINITY, 0.0]), f32::INFINITY);
        // Shifting every logit by c shifts log_sum_exp by c and leaves softmax alone.
        let x = [0.5f32, -1.0, 2.0];
        assert!((log_sum_exp(&x.map(|v| v + 1000.0)) - 1000.0 - log_sum_exp(&x)).abs() < 1e-3);
    }

    #[test]
    fn large_logits_stay_finite() {
        for x in STABILITY {
            let (mut a, mut b, mut c) = ([0.0; 3], [0.0; 3], [0.0; 3]);
            let values = [
                [log_sum_exp_vjp(&x, &mut a, 1.0); 3],
                softmax_vjp(&x, &mut b, &[1.0, -2.0, 0.5]),
                log_softmax_vjp(&x, &mut c, &[0.0, 0.0, -1.0]),
            ];
            for v in values.iter().chain([&a, &b, &c]).flatten() {
                assert!(v.is_finite(), "{x:?} gave {values:?}, {a:?}, {b:?}, {c:?}");
            }
        }
        // ln(e^0 + e^1 + e^-1) = 1.4076059644443804
        assert!((log_sum_exp(&STABILITY[0]) - 1_001.407_6).abs() < 1e-4);
        assert_eq!(log_softmax(&STABILITY[1]), [0.0, -2000.0, -1000.0]);
    }

    #[test]
    fn vjps_match_finite_differences() {
        let x: [f32; 7] = rand(3);
        let x = x.map(|v| 3.0 * v);
        check_vjp(
            log_sum_exp,
            |x, d, u: &f32| log_sum_exp_vjp(x, d, *u),
            &x,
            1e-2,
        );
        check_vjp(softmax, softmax_vjp, &x, 1e-2);
        check_vjp(log_softmax, log_softmax_vjp, &x, 1e-2);
    }
}
