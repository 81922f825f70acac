//! # ember — PyTorch's programming model in Rust
//!
//! Tensors with broadcasting and PyTorch's type promotion, views that share memory, in-place
//! ops with version counters, and autograd with everything PyTorch users rely on:
//! `retain_grad`, hooks, `create_graph` and higher-order gradients, `autograd::grad`,
//! `grad_fn` introspection. Same names, same printed text, same errors.
//!
//! Coming from PyTorch? The [`cheatsheet`] maps every call of the tutorials to its ember
//! spelling; `examples/` holds the tutorials themselves as programs.
//!
//! ```
//! use ember::prelude::*;
//!
//! let x = ember::tensor_with([[1.0, 2.0], [3.0, 4.0]], TensorOptions::new()
//!     .dtype(DType::F64).requires_grad(true));
//! let y = &x * 2.0 + 1.0;
//! let z = &y * &y + 1.0;
//! let out = z.mean();
//! out.backward();
//! assert_eq!(out.item::<f64>(), 42.0);
//! assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![3.0, 5.0, 7.0, 9.0]);
//! ```
#![warn(missing_docs)]

// Lets `#[derive(ember::nn::Module)]` name `::ember` inside this crate too.
extern crate self as ember;

pub mod autograd;
mod backend;
pub mod cheatsheet;
pub mod cuda;
mod device;
mod dtype;
mod error;
pub mod io;
mod layout;
pub mod linalg;
mod math;
pub mod nn;
pub mod ops;
pub mod optim;
mod random;
mod scalar;
mod shape;
mod storage;
mod tensor;

pub use autograd::{
    GradFn, enable_grad, is_grad_enabled, no_grad, no_grad_scope, set_grad_enabled,
};
pub use device::Device;
pub use dtype::{BF16, BOOL, DType, Element, F16, F32, F64, I8, I16, I32, I64, U8};
pub use error::{Error, Result};
pub use math::{FloatElement, IntElement};
pub use ops::{BinaryOp, CmpOp, ParamOp, ReduceOp, UnaryOp};
pub use random::{
    Generator, initial_seed, manual_seed, rand, rand_like, rand_like_with, rand_with, randint,
    randn, randn_like, randn_like_with, randn_with, randperm, try_rand_like_with, try_rand_with,
    try_randint_with, try_randn_with,
};
pub use scalar::Scalar;
pub use shape::IntList;
pub use tensor::*;

/// The CPU device's memory cache (Note [CPU buffer cache]).
pub mod cpu {
    pub use crate::backend::cpu::{
        allocated_bytes, cached_bytes, empty_cache, peak_allocated_bytes, reset_peak,
        set_cache_limit,
    };
}

/// `use ember::prelude::*;` brings in what the tutorials use.
pub mod prelude {
    pub use crate::{
        DType, Device, Operand, Scalar, Tensor, TensorOptions, nn, nn::Module, no_grad, optim,
        optim::Optimizer, tensor, tensor_with,
    };
}

// The README's code blocks are compiled and run as doctests, so the tour stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
