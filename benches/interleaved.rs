//! Timing under load: the fastest batch of each contender, batches interleaved so that load
//! from other processes hits every contender alike. Shared by the benchmarks that report
//! ratios (`#[path]`-included).

use std::time::Instant;

/// The fastest of `rounds` batches of `batch` calls of each contender, in nanoseconds per call.
pub fn interleaved_min<const C: usize>(
    batch: u32,
    rounds: usize,
    mut contenders: [&mut dyn FnMut(); C],
) -> [f64; C] {
    let mut best = [f64::INFINITY; C];
    for _ in 0..rounds {
        for (f, best) in contenders.iter_mut().zip(&mut best) {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            *best = best.min(start.elapsed().as_nanos() as f64 / f64::from(batch));
        }
    }
    best
}
