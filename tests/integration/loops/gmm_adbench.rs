//! ADBench's GMM at its own sizes (K = 5, n = 1,000 and 10,000) on ADBench's input files, against
//! PyTorch in float64 (`scripts/gmm_adbench_fixtures.py`); the finite-difference checks of the
//! same objective are in `gmm.rs` (n = 4, where float32 differences are accurate).

use super::programs::adbench::{adbench_gmm, AdbenchGmm};
use super::programs::gmm::*;
use super::programs::{assert_close, flat, scalar};
use backprop::Tensor;
use serde_json::Value;
use std::sync::OnceLock;

fn fixtures() -> &'static Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        serde_json::from_str(include_str!("../../fixtures/gmm_adbench.json"))
            .expect("valid fixture JSON")
    })
}

/// Which gradient: generated, by how it reverses the loop over the points, or by hand.
#[derive(Clone, Copy)]
enum Gradient {
    /// `gmm_objective`: the default, reversed in one pass.
    OnePass,
    /// `gmm_objective_store`: `loops = store`, one buffer entry per point.
    Stored,
    /// `gmm_objective_recompute`: `loops = recompute`, replayed point by point.
    Recomputed,
    /// `gmm_grad_hand`, the benchmarks' baseline.
    ByHand,
    /// `gmm_grad_hand_lanes`, the points' reverse four at a time.
    ByHandInLanes,
    /// `gmm_grad_hand_lanes_forward`, their forward four at a time too.
    ByHandInLanesForward,
}

/// The generated value and gradient of an instance, against the fixture `file`. A float32 sum
/// of `N` terms of size about one is a few `N` ulps off: the tolerances scale with `N`.
fn check<const D: usize, const N: usize, const L: usize>(
    p: &AdbenchGmm<D, N, L>,
    file: &str,
    gradient: Gradient,
) {
    let case = &fixtures()[file];
    let (mut da, mut dm, mut di) = ([0.0; 5], [[0.0; D]; 5], [[0.0; L]; 5]);
    let AdbenchGmm {
        alphas,
        means,
        icf,
        x,
        gamma,
        m,
        constant,
    } = p;
    let grad = match gradient {
        Gradient::OnePass => gmm_objective_grad::<D, 5, N, L>,
        Gradient::Stored => gmm_objective_store_grad::<D, 5, N, L>,
        Gradient::Recomputed => gmm_objective_recompute_grad::<D, 5, N, L>,
        Gradient::ByHand => gmm_grad_hand::<D, 5, N, L>,
        Gradient::ByHandInLanes => gmm_grad_hand_lanes::<D, 5, N, L>,
        Gradient::ByHandInLanesForward => gmm_grad_hand_lanes_forward::<D, 5, N, L>,
    };
    let v = grad(
        alphas, &mut da, means, &mut dm, icf, &mut di, x, *gamma, *m, *constant,
    );
    if !matches!(
        gradient,
        Gradient::ByHand | Gradient::ByHandInLanes | Gradient::ByHandInLanesForward
    ) {
        // the generated gradient's value is the objective's, to the bit
        assert_eq!(
            v,
            gmm_objective(alphas, means, icf, x, *gamma, *m, *constant)
        );
    }
    assert_close("value", &[v], &[scalar(&case["value"])], 1e-5, 0.0);
    let atol = 2e-6 * N as f32;
    for (name, got) in [
        ("alphas", &da[..]),
        ("means", dm.flat()),
        ("icf", di.flat()),
    ] {
        let want = flat(&case["grads"][name]);
        assert_close(&format!("d_{name}"), got, &want, 1e-4, atol);
    }
}

/// Runs `f` on a thread with a stack of `bytes`.
fn on_stack(bytes: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the test thread");
}

/// Storing every point takes stack in proportion to `N` (at d = 10 more than the 2 MiB of a
/// test thread in a debug build): those checks get 64 MiB.
const ROOMY: usize = 64 << 20;

#[test]
fn n1000_d2_matches_pytorch() {
    on_stack(ROOMY, || {
        let p = adbench_gmm::<2, 1000, 3>("1k_gmm_d2_K5.txt");
        check(&p, "1k_gmm_d2_K5", Gradient::OnePass);
        check(&p, "1k_gmm_d2_K5", Gradient::Stored);
        check(&p, "1k_gmm_d2_K5", Gradient::Recomputed);
        check(&p, "1k_gmm_d2_K5", Gradient::ByHand);
        check(&p, "1k_gmm_d2_K5", Gradient::ByHandInLanes);
        check(&p, "1k_gmm_d2_K5", Gradient::ByHandInLanesForward);
    });
}

#[test]
fn n1000_d10_matches_pytorch() {
    on_stack(ROOMY, || {
        let p = adbench_gmm::<10, 1000, 55>("1k_gmm_d10_K5.txt");
        check(&p, "1k_gmm_d10_K5", Gradient::OnePass);
        check(&p, "1k_gmm_d10_K5", Gradient::Stored);
        check(&p, "1k_gmm_d10_K5", Gradient::Recomputed);
        check(&p, "1k_gmm_d10_K5", Gradient::ByHand);
        check(&p, "1k_gmm_d10_K5", Gradient::ByHandInLanes);
        check(&p, "1k_gmm_d10_K5", Gradient::ByHandInLanesForward);
    });
}

/// Reversed in one pass (the default) or replayed point by point, the gradient at n = 10,000
/// (d = 10) fits a thread with a 2 MiB stack, in debug builds too.
#[test]
fn n10000_d10_on_a_2_mib_stack() {
    on_stack(2 << 20, || {
        let p = adbench_gmm::<10, 10000, 55>("10k_gmm_d10_K5.txt");
        check(&p, "10k_gmm_d10_K5", Gradient::OnePass);
        check(&p, "10k_gmm_d10_K5", Gradient::Recomputed);
    });
}
