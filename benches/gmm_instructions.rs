//! ADBench's GMM at n = 1,000 (d = 2 or 10), one contender run a given number of times, for
//! counting instructions under cachegrind: a measure the load of a shared machine does not
//! disturb (unlike time), though it weighs a vector instruction as one. `scripts/gmm_instructions.sh`
//! runs every contender with 0 and 10 calls and prints the difference per call; the timings
//! are `benches/gmm_adbench.rs`.
//!
//! `target/release/deps/gmm_instructions-* <objective|one_pass|store|recompute|hand|hand_lanes|hand_lanes_forward> <2|10> <calls>`

#[path = "../tests/integration/loops/programs/mod.rs"]
mod loop_common;

use loop_common::adbench::{adbench_gmm, AdbenchGmm};
use loop_common::gmm::*;
use std::hint::black_box;

/// Runs `contender` `calls` times on the instance in `file`.
fn run<const D: usize, const L: usize>(file: &str, contender: &str, calls: usize) {
    let p: AdbenchGmm<D, 1000, L> = adbench_gmm(file);
    let AdbenchGmm {
        alphas,
        means,
        icf,
        x,
        gamma,
        m,
        constant,
    } = &p;
    let (gamma, m, k) = (*gamma, *m, *constant);
    let (mut da, mut dm, mut di) = ([0.0f32; 5], [[0.0f32; D]; 5], [[0.0f32; L]; 5]);
    let grad = match contender {
        "objective" => {
            for _ in 0..calls {
                black_box(gmm_objective(black_box(alphas), means, icf, x, gamma, m, k));
            }
            return;
        }
        "one_pass" => gmm_objective_grad::<D, 5, 1000, L>,
        "store" => gmm_objective_store_grad::<D, 5, 1000, L>,
        "recompute" => gmm_objective_recompute_grad::<D, 5, 1000, L>,
        "hand" => gmm_grad_hand::<D, 5, 1000, L>,
        "hand_lanes" => gmm_grad_hand_lanes::<D, 5, 1000, L>,
        "hand_lanes_forward" => gmm_grad_hand_lanes_forward::<D, 5, 1000, L>,
        other => panic!("unknown contender {other}"),
    };
    for _ in 0..calls {
        black_box(grad(
            black_box(alphas),
            &mut da,
            means,
            &mut dm,
            icf,
            &mut di,
            x,
            gamma,
            m,
            k,
        ));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` and `cargo test --benches` run every bench target: without arguments, nothing.
    let [_, contender, d, calls] = args.as_slice() else {
        return;
    };
    let calls: usize = calls.parse().expect("a number of calls");
    let contender = contender.clone();
    let d = d.clone();
    // the stored gradient's frame grows with n
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || match d.as_str() {
            "2" => run::<2, 3>("1k_gmm_d2_K5.txt", &contender, calls),
            "10" => run::<10, 55>("1k_gmm_d10_K5.txt", &contender, calls),
            other => panic!("d is 2 or 10, not {other}"),
        })
        .expect("spawn")
        .join()
        .expect("the run");
}
