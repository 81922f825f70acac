//! THE op table: one line per elementwise op.
//!
//! Each line names the enum variant, the `Tensor` method, PyTorch's name, how integer inputs
//! are treated, the CPU scalar function for float (and integer) elements, and the CUDA
//! expression the kernel generator (`backend/cuda/source.rs`) instantiates for every dtype. Kernels never
//! match on ops themselves: they pass a visitor to `visit_float`/`visit_int`, which picks the
//! scalar function once, outside the loop, so every op gets its own monomorphised loop.
//! Adding an elementwise op touches three places: a line here, an arm in
//! `autograd/formulas/pointwise.rs`, and a golden case. Tests that loop over `UnaryOp::ALL`
//! pick it up by themselves.
//!
//! Beside the table, this folder holds the op families, one folder each: a family's `Tensor`
//! methods (argument checks, output shape and dtype, the backend calls, the recording of
//! its node) with its backward formulas in `formulas.rs` beside them. Families reach each
//! other only through public `Tensor` methods (and the few `pub(crate)` raw forms they
//! export for that).

pub(crate) mod table;
pub use table::*;

pub(crate) mod activation;
pub(crate) mod attention;
pub(crate) mod conv;
mod convert;
pub(crate) mod dropout;
pub(crate) mod index;
pub(crate) mod inplace;
pub(crate) mod linalg;
pub(crate) mod loss;
pub(crate) mod norm;
mod out;
pub(crate) mod pad;
pub(crate) mod pointwise;
pub(crate) mod reduce;
pub(crate) mod scan;
pub(crate) mod shape;

pub use index::{Ellipsis, IndexArg, NewAxis, TensorIndex, step_by};
pub use out::{
    add_out, div_out, mul_out, sub_out, try_add_out, try_div_out, try_mul_out, try_sub_out,
};
pub use pointwise::{Operand, try_where_, where_};
pub use shape::join::{cat, stack, try_cat, try_stack};
