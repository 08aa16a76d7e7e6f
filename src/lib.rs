#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

// Generated code inside this package's own tests and examples names `::backprop`.
extern crate self as backprop;

pub use backprop_runtime::*;

/// The guide: every supported construct, the conventions, and every compile error with its fix.
#[doc = include_str!("../docs/guide.md")]
pub mod guide {}
