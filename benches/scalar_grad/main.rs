//! Generated gradients against hand-written ones, and the cost of a gradient over a value.
//!
//! For each function of `functions.rs`: `value` (the plain function), `generated` (its
//! `#[differentiable]` gradient) and `by_hand` (a gradient written by hand). Inputs and outputs
//! go through `black_box`; gradient shadows are zeroed inside the timed loop for both gradients
//! alike (`zero_grad` then `backward`, as in training).
//!
//! `cargo bench --bench scalar_grad`, then `python3 scripts/bench_ratios.py` for the ratios.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;

mod functions;
use functions::*;

fn tutorial(c: &mut Criterion) {
    let mut g = c.benchmark_group("tutorial_loss");
    let (w, x, y) = (1.02f32, 2.0f32, 4.0f32);
    g.bench_function("value", |b| {
        b.iter(|| black_box(tutorial_loss(black_box(w), black_box(x), black_box(y))))
    });
    g.bench_function("generated", |b| {
        b.iter(|| black_box(tutorial_loss_grad(black_box(w), black_box(x), black_box(y))))
    });
    g.bench_function("by_hand", |b| {
        b.iter(|| {
            black_box(tutorial_loss_grad_by_hand(
                black_box(w),
                black_box(x),
                black_box(y),
            ))
        })
    });
    g.finish();
}

fn expression14(c: &mut Criterion) {
    let mut g = c.benchmark_group("expression");
    let (x, y) = (0.3f32, -0.7f32);
    g.bench_function("value", |b| {
        b.iter(|| black_box(expression(black_box(x), black_box(y))))
    });
    g.bench_function("generated", |b| {
        b.iter(|| black_box(expression_grad(black_box(x), black_box(y))))
    });
    g.bench_function("by_hand", |b| {
        b.iter(|| black_box(expression_grad_by_hand(black_box(x), black_box(y))))
    });
    g.finish();
}

fn tanh_recurrence(c: &mut Criterion) {
    let mut g = c.benchmark_group("recurrence");
    let (w, x) = (0.7f32, RECURRENCE_X);
    g.bench_function("value", |b| {
        b.iter(|| black_box(recurrence(black_box(w), black_box(&x))))
    });
    let mut d_x = [0.0f32; 6];
    g.bench_function("generated", |b| {
        b.iter(|| {
            d_x = [0.0; 6];
            black_box(recurrence_grad(
                black_box(w),
                black_box(&x),
                black_box(&mut d_x),
            ))
        })
    });
    g.bench_function("by_hand", |b| {
        b.iter(|| {
            d_x = [0.0; 6];
            black_box(recurrence_grad_by_hand(
                black_box(w),
                black_box(&x),
                black_box(&mut d_x),
            ))
        })
    });
    g.finish();
}

fn dense_layer(c: &mut Criterion) {
    let mut g = c.benchmark_group("dense_layer");
    let (w, bias, x, y) = dense_inputs();
    g.bench_function("value", |b| {
        b.iter(|| {
            black_box(dense_loss(
                black_box(&w),
                black_box(&bias),
                black_box(&x),
                black_box(&y),
            ))
        })
    });
    let (mut d_w, mut d_b) = ([[0.0f32; IN]; OUT], [0.0f32; OUT]);
    g.bench_function("generated", |b| {
        b.iter(|| {
            d_w = [[0.0; IN]; OUT];
            d_b = [0.0; OUT];
            black_box(dense_loss_grad(
                black_box(&w),
                black_box(&mut d_w),
                black_box(&bias),
                black_box(&mut d_b),
                black_box(&x),
                black_box(&y),
            ))
        })
    });
    g.bench_function("by_hand", |b| {
        b.iter(|| {
            d_w = [[0.0; IN]; OUT];
            d_b = [0.0; OUT];
            black_box(dense_loss_grad_by_hand(
                black_box(&w),
                black_box(&mut d_w),
                black_box(&bias),
                black_box(&mut d_b),
                black_box(&x),
                black_box(&y),
            ))
        })
    });
    g.finish();
}

/// Short runs: twelve benchmarks of nanoseconds each take about half a minute in all.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = tutorial, expression14, tanh_recurrence, dense_layer
}
criterion_main!(benches);
