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

/// Defines a hand-written gradient `$name` of the GMM objective that reverses the points `$w`
/// at a time, their forward in lanes too if `$forward_in_lanes` ([`points_in_lanes`]), adding
/// into `d_alphas`, `d_means`, `d_icf`; it returns the value.
macro_rules! hand_gradient {
    ($(#[$doc:meta])* $name:ident, $w:literal, $forward_in_lanes:literal) => {
        $(#[$doc])*
        #[allow(clippy::too_many_arguments)]
        pub fn $name<const D: usize, const K: usize, const N: usize, const L: usize>(
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
            let params = Params { alphas, means, icf };
            let grads = Grads {
                alphas: d_alphas,
                means: d_means,
                icf: d_icf,
            };
            let points = points_in_lanes::<$w, $forward_in_lanes, D, K, L>;
            by_hand(params, grads, x, wishart_gamma, wishart_m, constant, points)
        }
    };
}

hand_gradient!(
    /// The gradient written by hand, the baseline of the benchmarks: one point at a time, each
    /// point's reverse right after its forward, as the generated one-pass gradient does.
    gmm_grad_hand,
    1,
    false
);

hand_gradient!(
    /// [`gmm_grad_hand`] with the points' reverse four at a time: each point's forward is
    /// scalar (it calls `expf` and `logf`), then the four points' reverse runs in lanes,
    /// `[f32; 4]` for every value, adding into accumulators of four lanes summed at the end.
    /// LLVM turns each lane operation into one vector instruction: at d = 2 the gradient takes
    /// 16% less time than one point at a time (docs/benchmarks-gmm.md, "Four points at a
    /// time").
    gmm_grad_hand_lanes,
    4,
    false
);

hand_gradient!(
    /// [`gmm_grad_hand_lanes`] with each block's forward in lanes as well: four points'
    /// arithmetic in each vector instruction, except `expf` and `logf`, called lane by lane.
    /// What a macro that ran the whole iteration in lanes would generate.
    gmm_grad_hand_lanes_forward,
    4,
    true
);

struct Params<'a, const D: usize, const K: usize, const L: usize> {
    alphas: &'a [f32; K],
    means: &'a [[f32; D]; K],
    icf: &'a [[f32; L]; K],
}

struct Grads<'a, const D: usize, const K: usize, const L: usize> {
    alphas: &'a mut [f32; K],
    means: &'a mut [[f32; D]; K],
    icf: &'a mut [[f32; L]; K],
}

/// What the loop over the points reads besides the points, and the adjoints it adds into.
struct PointLoop<'a, const D: usize, const K: usize, const L: usize> {
    params: Params<'a, D, K, L>,
    grads: Grads<'a, D, K, L>,
    sum_qs: [f32; K],
    qdiags: [[f32; D]; K],
    lse_alphas: f32,
    /// Adjoints of `sum_qs` and `qdiags`, folded into `grads.icf` at the end.
    d_sum_qs: [f32; K],
    d_qdiags: [[f32; D]; K],
}

/// The hand-written gradient around its loop over the points, `points`.
fn by_hand<'a, const D: usize, const K: usize, const L: usize>(
    params: Params<'a, D, K, L>,
    grads: Grads<'a, D, K, L>,
    x: &[[f32; D]],
    wishart_gamma: f32,
    wishart_m: f32,
    constant: f32,
    points: fn(&mut PointLoop<'a, D, K, L>, &[[f32; D]]) -> f32,
) -> f32 {
    let (alphas, icf) = (params.alphas, params.icf);
    let mut sum_qs = [0.0f32; K];
    let mut qdiags = [[0.0f32; D]; K];
    for k in 0..K {
        for i in 0..D {
            sum_qs[k] += icf[k][i];
            qdiags[k][i] = icf[k][i].exp();
        }
    }
    let amax = alphas.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let mut ea = [0.0f32; K];
    let mut ase = 0.0;
    for k in 0..K {
        ea[k] = (alphas[k] - amax).exp();
        ase += ea[k];
    }
    // d(-N lse(alphas)) = -N softmax(alphas)
    for k in 0..K {
        grads.alphas[k] -= x.len() as f32 * ea[k] / ase;
    }
    let mut s = PointLoop {
        params,
        grads,
        sum_qs,
        qdiags,
        lse_alphas: amax + ase.ln(),
        d_sum_qs: [0.0; K],
        d_qdiags: [[0.0; D]; K],
    };
    let slse = points(&mut s, x);

    let g2 = wishart_gamma * wishart_gamma;
    let mut prior = 0.0;
    for k in 0..K {
        let mut frobenius = 0.0;
        for i in 0..D {
            frobenius += s.qdiags[k][i] * s.qdiags[k][i];
            s.d_qdiags[k][i] += g2 * s.qdiags[k][i];
        }
        for i in D..L {
            frobenius += icf[k][i] * icf[k][i];
            s.grads.icf[k][i] += g2 * icf[k][i];
        }
        prior += 0.5 * g2 * frobenius - wishart_m * s.sum_qs[k];
        s.d_sum_qs[k] -= wishart_m;
        // q = icf[k][i] enters through sum_qs and exp(q)
        for i in 0..D {
            s.grads.icf[k][i] += s.d_sum_qs[k] + s.d_qdiags[k][i] * s.qdiags[k][i];
        }
    }
    constant + slse + prior
}

/// `[f(0), .., f(W - 1)]`: one lane operation.
#[inline(always)]
fn lanes<const W: usize>(f: impl FnMut(usize) -> f32) -> [f32; W] {
    core::array::from_fn(f)
}

/// The adjoints the points add into, `W` lanes each, summed into the gradient at the end.
struct LaneSums<const D: usize, const K: usize, const L: usize, const W: usize> {
    /// Of `alphas[k]` and `sum_qs[k]` alike: both enter `main[k]` with weight one.
    weights: [[f32; W]; K],
    qdiags: [[[f32; W]; D]; K],
    /// Of the strictly-lower entries, `icf[k][D..]`.
    lower: [[[f32; W]; L]; K],
    means: [[[f32; W]; D]; K],
}

/// A block's forward with its `W` points in lanes, into `xc`, `qx` and `weight` (what the
/// block's reverse reads), adding their log-likelihoods to `slse`: lane by lane the arithmetic
/// of one point's forward in [`points_in_lanes`] (`expf` and `logf` still one lane at a time).
#[inline(always)]
fn forward_in_lanes<const W: usize, const D: usize, const K: usize, const L: usize>(
    s: &PointLoop<'_, D, K, L>,
    block: &[[f32; D]],
    [xc, qx]: [&mut [[[f32; W]; D]; K]; 2],
    weight: &mut [[f32; W]; K],
    slse: &mut f32,
) {
    let (alphas, means, icf) = (s.params.alphas, s.params.means, s.params.icf);
    let mut main = [[0.0f32; W]; K];
    for k in 0..K {
        let (xc, qx) = (&mut xc[k], &mut qx[k]);
        for i in 0..D {
            xc[i] = lanes(|l| block[l][i] - means[k][i]);
            qx[i] = lanes(|l| s.qdiags[k][i] * xc[i][l]);
        }
        let mut idx = D;
        for i in 0..D {
            for j in (i + 1)..D {
                qx[j] = lanes(|l| qx[j][l] + icf[k][idx] * xc[i][l]);
                idx += 1;
            }
        }
        let mut sq = [0.0f32; W];
        for qxi in qx.iter() {
            sq = lanes(|l| sq[l] + qxi[l] * qxi[l]);
        }
        main[k] = lanes(|l| alphas[k] + s.sum_qs[k] - 0.5 * sq[l]);
    }
    let mut mx = [f32::NEG_INFINITY; W];
    for main_k in &main {
        mx = lanes(|l| mx[l].max(main_k[l]));
    }
    let mut se = [0.0f32; W];
    for main_k in &mut main {
        *main_k = lanes(|l| (main_k[l] - mx[l]).exp());
        se = lanes(|l| se[l] + main_k[l]);
    }
    for l in 0..W {
        *slse += mx[l] + se[l].ln() - s.lse_alphas;
    }
    let inv_se: [f32; W] = lanes(|l| 1.0 / se[l]);
    for k in 0..K {
        weight[k] = lanes(|l| flushed_weight(main[k][l], inv_se[l]));
    }
}

/// `e * inv_se`, or zero where the weight `e` is below the smallest normal number: it would
/// make all of this component's arithmetic subnormal, which Intel cores run about 100x
/// slower; the generated gradient flushes it the same way (`__private::flushed_product`).
#[inline(always)]
fn flushed_weight(e: f32, inv_se: f32) -> f32 {
    if e < f32::MIN_POSITIVE {
        0.0
    } else {
        e * inv_se
    }
}

/// The points `W` at a time, the last `len % W` one at a time; returns their log-likelihoods'
/// sum. Each block's forward is one point at a time, or with `FORWARD_IN_LANES` in lanes like
/// its reverse.
fn points_in_lanes<
    const W: usize,
    const FORWARD_IN_LANES: bool,
    const D: usize,
    const K: usize,
    const L: usize,
>(
    s: &mut PointLoop<'_, D, K, L>,
    x: &[[f32; D]],
) -> f32 {
    let (alphas, means, icf) = (s.params.alphas, s.params.means, s.params.icf);
    let mut sums = LaneSums::<D, K, L, W> {
        weights: [[0.0; W]; K],
        qdiags: [[[0.0; W]; D]; K],
        lower: [[[0.0; W]; L]; K],
        means: [[[0.0; W]; D]; K],
    };
    let mut slse = 0.0;
    let mut blocks = x.chunks_exact(W);
    for block in &mut blocks {
        // the forward of each point, into lane `l` of what the reverse reads
        let mut xc = [[[0.0f32; W]; D]; K];
        let mut qx = [[[0.0f32; W]; D]; K];
        let mut weight = [[0.0f32; W]; K];
        if FORWARD_IN_LANES {
            forward_in_lanes(s, block, [&mut xc, &mut qx], &mut weight, &mut slse);
        } else {
            for (l, xp) in block.iter().enumerate() {
                let mut main = [0.0f32; K];
                for k in 0..K {
                    let mut xck = [0.0f32; D];
                    let mut qxk = [0.0f32; D];
                    for i in 0..D {
                        xck[i] = xp[i] - means[k][i];
                        qxk[i] = s.qdiags[k][i] * xck[i];
                    }
                    let mut idx = D;
                    for i in 0..D {
                        for j in (i + 1)..D {
                            qxk[j] += icf[k][idx] * xck[i];
                            idx += 1;
                        }
                    }
                    let sq: f32 = qxk.iter().map(|v| v * v).sum();
                    main[k] = alphas[k] + s.sum_qs[k] - 0.5 * sq;
                    for i in 0..D {
                        xc[k][i][l] = xck[i];
                        qx[k][i][l] = qxk[i];
                    }
                }
                let mx = main.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                let mut se = 0.0;
                for k in 0..K {
                    main[k] = (main[k] - mx).exp();
                    se += main[k];
                }
                slse += mx + se.ln() - s.lse_alphas;
                let inv_se = 1.0 / se;
                // d lse / d main_k = softmax_k; main_k = alpha_k + sum_qs_k - |qx_k|^2 / 2
                for k in 0..K {
                    weight[k][l] = flushed_weight(main[k], inv_se);
                }
            }
        }
        // the reverse of the block, lane by lane
        for k in 0..K {
            let w = weight[k];
            sums.weights[k] = lanes(|l| sums.weights[k][l] + w[l]);
            let mut d_qx = [[0.0f32; W]; D];
            for i in 0..D {
                d_qx[i] = lanes(|l| -w[l] * qx[k][i][l]);
                sums.qdiags[k][i] = lanes(|l| sums.qdiags[k][i][l] + d_qx[i][l] * xc[k][i][l]);
            }
            let mut idx = D;
            for i in 0..D {
                // d xc = Q^T d qx
                let mut d_xc = lanes::<W>(|l| s.qdiags[k][i] * d_qx[i][l]);
                for j in (i + 1)..D {
                    sums.lower[k][idx] =
                        lanes(|l| sums.lower[k][idx][l] + d_qx[j][l] * xc[k][i][l]);
                    d_xc = lanes(|l| d_xc[l] + icf[k][idx] * d_qx[j][l]);
                    idx += 1;
                }
                sums.means[k][i] = lanes(|l| sums.means[k][i][l] - d_xc[l]);
            }
        }
    }
    let total = |v: &[f32; W]| v.iter().sum::<f32>();
    for k in 0..K {
        s.grads.alphas[k] += total(&sums.weights[k]);
        s.d_sum_qs[k] += total(&sums.weights[k]);
        for i in 0..D {
            s.d_qdiags[k][i] += total(&sums.qdiags[k][i]);
            s.grads.means[k][i] += total(&sums.means[k][i]);
        }
        for i in D..L {
            s.grads.icf[k][i] += total(&sums.lower[k][i]);
        }
    }
    let rest = blocks.remainder();
    if rest.is_empty() {
        slse
    } else {
        slse + points_in_lanes::<1, false, D, K, L>(s, rest)
    }
}
