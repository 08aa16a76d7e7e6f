//! The softmax family on one row `[f32; N]`: `log_sum_exp`, `softmax`, `log_softmax`.
//!
//! All three subtract the row's maximum before exponentiating (PyTorch's rule: an infinite
//! maximum shifts by 0), so logits like `[1000, -1000, 0]` give finite values and gradients.

use crate::math;

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

/// `exp(x - m)` for the shift `m`, and `ln` of their sum plus `m`: `log_sum_exp(x)`.
#[inline]
fn shifted_exp<const N: usize>(x: &[f32; N]) -> ([f32; N], f32) {
    let m = shift(x);
    let e = x.map(|v| math::exp(v - m));
    let lse = m + math::ln(e.iter().sum::<f32>());
    (e, lse)
}

/// `ln(sum_i exp(x_i))`, computed without overflow (`-inf` for an empty row).
#[inline]
pub fn log_sum_exp<const N: usize>(x: &[f32; N]) -> f32 {
    shifted_exp(x).1
}

/// [`log_sum_exp`] and its vjp: `d_x += softmax(x) * d_out`.
#[inline]
pub fn log_sum_exp_vjp<const N: usize>(x: &[f32; N], d_x: &mut [f32; N], d_out: f32) -> f32 {
    let (s, lse) = softmax_and_lse(x);
    for (d, s) in d_x.iter_mut().zip(s) {
        *d += s * d_out;
    }
    lse
}

/// `softmax(x)` and `log_sum_exp(x)` from one pass of exponentials.
#[inline]
fn softmax_and_lse<const N: usize>(x: &[f32; N]) -> ([f32; N], f32) {
    let (e, lse) = shifted_exp(x);
    let total: f32 = e.iter().sum();
    (e.map(|e| e / total), lse)
}

/// `exp(x_i) / sum_j exp(x_j)`.
#[inline]
pub fn softmax<const N: usize>(x: &[f32; N]) -> [f32; N] {
    softmax_and_lse(x).0
}

/// [`softmax`] and its vjp: `d_x += s * (d_out - <s, d_out>)` with `s = softmax(x)`.
#[inline]
pub fn softmax_vjp<const N: usize>(x: &[f32; N], d_x: &mut [f32; N], d_out: &[f32; N]) -> [f32; N] {
    let s = softmax(x);
    let s_dot_u: f32 = s.iter().zip(d_out).map(|(s, u)| s * u).sum();
    for ((d, s), u) in d_x.iter_mut().zip(&s).zip(d_out) {
        *d += s * (u - s_dot_u);
    }
    s
}

/// `x_i - log_sum_exp(x)`: log-probabilities from logits.
#[inline]
pub fn log_softmax<const N: usize>(x: &[f32; N]) -> [f32; N] {
    let lse = log_sum_exp(x);
    x.map(|v| v - lse)
}

/// [`log_softmax`] and its vjp: `d_x += d_out - softmax(x) * sum(d_out)`.
///
/// With `d_out = -onehot(target)` this is the gradient of cross-entropy, `softmax(x) - onehot`.
#[inline]
pub fn log_softmax_vjp<const N: usize>(
    x: &[f32; N],
    d_x: &mut [f32; N],
    d_out: &[f32; N],
) -> [f32; N] {
    let (s, lse) = softmax_and_lse(x);
    let total: f32 = d_out.iter().sum();
    for ((d, s), u) in d_x.iter_mut().zip(s).zip(d_out) {
        *d += u - s * total;
    }
    x.map(|v| v - lse)
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
