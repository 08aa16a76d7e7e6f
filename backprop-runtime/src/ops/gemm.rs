//! The GEMM kernel under `matmul` and `linear_batch`: `C = A B (+ C)` on row-major buffers,
//! with transposes as strided views (so no transposed copy is ever made).
//!
//! With `std` it is `matrixmultiply::sgemm`, single-threaded. It was chosen over the `gemm`
//! crate by measuring both on a linear layer's forward and backward pass (batch 64,
//! 784 -> 128: three GEMMs, 38.5 Mflop) on a 2-core AVX-512 machine, best of 15 runs each,
//! run after run: matrixmultiply 0.3.11 took 240-490 us (80-160 GFLOP/s), gemm 0.19 (one
//! thread) 465-690 us (55-83 GFLOP/s), and gemm with its rayon parallelism on both cores still
//! 425-465 us; plain loops took about 6.5-9 ms. matrixmultiply was 1.4-2.1x faster in every
//! run, builds in a fraction of the time, and depends on nothing but `rawpointer`.
//!
//! Tiny products run on plain loops even with `std`, where the kernel's packing costs more
//! than it saves. Measured on square shapes: 4x4x4 (64 multiply-adds) took 145 ns in
//! matrixmultiply and 70 ns in loops, 8x8x8 (512) 192 ns and 278 ns, so the cut is in
//! between, at 256. The shapes are const generics, so the choice folds away at compile time.
//!
//! Without `std` every product runs on plain loops: matrixmultiply needs a global allocator
//! for its packing buffers, which a bare-metal target may not have.

/// Products with fewer multiply-adds than this skip the GEMM kernel.
#[cfg(feature = "std")]
const SMALL: usize = 256;

/// A read-only `rows x cols` matrix: element `(r, c)` is `data[r * rs + c * cs]`.
///
/// Only built by [`View::row_major`] (which checks the length) and [`View::t`], so every
/// element it can address is inside `data`: that is what makes the kernel call sound.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// `data` as a row-major `rows x cols` matrix. Panics if the length does not match.
    #[inline]
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "matrix buffer of the wrong length");
        View {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// A nested array `[[f32; C]; R]` as an `R x C` matrix.
    #[inline]
    pub(crate) fn of<const R: usize, const C: usize>(m: &'a [[f32; C]; R]) -> Self {
        View::row_major(m.as_flattened(), R, C)
    }

    /// The transpose, sharing the same buffer.
    #[inline]
    pub(crate) fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    #[inline]
    fn at(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.rs + c * self.cs]
    }
}

/// `c = a b` (or `c += a b` when `accumulate`), `c` a contiguous row-major `a.rows x b.cols`
/// buffer. Panics if the shapes do not fit (callers pass const-generic arrays, so they always do).
#[inline]
pub(crate) fn gemm(a: View<'_>, b: View<'_>, c: &mut [f32], accumulate: bool) {
    assert_eq!(a.cols, b.rows, "inner dimensions differ");
    assert_eq!(
        c.len(),
        a.rows * b.cols,
        "output buffer of the wrong length"
    );
    #[cfg(feature = "std")]
    if a.rows * a.cols * b.cols >= SMALL {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let beta = if accumulate { 1.0 } else { 0.0 };
        // SAFETY: `a` and `b` address only elements of their buffers (see `View`), `c` is an
        // exclusively borrowed m x n row-major buffer, checked above, and the strides fit in
        // isize because the buffers exist. With beta = 0, `c` is only written.
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
                beta,
                c.as_mut_ptr(),
                n as isize,
                1,
            );
        }
        return;
    }
    gemm_loops(a, b, c, accumulate);
}

/// [`gemm`] on plain loops, `i-p-j` order so the innermost loop runs along rows of `b` and `c`.
fn gemm_loops(a: View<'_>, b: View<'_>, c: &mut [f32], accumulate: bool) {
    let n = b.cols;
    for (i, row) in c.chunks_exact_mut(n.max(1)).take(a.rows).enumerate() {
        if !accumulate {
            row.fill(0.0);
        }
        for p in 0..a.cols {
            let a_ip = a.at(i, p);
            for (j, c_ij) in row.iter_mut().enumerate() {
                *c_ij += a_ip * b.at(p, j);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::rand;

    #[test]
    fn product_by_hand() {
        let a = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let b = [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]];
        let mut c = [[1.0; 3]; 3];
        gemm(View::of(&a), View::of(&b), c.as_flattened_mut(), false);
        assert_eq!(c, [[5.0, 2.0, -1.0], [11.0, 4.0, -3.0], [17.0, 6.0, -5.0]]);
        // a^T a, accumulated onto ones.
        let mut g = [[1.0; 2]; 2];
        gemm(View::of(&a).t(), View::of(&a), g.as_flattened_mut(), true);
        assert_eq!(g, [[36.0, 45.0], [45.0, 57.0]]);
    }

    #[test]
    fn kernel_matches_plain_loops_for_every_transpose() {
        let a: [[f32; 37]; 19] = rand(1);
        let b: [[f32; 23]; 37] = rand(2);
        let at: [[f32; 19]; 37] = core::array::from_fn(|i| core::array::from_fn(|j| a[j][i]));
        let bt: [[f32; 37]; 23] = core::array::from_fn(|i| core::array::from_fn(|j| b[j][i]));
        let start: [[f32; 23]; 19] = rand(3);
        let views = [
            (View::of(&a), View::of(&b)),
            (View::of(&at).t(), View::of(&b)),
            (View::of(&a), View::of(&bt).t()),
            (View::of(&at).t(), View::of(&bt).t()),
        ];
        for (va, vb) in views {
            for accumulate in [false, true] {
                let (mut fast, mut slow) = (start, start);
                gemm(va, vb, fast.as_flattened_mut(), accumulate);
                gemm_loops(va, vb, slow.as_flattened_mut(), accumulate);
                for (f, s) in fast.as_flattened().iter().zip(slow.as_flattened()) {
                    assert!((f - s).abs() < 1e-5, "{f} != {s}");
                }
            }
        }
    }

    #[test]
    fn empty_shapes() {
        let a = [[0.0f32; 0]; 2];
        let b = [[0.0f32; 3]; 0];
        let mut c = [[7.0f32; 3]; 2];
        gemm(View::of(&a), View::of(&b), c.as_flattened_mut(), true);
        assert_eq!(c, [[7.0; 3]; 2]);
        gemm(View::of(&a), View::of(&b), c.as_flattened_mut(), false);
        assert_eq!(c, [[0.0; 3]; 2]);
    }
}
