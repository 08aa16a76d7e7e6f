//! ADBench's GMM inputs (`data/adbench-gmm/`, format in its `README.md`), for the GMM at the
//! benchmark's own sizes (K = 5, n = 1,000 and 10,000).

use super::gmm::gmm_constant;
use std::path::PathBuf;

/// One ADBench GMM instance; the points are on the heap (n = 10,000 at d = 10 is 400 KB).
pub struct AdbenchGmm<const D: usize, const N: usize, const L: usize> {
    pub alphas: [f32; 5],
    pub means: [[f32; D]; 5],
    pub icf: [[f32; L]; 5],
    pub x: Box<[[f32; D]; N]>,
    pub gamma: f32,
    pub m: f32,
    /// [`gmm_constant`] for this instance.
    pub constant: f32,
}

/// `ln Gamma(a)` for `a` a positive multiple of 1/2, exactly by `Gamma(a + 1) = a Gamma(a)`
/// down to `Gamma(1) = 1` or `Gamma(1/2) = sqrt(pi)`.
fn ln_gamma_half_integer(a: f64) -> f64 {
    let mut a = a;
    let mut acc = 0.0;
    while a > 1.0 {
        a -= 1.0;
        acc += a.ln();
    }
    if a == 0.5 {
        acc + 0.5 * core::f64::consts::PI.ln()
    } else {
        acc
    }
}

/// `ln Gamma_p(a)`, the multivariate log-gamma function, for `2a` an integer.
pub fn multigammaln(a: f64, p: usize) -> f64 {
    let p = p as f64;
    let mut sum = p * (p - 1.0) / 4.0 * core::f64::consts::PI.ln();
    let mut j = 1.0;
    while j <= p {
        sum += ln_gamma_half_integer(a + (1.0 - j) / 2.0);
        j += 1.0;
    }
    sum
}

/// The instance in `data/adbench-gmm/{file}`, checking its sizes against `D`, `N`, `L`.
pub fn adbench_gmm<const D: usize, const N: usize, const L: usize>(
    file: &str,
) -> AdbenchGmm<D, N, L> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/adbench-gmm")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut numbers = text.split_whitespace().map(|t| {
        t.parse::<f64>()
            .unwrap_or_else(|e| panic!("{file}: `{t}`: {e}"))
    });
    let mut next = || {
        numbers
            .next()
            .unwrap_or_else(|| panic!("{file}: too short"))
    };
    let (d, k, n) = (next() as usize, next() as usize, next() as usize);
    assert_eq!((d, k, n, L), (D, 5, N, D * (D + 1) / 2), "{file}: sizes");
    let mut alphas = [0.0; 5];
    let mut means = [[0.0; D]; 5];
    let mut icf = [[0.0; L]; 5];
    let mut x: Box<[[f32; D]; N]> = vec![[0.0; D]; N]
        .into_boxed_slice()
        .try_into()
        .expect("N rows");
    let rows = alphas
        .iter_mut()
        .chain(means.iter_mut().flatten())
        .chain(icf.iter_mut().flatten())
        .chain(x.iter_mut().flatten());
    for v in rows {
        *v = next() as f32;
    }
    let (gamma, m) = (next() as f32, next() as f32);
    let nw = D as f64 + f64::from(m) + 1.0;
    AdbenchGmm {
        alphas,
        means,
        icf,
        x,
        gamma,
        m,
        constant: gmm_constant(D, 5, N, gamma, m, multigammaln(0.5 * nw, D) as f32),
    }
}
