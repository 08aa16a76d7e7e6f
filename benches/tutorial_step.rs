//! One training step of each tutorial network: forward, loss, `zero_grad`, backward, optimizer
//! step, on the data and hyperparameters of its example (the examples are compiled in here, so
//! this times the code they run). `scripts/bench_pytorch_step.py` times the same steps in
//! PyTorch; `docs/benchmarks-training.md` has both.
//!
//! `cargo bench --bench tutorial_step`

use backprop::optim::{zero_grad, Optimizer, Sgd, SgdConfig};
use backprop::Zero;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../examples/manual_update.rs"]
mod manual_update;
#[allow(dead_code)]
#[path = "../examples/simple_network.rs"]
mod simple_network;
#[allow(dead_code)]
#[path = "../examples/train_regression.rs"]
mod train_regression;
#[allow(dead_code)]
#[path = "../examples/two_layer_sigmoid.rs"]
mod two_layer_sigmoid;

fn sgd<P: backprop::Parameters>(lr: f64, momentum: f64) -> Sgd<P> {
    Sgd::new(SgdConfig {
        lr,
        momentum,
        ..Default::default()
    })
    .expect("valid hyperparameters")
}

fn steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("tutorial_step");

    {
        use simple_network::{data, train_step, SimpleNet};
        let (mut model, mut grads) = (SimpleNet::initial(), SimpleNet::zero());
        let mut opt = sgd(0.01, 0.0);
        g.bench_function("simple_network (10-20-1, batch 5)", |b| {
            b.iter(|| {
                let (x, y) = (black_box(&data::X), black_box(&data::Y));
                black_box(train_step(&mut model, &mut grads, &mut opt, x, y))
            })
        });
    }
    {
        use train_regression::{data, train_step, RegressionNet};
        let (mut model, mut grads) = (RegressionNet::initial(), RegressionNet::zero());
        let mut opt = sgd(0.01, 0.0);
        g.bench_function("train_regression (10-5-1, batch 100)", |b| {
            b.iter(|| {
                let (x, y) = (black_box(&data::X), black_box(&data::Y));
                black_box(train_step(&mut model, &mut grads, &mut opt, x, y))
            })
        });
    }
    {
        use manual_update::{loss_grad, Model0, X, Y};
        let (mut model, mut grads) = (Model0::initial(), Model0::zero());
        let mut opt = sgd(0.01, 0.9);
        g.bench_function("manual_update (Model0 3-3-2-3, batch 3, momentum)", |b| {
            b.iter(|| {
                zero_grad(&mut grads);
                let l = loss_grad(&model, &mut grads, black_box(&X), black_box(&Y));
                opt.step(&mut model, &grads);
                black_box(l)
            })
        });
    }
    {
        use two_layer_sigmoid::{loss_grad, Net, X, Y};
        let (mut model, mut grads) = (Net::tutorial(), Net::zero());
        let mut opt = sgd(0.1, 0.0);
        g.bench_function("two_layer_sigmoid (3-2-2, batch 1)", |b| {
            b.iter(|| {
                zero_grad(&mut grads);
                let l = loss_grad(&model, &mut grads, black_box(&X), black_box(&Y));
                opt.step(&mut model, &grads);
                black_box(l)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = steps
}
criterion_main!(benches);
