//! `matrixmultiply` (backprop's kernel), the `gemm` crate and `faer`, one thread each, on the
//! products of the batched training steps of `benches/split_mode.rs`, in one criterion run.
//!
//! Every product is `C (+)= A B` with `C` row-major `m x n`, `A` and `B` strided views of
//! row-major arrays, as backprop's layers call it:
//!
//! - `fwd`: a layer's forward `x w^T` (`w` is `[OUT][IN]`: `B` is a transposed view), onto the
//!   bias already in `C`;
//! - `wgrad`: the weight gradient `d_out^T x` accumulated into `d_w` (`A` transposed);
//! - `wgrad_t`: the same gradient taken as `x^T d_out` into `d_w` seen column-major (the
//!   kernel reads both operands along their rows and writes `C` transposed);
//! - `dgrad`: the input gradient `d_out w`, all row-major.
//!
//! Shapes: the 784-128-10 network at batch 64 and the 784-1024-10 one at batch 128.
//! `cd benches/gemm_kernels && taskset -c 0 cargo bench -- --warm-up-time 1 --measurement-time 2`

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// A row-major buffer seen as a strided matrix.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    rs: usize,
    cs: usize,
}

/// One product's shape and layout.
struct Case {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    /// `A` is the transpose of a row-major `k x m` array.
    a_t: bool,
    /// `B` is the transpose of a row-major `n x k` array.
    b_t: bool,
    /// `C` is written column-major (the transpose of a row-major `n x m` array).
    c_t: bool,
}

const fn case(name: &'static str, m: usize, k: usize, n: usize, t: [bool; 3]) -> Case {
    Case {
        name,
        m,
        k,
        n,
        a_t: t[0],
        b_t: t[1],
        c_t: t[2],
    }
}

const CASES: [Case; 9] = [
    // 784-128-10, batch 64.
    case("fwd 64x784x128", 64, 784, 128, [false, true, false]),
    case("wgrad 128x64x784", 128, 64, 784, [true, false, false]),
    case("wgrad_t 784x64x128", 784, 64, 128, [true, false, true]),
    case("dgrad 64x128x784", 64, 128, 784, [false, false, false]),
    case("fwd 64x128x10", 64, 128, 10, [false, true, false]),
    case("wgrad 10x64x128", 10, 64, 128, [true, false, false]),
    // 784-1024-10, batch 128.
    case("fwd 128x784x1024", 128, 784, 1024, [false, true, false]),
    case("wgrad 1024x128x784", 1024, 128, 784, [true, false, false]),
    case("wgrad_t 784x128x1024", 784, 128, 1024, [true, false, true]),
];

fn view(data: &[f32], rows: usize, cols: usize, transposed: bool) -> View<'_> {
    // A transposed view of a row-major `cols x rows` array.
    if transposed {
        View {
            data,
            rs: 1,
            cs: rows,
        }
    } else {
        View {
            data,
            rs: cols,
            cs: 1,
        }
    }
}

fn matrixmultiply(m: usize, k: usize, n: usize, a: View, b: View, c: &mut [f32], c_t: bool) {
    let (crs, ccs) = if c_t { (1, m) } else { (n, 1) };
    // SAFETY: the views address only elements of their buffers, `c` is m x n.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            1.0,
            c.as_mut_ptr(),
            crs as isize,
            ccs as isize,
        );
    }
}

fn gemm_crate(m: usize, k: usize, n: usize, a: View, b: View, c: &mut [f32], c_t: bool) {
    let (crs, ccs) = if c_t { (1, m) } else { (n, 1) };
    // SAFETY: as above. `gemm` computes dst = alpha dst + beta lhs rhs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            ccs as isize,
            crs as isize,
            true,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn faer(m: usize, k: usize, n: usize, a: View, b: View, c: &mut [f32], c_t: bool) {
    let (crs, ccs) = if c_t { (1, m) } else { (n, 1) };
    // SAFETY: as above.
    let (a, b, c) = unsafe {
        (
            faer::MatRef::from_raw_parts(a.data.as_ptr(), m, k, a.rs as isize, a.cs as isize),
            faer::MatRef::from_raw_parts(b.data.as_ptr(), k, n, b.rs as isize, b.cs as isize),
            faer::MatMut::from_raw_parts_mut(c.as_mut_ptr(), m, n, crs as isize, ccs as isize),
        )
    };
    faer::linalg::matmul::matmul(c, faer::Accum::Add, a, b, 1.0f32, faer::Par::Seq);
}

type Kernel = fn(usize, usize, usize, View, View, &mut [f32], bool);

fn filled(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}

fn kernels(c: &mut Criterion) {
    let contenders: [(&str, Kernel); 3] = [
        ("matrixmultiply", matrixmultiply),
        ("gemm", gemm_crate),
        ("faer", faer),
    ];
    // The kernels must agree before they are timed.
    for case in &CASES {
        let (a, b) = (filled(case.m * case.k, 1), filled(case.k * case.n, 2));
        let mut results = contenders.map(|(_, kernel)| {
            let mut out = filled(case.m * case.n, 3);
            kernel(
                case.m,
                case.k,
                case.n,
                view(&a, case.m, case.k, case.a_t),
                view(&b, case.k, case.n, case.b_t),
                &mut out,
                case.c_t,
            );
            out
        });
        let first = results[0].clone();
        for other in &mut results[1..] {
            for (x, y) in first.iter().zip(other.iter()) {
                assert!((x - y).abs() < 1e-3, "{}: {x} != {y}", case.name);
            }
        }
    }
    for case in &CASES {
        let mut group = c.benchmark_group(case.name);
        group.throughput(Throughput::Elements(2 * (case.m * case.k * case.n) as u64));
        let (a, b) = (filled(case.m * case.k, 1), filled(case.k * case.n, 2));
        let mut out = filled(case.m * case.n, 3);
        for (name, kernel) in contenders {
            group.bench_function(BenchmarkId::from_parameter(name), |bench| {
                bench.iter(|| {
                    kernel(
                        case.m,
                        case.k,
                        case.n,
                        view(black_box(&a), case.m, case.k, case.a_t),
                        view(black_box(&b), case.k, case.n, case.b_t),
                        &mut out,
                        case.c_t,
                    )
                })
            });
            // Accumulating for a while must not grow the values past f32's range.
            out.fill(0.0);
        }
        group.finish();
    }
}

criterion_group!(benches, kernels);

/// Each case once more, the kernels interleaved batch by batch, each kept at its fastest
/// batch: load from other processes hits every kernel alike, and the fastest batch is the one
/// it did not hit.
fn interleaved() {
    println!("\nfastest of 200 interleaved batches, GFLOP/s (us a product):");
    let names = ["matrixmultiply", "gemm", "faer"];
    println!(
        "  {:24} {:>20} {:>20} {:>20}",
        "case", names[0], names[1], names[2]
    );
    let kernels: [Kernel; 3] = [matrixmultiply, gemm_crate, faer];
    for case in &CASES {
        let (a, b) = (filled(case.m * case.k, 1), filled(case.k * case.n, 2));
        let mut out = vec![0.0; case.m * case.n];
        let flops = 2.0 * (case.m * case.k * case.n) as f64;
        let reps = (2e6 / flops).ceil().max(1.0) as u32;
        let mut best = [f64::INFINITY; 3];
        for _ in 0..200 {
            for (kernel, best) in kernels.iter().zip(&mut best) {
                let start = std::time::Instant::now();
                for _ in 0..reps {
                    kernel(
                        case.m,
                        case.k,
                        case.n,
                        view(black_box(&a), case.m, case.k, case.a_t),
                        view(black_box(&b), case.k, case.n, case.b_t),
                        &mut out,
                        case.c_t,
                    );
                }
                *best = best.min(start.elapsed().as_secs_f64() / f64::from(reps));
            }
            out.fill(0.0);
        }
        let cell = |t: f64| format!("{:6.1} ({:8.1})", flops / t / 1e9, t * 1e6);
        println!(
            "  {:24} {:>20} {:>20} {:>20}",
            case.name,
            cell(best[0]),
            cell(best[1]),
            cell(best[2])
        );
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench` passes `--bench`.
    if std::env::args().any(|a| a == "--bench") {
        interleaved();
    }
}
