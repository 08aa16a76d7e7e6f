//! Generated gradients allocate nothing: this test binary's global allocator counts the
//! allocations made on the current thread, and every `_grad` of the loop tests runs under it,
//! as do forward mode (`_jvp`, through calls, methods, the runtime's primitives and layers) and
//! `_hvp`. Functions with `max_iters` (stack buffers of the stated bound) and over slices of
//! stack data allocate nothing either.

#[path = "integration/loops/programs/mod.rs"]
mod loop_common;
// The plain functions are called by the integration tests only.
#[allow(dead_code)]
#[path = "integration/runtime_length/programs.rs"]
mod runtime_length;

use backprop::nn::Linear;
use backprop::Zero;
use loop_common::gmm::*;
use loop_common::mlp::*;
use loop_common::small::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

struct Counting;

thread_local! {
    // per thread, so the test harness's own threads do not disturb the count
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to `System`; the counter neither allocates nor panics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    // the check below could fail: a Vec is counted
    assert!(allocations(|| drop(black_box(vec![1.0f32; 16]))) >= 1);
}

#[test]
fn small_loop_gradients_allocate_nothing() {
    let w = black_box([
        [0.3f32, -0.2, 0.5],
        [0.1, 0.4, -0.6],
        [0.7, 0.2, 0.1],
        [-0.3, 0.9, 0.2],
    ]);
    let x3 = black_box([0.5f32, -1.0, 0.25]);
    let x5 = black_box([0.3f32, -1.1, 0.7, 1.9, -0.5]);
    let x6 = black_box([0.9f32, -1.7, 0.3, 2.2, -0.4, 1.3]);
    let x8 = black_box([0.5f32, -0.3, 0.8, 0.1, -0.6, 0.4, 0.2, -0.1]);
    let a23 = black_box([[0.1f32, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    let b34 = black_box([[0.1f32; 4]; 3]);
    let a34 = black_box([
        [0.2f32, -0.4, 0.6, 0.1],
        [0.3, 0.5, -0.2, 0.7],
        [0.9, -0.1, 0.4, 0.2],
    ]);
    let n = allocations(|| {
        let (mut dw, mut dx3) = (<[[f32; 3]; 4]>::zero(), [0.0f32; 3]);
        black_box(matvec_sq_grad(&w, &mut dw, &x3, &mut dx3));
        black_box(matvec_tanh_sum_grad(&w, &mut dw, &x3, &mut dx3));
        let mut d6 = [0.0f32; 6];
        black_box(horner_grad(&x6, &mut d6, 0.8));
        black_box(horner_rev_grad(&x6, &mut d6, 0.8));
        black_box(branchy_grad(&x6, &mut d6));
        black_box(branchy_fmax_grad(&x6, &mut d6));
        black_box(branch_state_grad(&x6, &mut d6, 0.3));
        let mut d8 = [0.0f32; 8];
        black_box(tanh_rnn_grad(0.9, &x8, &mut d8));
        black_box(tanh_rnn_vjp(0.9, &x8, &mut d8, 1.0));
        let (mut da, mut db) = (<[[f32; 3]; 2]>::zero(), <[[f32; 4]; 3]>::zero());
        black_box(nested_matmul_sq_grad(&a23, &mut da, &b34, &mut db));
        let mut d34 = <[[f32; 4]; 3]>::zero();
        black_box(nested_state_grad(&a34, &mut d34, 0.4));
        let (mut d5, mut e5) = ([0.0f32; 5], [0.0f32; 5]);
        black_box(inclusive_chain_grad(&x5, &mut d5));
        black_box(two_pass_grad(&x5, &mut d5, &x5, &mut e5));
        black_box(cumprod_sum_grad(&x5, &mut d5));
        black_box(mean_sq_grad(&x5, &mut d5));
        let q = black_box(Quad {
            a: [0.5, -1.0, 2.0],
            b: 0.7,
        });
        let mut dq = Quad::zero();
        black_box(q.eval_grad(&mut dq, &x3, &mut dx3));
        black_box(by_value_grad([0.4, -1.2, 0.8, 1.5]));
        black_box(ring_rnn_grad(0.7, &x6, &mut d6));
        black_box(masked_square_grad(&x5, &mut d5));
        black_box(rev_offset_grad(&x5, &mut d5));
        black_box(pair_energy_grad(&x6, &mut d6));
    });
    assert_eq!(n, 0, "the small loop gradients allocated {n} times");
}

#[test]
fn mlp_gradients_allocate_nothing() {
    let layer = |s: f32| Linear {
        weight: [
            [0.1 * s, -0.2, 0.3],
            [0.4, 0.5 * s, -0.6],
            [0.7, -0.8, 0.9 * s],
        ],
        bias: [0.1, -0.1, 0.2],
    };
    let l1 = layer(1.0);
    let m = black_box(Model0 {
        l1,
        l2: Linear {
            weight: [l1.weight[0], l1.weight[1]],
            bias: [0.1, 0.2],
        },
        l3: Linear {
            weight: [[0.3, -0.1], [0.2, 0.5], [-0.4, 0.6]],
            bias: [0.0, 0.1, -0.1],
        },
    });
    let x = black_box([[1.0f32, 2.0, 1.5], [3.0, 4.0, 2.3], [5.0, 6.0, 1.2]]);
    let targets = black_box([0usize, 2, 1]);
    let w1 = black_box([[0.1f32, 0.3, 0.5], [0.2, 0.4, 0.6]]);
    let w2 = black_box([[0.2f32, 0.4], [0.3, 0.1]]);
    let n = allocations(|| {
        let mut g = Model0::zero();
        black_box(model0_loss_grad(&m, &mut g, &x, &targets));
        black_box(model0_loss_fmax_grad(&m, &mut g, &x, &targets));
        let mut dx = [[0.0f32; 3]; 3];
        black_box(model0_loss_fmax_vjp(&m, &mut g, &x, &mut dx, &targets, 1.0));
        let (mut dw1, mut db1, mut dw2, mut db2) = (Zero::zero(), [0.0; 2], Zero::zero(), [0.0; 2]);
        black_box(sigmoid_mlp_grad(
            &w1,
            &mut dw1,
            &[0.1, 0.2],
            &mut db1,
            &w2,
            &mut dw2,
            &[0.0; 2],
            &mut db2,
            &[0.2, 0.1, 0.3],
            &[0.7, 0.3],
        ));
    });
    assert_eq!(n, 0, "the MLP gradients allocated {n} times");
}

#[test]
fn gmm_gradients_allocate_nothing() {
    let alphas = black_box([0.1f32, -0.3, 0.5, 0.2, -0.1]);
    let means2 = black_box([[0.1f32, 0.2]; 5]);
    let icf2 = black_box([[0.1f32, -0.2, 0.3]; 5]);
    let x2 = black_box([[0.5f32, -0.5]; 4]);
    let means10 = black_box([[0.1f32; 10]; 5]);
    let icf10 = black_box([[0.05f32; 55]; 5]);
    let x10 = black_box([[0.3f32; 10]; 4]);
    let n = allocations(|| {
        let (mut da, mut dm, mut di) = ([0.0f32; 5], [[0.0f32; 2]; 5], [[0.0f32; 3]; 5]);
        black_box(gmm_objective_grad(
            &alphas, &mut da, &means2, &mut dm, &icf2, &mut di, &x2, 1.0, 2.0, 0.0,
        ));
        let (mut dm, mut di) = ([[0.0f32; 10]; 5], [[0.0f32; 55]; 5]);
        black_box(gmm_objective_grad(
            &alphas, &mut da, &means10, &mut dm, &icf10, &mut di, &x10, 1.0, 2.0, 0.0,
        ));
        black_box(gmm_objective_vjp(
            &alphas,
            &mut da,
            &means10,
            &mut dm,
            &icf10,
            &mut di,
            &x10,
            &mut [[0.0; 10]; 4],
            1.0,
            2.0,
            0.0,
            1.0,
        ));
    });
    assert_eq!(n, 0, "the GMM gradients allocated {n} times");
}

#[test]
fn forward_mode_and_hvps_allocate_nothing() {
    let x6 = black_box([0.9f32, -1.7, 0.3, 2.2, -0.4, 1.3]);
    let x8 = black_box([0.5f32, -0.3, 0.8, 0.1, -0.6, 0.4, 0.2, -0.1]);
    let m = black_box(Model0::zero());
    let x = black_box([[1.0f32, 2.0, 1.5], [3.0, 4.0, 2.3], [5.0, 6.0, 1.2]]);
    let targets = black_box([0usize, 2, 1]);
    let alphas = black_box([0.1f32, -0.3, 0.5, 0.2, -0.1]);
    let means10 = black_box([[0.1f32; 10]; 5]);
    let icf10 = black_box([[0.05f32; 55]; 5]);
    let x10 = black_box([[0.3f32; 10]; 4]);
    let n = allocations(|| {
        black_box(tanh_rnn_jvp(0.9, 1.0, &x8, &x8));
        black_box(horner_jvp(&x6, &x6, 0.8, 1.0));
        black_box(branchy_jvp(&x6, &x6));
        black_box(model0_loss_jvp(&m, &m, &x, &x, &targets));
        black_box(gmm_objective_jvp(
            &alphas, &alphas, &means10, &means10, &icf10, &icf10, &x10, &x10, 1.0, 0.0, 2.0, 0.0,
            0.0, 0.0,
        ));
        let mut d8 = [0.0f32; 8];
        black_box(tanh_rnn_hvp(0.9, 1.0, &x8, &x8, &mut d8));
        let mut d6 = [0.0f32; 6];
        black_box(branchy_hvp(&x6, &x6, &mut d6));
    });
    assert_eq!(n, 0, "forward mode and HVPs allocated {n} times");
}

/// Sizes whose products all run on the plain loops: the `gemm` crate's kernel, which larger
/// products use with `std`, allocates its packing buffers on every call (two allocations for a
/// 32 x 64 x 64 product), which is outside what this test checks.
#[test]
fn sequence_and_attention_gradients_allocate_only_on_their_first_call() {
    use backprop::nn::{GRUCell, MultiheadAttention};
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let gru = GRUCell::<2, 4>::new(&mut rng);
    let attn = MultiheadAttention::<4, 2>::new(&mut rng);
    let x = black_box([[[0.5f32; 2]; 3]; 1]);
    let seq = black_box([[[0.25f32; 4]; 3]; 1]);
    let (mut d_gru, mut d_attn) = (GRUCell::zero(), MultiheadAttention::zero());
    let mut step = || {
        let mut d_x = [[[0.0; 2]; 3]; 1];
        let mut d_h0 = [[0.0; 4]; 1];
        let out = gru.forward_seq_vjp(&mut d_gru, &x, &mut d_x, &[[0.0; 4]; 1], &mut d_h0, &seq);
        let mut d_seq = [[[0.0; 4]; 3]; 1];
        let y = attn.forward_vjp(&mut d_attn, &out, &mut d_seq, true, &seq);
        black_box((y, d_x, d_seq));
    };
    // The first call allocates the residuals' heap buffers; the next ones reuse them.
    assert!(allocations(&mut step) > 0);
    assert_eq!(allocations(&mut step), 0);
    assert_eq!(allocations(&mut step), 0);
}

/// Every layer's forward mode on sizes whose products run on the plain loops (see above):
/// nothing allocated, but for attention's buffers on its first call, from the pool its
/// pullback uses.
#[test]
fn layers_forward_modes_allocate_nothing() {
    use backprop::nn::{
        BatchNorm2d, Conv2d, Dropout, Embedding, Flatten, GRUCell, LSTMCell, LayerNorm, MaxPool2d,
        MultiheadAttention,
    };
    use backprop::Parameters;
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let conv = Conv2d::<1, 1, 3, 3, 1, 1>::new(&mut rng);
    let mut bn = BatchNorm2d::<1>::new();
    bn.train();
    let norm = LayerNorm::<4>::new();
    let mut drop = Dropout::new(0.5).expect("a probability");
    drop.train();
    let table = Embedding::<5, 3>::new(&mut rng);
    let gru = GRUCell::<2, 4>::new(&mut rng);
    let lstm = LSTMCell::<2, 4>::new(&mut rng);
    let attn = MultiheadAttention::<4, 2>::new(&mut rng);
    let x = black_box([[[[0.5f32; 4]; 4]; 1]; 2]);
    let seq = black_box([[[0.25f32; 2]; 3]; 1]);
    let all = || {
        let (h, h_dot): ([[[[f32; 4]; 4]; 1]; 2], _) = conv.forward_jvp(&conv, &x, &x);
        let (h, h_dot) = bn.forward_batch_jvp(&bn, &h, &h_dot);
        let (h, h_dot) = drop.forward_jvp(&drop, &h, &h_dot);
        let (h, h_dot): ([[[[f32; 2]; 2]; 1]; 2], _) =
            MaxPool2d::<2>.forward_jvp(&MaxPool2d, &h, &h_dot);
        let (h, h_dot): ([[f32; 4]; 2], _) = Flatten.forward_jvp(&Flatten, &h, &h_dot);
        black_box(norm.forward_batch_jvp(&norm, &h, &h_dot));
        black_box(table.forward_jvp(&table, &[4, 0, 2]));
        let (out, out_dot) = gru.forward_seq_jvp(&gru, &seq, &seq, &[[0.0; 4]; 1], &[[1.0; 4]; 1]);
        black_box(lstm.forward_jvp(
            &lstm,
            &seq[0],
            &seq[0],
            &[[[0.5; 4]; 3]; 2],
            &[[[1.0; 4]; 3]; 2],
        ));
        black_box(attn.forward_jvp(&attn, &out, &out_dot, true));
    };
    assert!(
        allocations(all) > 0,
        "attention's first call takes its buffers"
    );
    assert_eq!(allocations(all), 0);
    assert_eq!(allocations(all), 0);
}

#[test]
fn bounded_runtime_loops_and_slices_allocate_nothing() {
    use runtime_length::*;
    let xs = black_box([[0.5f32, -1.0, 0.25, 2.0], [1.5, 0.5, -0.75, 0.1]]);
    let ys = black_box([1.0f32, 0.0]);
    let m = black_box(Logistic {
        w: [0.1, -0.2, 0.3, 0.4],
        b: 0.05,
    });
    let squares = black_box([0.5f32, -1.0, 2.0]);
    let n = allocations(|| {
        let mut d_m = Logistic::zero();
        black_box(logistic_loss_grad(&m, &mut d_m, &xs, &ys));
        let mut d_squares = [0.0f32; 3];
        black_box(weighted_squares_grad(&squares, &mut d_squares, 3.0));
        black_box(weighted_squares_jvp(&squares, &[1.0, 0.0, 1.0], 3.0, 1.0));
        black_box(oscillator_grad(4.0, 0.3, 1.0, -0.5, 0.01, black_box(300)).ok());
        black_box(oscillator_grad(4.0, 0.3, 1.0, -0.5, 0.01, black_box(5000)).err());
        black_box(newton_sqrt_grad(black_box(2.0)).ok());
        black_box(halve_until_grad(black_box(1.0), -1.0).err());
        black_box(decay_until_grad(2.0, 1.0, 0.3, 0.01, black_box(400)).ok());
    });
    assert_eq!(
        n, 0,
        "the bounded loop and slice gradients allocated {n} times"
    );
}
