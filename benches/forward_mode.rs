//! Forward mode and second order against the value and the gradient, on the `scalar_grad`
//! functions: `value`, `jvp` (one tangent), `grad` and `hvp` (one Hessian-vector product).
//!
//! `taskset -c 0 cargo bench --bench forward_mode` (ratios not yet recorded in docs/).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;

#[path = "scalar_grad/functions.rs"]
#[allow(dead_code)]
mod functions;
use functions::*;

fn expression_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("expression");
    let (x, y) = (0.3f32, -0.7f32);
    g.bench_function("value", |b| {
        b.iter(|| black_box(expression(black_box(x), black_box(y))))
    });
    g.bench_function("jvp", |b| {
        b.iter(|| black_box(expression_jvp(black_box(x), 1.0, black_box(y), 0.5)))
    });
    g.bench_function("grad", |b| {
        b.iter(|| black_box(expression_grad(black_box(x), black_box(y))))
    });
    g.bench_function("hvp", |b| {
        b.iter(|| black_box(expression_hvp(black_box(x), 1.0, black_box(y), 0.5)))
    });
    g.finish();
}

fn recurrence_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("recurrence");
    let (w, x) = (0.7f32, RECURRENCE_X);
    let v = [0.1f32, -0.2, 0.3, 0.4, -0.5, 0.6];
    g.bench_function("value", |b| {
        b.iter(|| black_box(recurrence(black_box(w), black_box(&x))))
    });
    g.bench_function("jvp", |b| {
        b.iter(|| {
            black_box(recurrence_jvp(
                black_box(w),
                1.0,
                black_box(&x),
                black_box(&v),
            ))
        })
    });
    let mut d_x = [0.0f32; 6];
    g.bench_function("grad", |b| {
        b.iter(|| {
            d_x = [0.0; 6];
            black_box(recurrence_grad(
                black_box(w),
                black_box(&x),
                black_box(&mut d_x),
            ))
        })
    });
    g.bench_function("hvp", |b| {
        b.iter(|| {
            d_x = [0.0; 6];
            black_box(recurrence_hvp(
                black_box(w),
                1.0,
                black_box(&x),
                black_box(&v),
                &mut d_x,
            ))
        })
    });
    g.finish();
}

fn dense_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("dense");
    let (w, bias, x, y) = dense_inputs();
    let (w_dot, b_dot) = (w, bias);
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
    g.bench_function("jvp", |b| {
        b.iter(|| {
            black_box(dense_loss_jvp(
                black_box(&w),
                black_box(&w_dot),
                black_box(&bias),
                black_box(&b_dot),
                black_box(&x),
                &[0.0; IN],
                black_box(&y),
                &[0.0; OUT],
            ))
        })
    });
    let (mut d_w, mut d_b) = ([[0.0f32; IN]; OUT], [0.0f32; OUT]);
    g.bench_function("grad", |b| {
        b.iter(|| {
            d_w = [[0.0; IN]; OUT];
            d_b = [0.0; OUT];
            black_box(dense_loss_grad(
                black_box(&w),
                &mut d_w,
                black_box(&bias),
                &mut d_b,
                black_box(&x),
                black_box(&y),
            ))
        })
    });
    g.bench_function("hvp", |b| {
        b.iter(|| {
            d_w = [[0.0; IN]; OUT];
            d_b = [0.0; OUT];
            black_box(dense_loss_hvp(
                black_box(&w),
                black_box(&w_dot),
                &mut d_w,
                black_box(&bias),
                black_box(&b_dot),
                &mut d_b,
                black_box(&x),
                &[0.0; IN],
                black_box(&y),
                &[0.0; OUT],
            ))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = expression_group, recurrence_group, dense_group
}
criterion_main!(benches);
