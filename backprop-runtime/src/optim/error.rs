//! What can go wrong when building an optimizer, a schedule, or restoring a state.

use core::fmt;

/// An invalid optimizer or scheduler setting, parameter group, or saved state.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OptimError {
    /// A hyperparameter outside its range (PyTorch raises `ValueError` for the same values).
    InvalidHyperparameter {
        /// Its name, as in PyTorch (`lr`, `betas[0]`, `weight_decay`, ...).
        name: &'static str,
        /// The value given.
        value: f64,
        /// The range it must lie in, e.g. `>= 0` or `in [0, 1)`.
        allowed: &'static str,
    },
    /// Nesterov momentum asked for without momentum, or with dampening.
    NesterovNeedsMomentum,
    /// An optimizer with no parameter group at all.
    NoGroups,
    /// A parameter group that selects no tensor (often a misspelt name prefix).
    EmptyGroup {
        /// The group's index.
        group: usize,
    },
    /// A tensor selected by two parameter groups.
    OverlappingGroups {
        /// The tensor's index in the parameter tree.
        tensor: usize,
        /// The first group selecting it.
        first: usize,
        /// The second group selecting it.
        second: usize,
    },
    /// A group selects a tensor index the parameter tree does not have.
    TensorOutOfRange {
        /// The group's index.
        group: usize,
        /// The tensor index asked for.
        tensor: usize,
        /// How many tensors the tree has.
        tensors: usize,
    },
    /// A parameter group index past the last group.
    NoSuchGroup {
        /// The index asked for.
        group: usize,
        /// How many groups there are.
        groups: usize,
    },
    /// A saved state of another optimizer.
    #[cfg(feature = "std")]
    WrongOptimizer {
        /// The optimizer loading the state.
        expected: &'static str,
        /// The optimizer that saved it.
        found: String,
    },
    /// A saved state whose parameter groups differ from this optimizer's.
    #[cfg(feature = "std")]
    GroupMismatch {
        /// What differs.
        reason: String,
    },
    /// A saved state lacking a buffer of a tensor.
    #[cfg(feature = "std")]
    MissingState {
        /// The buffer (`exp_avg`, `momentum_buffer`, ...).
        buffer: &'static str,
        /// The tensor's index in the parameter tree.
        tensor: usize,
    },
    /// A saved state with two entries for one tensor.
    #[cfg(feature = "std")]
    DuplicateState {
        /// The tensor's index in the parameter tree.
        tensor: usize,
    },
    /// A saved buffer whose length is not the tensor's.
    #[cfg(feature = "std")]
    StateShape {
        /// The buffer (`exp_avg`, `momentum_buffer`, ...).
        buffer: String,
        /// The tensor's index in the parameter tree.
        tensor: usize,
        /// The tensor's number of elements.
        expected: usize,
        /// The saved buffer's number of elements.
        found: usize,
    },
}

impl fmt::Display for OptimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptimError::InvalidHyperparameter { name, value, allowed } => {
                write!(f, "invalid {name} value: {value} (must be {allowed})")
            }
            OptimError::NesterovNeedsMomentum => {
                f.write_str("nesterov momentum requires a momentum and zero dampening")
            }
            OptimError::NoGroups => f.write_str("optimizer got an empty list of parameter groups"),
            OptimError::EmptyGroup { group } => {
                write!(f, "parameter group {group} selects no tensor")
            }
            OptimError::OverlappingGroups { tensor, first, second } => write!(
                f,
                "tensor {tensor} is in parameter groups {first} and {second}; \
                 a tensor may be in one group only"
            ),
            OptimError::TensorOutOfRange { group, tensor, tensors } => write!(
                f,
                "parameter group {group} selects tensor {tensor}, \
                 but the parameters have {tensors} tensors"
            ),
            OptimError::NoSuchGroup { group, groups } => {
                write!(f, "no parameter group {group}: the optimizer has {groups}")
            }
            #[cfg(feature = "std")]
            OptimError::WrongOptimizer { expected, found } => {
                write!(f, "cannot load a {found} state into {expected}")
            }
            #[cfg(feature = "std")]
            OptimError::GroupMismatch { reason } => {
                write!(f, "saved parameter groups do not match: {reason}")
            }
            #[cfg(feature = "std")]
            OptimError::MissingState { buffer, tensor } => {
                write!(f, "saved state lacks `{buffer}` of tensor {tensor}")
            }
            #[cfg(feature = "std")]
            OptimError::DuplicateState { tensor } => {
                write!(f, "saved state has two entries for tensor {tensor}")
            }
            #[cfg(feature = "std")]
            OptimError::StateShape { buffer, tensor, expected, found } => write!(
                f,
                "saved `{buffer}` of tensor {tensor} has {found} elements, the tensor has {expected}"
            ),
        }
    }
}

impl core::error::Error for OptimError {}

// The error types are errors without `std` too; `cargo build --no-default-features` checks it.
const _: fn() = || {
    fn is_error<E: core::error::Error + Send + Sync + 'static>() {}
    is_error::<OptimError>();
    is_error::<crate::batch::BatchError>();
};

/// `Ok` if `value >= 0` (NaN fails, as it fails PyTorch's `0.0 <= value`).
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), OptimError> {
    if value >= 0.0 {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name,
            value,
            allowed: ">= 0",
        })
    }
}

/// `Ok` if `0 <= value < 1`.
pub(crate) fn unit_interval(name: &'static str, value: f64) -> Result<(), OptimError> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name,
            value,
            allowed: "in [0, 1)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_reject_nan_and_out_of_range_values() {
        assert!(non_negative("lr", 0.0).is_ok());
        assert!(non_negative("lr", f64::NAN).is_err());
        assert!(unit_interval("betas[0]", 0.999).is_ok());
        assert!(unit_interval("betas[0]", 1.0).is_err());
        assert!(unit_interval("betas[0]", -0.1).is_err());
    }

    #[cfg(feature = "std")]
    #[test]
    fn messages_name_the_setting() {
        let e = non_negative("lr", -1.0).unwrap_err();
        assert_eq!(e.to_string(), "invalid lr value: -1 (must be >= 0)");
    }
}
