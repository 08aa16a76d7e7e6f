//! The hand-written `_jvp` of every runtime primitive, against central differences along a
//! tangent and against its `_vjp` (the dot-product test), through `jvpcheck::check_jvp`.
use backprop_runtime::gradcheck::Tolerance;
use backprop_runtime::jvpcheck::check_jvp;
use backprop_runtime::ops;

const X: [f32; 6] = [0.4, -1.3, 0.7, 2.1, -0.6, 1.1];
const V: [f32; 6] = [0.5, 0.25, -1.0, 0.75, -0.5, 0.3];
const W: [f32; 6] = [-0.2, 0.9, 0.35, -1.4, 0.8, 0.05];

fn halves(x: &[f32; 6]) -> ([f32; 3], [f32; 3]) {
    ([x[0], x[1], x[2]], [x[3], x[4], x[5]])
}

fn join(a: [f32; 3], b: [f32; 3]) -> [f32; 6] {
    [a[0], a[1], a[2], b[0], b[1], b[2]]
}

#[test]
#[allow(clippy::type_complexity)]
fn unary_primitives() {
    type F = fn(&[f32; 6]) -> [f32; 6];
    type J = fn(&[f32; 6], &[f32; 6]) -> ([f32; 6], [f32; 6]);
    type Vjp = fn(&[f32; 6], &mut [f32; 6], &[f32; 6]) -> [f32; 6];
    let cases: [(&str, F, J, Vjp); 7] = [
        ("relu", ops::relu, ops::relu_jvp, ops::relu_vjp),
        ("sigmoid", ops::sigmoid, ops::sigmoid_jvp, ops::sigmoid_vjp),
        ("tanh", ops::tanh, ops::tanh_jvp, ops::tanh_vjp),
        (
            "softplus",
            ops::softplus,
            ops::softplus_jvp,
            ops::softplus_vjp,
        ),
        ("gelu", ops::gelu, ops::gelu_jvp, ops::gelu_vjp),
        ("softmax", ops::softmax, ops::softmax_jvp, ops::softmax_vjp),
        (
            "log_softmax",
            ops::log_softmax,
            ops::log_softmax_jvp,
            ops::log_softmax_vjp,
        ),
    ];
    for (name, f, jvp, vjp) in cases {
        check_jvp(f, jvp, vjp, &X, &V, &W, Tolerance::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let scalar_cases: [(
        &str,
        fn(&[f32; 6]) -> f32,
        fn(&[f32; 6], &[f32; 6]) -> (f32, f32),
        fn(&[f32; 6], &mut [f32; 6], f32) -> f32,
    ); 3] = [
        ("sum", ops::sum, ops::sum_jvp, ops::sum_vjp),
        ("mean", ops::mean, ops::mean_jvp, ops::mean_vjp),
        (
            "log_sum_exp",
            ops::log_sum_exp,
            ops::log_sum_exp_jvp,
            ops::log_sum_exp_vjp,
        ),
    ];
    for (name, f, jvp, vjp) in scalar_cases {
        check_jvp(
            |x: &[f32; 6]| [f(x)],
            |x: &[f32; 6], v: &[f32; 6]| {
                let (y, t) = jvp(x, v);
                ([y], [t])
            },
            |x: &[f32; 6], d_x: &mut [f32; 6], u: &[f32; 1]| [vjp(x, d_x, u[0])],
            &X,
            &V,
            &[0.7],
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn binary_and_scaled_primitives() {
    type F = fn(&[f32; 3], &[f32; 3]) -> [f32; 3];
    type J = fn(&[f32; 3], &[f32; 3], &[f32; 3], &[f32; 3]) -> ([f32; 3], [f32; 3]);
    type Vjp = fn(&[f32; 3], &mut [f32; 3], &[f32; 3], &mut [f32; 3], &[f32; 3]) -> [f32; 3];
    let cases: [(&str, F, J, Vjp); 3] = [
        ("add", ops::add, ops::add_jvp, ops::add_vjp),
        ("sub", ops::sub, ops::sub_jvp, ops::sub_vjp),
        ("mul", ops::mul, ops::mul_jvp, ops::mul_vjp),
    ];
    for (name, f, jvp, vjp) in cases {
        check_jvp(
            |x: &[f32; 6]| {
                let (a, b) = halves(x);
                join(f(&a, &b), [0.0; 3])
            },
            |x: &[f32; 6], v: &[f32; 6]| {
                let ((a, b), (da, db)) = (halves(x), halves(v));
                let (y, t) = jvp(&a, &da, &b, &db);
                (join(y, [0.0; 3]), join(t, [0.0; 3]))
            },
            |x: &[f32; 6], d_x: &mut [f32; 6], u: &[f32; 6]| {
                let (a, b) = halves(x);
                let (mut da, mut db) = ([0.0; 3], [0.0; 3]);
                let y = vjp(&a, &mut da, &b, &mut db, &halves(u).0);
                *d_x = join(da, db);
                join(y, [0.0; 3])
            },
            &X,
            &V,
            &W,
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // scale(x, s), leaky_relu(x, slope) and dot(a, b): the last input is the scalar.
    check_jvp(
        |x: &[f32; 6]| join(ops::scale(&halves(x).0, x[5]), [0.0; 3]),
        |x: &[f32; 6], v: &[f32; 6]| {
            let (y, t) = ops::scale_jvp(&halves(x).0, &halves(v).0, x[5], v[5]);
            (join(y, [0.0; 3]), join(t, [0.0; 3]))
        },
        |x: &[f32; 6], d_x: &mut [f32; 6], u: &[f32; 6]| {
            let mut d = [0.0; 3];
            let (y, ds) = ops::scale_vjp(&halves(x).0, &mut d, x[5], &halves(u).0);
            *d_x = join(d, [0.0, 0.0, ds]);
            join(y, [0.0; 3])
        },
        &X,
        &V,
        &W,
        Tolerance::default(),
    )
    .unwrap();
    check_jvp(
        |x: &[f32; 6]| join(ops::leaky_relu(&halves(x).0, x[5]), [0.0; 3]),
        |x: &[f32; 6], v: &[f32; 6]| {
            let (y, t) = ops::leaky_relu_jvp(&halves(x).0, &halves(v).0, x[5], v[5]);
            (join(y, [0.0; 3]), join(t, [0.0; 3]))
        },
        |x: &[f32; 6], d_x: &mut [f32; 6], u: &[f32; 6]| {
            let mut d = [0.0; 3];
            let (y, ds) = ops::leaky_relu_vjp(&halves(x).0, &mut d, x[5], &halves(u).0);
            *d_x = join(d, [0.0, 0.0, ds]);
            join(y, [0.0; 3])
        },
        &X,
        &V,
        &W,
        Tolerance::default(),
    )
    .unwrap();
    check_jvp(
        |x: &[f32; 6]| {
            let (a, b) = halves(x);
            [ops::dot(&a, &b)]
        },
        |x: &[f32; 6], v: &[f32; 6]| {
            let ((a, b), (da, db)) = (halves(x), halves(v));
            let (y, t) = ops::dot_jvp(&a, &da, &b, &db);
            ([y], [t])
        },
        |x: &[f32; 6], d_x: &mut [f32; 6], u: &[f32; 1]| {
            let (a, b) = halves(x);
            let (mut da, mut db) = ([0.0; 3], [0.0; 3]);
            let y = ops::dot_vjp(&a, &mut da, &b, &mut db, u[0]);
            *d_x = join(da, db);
            [y]
        },
        &X,
        &V,
        &[0.7],
        Tolerance::default(),
    )
    .unwrap();
}

#[test]
fn matrix_primitives() {
    // matmul of a 2x3 by a 3x2 (12 inputs, 4 outputs) and linear_batch with weights 2x3,
    // bias 2 and a batch of 2 (6 + 2 + 6 inputs), flattened.
    let x12: [f32; 12] = core::array::from_fn(|i| X[i % 6] * (1.0 + i as f32 * 0.1));
    let v12: [f32; 12] = core::array::from_fn(|i| V[(i + 2) % 6]);
    let split = |x: &[f32; 12]| -> ([[f32; 3]; 2], [[f32; 2]; 3]) {
        (
            [[x[0], x[1], x[2]], [x[3], x[4], x[5]]],
            [[x[6], x[7]], [x[8], x[9]], [x[10], x[11]]],
        )
    };
    check_jvp(
        |x: &[f32; 12]| {
            let (a, b) = split(x);
            *ops::matmul(&a, &b)
                .as_flattened()
                .first_chunk::<4>()
                .unwrap()
        },
        |x: &[f32; 12], v: &[f32; 12]| {
            let ((a, b), (da, db)) = (split(x), split(v));
            let (y, t) = ops::matmul_jvp(&a, &da, &b, &db);
            (
                *y.as_flattened().first_chunk::<4>().unwrap(),
                *t.as_flattened().first_chunk::<4>().unwrap(),
            )
        },
        |x: &[f32; 12], d_x: &mut [f32; 12], u: &[f32; 4]| {
            let (a, b) = split(x);
            let (mut da, mut db) = ([[0.0; 3]; 2], [[0.0; 2]; 3]);
            let y = ops::matmul_vjp(&a, &mut da, &b, &mut db, &[[u[0], u[1]], [u[2], u[3]]]);
            d_x[..6].copy_from_slice(da.as_flattened());
            d_x[6..].copy_from_slice(db.as_flattened());
            *y.as_flattened().first_chunk::<4>().unwrap()
        },
        &x12,
        &v12,
        &[0.3, -0.6, 1.1, 0.2],
        Tolerance::default(),
    )
    .unwrap();
    let x14: [f32; 14] = core::array::from_fn(|i| X[i % 6] * (1.0 - i as f32 * 0.05));
    let v14: [f32; 14] = core::array::from_fn(|i| V[(i + 1) % 6]);
    type Parts = ([[f32; 3]; 2], [[f32; 3]; 2], [f32; 2]);
    let parts = |x: &[f32; 14]| -> Parts {
        (
            [[x[0], x[1], x[2]], [x[3], x[4], x[5]]],
            [[x[6], x[7], x[8]], [x[9], x[10], x[11]]],
            [x[12], x[13]],
        )
    };
    let flat = |y: [[f32; 2]; 2]| [y[0][0], y[0][1], y[1][0], y[1][1]];
    check_jvp(
        |x: &[f32; 14]| {
            let (xs, w, b) = parts(x);
            flat(ops::linear_batch(&xs, &w, &b))
        },
        |x: &[f32; 14], v: &[f32; 14]| {
            let ((xs, w, b), (dx, dw, db)) = (parts(x), parts(v));
            let (y, t) = ops::linear_batch_jvp(&xs, &dx, &w, &dw, &b, &db);
            (flat(y), flat(t))
        },
        |x: &[f32; 14], d_x: &mut [f32; 14], u: &[f32; 4]| {
            let (xs, w, b) = parts(x);
            let (mut dx, mut dw, mut db) = ([[0.0; 3]; 2], [[0.0; 3]; 2], [0.0; 2]);
            let y = ops::linear_batch_vjp(
                &xs,
                &mut dx,
                &w,
                &mut dw,
                &b,
                &mut db,
                &[[u[0], u[1]], [u[2], u[3]]],
            );
            d_x[..6].copy_from_slice(dx.as_flattened());
            d_x[6..12].copy_from_slice(dw.as_flattened());
            d_x[12..].copy_from_slice(&db);
            flat(y)
        },
        &x14,
        &v14,
        &[0.3, -0.6, 1.1, 0.2],
        Tolerance::default(),
    )
    .unwrap();
}
