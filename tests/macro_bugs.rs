//! Minimal reproducers of macro bugs found while writing the loop tests. Each is ignored until
//! the macro is fixed; run them with `cargo test --test macro_bugs -- --ignored`. The expected
//! numbers are worked out by hand.

use backprop::differentiable;

/// `m` ends as the largest element, so d m / d x is one-hot at the argmax.
#[differentiable]
fn running_max(x: &[f32; 3]) -> f32 {
    let mut m = x[0];
    for i in 1..3 {
        if x[i] > m {
            m = x[i];
        }
    }
    m
}

#[test]
#[ignore = "macro bug: `if` in a loop records one branch decision for all iterations, so the reverse sweep restores the wrong values"]
fn branch_decisions_inside_loops() {
    let mut dx = [0.0; 3];
    assert_eq!(running_max_grad(&[1.0, 3.0, 2.0], &mut dx), 3.0);
    // The generated sweep gives [1, 0, 0]. `took_branch` is one `bool` overwritten by every
    // iteration (it needs one entry per iteration, like the saved values), so the restore of
    // `m` is skipped when the last iteration did not branch; the reverse body then re-evaluates
    // `x[i] > m` against the unrestored `m` (3 > 3 is false) instead of replaying the recorded
    // decision, and the adjoint of `m` flows to `x[0]`.
    assert_eq!(dx, [0.0, 1.0, 0.0]);
}
