//! Parameter files: any [`Parameters`] tree to and from [safetensors], with PyTorch's
//! `state_dict` names (`layer1.weight`) and shapes, so weights move between this crate and
//! PyTorch (`safetensors.torch.save_file` / `load_file`).
//!
//! Loading checks everything before it writes anything: a file that is not valid safetensors,
//! a missing tensor, an unexpected extra one (strict by default, like PyTorch's
//! `load_state_dict(strict=True)`), a wrong shape or a dtype other than `F32` (or a buffer's:
//! `num_batches_tracked` is `I64`) is a
//! [`FileError`] naming the tensor, and leaves the parameters untouched.
//!
//! Each operation comes for a path and for bytes: [`save`] / [`to_bytes`], [`load`] /
//! [`from_bytes`] (a new value, strictly), [`load_boxed`] / [`from_bytes_boxed`] (a new value
//! on the heap, strictly), and [`load_into`] / [`from_bytes_into`] (into existing parameters,
//! with [`LoadOptions`]).
//!
//! # Large models
//!
//! [`load`] and [`from_bytes`] return the model by value, so it passes through the stack (more
//! than once in a debug build): fine for small models, an overflow for a model of megabytes.
//! [`load_boxed`] allocates the model zeroed on the heap and reads the file into it where it
//! is; [`load_into`] reads into parameters you already have (a `Box<Model>` among them). Both
//! read tensor by tensor from the file's bytes into the model, and keep nothing of the model's
//! size on the stack.
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::{io, Parameters, Zero};
//!
//! #[derive(Parameters, Debug, PartialEq)]
//! struct Linear {
//!     weight: [[f32; 3]; 2],
//!     bias: [f32; 2],
//! }
//!
//! let mut model = Linear::zero();
//! model.bias = [1.0, -2.0];
//! let bytes = io::to_bytes(&model)?;
//! let loaded: Linear = io::from_bytes(&bytes)?;
//! assert_eq!(loaded, model);
//! # Ok::<(), io::FileError>(())
//! ```
//!
//! An optimizer's [`StateDict`] goes to a safetensors file too ([`save_state`], [`load_state`]):
//! its buffers as tensors, its step count and learning rates in the metadata.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use crate::optim::{GroupState, StateDict, TensorState};
use crate::params::{BufferDtype, Parameters};
use crate::tensor::{Shape, Zeroable};
use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// Why a parameter file could not be written or read.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The bytes are not a valid safetensors file (truncated, corrupted header or offsets).
    Corrupt {
        /// What the safetensors parser found wrong.
        reason: String,
    },
    /// The parameters could not be written as safetensors: a tensor whose elements do not fill
    /// its shape (a hand-written [`Parameters`] at fault), or the encoder refused them.
    Encode {
        /// What went wrong, naming the tensor where there is one.
        reason: String,
    },
    /// The model has a tensor the file lacks.
    MissingTensor {
        /// The tensor's dotted name.
        name: String,
    },
    /// The file has a tensor the model lacks (only when loading strictly).
    UnexpectedTensor {
        /// The tensor's name in the file.
        name: String,
    },
    /// A tensor's shape in the file differs from the model's.
    ShapeMismatch {
        /// The tensor's dotted name.
        name: String,
        /// The model's shape, outermost dimension first.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A tensor in the file is not of the model's dtype (`F32`; `I64` for an integer buffer).
    DtypeMismatch {
        /// The tensor's dotted name.
        name: String,
        /// The file's dtype (`F16`, `F64`, `I64`, ...).
        found: String,
    },
    /// The model gives two tensors one name, so a file cannot tell them apart.
    DuplicateName {
        /// The repeated name.
        name: String,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(err) => write!(f, "parameter file: {err}"),
            FileError::Corrupt { reason } => {
                write!(f, "parameter file is not valid safetensors: {reason}")
            }
            FileError::Encode { reason } => {
                write!(f, "cannot write the parameters as safetensors: {reason}")
            }
            FileError::MissingTensor { name } => {
                write!(f, "parameter file has no tensor `{name}`")
            }
            FileError::UnexpectedTensor { name } => write!(
                f,
                "parameter file has a tensor `{name}` the model does not (load non-strictly to \
                 ignore it)"
            ),
            FileError::ShapeMismatch {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` has shape {found:?} in the parameter file, the model expects \
                 {expected:?}"
            ),
            FileError::DtypeMismatch { name, found } => write!(
                f,
                "tensor `{name}` is {found} in the parameter file, the model expects another \
                 dtype (F32 for parameters; buffers such as `num_batches_tracked` are I64)"
            ),
            FileError::DuplicateName { name } => {
                write!(f, "the model has two tensors named `{name}`")
            }
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<std::io::Error> for FileError {
    fn from(err: std::io::Error) -> Self {
        FileError::Io(err)
    }
}

fn corrupt(err: SafeTensorError) -> FileError {
    FileError::Corrupt {
        reason: err.to_string(),
    }
}

fn encode(err: SafeTensorError) -> FileError {
    FileError::Encode {
        reason: err.to_string(),
    }
}

/// How [`load_into`] and [`from_bytes_into`] treat names that do not match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// `true` (the default): every tensor of the model must be in the file and nothing else.
    /// `false`: tensors missing from the file keep their current values and extra tensors in
    /// the file are ignored; shapes and dtypes are still checked (as in PyTorch).
    pub strict: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { strict: true }
    }
}

/// The dotted names of `P`'s tensors, then of its buffers, checked to be distinct.
fn names<P: Parameters>() -> Result<Vec<String>, FileError> {
    let names: Vec<String> = (0..P::TENSORS)
        .map(P::name)
        .chain((0..P::BUFFERS).map(P::buffer_name))
        .collect();
    let mut seen = HashSet::with_capacity(names.len());
    for name in &names {
        if !seen.insert(name.as_str()) {
            return Err(FileError::DuplicateName { name: name.clone() });
        }
    }
    Ok(names)
}

/// What entry `k` of [`names`] is: a tensor (`F32`) or a buffer.
fn entry<P: Parameters>(k: usize) -> (Shape, Dtype) {
    if k < P::TENSORS {
        (P::shape(k), Dtype::F32)
    } else {
        let b = k - P::TENSORS;
        let dtype = match P::buffer_dtype(b) {
            BufferDtype::F32 => Dtype::F32,
            BufferDtype::I64 => Dtype::I64,
        };
        (P::buffer_shape(b), dtype)
    }
}

/// The parameters as the bytes of a safetensors file: one `F32` tensor per parameter tensor,
/// little-endian, then the buffers (running statistics) in their dtypes, with the
/// `{"format": "pt"}` metadata PyTorch's `save_file` writes: a `state_dict`.
pub fn to_bytes<P: Parameters>(params: &P) -> Result<Vec<u8>, FileError> {
    let names = names::<P>()?;
    let tensors = (0..P::TENSORS).map(|k| {
        let bytes: Vec<u8> = params
            .tensor(k)
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        bytes
    });
    let buffers = (0..P::BUFFERS).map(|k| {
        let mut bytes = vec![0; P::buffer_shape(k).len() * P::buffer_dtype(k).size()];
        params.read_buffer(k, &mut bytes);
        bytes
    });
    let data: Vec<Vec<u8>> = tensors.chain(buffers).collect();
    let mut views = Vec::with_capacity(data.len());
    for (k, (name, bytes)) in names.iter().zip(&data).enumerate() {
        let (shape, dtype) = entry::<P>(k);
        let size = dtype.bitsize() / 8;
        if bytes.len() != size * shape.len() {
            return Err(FileError::Encode {
                reason: format!(
                    "tensor `{name}` has {} elements, its shape {shape} needs {}",
                    bytes.len() / size,
                    shape.len()
                ),
            });
        }
        let view = TensorView::new(dtype, shape.dims().to_vec(), bytes).map_err(encode)?;
        views.push((name.as_str(), view));
    }
    let metadata = HashMap::from([("format".to_owned(), "pt".to_owned())]);
    safetensors::serialize(views, Some(metadata)).map_err(encode)
}

/// Writes the parameters to a safetensors file at `path`.
pub fn save<P: Parameters>(params: &P, path: impl AsRef<Path>) -> Result<(), FileError> {
    std::fs::write(path, to_bytes(params)?)?;
    Ok(())
}

/// Reads parameters from the bytes of a safetensors file, strictly. The value is returned
/// through the stack: for a large model, [`from_bytes_boxed`].
pub fn from_bytes<P: Parameters>(bytes: &[u8]) -> Result<P, FileError> {
    let mut params = P::zero();
    from_bytes_into(&mut params, bytes, LoadOptions::default())?;
    Ok(params)
}

/// Reads parameters from a safetensors file at `path`, strictly (every tensor present, none
/// extra). The value is returned through the stack: for a large model, [`load_boxed`].
pub fn load<P: Parameters>(path: impl AsRef<Path>) -> Result<P, FileError> {
    from_bytes(&std::fs::read(path)?)
}

/// [`from_bytes`] onto the heap: the parameters are allocated zeroed and read in place, so a
/// model of any size loads on a small stack.
pub fn from_bytes_boxed<P: Parameters + Zeroable>(bytes: &[u8]) -> Result<Box<P>, FileError> {
    let mut params = P::boxed_zero();
    from_bytes_into(&mut *params, bytes, LoadOptions::default())?;
    Ok(params)
}

/// [`load`] onto the heap: reads parameters from a safetensors file at `path`, strictly, into a
/// zeroed allocation, so a model of any size loads on a small stack.
pub fn load_boxed<P: Parameters + Zeroable>(path: impl AsRef<Path>) -> Result<Box<P>, FileError> {
    from_bytes_boxed(&std::fs::read(path)?)
}

/// Overwrites `params` with the tensors of the safetensors file at `path` (the file-reading
/// twin of [`from_bytes_into`], as [`load`] is of [`from_bytes`]). On `Err` the parameters
/// are unchanged.
pub fn load_into<P: Parameters>(
    params: &mut P,
    path: impl AsRef<Path>,
    options: LoadOptions,
) -> Result<(), FileError> {
    from_bytes_into(params, &std::fs::read(path)?, options)
}

/// Overwrites `params` with the tensors of the bytes of a safetensors file. Everything is
/// checked before anything is written, so on `Err` the parameters are unchanged.
pub fn from_bytes_into<P: Parameters>(
    params: &mut P,
    bytes: &[u8],
    options: LoadOptions,
) -> Result<(), FileError> {
    let file = SafeTensors::deserialize(bytes).map_err(corrupt)?;
    let names = names::<P>()?;

    // Check every tensor first, in the model's order, so the first error is deterministic.
    let mut sources: Vec<Option<&[u8]>> = Vec::with_capacity(names.len());
    for (k, name) in names.iter().enumerate() {
        let view = match file.tensor(name) {
            Ok(view) => view,
            Err(SafeTensorError::TensorNotFound(_)) if !options.strict => {
                sources.push(None);
                continue;
            }
            Err(SafeTensorError::TensorNotFound(_)) => {
                return Err(FileError::MissingTensor { name: name.clone() })
            }
            Err(err) => return Err(corrupt(err)),
        };
        let (expected, dtype) = entry::<P>(k);
        if view.dtype() != dtype {
            return Err(FileError::DtypeMismatch {
                name: name.clone(),
                found: view.dtype().to_string(),
            });
        }
        if view.shape() != expected.dims() {
            return Err(FileError::ShapeMismatch {
                name: name.clone(),
                expected: expected.dims().to_vec(),
                found: view.shape().to_vec(),
            });
        }
        // The parser validates offsets against shapes; checked again so no input can panic.
        let size = dtype.bitsize() / 8;
        if view.data().len() != size * expected.len() {
            return Err(FileError::Corrupt {
                reason: format!(
                    "tensor `{name}` holds {} bytes, its shape needs {}",
                    view.data().len(),
                    size * expected.len()
                ),
            });
        }
        sources.push(Some(view.data()));
    }
    if options.strict {
        let known: HashSet<&str> = names.iter().map(String::as_str).collect();
        let mut extra: Vec<&str> = file
            .names()
            .into_iter()
            .filter(|n| !known.contains(n))
            .collect();
        extra.sort_unstable();
        if let Some(name) = extra.first() {
            return Err(FileError::UnexpectedTensor {
                name: (*name).to_owned(),
            });
        }
    }

    for (k, source) in sources.into_iter().enumerate() {
        match source {
            Some(bytes) if k < P::TENSORS => {
                for (x, b) in params.tensor_mut(k).iter_mut().zip(bytes.chunks_exact(4)) {
                    *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            Some(bytes) => params.write_buffer(k - P::TENSORS, bytes),
            None => {}
        }
    }
    Ok(())
}

/// The `format` metadata of an optimizer-state file.
const STATE_FORMAT: &str = "backprop-optimizer-state";

/// An optimizer's [`StateDict`] as the bytes of a safetensors file: each buffer is an `F32`
/// tensor `state.{tensor}.{buffer}` (`state.0.exp_avg`), and the step count, learning rates and
/// groups are text in the metadata (learning rates printed so that they read back exactly).
/// [`state_from_bytes`] reads it back to an equal `StateDict`.
pub fn state_to_bytes(state: &StateDict) -> Result<Vec<u8>, FileError> {
    let mut metadata = HashMap::from([
        ("format".to_owned(), STATE_FORMAT.to_owned()),
        ("optimizer".to_owned(), state.optimizer.clone()),
        ("step".to_owned(), state.step.to_string()),
        ("groups".to_owned(), state.param_groups.len().to_string()),
        (
            "tensors".to_owned(),
            join(state.state.iter().map(|t| t.tensor)),
        ),
    ]);
    for (g, group) in state.param_groups.iter().enumerate() {
        let initial = group
            .initial_lr
            .map_or("none".to_owned(), |lr| format!("{lr:?}"));
        metadata.insert(
            format!("group.{g}"),
            format!("{:?};{initial};{}", group.lr, join(group.params.iter())),
        );
    }
    let mut data = Vec::new();
    for t in &state.state {
        metadata.insert(format!("tensor.{}.name", t.tensor), t.name.clone());
        let buffers = join(t.buffers.iter().map(|(name, _)| name));
        metadata.insert(format!("tensor.{}.buffers", t.tensor), buffers);
        for (name, values) in &t.buffers {
            let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            data.push((format!("state.{}.{name}", t.tensor), values.len(), bytes));
        }
    }
    let mut views = Vec::with_capacity(data.len());
    for (name, len, bytes) in &data {
        let view = TensorView::new(Dtype::F32, vec![*len], bytes).map_err(corrupt)?;
        views.push((name.as_str(), view));
    }
    safetensors::serialize(views, Some(metadata)).map_err(corrupt)
}

/// Reads an optimizer state written by [`state_to_bytes`]. Checks the file's structure only:
/// whether the state fits an optimizer is [`Optimizer::load_state_dict`](crate::Optimizer)'s
/// to check.
pub fn state_from_bytes(bytes: &[u8]) -> Result<StateDict, FileError> {
    let file = SafeTensors::deserialize(bytes).map_err(corrupt)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(corrupt)?;
    let empty = HashMap::new();
    let meta = header.metadata().as_ref().unwrap_or(&empty);
    let field = |key: &str| {
        meta.get(key)
            .map(String::as_str)
            .ok_or_else(|| FileError::Corrupt {
                reason: format!("optimizer state without `{key}` metadata"),
            })
    };
    let bad = |key: &str, text: &str| FileError::Corrupt {
        reason: format!("optimizer state: `{key}` is `{text}`"),
    };
    if field("format")? != STATE_FORMAT {
        return Err(bad("format", field("format")?));
    }
    let number = |key: &str| -> Result<u64, FileError> {
        let text = field(key)?;
        text.parse().map_err(|_| bad(key, text))
    };
    let list = |key: &str, text: &str| -> Result<Vec<usize>, FileError> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        text.split(',')
            .map(|n| n.parse().map_err(|_| bad(key, text)))
            .collect()
    };
    let groups = number("groups")?;
    let mut param_groups = Vec::new();
    for g in 0..groups {
        let key = format!("group.{g}");
        let text = field(&key)?;
        let [lr, initial, params] = text.split(';').collect::<Vec<_>>()[..] else {
            return Err(bad(&key, text));
        };
        param_groups.push(GroupState {
            lr: lr.parse().map_err(|_| bad(&key, text))?,
            initial_lr: match initial {
                "none" => None,
                lr => Some(lr.parse().map_err(|_| bad(&key, text))?),
            },
            params: list(&key, params)?,
        });
    }
    let mut state = Vec::new();
    for tensor in list("tensors", field("tensors")?)? {
        let mut buffers = Vec::new();
        let key = format!("tensor.{tensor}.buffers");
        let names = field(&key)?;
        for name in names.split(',').filter(|n| !n.is_empty()) {
            let full = format!("state.{tensor}.{name}");
            let view = file.tensor(&full).map_err(|err| match err {
                SafeTensorError::TensorNotFound(_) => {
                    FileError::MissingTensor { name: full.clone() }
                }
                err => corrupt(err),
            })?;
            if view.dtype() != Dtype::F32 {
                let found = view.dtype().to_string();
                return Err(FileError::DtypeMismatch { name: full, found });
            }
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            buffers.push((name.to_owned(), values));
        }
        let name = field(&format!("tensor.{tensor}.name"))?.to_owned();
        state.push(TensorState {
            tensor,
            name,
            buffers,
        });
    }
    Ok(StateDict {
        optimizer: field("optimizer")?.to_owned(),
        step: number("step")?,
        param_groups,
        state,
    })
}

/// Writes an optimizer's state to a file at `path` ([`state_to_bytes`]).
pub fn save_state(state: &StateDict, path: impl AsRef<Path>) -> Result<(), FileError> {
    std::fs::write(path, state_to_bytes(state)?)?;
    Ok(())
}

/// Reads an optimizer state from a file at `path` ([`state_from_bytes`]).
pub fn load_state(path: impl AsRef<Path>) -> Result<StateDict, FileError> {
    state_from_bytes(&std::fs::read(path)?)
}

/// The items, comma-separated.
fn join<T: fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Checkpoint;
    use crate::Zero;

    #[derive(crate::Parameters, Debug, PartialEq)]
    struct Linear<const IN: usize, const OUT: usize> {
        weight: [[f32; IN]; OUT],
        bias: [f32; OUT],
    }

    #[derive(crate::Parameters, Debug, PartialEq)]
    struct Mlp {
        layer1: Linear<3, 4>,
        layer2: Linear<4, 2>,
        scale: f32,
    }

    /// Two fields that claim one name: possible with a hand-written `Parameters`.
    #[derive(Debug)]
    struct Clash([f32; 2]);

    impl Zero for Clash {
        fn zero() -> Self {
            Clash([0.0; 2])
        }
        fn set_zero(&mut self) {
            self.0 = [0.0; 2];
        }
    }

    impl Parameters for Clash {
        const TENSORS: usize = 2;
        fn tensor(&self, k: usize) -> &[f32] {
            &self.0[k..k + 1]
        }
        fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
            &mut self.0[k..k + 1]
        }
        fn shape(_: usize) -> crate::Shape {
            crate::Shape::SCALAR.prepend(1)
        }
        fn write_name(_: usize, out: &mut dyn fmt::Write) -> fmt::Result {
            out.write_str("w")
        }
    }

    /// Distinct values everywhere, so a swapped or misplaced tensor cannot go unnoticed.
    fn sample() -> Mlp {
        let mut m = Mlp::zero();
        let mut next = 0.5f32;
        for k in 0..Mlp::TENSORS {
            for x in m.tensor_mut(k) {
                *x = next;
                next = -(next * 1.25 + 0.125);
            }
        }
        m
    }

    /// A safetensors file written directly, to build files the model does not match.
    fn file(tensors: &[(&str, Dtype, &[usize])]) -> Vec<u8> {
        let data: Vec<Vec<u8>> = tensors
            .iter()
            .map(|(_, dtype, shape)| {
                vec![0u8; shape.iter().product::<usize>() * dtype.bitsize() / 8]
            })
            .collect();
        let views = tensors
            .iter()
            .zip(&data)
            .map(|((name, dtype, shape), bytes)| {
                (
                    *name,
                    TensorView::new(*dtype, shape.to_vec(), bytes).unwrap(),
                )
            });
        safetensors::serialize(views, None).unwrap()
    }

    /// The tensors of `Mlp`, with `edit` applied to the list.
    fn mlp_file(edit: impl FnOnce(&mut Vec<(&'static str, Dtype, &'static [usize])>)) -> Vec<u8> {
        let mut tensors: Vec<(&str, Dtype, &[usize])> = vec![
            ("layer1.weight", Dtype::F32, &[4, 3]),
            ("layer1.bias", Dtype::F32, &[4]),
            ("layer2.weight", Dtype::F32, &[2, 4]),
            ("layer2.bias", Dtype::F32, &[2]),
            ("scale", Dtype::F32, &[]),
        ];
        edit(&mut tensors);
        file(&tensors)
    }

    #[test]
    fn round_trip_keeps_every_value() {
        let m = sample();
        let bytes = to_bytes(&m).unwrap();
        assert_eq!(from_bytes::<Mlp>(&bytes).unwrap(), m);
    }

    #[test]
    fn round_trip_through_a_file() {
        let path =
            std::env::temp_dir().join(format!("backprop-io-{}.safetensors", std::process::id()));
        let m = sample();
        save(&m, &path).unwrap();
        let loaded: Result<Mlp, _> = load(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(loaded.unwrap(), m);
        assert!(matches!(load::<Mlp>(&path), Err(FileError::Io(_))));
    }

    #[test]
    fn the_file_has_pytorch_names_shapes_and_dtype() {
        let bytes = to_bytes(&sample()).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let mut names = file.names();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "layer1.bias",
                "layer1.weight",
                "layer2.bias",
                "layer2.weight",
                "scale"
            ]
        );
        let w = file.tensor("layer1.weight").unwrap();
        assert_eq!((w.dtype(), w.shape()), (Dtype::F32, &[4usize, 3][..]));
        // Row-major little-endian: weight[0][1] is the second value of `sample`.
        assert_eq!(&w.data()[4..8], &(-(0.5f32 * 1.25 + 0.125)).to_le_bytes());
        assert_eq!(file.tensor("scale").unwrap().shape(), &[] as &[usize]);
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        assert_eq!(meta.metadata().as_ref().unwrap()["format"], "pt");
    }

    #[test]
    fn boxed_loads_read_what_loads_read() {
        let bytes = to_bytes(&sample()).unwrap();
        assert_eq!(*from_bytes_boxed::<Mlp>(&bytes).unwrap(), sample());
        let path = std::env::temp_dir().join(format!(
            "backprop-io-boxed-{}.safetensors",
            std::process::id()
        ));
        std::fs::write(&path, &bytes).unwrap();
        let loaded = load_boxed::<Mlp>(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(*loaded.unwrap(), sample());
        assert!(matches!(load_boxed::<Mlp>(&path), Err(FileError::Io(_))));
        // Strict, as `load` is.
        let extra = mlp_file(|t| t.push(("extra", Dtype::F32, &[1])));
        assert!(matches!(
            from_bytes_boxed::<Mlp>(&extra),
            Err(FileError::UnexpectedTensor { name }) if name == "extra"
        ));
    }

    #[test]
    fn a_matching_file_loads() {
        assert_eq!(from_bytes::<Mlp>(&mlp_file(|_| {})).unwrap(), Mlp::zero());
    }

    #[test]
    fn a_missing_tensor_is_named() {
        let bytes = mlp_file(|t| {
            t.remove(2);
        });
        match from_bytes::<Mlp>(&bytes) {
            Err(FileError::MissingTensor { name }) => assert_eq!(name, "layer2.weight"),
            other => panic!("expected a missing tensor, got {other:?}"),
        }
    }

    #[test]
    fn an_unexpected_tensor_is_named() {
        let bytes = mlp_file(|t| t.push(("layer3.bias", Dtype::F32, &[2])));
        match from_bytes::<Mlp>(&bytes) {
            Err(FileError::UnexpectedTensor { name }) => assert_eq!(name, "layer3.bias"),
            other => panic!("expected an unexpected tensor, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_shape_is_named_with_both_shapes() {
        // The transposed weight: the classic mistake when porting a Linear layer.
        let bytes = mlp_file(|t| t[0].2 = &[3, 4]);
        match from_bytes::<Mlp>(&bytes) {
            Err(FileError::ShapeMismatch {
                name,
                expected,
                found,
            }) => {
                assert_eq!(
                    (name.as_str(), expected, found),
                    ("layer1.weight", vec![4, 3], vec![3, 4])
                );
            }
            other => panic!("expected a shape mismatch, got {other:?}"),
        }
        // A scalar saved as a one-element vector is a different shape too.
        let bytes = mlp_file(|t| t[4].2 = &[1]);
        assert!(
            matches!(from_bytes::<Mlp>(&bytes), Err(FileError::ShapeMismatch { name, .. }) if name == "scale")
        );
    }

    #[test]
    fn a_wrong_dtype_is_named() {
        for dtype in [Dtype::F64, Dtype::F16, Dtype::BF16, Dtype::I32] {
            let bytes = mlp_file(|t| t[3].1 = dtype);
            match from_bytes::<Mlp>(&bytes) {
                Err(FileError::DtypeMismatch { name, found }) => {
                    assert_eq!((name.as_str(), found), ("layer2.bias", dtype.to_string()));
                }
                other => panic!("expected a dtype mismatch for {dtype}, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_model_with_two_tensors_of_one_name_is_refused() {
        assert!(
            matches!(to_bytes(&Clash([1.0, 2.0])), Err(FileError::DuplicateName { name }) if name == "w")
        );
        let bytes = file(&[("w", Dtype::F32, &[1])]);
        assert!(matches!(
            from_bytes::<Clash>(&bytes),
            Err(FileError::DuplicateName { .. })
        ));
    }

    #[test]
    fn non_strict_loading_ignores_names_but_not_shapes() {
        let mut m = sample();
        let before = m.layer2.weight;
        let bytes = mlp_file(|t| {
            t.remove(2);
            t.push(("running_mean", Dtype::F32, &[7]));
        });
        from_bytes_into(&mut m, &bytes, LoadOptions { strict: false }).unwrap();
        assert_eq!(m.layer2.weight, before, "a missing tensor keeps its value");
        assert_eq!(m.layer1.weight, [[0.0; 3]; 4], "present tensors are loaded");

        let bytes = mlp_file(|t| t[1].2 = &[5]);
        let err = from_bytes_into(&mut m, &bytes, LoadOptions { strict: false }).unwrap_err();
        assert!(matches!(err, FileError::ShapeMismatch { .. }));
    }

    /// A hand-written tree whose tensor is shorter than its shape says.
    struct Short([f32; 3]);

    impl Zero for Short {
        fn zero() -> Self {
            Short([0.0; 3])
        }
        fn set_zero(&mut self) {
            self.0 = [0.0; 3];
        }
    }

    impl Parameters for Short {
        const TENSORS: usize = 1;
        fn tensor(&self, _: usize) -> &[f32] {
            &self.0[..2]
        }
        fn tensor_mut(&mut self, _: usize) -> &mut [f32] {
            &mut self.0[..2]
        }
        fn shape(_: usize) -> crate::Shape {
            crate::Shape::SCALAR.prepend(3)
        }
        fn write_name(_: usize, out: &mut dyn fmt::Write) -> fmt::Result {
            out.write_str("w")
        }
    }

    #[test]
    fn parameters_that_cannot_be_written_are_an_encode_error_not_a_corrupt_file() {
        let err = to_bytes(&Short([1.0; 3])).unwrap_err();
        assert!(matches!(err, FileError::Encode { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "cannot write the parameters as safetensors: tensor `w` has 2 elements, its shape \
             [3] needs 3"
        );
        let path = std::env::temp_dir().join(format!("backprop-io-short-{}", std::process::id()));
        assert!(matches!(
            save(&Short([1.0; 3]), &path),
            Err(FileError::Encode { .. })
        ));
        assert!(!path.exists(), "nothing is written");
    }

    #[test]
    fn load_into_reads_a_path_as_load_does() {
        let path = std::env::temp_dir().join(format!(
            "backprop-io-into-{}.safetensors",
            std::process::id()
        ));
        save(&sample(), &path).unwrap();
        let mut m = Mlp::zero();
        let loaded = load_into(&mut m, &path, LoadOptions::default());
        std::fs::remove_file(&path).unwrap();
        loaded.unwrap();
        assert_eq!(m, sample());
        let err = load_into(&mut m, &path, LoadOptions::default()).unwrap_err();
        assert!(matches!(err, FileError::Io(_)), "{err:?}");
        assert_eq!(m, sample(), "a failed load changes nothing");
    }

    #[test]
    fn a_failed_load_leaves_the_parameters_untouched() {
        let mut m = sample();
        // Every tensor but the last matches, so a load that wrote as it went would change `m`.
        let bytes = mlp_file(|t| t[4].1 = Dtype::F64);
        assert!(from_bytes_into(&mut m, &bytes, LoadOptions::default()).is_err());
        assert_eq!(m, sample());
    }

    #[test]
    fn errors_name_the_tensor_in_their_message() {
        let err = from_bytes::<Mlp>(&mlp_file(|t| t[0].2 = &[3, 4])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tensor `layer1.weight` has shape [3, 4] in the parameter file, the model expects [4, 3]"
        );
    }

    /// The name of `e`'s variant, to count rejections by kind.
    fn kind(e: &FileError) -> &'static str {
        match e {
            FileError::Io(_) => "Io",
            FileError::Corrupt { .. } => "Corrupt",
            FileError::Encode { .. } => "Encode",
            FileError::MissingTensor { .. } => "MissingTensor",
            FileError::UnexpectedTensor { .. } => "UnexpectedTensor",
            FileError::ShapeMismatch { .. } => "ShapeMismatch",
            FileError::DtypeMismatch { .. } => "DtypeMismatch",
            FileError::DuplicateName { .. } => "DuplicateName",
        }
    }

    /// The bits of every scalar, so that NaNs compare too.
    fn bits(m: &Mlp) -> Vec<u32> {
        (0..Mlp::TENSORS)
            .flat_map(|k| m.tensor(k).iter().map(|x| x.to_bits()))
            .collect()
    }

    /// What the corrupted-file fuzz learnt.
    #[derive(Default, Debug)]
    struct Tally {
        inputs: usize,
        accepted: usize,
        rejected: std::collections::BTreeMap<&'static str, usize>,
    }

    /// Truncations, bit flips and random byte rewrites of a valid file, loaded over a model
    /// with values of its own: loading returns `Ok` or a typed error and never panics; a
    /// failed load leaves the model as it was; a truncated file is `Corrupt`; and a rewrite of
    /// the data alone (not the header) loads, with exactly the rewritten values.
    #[test]
    fn corrupted_files_never_panic() {
        let valid = to_bytes(&sample()).unwrap();
        // The layout, read from the header of the valid file: where the data begins, and each
        // tensor's byte range in it.
        let header_len = u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize;
        let data_start = 8 + header_len;
        let (_, metadata) = SafeTensors::read_metadata(&valid).unwrap();
        let ranges: Vec<(usize, usize)> = (0..Mlp::TENSORS)
            .map(|k| metadata.info(&Mlp::name(k)).unwrap().data_offsets)
            .collect();
        // The model a data-only rewrite must load: each tensor decoded from its byte range.
        let decoded = |bytes: &[u8]| -> Vec<u32> {
            ranges
                .iter()
                .flat_map(|&(begin, end)| {
                    bytes[data_start + begin..data_start + end]
                        .chunks_exact(4)
                        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                })
                .collect()
        };
        let mut own = sample();
        for k in 0..Mlp::TENSORS {
            for x in own.tensor_mut(k) {
                *x = -*x * 0.5 - 3.0;
            }
        }
        let mut tally = Tally::default();
        let mut data_only = 0;
        let mut check = |bytes: &[u8], only_data: bool| -> Result<(), FileError> {
            tally.inputs += 1;
            let mut m = Mlp::zero();
            for k in 0..Mlp::TENSORS {
                m.tensor_mut(k).copy_from_slice(own.tensor(k));
            }
            let result = from_bytes_into(&mut m, bytes, LoadOptions::default());
            match &result {
                Ok(()) => tally.accepted += 1,
                Err(e) => {
                    *tally.rejected.entry(kind(e)).or_default() += 1;
                    assert_eq!(
                        bits(&m),
                        bits(&own),
                        "a failed load ({e}) changed the model"
                    );
                }
            }
            if only_data {
                data_only += 1;
                assert!(
                    result.is_ok(),
                    "a data-only rewrite was refused: {result:?}"
                );
                assert_eq!(
                    bits(&m),
                    decoded(bytes),
                    "a data-only rewrite loaded wrongly"
                );
            }
            result
        };

        for len in 0..valid.len() {
            let result = check(&valid[..len], false);
            assert!(
                matches!(result, Err(FileError::Corrupt { .. })),
                "a file cut at {len} bytes: {result:?}"
            );
        }
        for i in 0..valid.len() {
            for bit in 0..8 {
                let mut flipped = valid.clone();
                flipped[i] ^= 1 << bit;
                let _ = check(&flipped, i >= data_start);
            }
        }
        // xorshift64: deterministic, so a failure reproduces.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut mutated = valid.clone();
            let mut only_data = true;
            for _ in 0..1 + next() % 4 {
                let i = (next() % mutated.len() as u64) as usize;
                mutated[i] = next() as u8;
                only_data &= i >= data_start;
            }
            if next() % 4 == 0 {
                mutated.push(next() as u8);
                only_data = false;
            }
            let _ = check(&mutated, only_data);
        }
        println!("{tally:?}, {data_only} rewrites of the data alone");
        let rejected: usize = tally.rejected.values().sum();
        assert_eq!(tally.accepted + rejected, tally.inputs);
        assert!(data_only > 1000, "too few data-only rewrites: {data_only}");
        // Header damage is caught as such, and a renamed tensor is named as missing.
        for expected in ["Corrupt", "MissingTensor"] {
            assert!(
                tally.rejected.get(expected).is_some_and(|&n| n > 0),
                "no {expected} among {tally:?}"
            );
        }
        // Nothing here asks the file system, and the model has distinct names.
        assert!(
            !tally.rejected.contains_key("Io") && !tally.rejected.contains_key("DuplicateName")
        );
    }

    /// An Adam state after a few steps under a schedule (so `initial_lr` is set), and an SGD
    /// state with two groups, one tensor left out.
    fn states() -> Vec<StateDict> {
        use crate::optim::{
            Adam, AdamConfig, CosineAnnealingLr, LrScheduler, Optimizer, ParamGroup, Select, Sgd,
            SgdConfig,
        };
        let (mut m, g) = (sample(), sample());
        let mut adam = Adam::<Mlp>::new(AdamConfig {
            lr: 1e-3 / 3.0,
            ..Default::default()
        })
        .unwrap();
        let mut schedule = CosineAnnealingLr::new(&mut adam, 7, 1e-7).unwrap();
        for _ in 0..3 {
            adam.step(&mut m, &g);
            schedule.step(&mut adam).unwrap();
        }
        let momentum = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        };
        let mut sgd = Sgd::<Mlp, 2>::with_groups([
            ParamGroup::new(Select::Prefix("layer1"), momentum),
            ParamGroup::new(
                Select::Prefix("layer2.weight"),
                SgdConfig {
                    lr: 0.2,
                    ..momentum
                },
            ),
        ])
        .unwrap();
        sgd.step(&mut m, &g);
        vec![adam.state_dict(), sgd.state_dict()]
    }

    #[test]
    fn optimizer_states_round_trip_exactly() {
        for state in states() {
            let bytes = state_to_bytes(&state).unwrap();
            assert_eq!(state_from_bytes(&bytes).unwrap(), state);
        }
        let path =
            std::env::temp_dir().join(format!("backprop-state-{}.safetensors", std::process::id()));
        let state = states().remove(0);
        save_state(&state, &path).unwrap();
        let loaded = load_state(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(loaded.unwrap(), state);
    }

    #[test]
    fn a_parameter_file_is_no_optimizer_state() {
        let err = state_from_bytes(&to_bytes(&sample()).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "parameter file is not valid safetensors: optimizer state: `format` is `pt`"
        );
    }

    /// Truncated and bit-flipped state files: an error or a state, never a panic.
    #[test]
    fn corrupted_optimizer_states_never_panic() {
        let valid = state_to_bytes(&states().remove(0)).unwrap();
        for len in 0..valid.len() {
            assert!(
                state_from_bytes(&valid[..len]).is_err(),
                "cut at {len} loaded"
            );
        }
        for i in 0..valid.len() {
            let mut flipped = valid.clone();
            flipped[i] ^= 0x24;
            let _ = state_from_bytes(&flipped);
        }
    }
}
