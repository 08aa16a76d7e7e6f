//! Loop and array programs, written as a user would, against PyTorch (float32 autograd on the
//! same inputs: `scripts/loop_fixtures.py`) and against central finite differences.

mod gmm;
mod gmm_adbench;
mod mlp;
pub(crate) mod programs;

use backprop::Zero;
use programs::small::*;
use programs::*;

#[test]
fn matvec_squared() {
    let case = small_case("matvec_sq");
    let w: [[f32; 3]; 4] = tensor(&case["inputs"]["w"]);
    let x: [f32; 3] = tensor(&case["inputs"]["x"]);
    let (mut dw, mut dx) = (Zero::zero(), [0.0; 3]);
    let v = matvec_sq_grad(&w, &mut dw, &x, &mut dx);
    assert_torch(case, v, &[("w", dw.flat_ref()), ("x", &dx)]);
    assert_fd("d_w", dw.flat_ref(), &w, |w| matvec_sq(w, &x));
    assert_fd("d_x", &dx, &x, |x| matvec_sq(&w, x));
}

#[test]
fn matvec_tanh_summed() {
    let case = small_case("matvec_tanh_sum");
    let w: [[f32; 3]; 4] = tensor(&case["inputs"]["w"]);
    let x: [f32; 3] = tensor(&case["inputs"]["x"]);
    let (mut dw, mut dx) = (Zero::zero(), [0.0; 3]);
    let v = matvec_tanh_sum_grad(&w, &mut dw, &x, &mut dx);
    assert_torch(case, v, &[("w", dw.flat_ref()), ("x", &dx)]);
    assert_fd("d_w", dw.flat_ref(), &w, |w| matvec_tanh_sum(w, &x));
    assert_fd("d_x", &dx, &x, |x| matvec_tanh_sum(&w, x));
}

#[test]
fn shadows_accumulate_like_torch_grad() {
    // two calls without zeroing add up, as `.backward()` twice does in PyTorch
    let case = small_case("matvec_sq");
    let w: [[f32; 3]; 4] = tensor(&case["inputs"]["w"]);
    let x: [f32; 3] = tensor(&case["inputs"]["x"]);
    let (mut dw, mut dx) = (<[[f32; 3]; 4]>::zero(), [0.0; 3]);
    matvec_sq_grad(&w, &mut dw, &x, &mut dx);
    matvec_sq_grad(&w, &mut dw, &x, &mut dx);
    let twice: Vec<f32> = flat(&case["grads"]["x"]).iter().map(|g| 2.0 * g).collect();
    assert_close("2 d_x", &dx, &twice, 1e-4, 1e-5);
}

#[test]
fn horner_polynomial() {
    for (name, f, g) in [
        (
            "horner",
            horner as fn(&[f32; 6], f32) -> f32,
            horner_grad as fn(&[f32; 6], &mut [f32; 6], f32) -> (f32, f32),
        ),
        ("horner_rev", horner_rev, horner_rev_grad),
    ] {
        let case = small_case(name);
        let c: [f32; 6] = tensor(&case["inputs"]["c"]);
        let x = scalar(&case["inputs"]["x"]);
        let mut dc = [0.0; 6];
        let (v, dx) = g(&c, &mut dc, x);
        assert_torch(case, v, &[("c", &dc), ("x", &[dx])]);
        assert_fd("d_c", &dc, &c, |c| f(c, x));
        assert_fd("d_x", &[dx], &x, |&x| f(&c, x));
    }
}

#[test]
fn tanh_recurrence_eight_steps() {
    let case = small_case("tanh_rnn");
    let w = scalar(&case["inputs"]["w"]);
    let x: [f32; 8] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 8];
    let (v, dw) = tanh_rnn_grad(w, &x, &mut dx);
    assert_torch(case, v, &[("w", &[dw]), ("x", &dx)]);
    assert_fd("d_w", &[dw], &w, |&w| tanh_rnn(w, &x));
    assert_fd("d_x", &dx, &x, |x| tanh_rnn(w, x));
}

#[test]
fn running_max_with_if_and_piecewise_branches() {
    let case = small_case("branchy");
    let x: [f32; 6] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 6];
    let v = branchy_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, branchy);
}

#[test]
fn running_max_with_fmax_and_piecewise_branches() {
    let case = small_case("branchy");
    let x: [f32; 6] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 6];
    let v = branchy_fmax_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, branchy_fmax);
}

#[test]
fn branches_overwriting_outer_state() {
    let case = small_case("branch_state");
    let x: [f32; 6] = tensor(&case["inputs"]["x"]);
    let a0 = scalar(&case["inputs"]["a0"]);
    let mut dx = [0.0; 6];
    let (v, da0) = branch_state_grad(&x, &mut dx, a0);
    assert_torch(case, v, &[("x", &dx), ("a0", &[da0])]);
    assert_fd("d_x", &dx, &x, |x| branch_state(x, a0));
    assert_fd("d_a0", &[da0], &a0, |&a0| branch_state(&x, a0));
}

#[test]
fn nested_loops_matmul() {
    let case = small_case("nested_matmul_sq");
    let a: [[f32; 3]; 2] = tensor(&case["inputs"]["a"]);
    let b: [[f32; 4]; 3] = tensor(&case["inputs"]["b"]);
    let (mut da, mut db) = (<[[f32; 3]; 2]>::zero(), <[[f32; 4]; 3]>::zero());
    let v = nested_matmul_sq_grad(&a, &mut da, &b, &mut db);
    assert_torch(case, v, &[("a", da.flat_ref()), ("b", db.flat_ref())]);
    assert_fd("d_a", da.flat_ref(), &a, |a| nested_matmul_sq(a, &b));
    assert_fd("d_b", db.flat_ref(), &b, |b| nested_matmul_sq(&a, b));
}

#[test]
fn nested_loops_overwritten_state() {
    let case = small_case("nested_state");
    let a: [[f32; 4]; 3] = tensor(&case["inputs"]["a"]);
    let h0 = scalar(&case["inputs"]["h0"]);
    let mut da = <[[f32; 4]; 3]>::zero();
    let (v, dh0) = nested_state_grad(&a, &mut da, h0);
    assert_torch(case, v, &[("a", da.flat_ref()), ("h0", &[dh0])]);
    assert_fd("d_a", da.flat_ref(), &a, |a| nested_state(a, h0));
    assert_fd("d_h0", &[dh0], &h0, |&h0| nested_state(&a, h0));
}

#[test]
fn inclusive_range_with_offset_index() {
    let case = small_case("inclusive_chain");
    let x: [f32; 5] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 5];
    let v = inclusive_chain_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, inclusive_chain);
}

#[test]
fn local_array_written_then_read() {
    let case = small_case("two_pass");
    let x: [f32; 5] = tensor(&case["inputs"]["x"]);
    let y: [f32; 5] = tensor(&case["inputs"]["y"]);
    let (mut dx, mut dy) = ([0.0; 5], [0.0; 5]);
    let v = two_pass_grad(&x, &mut dx, &y, &mut dy);
    assert_torch(case, v, &[("x", &dx), ("y", &dy)]);
    assert_fd("d_x", &dx, &x, |x| two_pass(x, &y));
    assert_fd("d_y", &dy, &y, |y| two_pass(&x, y));
}

#[test]
fn local_array_reading_its_previous_element() {
    let case = small_case("cumprod_sum");
    let x: [f32; 5] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 5];
    let v = cumprod_sum_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, cumprod_sum);
}

#[test]
fn array_by_value_returns_its_gradient() {
    let case = small_case("by_value");
    let x: [f32; 4] = tensor(&case["inputs"]["x"]);
    let (v, dx) = by_value_grad(x);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, |x| by_value(*x));
}

#[test]
fn method_on_a_parameter_struct() {
    let case = small_case("quad_method");
    let q = Quad {
        a: tensor(&case["inputs"]["a"]),
        b: scalar(&case["inputs"]["b"]),
    };
    let x: [f32; 3] = tensor(&case["inputs"]["x"]);
    let (mut dq, mut dx) = (Quad::zero(), [0.0; 3]);
    let v = q.eval_grad(&mut dq, &x, &mut dx);
    assert_torch(case, v, &[("a", &dq.a), ("b", &[dq.b]), ("x", &dx)]);
    assert_fd("d_a", &dq.a, &q.a, |a| Quad { a: *a, ..q }.eval(&x));
    assert_fd("d_b", &[dq.b], &q.b, |&b| Quad { b, ..q }.eval(&x));
    assert_fd("d_x", &dx, &x, |x| q.eval(x));
}

#[test]
fn const_generic_size() {
    let case = small_case("sumsq5");
    let x5: [f32; 5] = tensor(&case["inputs"]["x"]);
    let mut dx5 = [0.0; 5];
    let v = mean_sq_grad(&x5, &mut dx5);
    assert_torch(case, v, &[("x", &dx5)]);
    assert_fd("d_x5", &dx5, &x5, mean_sq);
    // the same generic function at another size: d/dx mean(x^2) = 2x / N
    let x2 = [3.0, -1.5];
    let mut dx2 = [0.0; 2];
    assert_eq!(mean_sq_grad(&x2, &mut dx2), 5.625);
    assert_eq!(dx2, [3.0, -1.5]);
}

#[test]
fn vjp_scales_by_the_cotangent() {
    let case = small_case("tanh_rnn");
    let w = scalar(&case["inputs"]["w"]);
    let x: [f32; 8] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 8];
    let (_, dw) = tanh_rnn_vjp(w, &x, &mut dx, -2.5);
    let want: Vec<f32> = flat(&case["grads"]["x"]).iter().map(|g| -2.5 * g).collect();
    assert_close("d_x", &dx, &want, 1e-4, 1e-5);
    assert_close(
        "d_w",
        &[dw],
        &[-2.5 * scalar(&case["grads"]["w"])],
        1e-4,
        1e-5,
    );
}

/// `flat` for the nested arrays these tests use.
trait FlatRef {
    fn flat_ref(&self) -> &[f32];
}

impl<T: backprop::Tensor> FlatRef for T {
    fn flat_ref(&self) -> &[f32] {
        self.flat()
    }
}

#[test]
fn ring_buffer_elements_overwritten() {
    let case = small_case("ring_rnn");
    let w = scalar(&case["inputs"]["w"]);
    let x: [f32; 6] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 6];
    let (v, dw) = ring_rnn_grad(w, &x, &mut dx);
    assert_torch(case, v, &[("w", &[dw]), ("x", &dx)]);
    assert_fd("d_w", &[dw], &w, |&w| ring_rnn(w, &x));
    assert_fd("d_x", &dx, &x, |x| ring_rnn(w, x));
}

#[test]
fn if_without_else_writing_an_element() {
    let case = small_case("masked_square");
    let x: [f32; 5] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 5];
    let v = masked_square_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, masked_square);
}

#[test]
fn reversed_range_with_offset() {
    let case = small_case("rev_offset");
    let x: [f32; 5] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 5];
    let v = rev_offset_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, rev_offset);
}

#[test]
fn const_generic_pairs_loop() {
    let case = small_case("pair_energy");
    let x: [f32; 6] = tensor(&case["inputs"]["x"]);
    let mut dx = [0.0; 6];
    let v = pair_energy_grad(&x, &mut dx);
    assert_torch(case, v, &[("x", &dx)]);
    assert_fd("d_x", &dx, &x, pair_energy);
}

#[test]
fn loop_over_a_run_time_number_of_points() {
    let case = small_case("runtime_points");
    let w: [f32; 3] = tensor(&case["inputs"]["w"]);
    let x: [[f32; 3]; 6] = tensor(&case["inputs"]["x"]);
    let (mut dw, mut dx) = ([0.0; 3], <[[f32; 3]; 6]>::zero());
    let v = runtime_points_grad(&w, &mut dw, &x, &mut dx, 4);
    assert_torch(case, v, &[("w", &dw), ("x", dx.flat_ref())]);
    assert_fd("d_w", &dw, &w, |w| runtime_points(w, &x, 4));
    assert_fd("d_x", dx.flat_ref(), &x, |x| runtime_points(&w, x, 4));
}
