//! Data-parallel training over MPI (feature `mpi`): every rank holds the whole model, computes
//! the gradient of its shard of each global batch, and the gradients are averaged across ranks
//! before every rank takes the same optimizer step.
//!
//! ```no_run
//! use backprop_runtime::distributed::Distributed;
//! use backprop_runtime::optim::{Optimizer, Sgd, SgdConfig};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # type Model = [f32; 4];
//! # let data: Vec<f32> = vec![0.0; 100];
//! # let grad_of = |_: &Model, _: &mut Model, _: &[usize]| {};
//! let dist = Distributed::init()?; // under `mpirun -n N`: N ranks; started alone: one
//! let mut model: Model = [0.5; 4]; // however rank 0 initialises it
//! dist.broadcast_params(&mut model)?; // every rank now starts from rank 0's model
//! let mut opt = Sgd::<Model>::new(SgdConfig { lr: 0.1, ..Default::default() })?;
//! let mut grads = [0.0; 4];
//! let sampler = dist.sampler(data.len())?.seed(0); // the same seed on every rank
//! for epoch in 0..10 {
//!     for batch in sampler.indices(epoch).chunks_exact(16) {
//!         opt.zero_grad(&mut grads);
//!         grad_of(&model, &mut grads, batch); // the mean gradient of this rank's 16 samples
//!         dist.all_reduce_mean(&mut grads)?; // now the mean over all 16 * N samples
//!         opt.step(&mut model, &grads); // the same step on every rank
//!     }
//! }
//! dist.save_params(&model, "model.safetensors")?; // written by rank 0 only
//! # Ok(()) }
//! ```
//!
//! # What is exchanged, and when
//!
//! - [`Distributed::broadcast_params`] and [`Distributed::broadcast_optimizer`], once before
//!   training (and after resuming): rank 0's parameters and optimizer state to every rank.
//! - [`Distributed::all_reduce_mean`], once a step, between the backward pass and the
//!   optimizer step: the sum of the ranks' gradients, then multiplied by `1 / size`.
//!
//! Each of them first compares, in one collective call of four integers, the trees' sizes and a
//! fingerprint of their layout (tensor names, shapes, their places in memory, and the
//! operation) across ranks: peers whose trees differ get a typed error
//! ([`DistError::TreeMismatch`], [`DistError::LayoutMismatch`]) on every rank, never a
//! truncated or scrambled exchange.
//!
//! # How the tree travels
//!
//! A `#[derive(Parameters)]` struct of arrays is one block of `f32`s in memory: it is
//! broadcast in place and all-reduced straight from its memory, one MPI call per bucket of
//! [`Distributed::bucket_elements`] `f32`s (1 MiB by default). The reduced values land in a
//! reused bucket-sized buffer, still in cache when they are copied back (the MPI bindings have
//! no `MPI_IN_PLACE`). A tree whose tensors are not one block is packed into a bucket first,
//! and unpacked after.
//!
//! # Errors
//!
//! MPI's error handler on the communicator is set to return errors, so a failed call is a
//! [`DistError::Mpi`] with MPI's own message, not an abort. Where only rank 0 acts (saving a
//! file) or one rank may fail alone (loading a state), the ranks then agree in one more
//! collective, so that every rank returns an error ([`DistError::PeerFailed`] on the others)
//! instead of some ranks waiting forever in the next call.

mod layout;
mod sampler;

pub use sampler::DistributedSampler;

use crate::io::{self, FileError};
use crate::optim::{Checkpoint, OptimError};
use crate::params::Parameters;
use mpi::ffi;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void};
use std::fmt;
use std::path::Path;

/// Why a distributed operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum DistError {
    /// MPI was initialised already in this process (by [`Distributed::init`] or other code).
    AlreadyInitialized,
    /// An MPI call returned an error.
    Mpi {
        /// The MPI function (`MPI_Allreduce`, ...).
        call: &'static str,
        /// MPI's error code.
        code: i32,
        /// MPI's description of the code.
        message: String,
    },
    /// The ranks' trees have different numbers of elements.
    TreeMismatch {
        /// The operation (`all_reduce`, `broadcast_params`, ...).
        operation: &'static str,
        /// The number of `f32`s in this rank's tree.
        elements: usize,
        /// The fewest of any rank.
        smallest: usize,
        /// The most of any rank.
        largest: usize,
    },
    /// The ranks' trees have the same size but other tensor names, shapes or memory layouts,
    /// or the ranks called different operations.
    LayoutMismatch {
        /// This rank's operation.
        operation: &'static str,
    },
    /// A rank outside `0..size`.
    InvalidRank {
        /// The rank given.
        rank: usize,
        /// The number of ranks.
        size: usize,
    },
    /// Writing or reading a parameter or optimizer-state file failed on this rank.
    File(FileError),
    /// A broadcast optimizer state does not fit this rank's optimizer.
    State(OptimError),
    /// Another rank failed in an operation this rank finished.
    PeerFailed {
        /// The operation.
        operation: &'static str,
    },
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistError::AlreadyInitialized => f.write_str("MPI is initialised already"),
            DistError::Mpi {
                call,
                code,
                message,
            } => write!(f, "{call} failed with MPI error {code}: {message}"),
            DistError::TreeMismatch {
                operation,
                elements,
                smallest,
                largest,
            } => write!(
                f,
                "{operation}: the ranks' trees differ in size (this rank {elements} elements, \
                 the others between {smallest} and {largest})"
            ),
            DistError::LayoutMismatch { operation } => write!(
                f,
                "{operation}: the ranks' trees differ in names, shapes or layout, or the ranks \
                 called different operations"
            ),
            DistError::InvalidRank { rank, size } => {
                write!(f, "rank {rank} is outside a world of {size} ranks")
            }
            DistError::File(err) => write!(f, "{err}"),
            DistError::State(err) => write!(f, "the broadcast optimizer state: {err}"),
            DistError::PeerFailed { operation } => {
                write!(f, "{operation} failed on another rank")
            }
        }
    }
}

impl std::error::Error for DistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DistError::File(err) => Some(err),
            DistError::State(err) => Some(err),
            _ => None,
        }
    }
}

impl From<FileError> for DistError {
    fn from(err: FileError) -> Self {
        DistError::File(err)
    }
}

impl From<OptimError> for DistError {
    fn from(err: OptimError) -> Self {
        DistError::State(err)
    }
}

/// The default bucket: 256 Ki `f32`s, 1 MiB (an L2 cache here): the fastest of 16 KiB to
/// 16 MiB for a 3.26 MB gradient on two ranks (docs/distributed.md).
const DEFAULT_BUCKET: usize = 1 << 18;

/// The MPI world this process is a rank of, and the collective operations of data-parallel
/// training on it. Dropping it finalises MPI.
pub struct Distributed {
    comm: ffi::MPI_Comm,
    rank: usize,
    size: usize,
    bucket: usize,
    /// Where reduced values land, and where a tree that is not one block is packed.
    recv: RefCell<Vec<f32>>,
    send: RefCell<Vec<f32>>,
    // Dropped last: finalises MPI.
    _universe: mpi::environment::Universe,
}

impl fmt::Debug for Distributed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Distributed")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

/// `Ok` for `MPI_SUCCESS`, else the error with MPI's message.
fn check(call: &'static str, code: c_int) -> Result<(), DistError> {
    if code == ffi::MPI_SUCCESS as c_int {
        return Ok(());
    }
    let mut text = [0 as c_char; ffi::MPI_MAX_ERROR_STRING as usize + 1];
    let mut len: c_int = 0;
    // SAFETY: the buffer holds MPI_MAX_ERROR_STRING characters, as MPI_Error_string requires.
    let rc = unsafe { ffi::MPI_Error_string(code, text.as_mut_ptr(), &mut len) };
    let message = if rc == ffi::MPI_SUCCESS as c_int {
        let len = (len.max(0) as usize).min(text.len());
        let bytes: Vec<u8> = text[..len].iter().map(|&c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        "unknown error".to_owned()
    };
    Err(DistError::Mpi {
        call,
        code,
        message,
    })
}

/// The element types exchanged, and their MPI datatypes.
trait Element: Copy {
    /// # Safety
    ///
    /// Reads an MPI constant: MPI must be initialised.
    unsafe fn datatype() -> ffi::MPI_Datatype;
}

macro_rules! element {
    ($($t:ty => $datatype:ident),*) => {$(
        impl Element for $t {
            unsafe fn datatype() -> ffi::MPI_Datatype {
                // SAFETY: an extern constant of mpi-sys, set before `main`.
                unsafe { ffi::$datatype }
            }
        }
    )*};
}
element!(f32 => RSMPI_FLOAT, f64 => RSMPI_DOUBLE, u64 => RSMPI_UINT64_T, u8 => RSMPI_UINT8_T);

/// The reductions used.
#[derive(Clone, Copy)]
enum Reduce {
    Sum,
    Max,
}

/// MPI counts are `int`s: no call moves more than this many elements.
const MAX_COUNT: usize = c_int::MAX as usize;

impl Distributed {
    /// Initialises MPI from the environment `mpirun` (or `mpiexec`, `srun`) sets up, on a
    /// private copy of the world communicator whose errors are returned, not fatal. A process
    /// started without `mpirun` is a world of one rank.
    ///
    /// # Errors
    ///
    /// [`DistError::AlreadyInitialized`] if MPI is initialised already; [`DistError::Mpi`] if
    /// setting up the communicator fails. (A failure inside `MPI_Init` itself aborts: MPI cannot
    /// report it.)
    pub fn init() -> Result<Self, DistError> {
        let universe = mpi::initialize().ok_or(DistError::AlreadyInitialized)?;
        let mut comm: ffi::MPI_Comm = unsafe { ffi::RSMPI_COMM_NULL };
        // SAFETY: MPI is initialised; the world communicator is valid and `comm` is written.
        unsafe {
            check(
                "MPI_Comm_set_errhandler",
                ffi::MPI_Comm_set_errhandler(ffi::RSMPI_COMM_WORLD, ffi::RSMPI_ERRORS_RETURN),
            )?;
            check(
                "MPI_Comm_dup",
                ffi::MPI_Comm_dup(ffi::RSMPI_COMM_WORLD, &mut comm),
            )?;
        }
        let (mut rank, mut size): (c_int, c_int) = (0, 0);
        // SAFETY: `comm` is a valid communicator; both outputs are written.
        unsafe {
            check("MPI_Comm_rank", ffi::MPI_Comm_rank(comm, &mut rank))?;
            check("MPI_Comm_size", ffi::MPI_Comm_size(comm, &mut size))?;
        }
        Ok(Distributed {
            comm,
            rank: rank as usize,
            size: size as usize,
            bucket: DEFAULT_BUCKET,
            recv: RefCell::new(Vec::new()),
            send: RefCell::new(Vec::new()),
            _universe: universe,
        })
    }

    /// This process's rank, `0..size`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is rank 0, the one that saves files and whose state is broadcast.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// How many `f32`s one MPI call moves at most (default 256 Ki, 1 MiB).
    pub fn bucket_elements(&self) -> usize {
        self.bucket
    }

    /// Sets [`bucket_elements`](Self::bucket_elements) (at least 1, at most `i32::MAX`). Smaller
    /// buckets keep the buffer reduced values land in small (cache-resident) at the cost of more
    /// calls. Every rank must use the same size.
    pub fn set_bucket_elements(&mut self, elements: usize) {
        self.bucket = elements.clamp(1, MAX_COUNT);
    }

    /// This rank's [`DistributedSampler`] over a data set of `len` samples.
    pub fn sampler(&self, len: usize) -> Result<DistributedSampler, DistError> {
        DistributedSampler::new(len, self.rank, self.size)
    }

    /// Waits until every rank has called it.
    pub fn barrier(&self) -> Result<(), DistError> {
        // SAFETY: `self.comm` is valid while `self` lives.
        check("MPI_Barrier", unsafe { ffi::MPI_Barrier(self.comm) })
    }

    /// Replaces `grads` on every rank by the sum over ranks, then multiplies it by `1 / size`:
    /// the gradient of the mean loss over the global batch, when every rank's `grads` is the
    /// mean gradient of an equal share of it.
    ///
    /// # Errors
    ///
    /// [`DistError::TreeMismatch`] or [`DistError::LayoutMismatch`] (on every rank) if the
    /// ranks' trees differ; [`DistError::Mpi`] if MPI fails. On error `grads` may hold partial
    /// sums.
    pub fn all_reduce_mean<P: Parameters>(&self, grads: &mut P) -> Result<(), DistError> {
        self.reduce_tree(grads, "all_reduce_mean")?;
        if self.size > 1 {
            let scale = 1.0 / self.size as f32;
            match layout::flat_mut(grads) {
                Some(flat) => flat.iter_mut().for_each(|g| *g *= scale),
                None => (0..P::TENSORS)
                    .for_each(|k| grads.tensor_mut(k).iter_mut().for_each(|g| *g *= scale)),
            }
        }
        Ok(())
    }

    /// Replaces `grads` on every rank by the element-wise sum over ranks.
    ///
    /// # Errors
    ///
    /// As [`all_reduce_mean`](Self::all_reduce_mean).
    pub fn all_reduce_sum<P: Parameters>(&self, grads: &mut P) -> Result<(), DistError> {
        self.reduce_tree(grads, "all_reduce_sum")
    }

    /// Replaces `values` on every rank by their element-wise sum over ranks, in `f64`: losses,
    /// counts of correct answers, timings. Every rank must pass the same number of values.
    pub fn sum_f64(&self, values: &mut [f64]) -> Result<(), DistError> {
        let mut out = vec![0.0f64; values.len()];
        for (chunk, out) in values.chunks(MAX_COUNT).zip(out.chunks_mut(MAX_COUNT)) {
            self.all_reduce_raw(chunk, out, Reduce::Sum)?;
        }
        values.copy_from_slice(&out);
        Ok(())
    }

    /// Overwrites `params` on every rank with rank 0's: every rank starts from the same model.
    ///
    /// # Errors
    ///
    /// As [`all_reduce_mean`](Self::all_reduce_mean); on error `params` may be partly
    /// overwritten.
    pub fn broadcast_params<P: Parameters>(&self, params: &mut P) -> Result<(), DistError> {
        let offsets = layout::contiguous_offsets(params);
        self.agree_on_tree::<P>("broadcast_params", offsets.as_deref())?;
        if self.size == 1 {
            return Ok(());
        }
        if let Some(flat) = layout::flat_mut(params) {
            for chunk in flat.chunks_mut(self.bucket) {
                self.broadcast_raw(chunk)?;
            }
            return Ok(());
        }
        let mut send = self.send.borrow_mut();
        for (start, len) in ranges(P::numel(), self.bucket) {
            let bucket = sized(&mut send, len);
            if self.is_root() {
                pack(params, start, bucket);
            }
            self.broadcast_raw(bucket)?;
            unpack(params, start, bucket);
        }
        Ok(())
    }

    /// Loads rank 0's optimizer state into every rank's optimizer (after resuming from a saved
    /// state on rank 0; a fresh optimizer is the same everywhere and needs no broadcast).
    ///
    /// # Errors
    ///
    /// On every rank: [`DistError::TreeMismatch`] or [`DistError::LayoutMismatch`] if the
    /// optimizers' parameter trees differ. On the rank where it happened:
    /// [`DistError::State`] if rank 0's state does not fit this rank's optimizer (which is then
    /// unchanged), [`DistError::File`] if rank 0 cannot encode its state; on the others,
    /// [`DistError::PeerFailed`].
    pub fn broadcast_optimizer<O: Checkpoint>(&self, optimizer: &mut O) -> Result<(), DistError> {
        const OPERATION: &str = "broadcast_optimizer";
        self.agree_on_tree::<O::Params>(OPERATION, None)?;
        if self.size == 1 {
            return Ok(());
        }
        // The state's length goes first; u64::MAX says that rank 0 could not encode it.
        let encoded = if self.is_root() {
            Some(io::state_to_bytes(&optimizer.state_dict()))
        } else {
            None
        };
        let mut len = match &encoded {
            Some(Ok(bytes)) => bytes.len() as u64,
            _ => u64::MAX,
        };
        self.broadcast_raw(core::slice::from_mut(&mut len))?;
        if len == u64::MAX {
            return match encoded {
                Some(Err(err)) => Err(err.into()),
                _ => Err(DistError::PeerFailed {
                    operation: OPERATION,
                }),
            };
        }
        let mut bytes = match encoded {
            Some(Ok(bytes)) => bytes,
            _ => vec![0u8; len as usize],
        };
        for chunk in bytes.chunks_mut(MAX_COUNT) {
            self.broadcast_raw(chunk)?;
        }
        let loaded = if self.is_root() {
            Ok(())
        } else {
            io::state_from_bytes(&bytes)
                .map_err(DistError::from)
                .and_then(|state| Ok(optimizer.load_state_dict(&state)?))
        };
        self.agree(OPERATION, loaded)
    }

    /// Writes `params` to a safetensors file at `path` on rank 0 only ([`io::save`]); every rank
    /// returns once it is written.
    ///
    /// # Errors
    ///
    /// On rank 0 the file error, on the others [`DistError::PeerFailed`].
    pub fn save_params<P: Parameters>(
        &self,
        params: &P,
        path: impl AsRef<Path>,
    ) -> Result<(), DistError> {
        let saved = if self.is_root() {
            io::save(params, path).map_err(DistError::from)
        } else {
            Ok(())
        };
        self.agree("save_params", saved)
    }

    /// Writes the optimizer's state to a file at `path` on rank 0 only ([`io::save_state`]);
    /// every rank returns once it is written.
    ///
    /// # Errors
    ///
    /// On rank 0 the file error, on the others [`DistError::PeerFailed`].
    pub fn save_optimizer<O: Checkpoint>(
        &self,
        optimizer: &O,
        path: impl AsRef<Path>,
    ) -> Result<(), DistError> {
        let saved = if self.is_root() {
            io::save_state(&optimizer.state_dict(), path).map_err(DistError::from)
        } else {
            Ok(())
        };
        self.agree("save_optimizer", saved)
    }

    /// The sum over ranks of `grads`, in buckets, after checking that the trees agree.
    fn reduce_tree<P: Parameters>(
        &self,
        grads: &mut P,
        operation: &'static str,
    ) -> Result<(), DistError> {
        let offsets = layout::contiguous_offsets(grads);
        self.agree_on_tree::<P>(operation, offsets.as_deref())?;
        if self.size == 1 {
            return Ok(());
        }
        let mut recv = self.recv.borrow_mut();
        if let Some(flat) = layout::flat_mut(grads) {
            for chunk in flat.chunks_mut(self.bucket) {
                let out = sized(&mut recv, chunk.len());
                self.all_reduce_raw(chunk, out, Reduce::Sum)?;
                chunk.copy_from_slice(out);
            }
            return Ok(());
        }
        let mut send = self.send.borrow_mut();
        for (start, len) in ranges(P::numel(), self.bucket) {
            let (bucket, out) = (sized(&mut send, len), sized(&mut recv, len));
            pack(grads, start, bucket);
            self.all_reduce_raw(bucket, out, Reduce::Sum)?;
            unpack(grads, start, out);
        }
        Ok(())
    }

    /// `MPI_Allreduce` of `send` into `out` (of the same length, at most `MAX_COUNT`).
    fn all_reduce_raw<T: Element>(
        &self,
        send: &[T],
        out: &mut [T],
        reduce: Reduce,
    ) -> Result<(), DistError> {
        debug_assert!(send.len() == out.len() && send.len() <= MAX_COUNT);
        // SAFETY: both buffers hold `send.len()` elements of the type `T::datatype` names, and
        // they do not overlap (one is borrowed mutably).
        check("MPI_Allreduce", unsafe {
            let op = match reduce {
                Reduce::Sum => ffi::RSMPI_SUM,
                Reduce::Max => ffi::RSMPI_MAX,
            };
            ffi::MPI_Allreduce(
                send.as_ptr().cast::<c_void>(),
                out.as_mut_ptr().cast::<c_void>(),
                send.len() as c_int,
                T::datatype(),
                op,
                self.comm,
            )
        })
    }

    /// `MPI_Bcast` of `buffer` (at most `MAX_COUNT` elements) from rank 0.
    fn broadcast_raw<T: Element>(&self, buffer: &mut [T]) -> Result<(), DistError> {
        debug_assert!(buffer.len() <= MAX_COUNT);
        // SAFETY: the buffer holds `buffer.len()` elements of the type `T::datatype` names.
        check("MPI_Bcast", unsafe {
            ffi::MPI_Bcast(
                buffer.as_mut_ptr().cast::<c_void>(),
                buffer.len() as c_int,
                T::datatype(),
                0,
                self.comm,
            )
        })
    }

    /// Checks, in one collective call, that every rank has a tree of `P`'s size and layout for
    /// the same operation.
    fn agree_on_tree<P: Parameters>(
        &self,
        operation: &'static str,
        offsets: Option<&[usize]>,
    ) -> Result<(), DistError> {
        let elements = P::numel() as u64;
        let print = layout::fingerprint::<P>(operation, offsets);
        // The maximum of x and of !x over ranks: both the largest and the smallest value.
        let mut seen = [elements, !elements, print, !print];
        self.max_u64(&mut seen)?;
        let (largest, smallest) = (seen[0], !seen[1]);
        if largest != smallest {
            return Err(DistError::TreeMismatch {
                operation,
                elements: elements as usize,
                smallest: smallest as usize,
                largest: largest as usize,
            });
        }
        if seen[2] != !seen[3] {
            return Err(DistError::LayoutMismatch { operation });
        }
        Ok(())
    }

    /// Returns `local` if every rank succeeded, else this rank's error or
    /// [`DistError::PeerFailed`].
    fn agree(
        &self,
        operation: &'static str,
        local: Result<(), DistError>,
    ) -> Result<(), DistError> {
        let mut failed = [u64::from(local.is_err())];
        self.max_u64(&mut failed)?;
        match local {
            Err(err) => Err(err),
            Ok(()) if failed[0] != 0 => Err(DistError::PeerFailed { operation }),
            Ok(()) => Ok(()),
        }
    }

    /// The element-wise maximum over ranks of a few integers.
    fn max_u64<const N: usize>(&self, values: &mut [u64; N]) -> Result<(), DistError> {
        let mut out = [0u64; N];
        self.all_reduce_raw(values, &mut out, Reduce::Max)?;
        *values = out;
        Ok(())
    }
}

impl Drop for Distributed {
    fn drop(&mut self) {
        // SAFETY: `comm` came from MPI_Comm_dup and is freed once, before MPI is finalised.
        unsafe {
            ffi::MPI_Comm_free(&mut self.comm);
        }
    }
}

/// `0..total` in pieces of at most `bucket`: each piece's start and length.
fn ranges(total: usize, bucket: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..total)
        .step_by(bucket)
        .map(move |start| (start, bucket.min(total - start)))
}

/// The first `len` elements of `buffer`, grown as needed (never shrunk: reused every step).
fn sized(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
    &mut buffer[..len]
}

/// Copies the tree's elements `start..start + out.len()`, counted across its tensors in index
/// order, into `out`.
fn pack<P: Parameters>(tree: &P, start: usize, out: &mut [f32]) {
    let mut base = 0;
    for k in 0..P::TENSORS {
        let t = tree.tensor(k);
        let (lo, hi) = overlap(base, t.len(), start, out.len());
        if lo < hi {
            out[lo + base - start..hi + base - start].copy_from_slice(&t[lo..hi]);
        }
        base += t.len();
    }
}

/// The inverse of [`pack`]: writes `values` to the tree's elements from `start`.
fn unpack<P: Parameters>(tree: &mut P, start: usize, values: &[f32]) {
    let mut base = 0;
    for k in 0..P::TENSORS {
        let t = tree.tensor_mut(k);
        let len = t.len();
        let (lo, hi) = overlap(base, len, start, values.len());
        if lo < hi {
            t[lo..hi].copy_from_slice(&values[lo + base - start..hi + base - start]);
        }
        base += len;
    }
}

/// The part of a tensor at `base..base + len` inside `start..start + count`, as indices into
/// the tensor (`lo == hi` when they do not meet).
fn overlap(base: usize, len: usize, start: usize, count: usize) -> (usize, usize) {
    let lo = start.max(base).min(base + len) - base;
    let hi = (start + count).max(base).min(base + len) - base;
    (lo, hi.max(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(crate::Parameters, Clone, Copy, Debug, PartialEq)]
    struct Tree {
        a: [[f32; 3]; 2],
        empty: [f32; 0],
        b: [f32; 5],
    }

    /// A tree packed in buckets of every size comes back unchanged, element by element in
    /// tensor order.
    #[test]
    fn pack_and_unpack_cover_every_element_once() {
        let numel = 11;
        let original: Vec<f32> = (0..numel).map(|i| i as f32 * 0.5 - 1.0).collect();
        for bucket in 1..=numel + 2 {
            let mut tree = Tree {
                a: [[0.0; 3]; 2],
                empty: [],
                b: [0.0; 5],
            };
            let mut start = 0;
            while start < numel {
                let len = bucket.min(numel - start);
                unpack(&mut tree, start, &original[start..start + len]);
                start += len;
            }
            assert_eq!(tree.a[1], [0.5, 1.0, 1.5], "bucket {bucket}");
            assert_eq!(tree.b[4], 4.0, "bucket {bucket}");
            let mut seen = Vec::new();
            let mut start = 0;
            while start < numel {
                let mut out = vec![f32::NAN; bucket.min(numel - start)];
                pack(&tree, start, &mut out);
                seen.extend_from_slice(&out);
                start += out.len();
            }
            assert_eq!(seen, original, "bucket {bucket}");
        }
    }

    #[test]
    fn ranges_cut_a_tree_into_buckets() {
        let pieces: Vec<_> = ranges(11, 4).collect();
        assert_eq!(pieces, [(0, 4), (4, 4), (8, 3)]);
        assert_eq!(ranges(8, 8).collect::<Vec<_>>(), [(0, 8)]);
        assert_eq!(ranges(0, 8).count(), 0);
    }

    #[test]
    fn errors_say_what_failed() {
        let err = DistError::TreeMismatch {
            operation: "all_reduce_mean",
            elements: 4,
            smallest: 4,
            largest: 5,
        };
        assert_eq!(
            err.to_string(),
            "all_reduce_mean: the ranks' trees differ in size (this rank 4 elements, the others \
             between 4 and 5)"
        );
        let err = DistError::Mpi {
            call: "MPI_Bcast",
            code: 2,
            message: "MPI_ERR_COUNT: invalid count argument".into(),
        };
        assert_eq!(
            err.to_string(),
            "MPI_Bcast failed with MPI error 2: MPI_ERR_COUNT: invalid count argument"
        );
    }
}
