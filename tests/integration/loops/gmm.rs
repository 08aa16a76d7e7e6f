//! ADBench's GMM objective (d = 2 and d = 10, K = 5, n = 4) against PyTorch, finite differences,
//! and a hand-written gradient.

use super::programs::gmm::*;
use super::programs::*;
use backprop::Tensor;

/// The objective is large (hundreds at d = 10): compare relative to its scale.
#[track_caller]
fn assert_gmm_torch(name: &str, value: f32, grads: [(&str, &[f32]); 3]) {
    let case = &fixtures()[name];
    let want = scalar(&case["value"]);
    assert_close("value", &[value], &[want], 2e-5, 1e-4);
    for (g, got) in grads {
        assert_close(&format!("d_{g}"), got, &flat(&case["grads"][g]), 2e-4, 2e-4);
    }
}

/// A GMM gradient, generated or by hand, at K = 5.
type Grad<const D: usize, const N: usize, const L: usize> = fn(
    &[f32; 5],
    &mut [f32; 5],
    &[[f32; D]; 5],
    &mut [[f32; D]; 5],
    &[[f32; L]; 5],
    &mut [[f32; L]; 5],
    &[[f32; D]; N],
    f32,
    f32,
    f32,
) -> f32;

macro_rules! gmm_tests {
    ($module:ident, $name:literal, $d:literal, $l:literal) => {
        mod $module {
            use super::*;

            type Inputs = GmmInputs<$d, 5, 4, $l>;

            /// `grad` at the fixture's parameters and the points `x`, from zero gradients.
            fn run<const N: usize>(
                grad: Grad<$d, N, $l>,
                p: &Inputs,
                x: &[[f32; $d]; N],
            ) -> (f32, [f32; 5], [[f32; $d]; 5], [[f32; $l]; 5]) {
                let (mut da, mut dm, mut di) = ([0.0; 5], [[0.0; $d]; 5], [[0.0; $l]; 5]);
                let v = grad(
                    &p.alphas, &mut da, &p.means, &mut dm, &p.icf, &mut di, x, p.gamma, p.m,
                    p.constant,
                );
                (v, da, dm, di)
            }

            #[test]
            fn matches_pytorch() {
                let p: Inputs = gmm_inputs($name);
                let (v, da, dm, di) = run(gmm_objective_grad, &p, &p.x);
                assert_eq!(
                    v,
                    gmm_objective(&p.alphas, &p.means, &p.icf, &p.x, p.gamma, p.m, p.constant)
                );
                assert_gmm_torch(
                    $name,
                    v,
                    [("alphas", &da), ("means", dm.flat()), ("icf", di.flat())],
                );
            }

            #[test]
            fn matches_finite_differences() {
                let p: Inputs = gmm_inputs($name);
                let (_, da, dm, di) = run(gmm_objective_grad, &p, &p.x);
                let f = |a: &[f32; 5], m: &[[f32; $d]; 5], i: &[[f32; $l]; 5]| {
                    gmm_objective(a, m, i, &p.x, p.gamma, p.m, p.constant)
                };
                assert_fd("d_alphas", &da, &p.alphas, |a| f(a, &p.means, &p.icf));
                assert_fd("d_means", dm.flat(), &p.means, |m| f(&p.alphas, m, &p.icf));
                assert_fd("d_icf", di.flat(), &p.icf, |i| f(&p.alphas, &p.means, i));
            }

            #[test]
            fn hand_written_gradients_match_pytorch() {
                let p: Inputs = gmm_inputs($name);
                for hand in [
                    gmm_grad_hand,
                    gmm_grad_hand_lanes,
                    gmm_grad_hand_lanes_forward,
                ] {
                    let (v, da, dm, di) = run(hand, &p, &p.x);
                    assert_gmm_torch(
                        $name,
                        v,
                        [("alphas", &da), ("means", dm.flat()), ("icf", di.flat())],
                    );
                }
            }

            /// Seven points: one block of four in lanes, three one at a time after it.
            #[test]
            fn four_points_at_a_time_with_a_remainder_match_the_generated_gradient() {
                let p: Inputs = gmm_inputs($name);
                let x: [[f32; $d]; 7] = core::array::from_fn(|i| p.x[i % 4]);
                let grads = |grad: Grad<$d, 7, $l>| {
                    let (v, da, dm, di) = run(grad, &p, &x);
                    (v, [da.to_vec(), dm.flat().to_vec(), di.flat().to_vec()])
                };
                let (want_v, want) = grads(gmm_objective_grad);
                for hand in [gmm_grad_hand_lanes, gmm_grad_hand_lanes_forward] {
                    let (v, got) = grads(hand);
                    assert_close("value", &[v], &[want_v], 1e-5, 1e-4);
                    for ((name, got), want) in
                        ["d_alphas", "d_means", "d_icf"].iter().zip(&got).zip(&want)
                    {
                        assert_close(name, got, want, 1e-4, 1e-4);
                    }
                }
            }
        }
    };
}

gmm_tests!(d2, "gmm_d2", 2, 3);
gmm_tests!(d10, "gmm_d10", 10, 55);
