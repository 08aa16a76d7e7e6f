//! Split mode's promises, checked on composed models: the generated gradient of the README's
//! MLP agrees with a hand-written one-pass gradient; every forward pass runs once and every
//! pullback once per call, through nested calls, loops and branches; and a batched network
//! whose input is a constant asks for the products it needs and no more. The timings are in
//! `benches/split_mode.rs` and `docs/benchmarks-split.md`.
// Index loops are what differentiable code is written with (iterators are not supported).
// Some functions here are only called through their generated derivatives.
#![allow(dead_code, clippy::needless_range_loop, clippy::manual_memcpy)]

#[path = "split_programs/mod.rs"]
mod split_common;

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::nn::Linear;
use backprop::{differentiable, Parameters, Zero};
use std::cell::{Cell, RefCell};

/// Runs `f` on a thread with a stack of `mib` MiB: the unoptimised (test profile) code of the
/// 784-128-10 step needs more than a test thread's 2 MiB (it runs in the 8 MiB of a main
/// thread in the release benchmark).
fn with_stack(mib: usize, f: impl FnOnce() + Send + 'static) {
    let worker = std::thread::Builder::new().stack_size(mib << 20).spawn(f);
    if let Err(panic) = worker.expect("spawn a test thread").join() {
        std::panic::resume_unwind(panic);
    }
}

/// The largest `|a - b| / (1 + |b|)` over every scalar of two parameter trees.
fn max_scaled_difference<P: Parameters>(a: &P, b: &P) -> f32 {
    let mut worst = 0.0f32;
    for k in 0..P::TENSORS {
        for (x, y) in a.tensor(k).iter().zip(b.tensor(k)) {
            worst = worst.max((x - y).abs() / (1.0 + y.abs()));
        }
    }
    worst
}

mod mlp {
    use super::split_common::mlp::*;
    use super::*;

    /// Generated and hand-written gradients compute the same sums in the same order except for
    /// where the pullbacks accumulate (`d += ...` into zeroed shadows), so they agree to a few
    /// units in the last place: the tolerance is 1e-6 relative (about 8 ulps), on every one of
    /// the 9,610 components. The loss itself must be the same bits.
    #[test]
    fn generated_gradient_equals_the_hand_written_one() {
        let (m, x, target) = mlp_inputs();
        let (mut generated, mut hand) = (Mlp::zero(), Mlp::zero());
        let l_gen = mlp_loss_grad(&m, &mut generated, &x, target);
        let l_hand = mlp_loss_grad_hand(&m, &mut hand, &x, target);
        assert_eq!(l_gen.to_bits(), l_hand.to_bits(), "{l_gen} vs {l_hand}");
        assert_eq!(l_gen.to_bits(), mlp_loss(&m, &x, target).to_bits());
        let worst = max_scaled_difference(&generated, &hand);
        assert!(worst <= 1e-6, "largest scaled difference {worst:e}");
        // Not vacuous: both layers get a gradient, and the ReLU zeroes some rows of layer 1.
        let nonzero = |t: &[f32]| t.iter().filter(|g| **g != 0.0).count();
        assert!(nonzero(generated.layer2.weight.as_flattened()) > 300);
        let rows_alive = generated.layer1.bias.iter().filter(|g| **g != 0.0).count();
        assert!(rows_alive > 10 && rows_alive < 128, "{rows_alive}");

        // Accumulation: a second call adds the same gradient again.
        mlp_loss_grad_hand(&m, &mut hand, &x, target);
        mlp_loss_grad(&m, &mut generated, &x, target);
        assert!(max_scaled_difference(&generated, &hand) <= 1e-6);
    }

    /// Both equal central differences (so they are not the same wrong answer).
    #[test]
    fn the_hand_written_gradient_matches_central_differences() {
        let (mut m, x, target) = mlp_inputs();
        // Central differences are wrong across a ReLU kink, so no pre-activation may lie
        // within a step (5e-3 on a weight or bias, so at most 5e-3 here) of zero: the biases of
        // the units that do (one, at 2.2e-3) are moved away from it first.
        let z = m.layer1.forward(&x);
        for j in 0..128 {
            if z[j].abs() < 0.02 {
                m.layer1.bias[j] += 0.05f32.copysign(z[j]);
            }
        }
        let z = m.layer1.forward(&x);
        assert!(z.iter().all(|z| z.abs() >= 0.02));
        let report = check_gradient(
            |m: &Mlp| mlp_loss(m, &x, target),
            |m: &Mlp, d: &mut Mlp| mlp_loss_grad_hand(m, d, &x, target),
            &m,
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.checked, 64 * 128 + 128 + 128 * 10 + 10);
    }
}

mod counting {
    use super::*;

    thread_local! {
        static FORWARDS: Cell<usize> = const { Cell::new(0) };
        static PULLBACKS: Cell<usize> = const { Cell::new(0) };
    }

    fn counts() -> (usize, usize) {
        (FORWARDS.get(), PULLBACKS.get())
    }

    /// `s * tanh(x)`, element-wise, with a hand-written split-mode derivative that counts how
    /// often its forward pass and its pullback run.
    #[differentiable(custom_fwd)]
    fn counted(x: &[f32; 4], s: f32) -> [f32; 4] {
        core::array::from_fn(|i| s * x[i].tanh())
    }

    #[allow(clippy::type_complexity)]
    fn counted_fwd(
        x: &[f32; 4],
        s: f32,
    ) -> (
        [f32; 4],
        impl FnOnce(&[f32; 4], Option<&mut [f32; 4]>, f32, &[f32; 4]) -> f32,
    ) {
        FORWARDS.set(FORWARDS.get() + 1);
        let t: [f32; 4] = core::array::from_fn(|i| x[i].tanh());
        let y = core::array::from_fn(|i| s * t[i]);
        // The residual `t` is moved into the pullback: nothing is recomputed.
        let pullback = move |_: &[f32; 4], d_x: Option<&mut [f32; 4]>, s: f32, d_out: &[f32; 4]| {
            PULLBACKS.set(PULLBACKS.get() + 1);
            if let Some(d_x) = d_x {
                for i in 0..4 {
                    d_x[i] += d_out[i] * s * (1.0 - t[i] * t[i]);
                }
            }
            (0..4).map(|i| d_out[i] * t[i]).sum()
        };
        (y, pullback)
    }

    #[derive(Clone, Copy, Debug, PartialEq, Parameters)]
    struct Net {
        lin: Linear<4, 4>,
        gain: [f32; 4],
    }

    impl Net {
        /// One `counted` call, one level below `forward`.
        #[differentiable]
        fn block(&self, x: &[f32; 4], s: f32) -> [f32; 4] {
            let h = self.lin.forward(x);
            counted(&h, s)
        }

        /// `block` once, then three times in a loop, then `counted` directly when `deep`:
        /// 4 or 5 calls of `counted`.
        #[differentiable]
        fn forward(&self, x: &[f32; 4], s: f32, deep: bool) -> [f32; 4] {
            // `h = self.block(&h, s)` does not compile yet (whole-array assignment from a
            // call): the results are copied element by element instead.
            let mut h = self.block(x, s);
            for _ in 0..3 {
                let next = self.block(&h, s);
                for i in 0..4 {
                    h[i] = next[i];
                }
            }
            if deep {
                let last = counted(&h, s);
                for i in 0..4 {
                    h[i] = last[i];
                }
            }
            h
        }
    }

    /// Two levels of nesting below the loss: `loss` -> `Net::forward` -> `Net::block` ->
    /// `counted`.
    #[differentiable(wrt(net, s))]
    fn loss(net: &Net, x: &[f32; 4], s: f32, deep: bool) -> f32 {
        let y = net.forward(x, s, deep);
        let mut total = 0.0;
        for i in 0..4 {
            total += y[i] * net.gain[i];
        }
        total
    }

    fn net() -> Net {
        let mut next = super::split_common::uniform(9, 0.8);
        Net {
            lin: Linear::from_parts(
                core::array::from_fn(|_| core::array::from_fn(|_| next())),
                core::array::from_fn(|_| next()),
            ),
            gain: core::array::from_fn(|_| next()),
        }
    }

    const X: [f32; 4] = [0.3, -0.7, 1.1, 0.2];
    const S: f32 = 1.3;

    #[test]
    fn every_forward_pass_and_every_pullback_runs_once_per_call() {
        let net = net();
        for (deep, calls) in [(false, 4), (true, 5)] {
            // The plain function makes `calls` calls: that is the count to match.
            FORWARDS.set(0);
            PULLBACKS.set(0);
            let value = loss(&net, &X, S, deep);
            // (`loss` itself calls `counted`, not `counted_fwd`.)
            assert_eq!(counts(), (0, 0));

            let mut d_net = Net::zero();
            let (l, _d_s) = loss_grad(&net, &mut d_net, &X, S, deep);
            assert_eq!(l.to_bits(), value.to_bits());
            assert_eq!(
                counts(),
                (calls, calls),
                "(forward passes, pullbacks) of `counted` in one loss_grad, deep = {deep}"
            );

            // The same through the vjp entry point.
            FORWARDS.set(0);
            PULLBACKS.set(0);
            let mut d_x = [0.0; 4];
            loss_vjp(&net, &mut d_net, &X, &mut d_x, S, deep, 1.0);
            assert_eq!(counts(), (calls, calls), "loss_vjp, deep = {deep}");
        }
    }

    /// The counted derivative is right, and so is what the generated code does with it.
    #[test]
    fn the_gradient_through_the_counted_function_matches_central_differences() {
        let net = net();
        for deep in [false, true] {
            check_gradient(
                |n: &Net| loss(n, &X, S, deep),
                |n: &Net, d: &mut Net| loss_grad(n, d, &X, S, deep).0,
                &net,
                Tolerance::default(),
            )
            .unwrap_or_else(|e| panic!("deep = {deep}: {e}"));
            let (_, d_s) = loss_grad(&net, &mut Net::zero(), &X, S, deep);
            let h = 1e-2;
            let numeric = (loss(&net, &X, S + h, deep) - loss(&net, &X, S - h, deep)) / (2.0 * h);
            assert!(
                (d_s - numeric).abs() <= 1e-3 * (1.0 + numeric.abs()),
                "deep = {deep}: d_s {d_s} vs {numeric}"
            );
        }
    }
}

mod batched {
    use super::split_common::batched::*;
    use super::*;
    use backprop::ops;

    /// What the counting layer saw: (IN, OUT, what), in order.
    type Log = Vec<(usize, usize, &'static str)>;

    thread_local! {
        static PRODUCTS: RefCell<Log> = const { RefCell::new(Vec::new()) };
    }

    fn record(inp: usize, out: usize, what: &'static str) {
        PRODUCTS.with_borrow_mut(|log| log.push((inp, out, what)));
    }

    /// `ops::linear_batch`, recording each GEMM it runs: one for the value, and in the
    /// pullback one per shadow given (`ops::linear_batch_backward` multiplies for `d_x` and
    /// for `d_w` only when they are `Some`; `d_b` is column sums, no product).
    #[differentiable(custom_fwd)]
    fn counted_linear_batch<const B: usize, const IN: usize, const OUT: usize>(
        x: &[[f32; IN]; B],
        w: &[[f32; IN]; OUT],
        b: &[f32; OUT],
    ) -> [[f32; OUT]; B] {
        ops::linear_batch(x, w, b)
    }

    #[allow(clippy::type_complexity)]
    fn counted_linear_batch_fwd<const B: usize, const IN: usize, const OUT: usize>(
        x: &[[f32; IN]; B],
        w: &[[f32; IN]; OUT],
        b: &[f32; OUT],
    ) -> (
        [[f32; OUT]; B],
        impl FnOnce(
            &[[f32; IN]; B],
            Option<&mut [[f32; IN]; B]>,
            &[[f32; IN]; OUT],
            Option<&mut [[f32; IN]; OUT]>,
            &[f32; OUT],
            Option<&mut [f32; OUT]>,
            &[[f32; OUT]; B],
        ),
    ) {
        record(IN, OUT, "forward");
        let (y, pullback) = ops::linear_batch_fwd(x, w, b);
        let counted = move |x: &[[f32; IN]; B],
                            d_x: Option<&mut [[f32; IN]; B]>,
                            w: &[[f32; IN]; OUT],
                            d_w: Option<&mut [[f32; IN]; OUT]>,
                            b: &[f32; OUT],
                            d_b: Option<&mut [f32; OUT]>,
                            d_out: &[[f32; OUT]; B]| {
            if d_x.is_some() {
                record(IN, OUT, "input gradient");
            }
            if d_w.is_some() {
                record(IN, OUT, "weight gradient");
            }
            if d_b.is_none() {
                record(IN, OUT, "no bias gradient");
            }
            pullback(x, d_x, w, d_w, b, d_b, d_out);
        };
        (y, counted)
    }

    // The benchmarked loss with the counting layer in place of `ops::linear_batch`.
    crate::batched_loss!(counted_batch_loss, counted_linear_batch);

    #[test]
    fn the_step_runs_each_product_once_and_skips_the_input_gradient() {
        with_stack(8, || {
            let (net, x, y) = batched_inputs();
            PRODUCTS.with_borrow_mut(Vec::clear);
            let mut counted: Box<Net> = Box::new(Net::zero());
            let l = counted_batch_loss_grad(&net, &mut counted, &x, &y);
            let log = PRODUCTS.take();
            assert_eq!(
                log,
                [
                    (IN, HIDDEN, "forward"),
                    (HIDDEN, CLASSES, "forward"),
                    (HIDDEN, CLASSES, "input gradient"),
                    (HIDDEN, CLASSES, "weight gradient"),
                    (IN, HIDDEN, "weight gradient"),
                ],
                "the GEMMs of one gradient of the batched loss"
            );
            // The large (64 x 784 x 128) products: the first layer's forward and its weight
            // gradient; its input gradient, the third, is not computed.
            let large = log.iter().filter(|(i, _, _)| *i == IN).count();
            assert_eq!(large, 2);

            // The counting layer changes nothing: the benchmarked loss gives the same bits.
            let mut plain: Box<Net> = Box::new(Net::zero());
            assert_eq!(
                batch_loss_grad(&net, &mut plain, &x, &y).to_bits(),
                l.to_bits()
            );
            assert!(*plain == *counted);
        });
    }

    /// The batched gradient is the mean of per-sample gradients of the same network, computed
    /// through `nn::Linear` (matrix-vector products, not GEMMs): agreement to float rounding
    /// (1e-5 relative; the sums are associated differently).
    #[test]
    fn the_batched_gradient_is_the_mean_of_per_sample_gradients() {
        #[differentiable(wrt(net))]
        fn sample_loss(net: &Net, x: &[f32; IN], y: usize) -> f32 {
            let h = ops::relu(&net.l1.forward(x));
            backprop::loss::cross_entropy(&net.l2.forward(&h), y)
        }

        with_stack(8, || {
            let (net, x, y) = batched_inputs();
            let mut batched: Box<Net> = Box::new(Net::zero());
            let l = batch_loss_grad(&net, &mut batched, &x, &y);
            let mut summed: Box<Net> = Box::new(Net::zero());
            let mut total = 0.0;
            for b in 0..B {
                total += sample_loss_grad(&net, &mut summed, &x[b], y[b]);
            }
            for k in 0..Net::TENSORS {
                for g in summed.tensor_mut(k) {
                    *g /= B as f32;
                }
            }
            assert!((l - total / B as f32).abs() <= 1e-5 * l.abs(), "{l}");
            let worst = max_scaled_difference(&*batched, &*summed);
            assert!(worst <= 1e-5, "largest scaled difference {worst:e}");
            assert!(batched.l1.weight.as_flattened().iter().any(|g| *g != 0.0));
        });
    }

    /// One SGD step lowers the loss on its batch (a smoke test of the benchmarked step).
    #[test]
    fn one_step_lowers_the_loss() {
        with_stack(8, || {
            let (mut net, x, y) = batched_inputs();
            let mut grads: Box<Net> = Box::new(Net::zero());
            let mut opt = sgd();
            let before = train_step(&mut net, &mut grads, &mut opt, &x, &y);
            let after = batch_loss(&net, &x, &y);
            assert!(after < before, "{before} -> {after}");
        });
    }
}
