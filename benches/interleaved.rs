//! Timing under load: the fastest batch of each contender, batches interleaved so that load
//! from other processes hits every contender alike. Shared by the benchmarks that report
//! ratios (`#[path]`-included).

use std::time::Instant;

/// The fastest of `ROUNDS` batches of `BATCH` calls of each contender, in nanoseconds per call.
pub fn interleaved_min<const C: usize>(mut contenders: [&mut dyn FnMut(); C]) -> [f64; C] {
    const BATCH: u32 = 500;
    const ROUNDS: usize = 400;
    let mut best = [f64::INFINITY; C];
    for _ in 0..ROUNDS {
        for (f, best) in contenders.iter_mut().zip(&mut best) {
            let start = Instant::now();
            for _ in 0..BATCH {
                f();
            }
            *best = best.min(start.elapsed().as_nanos() as f64 / f64::from(BATCH));
        }
    }
    best
}
