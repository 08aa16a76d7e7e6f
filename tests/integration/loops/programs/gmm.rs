//! ADBench's GMM objective (Srajer, Schkufza, Fitzgibbon: "A benchmark of selected algorithmic
//! differentiation tools on some problems in computer vision and machine learning", section 4.1):
//! the log-likelihood of `N` points under a mixture of `K` Gaussians in `D` dimensions plus a
//! Wishart prior on the precision matrices.
//!
//! Parameters: `alphas[k]` unnormalised log weights, `means[k]`, and `icf[k]` the inverse
//! covariance factor `L_k` packed as `D` logs of its diagonal followed by its strictly-lower
//! entries column by column (`L = D (D + 1) / 2` numbers).
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use backprop::differentiable;

/// The terms of the objective that depend on no parameter: `-N D/2 ln(2 pi)` and the Wishart
/// normaliser `-K (n_w D (ln gamma - ln(2)/2) - ln Gamma_D(n_w / 2))`, `n_w = D + m + 1`.
/// `multigammaln` is `ln Gamma_D(n_w / 2)` (computed by the fixture script).
pub fn gmm_constant(d: usize, k: usize, n: usize, gamma: f32, m: f32, multigammaln: f32) -> f32 {
    let (d, k, n) = (d as f64, k as f64, n as f64);
    let nw = d + f64::from(m) + 1.0;
    let c = nw * d * (f64::from(gamma).ln() - 0.5 * 2f64.ln()) - f64::from(multigammaln);
    (-n * d * 0.5 * (2.0 * core::f64::consts::PI).ln() - k * c) as f32
}

/// Defines the GMM objective as `$name`, with the attribute's arguments `$args`.
macro_rules! gmm_objective {
    ($(#[$doc:meta])* $name:ident, $($args:tt)*) => {
        $(#[$doc])*
        #[differentiable($($args)*)]
        pub fn $name<const D: usize, const K: usize, const N: usize, const L: usize>(
            alphas: &[f32; K],
            means: &[[f32; D]; K],
            icf: &[[f32; L]; K],
            x: &[[f32; D]; N],
            wishart_gamma: f32,
            wishart_m: f32,
            constant: f32,
        ) -> f32 {
            let mut sum_qs = [0.0; K];
            let mut qdiags = [[0.0; D]; K];
            for k in 0..K {
                for i in 0..D {
                    sum_qs[k] += icf[k][i];
                    qdiags[k][i] = icf[k][i].exp();
                }
            }

            let mut slse = 0.0;
            for p in 0..N {
                let mut main = [0.0; K];
                for k in 0..K {
                    // Q_k (x_p - mu_k), Q_k lower-triangular with diagonal exp(icf[k][..D])
                    let mut xc = [0.0; D];
                    let mut qx = [0.0; D];
                    for i in 0..D {
                        xc[i] = x[p][i] - means[k][i];
                        qx[i] = qdiags[k][i] * xc[i];
                    }
                    for i in 0..D {
                        for j in (i + 1)..D {
                            qx[j] += icf[k][D + i * (2 * D - i - 1) / 2 + j - i - 1] * xc[i];
                        }
                    }
                    let mut sq = 0.0;
                    for i in 0..D {
                        sq += qx[i] * qx[i];
                    }
                    main[k] = alphas[k] + sum_qs[k] - 0.5 * sq;
                }
                // log-sum-exp, shifted by a running maximum
                let mut mx = main[0];
                for k in 1..K {
                    if main[k] > mx {
                        mx = main[k];
                    }
                }
                let mut se = 0.0;
                for k in 0..K {
                    se += (main[k] - mx).exp();
                }
                slse += mx + se.ln();
            }

            let mut amax = alphas[0];
            for k in 1..K {
                if alphas[k] > amax {
                    amax = alphas[k];
                }
            }
            let mut ase = 0.0;
            for k in 0..K {
                ase += (alphas[k] - amax).exp();
            }
            let lse_alphas = amax + ase.ln();

            let mut prior = 0.0;
            for k in 0..K {
                let mut frobenius = 0.0;
                for i in 0..D {
                    frobenius += qdiags[k][i] * qdiags[k][i];
                }
                for i in D..L {
                    frobenius += icf[k][i] * icf[k][i];
                }
                prior += 0.5 * wishart_gamma * wishart_gamma * frobenius - wishart_m * sum_qs[k];
            }
            constant + slse - N as f32 * lse_alphas + prior
        }
    };
}

gmm_objective!(
    /// The GMM objective; `constant` is [`gmm_constant`] (it holds a log-gamma function, which
    /// the fixture script computes). The loop over the points adds into one scalar, so `_grad`
    /// reverses it in one pass: each point's reverse right after it, into gradients of the
    /// parameters scaled at the end; the stack does not grow with `N`.
    gmm_objective,
    wrt(alphas, means, icf),
    hvp
);

gmm_objective!(
    /// [`gmm_objective`] with `loops = store`: what each point's reverse needs is stored, one
    /// buffer entry per point.
    gmm_objective_store,
    wrt(alphas, means, icf),
    loops = store
);

gmm_objective!(
    /// [`gmm_objective`] with `loops = recompute`: the loop over the points is replayed point by
    /// point in the reverse sweep, so the gradient's stack does not grow with `N`.
    gmm_objective_recompute,
    wrt(alphas, means, icf),
    loops = recompute
);

/// The gradient of the GMM objective written by hand (the baseline of the benchmarks), adding
/// into `d_alphas`, `d_means`, `d_icf`; returns the value.
// index loops mirror the maths (and the generated code this is compared with)
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn gmm_grad_hand<const D: usize, const K: usize, const N: usize, const L: usize>(
    alphas: &[f32; K],
    d_alphas: &mut [f32; K],
    means: &[[f32; D]; K],
    d_means: &mut [[f32; D]; K],
    icf: &[[f32; L]; K],
    d_icf: &mut [[f32; L]; K],
    x: &[[f32; D]; N],
    wishart_gamma: f32,
    wishart_m: f32,
    constant: f32,
) -> f32 {
    let mut sum_qs = [0.0f32; K];
    let mut qdiags = [[0.0f32; D]; K];
    for k in 0..K {
        for i in 0..D {
            sum_qs[k] += icf[k][i];
            qdiags[k][i] = icf[k][i].exp();
        }
    }
    // adjoints of the derived quantities, folded into d_icf at the end
    let mut d_sum_qs = [0.0f32; K];
    let mut d_qdiags = [[0.0f32; D]; K];

    let amax = alphas.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let mut ea = [0.0f32; K];
    let mut ase = 0.0;
    for k in 0..K {
        ea[k] = (alphas[k] - amax).exp();
        ase += ea[k];
    }
    let lse_alphas = amax + ase.ln();
    // d(-N lse(alphas)) = -N softmax(alphas)
    for k in 0..K {
        d_alphas[k] -= N as f32 * ea[k] / ase;
    }

    let mut slse = 0.0;
    let mut xc = [[0.0f32; D]; K];
    let mut qx = [[0.0f32; D]; K];
    let mut main = [0.0f32; K];
    for p in 0..N {
        for k in 0..K {
            for i in 0..D {
                xc[k][i] = x[p][i] - means[k][i];
                qx[k][i] = qdiags[k][i] * xc[k][i];
            }
            let mut idx = D;
            for i in 0..D {
                for j in (i + 1)..D {
                    qx[k][j] += icf[k][idx] * xc[k][i];
                    idx += 1;
                }
            }
            let sq: f32 = qx[k].iter().map(|v| v * v).sum();
            main[k] = alphas[k] + sum_qs[k] - 0.5 * sq;
        }
        let mx = main.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let mut se = 0.0;
        for k in 0..K {
            main[k] = (main[k] - mx).exp();
            se += main[k];
        }
        slse += mx + se.ln() - lse_alphas;

        // d lse / d main_k = softmax_k; main_k = alpha_k + sum_qs_k - |qx_k|^2 / 2
        for k in 0..K {
            // A weight below the smallest normal number would make all of this component's
            // arithmetic subnormal, which Intel cores run about 100x slower; the generated
            // gradient flushes it the same way (`__private::flushed_product`).
            let w = if main[k] < f32::MIN_POSITIVE {
                0.0
            } else {
                main[k] / se
            };
            d_alphas[k] += w;
            d_sum_qs[k] += w;
            let mut d_xc = [0.0f32; D];
            let mut idx = D;
            for i in 0..D {
                let d_qx_i = -w * qx[k][i];
                d_qdiags[k][i] += d_qx_i * xc[k][i];
                d_xc[i] += d_qx_i * qdiags[k][i];
                for j in (i + 1)..D {
                    let d_qx_j = -w * qx[k][j];
                    d_icf[k][idx] += d_qx_j * xc[k][i];
                    d_xc[i] += d_qx_j * icf[k][idx];
                    idx += 1;
                }
            }
            for i in 0..D {
                d_means[k][i] -= d_xc[i];
            }
        }
    }

    let g2 = wishart_gamma * wishart_gamma;
    let mut prior = 0.0;
    for k in 0..K {
        let mut frobenius = 0.0;
        for i in 0..D {
            frobenius += qdiags[k][i] * qdiags[k][i];
            d_qdiags[k][i] += g2 * qdiags[k][i];
        }
        for i in D..L {
            frobenius += icf[k][i] * icf[k][i];
            d_icf[k][i] += g2 * icf[k][i];
        }
        prior += 0.5 * g2 * frobenius - wishart_m * sum_qs[k];
        d_sum_qs[k] -= wishart_m;
        // q = icf[k][i] enters through sum_qs and exp(q)
        for i in 0..D {
            d_icf[k][i] += d_sum_qs[k] + d_qdiags[k][i] * qdiags[k][i];
        }
    }
    constant + slse + prior
}
