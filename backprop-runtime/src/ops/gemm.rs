//! The GEMM kernel under `matmul` and `linear_batch`: `C = A B (+ C)` on row-major buffers,
//! with transposes as strided views (so no transposed copy is ever made).
//!
//! With `std` it is the `gemm` crate's kernel (runtime dispatch to AVX2/FMA, AVX-512 or NEON),
//! single-threaded; with the `rayon` feature, products of at least [`PARALLEL`] multiply-adds
//! run on rayon's pool. It was chosen over `matrixmultiply` (the kernel before it) and `faer`
//! by measuring the three on the products of the 784-128-10 (batch 64) and 784-1024-10 (batch
//! 128) training steps, each in the layout the layers call it with, one thread, in one run
//! (`benches/gemm_kernels`, figures in `docs/benchmarks-medium.md`): `gemm` was the fastest or
//! within 4% of it on every shape, 8-19% faster than `matrixmultiply` on the 784-128-10 step's
//! two large products; `faer` led on the forward product of that step by 3% and trailed on the
//! big shapes by up to 20%.
//!
//! Tiny products run on plain loops even with `std`, where the kernel's packing costs more
//! than it saves: below [`SMALL`] multiply-adds. The shapes are const generics, so the choice
//! folds away at compile time.
//!
//! Without `std` every product runs on plain loops: the kernel needs a global allocator for its
//! packing buffers and `std` for its CPU feature detection, which a bare-metal target may not
//! have.

/// Products with fewer multiply-adds than this skip the GEMM kernel.
#[cfg(feature = "std")]
const SMALL: usize = 256;

/// Products with at least this many multiply-adds use every thread of rayon's pool (feature
/// `rayon`): the 784-128-10 step's two large products (6.4M) do, its small layer's (82k) not.
#[cfg(feature = "rayon")]
const PARALLEL: usize = 1 << 20;

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

    /// Rows of `C` floats (a nested array `[[f32; C]; R]`, or a slice of rows) as a matrix.
    #[inline]
    pub(crate) fn of<const C: usize>(m: &'a [[f32; C]]) -> Self {
        View::row_major(m.as_flattened(), m.len(), C)
    }

    /// The `rows x cols` block of a wider row-major matrix whose rows are `stride` floats
    /// apart, starting at `data[offset]`: one head's columns of the stacked queries, keys and
    /// values. Panics if the block does not fit in `data`.
    #[inline]
    pub(crate) fn block(
        data: &'a [f32],
        offset: usize,
        rows: usize,
        cols: usize,
        stride: usize,
    ) -> Self {
        let data = &data[offset..];
        assert!(cols <= stride, "block wider than its rows' stride");
        assert!(
            rows == 0 || (rows - 1) * stride + cols <= data.len(),
            "block outside its buffer"
        );
        View {
            data,
            rows,
            cols,
            rs: stride,
            cs: 1,
        }
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
    assert_eq!(
        c.len(),
        a.rows * b.cols,
        "output buffer of the wrong length"
    );
    gemm_block(a, b, c, b.cols, accumulate);
}

/// [`gemm`] into a block of a wider matrix: row `i` of the product is
/// `c[i * stride..][..b.cols]`, and the floats between the rows are left alone (as
/// [`View::block`] reads one). Panics if the block does not fit in `c`.
#[inline]
pub(crate) fn gemm_block(a: View<'_>, b: View<'_>, c: &mut [f32], stride: usize, accumulate: bool) {
    assert_eq!(a.cols, b.rows, "inner dimensions differ");
    assert!(b.cols <= stride, "block wider than its rows' stride");
    assert!(
        a.rows == 0 || (a.rows - 1) * stride + b.cols <= c.len(),
        "output block outside its buffer"
    );
    #[cfg(feature = "std")]
    if a.rows * a.cols * b.cols >= SMALL {
        gemm_kernel(a, b, c, stride, accumulate);
        return;
    }
    gemm_loops(a, b, c, stride, accumulate);
}

/// [`gemm_block`] on the `gemm` crate's kernel.
#[cfg(feature = "std")]
fn gemm_kernel(a: View<'_>, b: View<'_>, c: &mut [f32], stride: usize, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    #[cfg(feature = "rayon")]
    let parallelism = if m * k * n >= PARALLEL {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    #[cfg(not(feature = "rayon"))]
    let parallelism = gemm::Parallelism::None;
    // SAFETY: `a` and `b` address only elements of their buffers (see `View`), `c` is an
    // exclusively borrowed buffer holding m rows of n, `stride` apart (checked by the
    // caller), and the strides fit in isize because the buffers exist. `gemm` computes `c = alpha c + beta a b`, reading `c`
    // only when `read_dst` is set; its strides come column stride first.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            stride as isize,
            accumulate,
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
            parallelism,
        );
    }
}

/// [`gemm_block`] on plain loops, `i-p-j` order so the innermost loop runs along rows of `b`
/// and `c`.
fn gemm_loops(a: View<'_>, b: View<'_>, c: &mut [f32], stride: usize, accumulate: bool) {
    let n = b.cols;
    for i in 0..a.rows {
        let row = &mut c[i * stride..][..n];
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
                gemm_loops(va, vb, slow.as_flattened_mut(), 23, accumulate);
                for (f, s) in fast.as_flattened().iter().zip(slow.as_flattened()) {
                    assert!((f - s).abs() < 1e-5, "{f} != {s}");
                }
            }
        }
    }

    #[test]
    fn blocks_read_and_write_columns_of_wider_rows() {
        // Columns 5..14 of a 17 x 23 matrix times b, into columns 4..17 of a 17 x 20 buffer, on
        // the kernel (17 * 9 * 13 multiply-adds is past SMALL) and on the loops, leaving the
        // other columns alone.
        let a: [[f32; 23]; 17] = rand(4);
        let b: [[f32; 13]; 9] = rand(5);
        let block = View::block(a.as_flattened(), 5, 17, 9, 23);
        let dense: [[f32; 9]; 17] = core::array::from_fn(|i| core::array::from_fn(|j| a[i][5 + j]));
        let mut want = [[0.0; 13]; 17];
        gemm_loops(
            View::of(&dense),
            View::of(&b),
            want.as_flattened_mut(),
            13,
            false,
        );
        for kernel in [false, true] {
            let mut c = [[9.0f32; 20]; 17];
            let out = &mut c.as_flattened_mut()[4..];
            if kernel {
                gemm_block(block, View::of(&b), out, 20, false);
            } else {
                gemm_loops(block, View::of(&b), out, 20, false);
            }
            for (row, want) in c.iter().zip(&want) {
                assert!(row[..4].iter().chain(&row[17..]).all(|v| *v == 9.0));
                for (got, want) in row[4..17].iter().zip(want) {
                    assert!((got - want).abs() < 1e-5, "{got} != {want}");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "block outside its buffer")]
    fn a_block_past_the_end_panics() {
        let a = [0.0f32; 20];
        let _ = View::block(&a, 3, 4, 4, 5);
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
