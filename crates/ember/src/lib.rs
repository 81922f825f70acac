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
//!
//! # Architecture: where things go
//!
//! The crate is layered; a module imports only from layers below its own, and
//! `.ci/layers.py` (run by CI) fails on an upward import, an import cycle or a call that
//! only a lower layer may make (backend kernels, `.storage()`, graph recording). Three
//! known exceptions are allowlisted there with their reasons (the list only shrinks):
//!
//! 1. **core** — `dtype`, `scalar`, `math`, `shape`, `layout`, `device`, `error`, and the op
//!    table `ops/table.rs` (plain data the backends dispatch on).
//! 2. **backend** — the `Backend` trait (`backend/mod.rs`, declared once with `primitives!`):
//!    the fixed set of primitive kernels a device implements, behind dispatch functions
//!    that check every operand is on the output's device (Note [Backend dispatch]).
//!    `backend/cpu/` implements it on the host; the meta device's impl (shapes and dtypes
//!    only) is generated with the trait.
//! 3. **tensor** — `Tensor`, `storage`, views, the graph types (`tensor/graph/`), and
//!    `tensor/kernel.rs`, the one way from an op to a kernel: it takes the storage locks
//!    and calls the backend (Note [Kernel calls]).
//! 4. **autograd** — the engine, `Function`, gradcheck, graphviz.
//! 5. **ops** — `ops/<family>/`: each family's `Tensor` methods and forward code with its
//!    backward formulas beside them (`formulas.rs`); families use each other's public
//!    methods only.
//! 6. **api** — `nn`, `optim`, `io`: built from public `Tensor` methods only.
//!
//! Where a change goes, and every place it touches:
//! - **An elementwise op** (3 places): a line in the op table `ops/table.rs` (variant,
//!   method names, PyTorch's name, integer mode, CPU scalar function, CUDA expression — the
//!   methods `x.op()`/`x.try_op()`, the in-place form and the Python binding are generated
//!   from it); a line in `unary_formulas!` (`ops/pointwise/formulas.rs`: node name, what it
//!   saves, the gradient), or the `Binary` formula's two arms there for a binary op; a
//!   golden case in `tests/golden/`. Tests looping over `UnaryOp::ALL` (gradcheck, meta)
//!   pick it up.
//! - **A reduction** over a new kernel (4 places, 5 with CUDA): a `ReduceOp` variant in the
//!   op table, its CPU loop's arm in `backend/cpu/reduce.rs` (and its functor in
//!   `backend/cuda/source.rs`), the method and formula in `ops/reduce/`, a golden case. One
//!   composed of existing reductions (`mean`, `var`, `logsumexp`) is a composite op.
//! - **A composite op** (`mean`, `softmax`-like, a loss): one function or method written with
//!   public ops in its family's file, plus a golden case; no backward of its own.
//! - **A layer**: a struct in `nn/<family>.rs` with `#[derive(Module)]` (parameters,
//!   buffers and submodules registered by field, PyTorch's `state_dict` order), its
//!   constructor (PyTorch's arguments and init order) and `forward` in terms of
//!   `nn::functional`; export it from `nn/mod.rs`.
//! - **An optimizer**: a file in `optim/` with its options and per-parameter state
//!   implementing `Optimizer` (the `step` uses public in-place ops under `no_grad`); export
//!   it from `optim/mod.rs` and name it in `optim::by_name` for the Python front.
//! - **A backend** (a device): a `Device` variant, a `Buffer` variant, an `impl Backend`
//!   (like `backend/meta.rs`, or `backend/cpu/primitives.rs` over real kernels) and its arm
//!   in `backend::backend_of`; ops, autograd and modules need no change.
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
pub mod utils;
pub mod vision;
pub mod warnings;

pub use autograd::{
    GradFn, enable_grad, is_grad_enabled, no_grad, no_grad_scope, set_grad_enabled,
};
pub use backend::cpu::parallel::{get_num_threads, set_num_threads, try_set_num_threads};
pub use device::Device;
pub use dtype::{BF16, BOOL, DType, Element, F16, F32, F64, I8, I16, I32, I64, U8};
pub use error::{Error, Result};
pub use io::{load_pt as load, save_pt as save};
pub use math::{FloatElement, IntElement};
pub use ops::{
    BinaryOp, CmpOp, Ellipsis, IndexArg, NewAxis, Operand, ParamOp, ReduceOp, TensorIndex, UnaryOp,
    add_out, cat, div_out, mul_out, stack, step_by, sub_out, try_add_out, try_cat, try_div_out,
    try_mul_out, try_stack, try_sub_out, try_where_, where_,
};
pub use random::{
    Generator, initial_seed, manual_seed, rand, rand_like, rand_like_with, rand_with, randint,
    randn, randn_like, randn_like_with, randn_with, randperm, try_rand_like_with, try_rand_with,
    try_randint_with, try_randn_with, try_with_device_generator, with_default_generator,
};
pub use scalar::Scalar;
pub use shape::{IntList, Size};
pub use tensor::*;
/// `torchvision.datasets` at the root too, so `ember::datasets::Digits` works.
pub use vision::datasets;

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
