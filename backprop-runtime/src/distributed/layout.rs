//! How a parameter tree lies in memory, and a fingerprint of it that ranks compare before they
//! exchange the tree.

use crate::params::Parameters;
use core::fmt;

/// Where each tensor of a tree starts, in `f32`s from the start of the tree, when the tensors
/// together are exactly the tree's memory (a derived struct of arrays and zero-sized fields);
/// `None` when they are not (a field that is no tensor, a tensor stored elsewhere).
pub(crate) fn contiguous_offsets<P: Parameters>(tree: &P) -> Option<Vec<usize>> {
    let base = tree as *const P as usize;
    let bytes = core::mem::size_of::<P>();
    if bytes != 4 * P::numel() || !base.is_multiple_of(core::mem::align_of::<f32>()) {
        return None;
    }
    // An empty tensor holds no memory: its offset is 0 and it takes no part in the check.
    let mut offsets = vec![0; P::TENSORS];
    let mut spans = Vec::with_capacity(P::TENSORS);
    for (k, offset) in offsets.iter_mut().enumerate() {
        let t = tree.tensor(k);
        if t.is_empty() {
            continue;
        }
        let start = (t.as_ptr() as usize).checked_sub(base)?;
        if !start.is_multiple_of(4) || start + 4 * t.len() > bytes {
            return None;
        }
        *offset = start / 4;
        spans.push((start, 4 * t.len()));
    }
    // Every byte of the tree in exactly one tensor: sorted spans that follow one another.
    spans.sort_unstable();
    let mut end = 0;
    for &(start, len) in &spans {
        if start != end {
            return None;
        }
        end += len;
    }
    (end == bytes).then_some(offsets)
}

/// The tree's memory as one slice, when [`contiguous_offsets`] found it to be all tensors.
pub(crate) fn flat_mut<P: Parameters>(tree: &mut P) -> Option<&mut [f32]> {
    contiguous_offsets(tree)?;
    let len = P::numel();
    // SAFETY: `contiguous_offsets` checked that the tree's `size_of::<P>()` bytes are exactly
    // covered, without overlap, by the `f32` slices `tensor_mut` hands out, and that the tree
    // is aligned for `f32`: so they are `len` initialised `f32`s, and the unique borrow of the
    // tree covers all of them.
    Some(unsafe { core::slice::from_raw_parts_mut((tree as *mut P).cast::<f32>(), len) })
}

/// FNV-1a, 64 bits: the same on every rank and every build, unlike `std`'s hashers.
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(crate) fn number(&mut self, n: usize) {
        self.bytes(&(n as u64).to_le_bytes());
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

impl fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// A fingerprint of `operation` on a tree of type `P`: every tensor's name and shape, and
/// where it lies in memory when the exchange goes through the tree's memory as one slice
/// (`offsets`). Two ranks with equal fingerprints exchange the same elements in the same order.
pub(crate) fn fingerprint<P: Parameters>(operation: &str, offsets: Option<&[usize]>) -> u64 {
    let mut h = Fnv::new();
    h.bytes(operation.as_bytes());
    h.number(P::TENSORS);
    for k in 0..P::TENSORS {
        // Writing into the hasher cannot fail.
        let _ = P::write_name(k, &mut h);
        h.bytes(&[0]);
        let shape = P::shape(k);
        h.number(shape.dims().len());
        for &d in shape.dims() {
            h.number(d);
        }
        h.number(offsets.map_or(usize::MAX, |o| o[k]));
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Linear, ReLU};
    use crate::tensor::Zero;

    #[derive(crate::Parameters)]
    struct Mlp {
        fc1: Linear<3, 4>,
        relu: ReLU,
        fc2: Linear<4, 2>,
    }

    /// A tree with a field that is no tensor: not contiguous.
    struct Counted {
        w: [f32; 3],
        steps: u32,
    }

    impl Zero for Counted {
        fn zero() -> Self {
            Counted {
                w: [0.0; 3],
                steps: 0,
            }
        }
        fn set_zero(&mut self) {
            self.w = [0.0; 3];
        }
    }

    impl Parameters for Counted {
        const TENSORS: usize = 1;
        fn tensor(&self, _: usize) -> &[f32] {
            &self.w
        }
        fn tensor_mut(&mut self, _: usize) -> &mut [f32] {
            &mut self.w
        }
        fn shape(_: usize) -> crate::Shape {
            crate::Shape::SCALAR.prepend(3)
        }
        fn write_name(_: usize, out: &mut dyn fmt::Write) -> fmt::Result {
            out.write_str("w")
        }
    }

    #[test]
    fn a_derived_tree_is_one_slice() {
        let mut m = Mlp::zero();
        let offsets = contiguous_offsets(&m).expect("contiguous");
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        // The four tensors' lengths are 12, 4, 8 and 2, in some field order.
        assert_eq!(sorted.len(), 4);
        assert_eq!(sorted[0], 0);
        m.fc2.bias = [5.0, 6.0];
        let flat = flat_mut(&mut m).unwrap();
        assert_eq!(flat.len(), 26);
        let k = Mlp::TENSORS - 1;
        assert_eq!(&flat[offsets[k]..offsets[k] + 2], &[5.0, 6.0]);
        flat[offsets[0]] = -1.0;
        assert_eq!(m.fc1.weight[0][0], -1.0);
    }

    #[test]
    fn a_tree_with_other_fields_is_not() {
        let mut c = Counted::zero();
        c.steps = 1;
        assert_eq!(contiguous_offsets(&c), None);
        assert!(flat_mut(&mut c).is_none());
        let mut bare = [[1.0f32; 2]; 3];
        assert_eq!(contiguous_offsets(&bare), Some(vec![0]));
        assert_eq!(flat_mut(&mut bare).unwrap().len(), 6);
    }

    #[test]
    fn fingerprints_tell_trees_and_operations_apart() {
        let a = fingerprint::<[[f32; 2]; 3]>("sum", None);
        assert_eq!(a, fingerprint::<[[f32; 2]; 3]>("sum", None));
        assert_ne!(a, fingerprint::<[[f32; 3]; 2]>("sum", None));
        assert_ne!(a, fingerprint::<[[f32; 2]; 3]>("broadcast", None));
        assert_ne!(a, fingerprint::<[[f32; 2]; 3]>("sum", Some(&[0])));
        assert_ne!(
            fingerprint::<Mlp>("sum", Some(&[0, 12, 16, 24])),
            fingerprint::<Mlp>("sum", Some(&[14, 0, 12, 22]))
        );
    }
}
