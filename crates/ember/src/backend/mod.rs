//! The primitive-kernel interface (DESIGN §4): the small, fixed set of kernels each device
//! implements. Everything else is composed from these in device-independent code.
//!
//! Kernels write into an output buffer described by a layout; inputs come with layouts
//! already broadcast to the output's shape (stride 0 on expanded dims). An input given as
//! `None` is the output itself, read at the output's layout — the in-place case (`x.add_(y)`)
//! — so no copy is needed when an op updates its first operand.

pub(crate) mod conv;
pub mod cpu;
pub(crate) mod cuda;
pub(crate) mod nn;
pub(crate) mod norm;
pub(crate) mod pad;

use crate::error::Result;
use crate::layout::Layout;
use crate::ops::{BinaryOp, CmpOp, ParamOp, ReduceOp, ScanOp, UnaryOp};
use crate::storage::Buffer;
use crate::{DType, Scalar};

/// An input operand: a buffer and the layout to read it at.
pub(crate) type In<'a> = (&'a Buffer, &'a Layout);

fn cpu(b: &Buffer) -> &cpu::CpuBuffer {
    match b {
        Buffer::Cpu(c) => c,
    }
}

fn cpu_mut(b: &mut Buffer) -> &mut cpu::CpuBuffer {
    match b {
        Buffer::Cpu(c) => c,
    }
}

fn cpu_in<'a>(i: In<'a>) -> (&'a cpu::CpuBuffer, &'a Layout) {
    (cpu(i.0), i.1)
}

/// Copies (and casts) `src` into `dst`; shapes are equal (src may be broadcast).
pub(crate) fn copy_strided(
    src: In<'_>,
    src_dt: DType,
    dst: &mut Buffer,
    dst_l: &Layout,
    dst_dt: DType,
) -> Result<()> {
    let (s, sl) = cpu_in(src);
    cpu::copy::copy_strided(s, sl, src_dt, cpu_mut(dst), dst_l, dst_dt);
    Ok(())
}

/// One fused Adam step (see Note [Fused Adam]) over the contiguous runs of `n` elements at
/// the given offsets; `dt` is f32 or f64.
#[allow(clippy::too_many_arguments)]
pub(crate) fn adam_step(
    p: (&mut Buffer, usize),
    g: (&Buffer, usize),
    m: (&mut Buffer, usize),
    v: (&mut Buffer, usize),
    n: usize,
    dt: DType,
    s: &cpu::optim::AdamScalars,
) -> Result<()> {
    fn run<T: crate::math::FloatElement>(
        p: (&mut Buffer, usize),
        g: (&Buffer, usize),
        m: (&mut Buffer, usize),
        v: (&mut Buffer, usize),
        n: usize,
        s: &cpu::optim::AdamScalars,
    ) {
        cpu::optim::adam::<T>(
            &mut cpu_mut(p.0).as_mut_slice::<T>()[p.1..p.1 + n],
            &cpu(g.0).as_slice::<T>()[g.1..g.1 + n],
            &mut cpu_mut(m.0).as_mut_slice::<T>()[m.1..m.1 + n],
            &mut cpu_mut(v.0).as_mut_slice::<T>()[v.1..v.1 + n],
            s,
        )
    }
    match dt {
        DType::F32 => run::<f32>(p, g, m, v, n, s),
        DType::F64 => run::<f64>(p, g, m, v, n, s),
        _ => crate::error::bail!(DType, "fused Adam step: unsupported dtype {dt}"),
    }
    Ok(())
}

/// Writes `value` (cast to `dt`) to every element of `dst` at `dst_l`.
pub(crate) fn fill(dst: &mut Buffer, dst_l: &Layout, dt: DType, value: Scalar) -> Result<()> {
    cpu::copy::fill(cpu_mut(dst), dst_l, dt, value);
    Ok(())
}

/// `dst = op(src)`, same dtype.
pub(crate) fn unary(
    op: UnaryOp,
    src: Option<In<'_>>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    cpu::elementwise::unary(op, src.map(cpu_in), cpu_mut(dst), dst_l, dt)
}

/// `dst = op(src)` for an op with parameters, same dtype.
pub(crate) fn param(
    op: ParamOp,
    src: Option<In<'_>>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    cpu::elementwise::param(op, src.map(cpu_in), cpu_mut(dst), dst_l, dt)
}

/// `dst = op(a, b)`, all of dtype `dt`.
pub(crate) fn binary(
    op: BinaryOp,
    a: Option<In<'_>>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    cpu::elementwise::binary(op, a.map(cpu_in), cpu_in(b), cpu_mut(dst), dst_l, dt)
}

/// `dst = op(a, b)` with a bool `dst`; `a` and `b` are of dtype `dt`.
pub(crate) fn cmp(
    op: CmpOp,
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    cpu::elementwise::cmp(op, cpu_in(a), cpu_in(b), cpu_mut(dst), dst_l, dt);
    Ok(())
}

/// `dst = cond ? a : b`; `cond` is bool, `a`, `b` and `dst` are of dtype `dt`.
pub(crate) fn where_(
    cond: In<'_>,
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    cpu::elementwise::where_(cpu_in(cond), cpu_in(a), cpu_in(b), cpu_mut(dst), dst_l, dt);
    Ok(())
}

/// Reduces `src` over `dims` into `dst`, whose layout has the keepdim shape.
pub(crate) fn reduce(
    op: ReduceOp,
    src: In<'_>,
    src_dt: DType,
    dims: &[usize],
    dst: &mut Buffer,
    dst_l: &Layout,
    dst_dt: DType,
) -> Result<()> {
    let (s, sl) = cpu_in(src);
    cpu::reduce::reduce(op, s, sl, src_dt, dims, cpu_mut(dst), dst_l, dst_dt)
}

/// Cumulative `op` of `src` along `dim` (from the end when `reverse`) into `dst`, which
/// has `src`'s shape.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan(
    op: ScanOp,
    src: In<'_>,
    src_dt: DType,
    dim: usize,
    reverse: bool,
    dst: &mut Buffer,
    dst_l: &Layout,
    dst_dt: DType,
) -> Result<()> {
    let (s, sl) = cpu_in(src);
    cpu::scan::scan(op, s, sl, src_dt, dim, reverse, cpu_mut(dst), dst_l, dst_dt)
}

/// Batched matrix product: `a` is `[B, M, K]`, `b` is `[B, K, N]`, `dst` is `[B, M, N]`.
/// With `accumulate`, `dst = beta * dst + alpha * a @ b`; otherwise `dst = alpha * a @ b`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul(
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
    alpha: f64,
    beta: Option<f64>,
) -> Result<()> {
    cpu::matmul::matmul(cpu_in(a), cpu_in(b), cpu_mut(dst), dst_l, dt, alpha, beta)
}

/// Inverts each matrix of `a` (last two dims) into the contiguous `dst`; on a singular one
/// returns `(batch index, LAPACK info)`.
pub(crate) fn inverse(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<(usize, usize)>> {
    cpu::linalg::inverse(cpu_in(a), cpu_mut(dst), dt)
}

/// The determinant of each matrix of `a` into the contiguous `dst`.
pub(crate) fn det(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
    cpu::linalg::det(cpu_in(a), cpu_mut(dst), dt)
}

/// The inverse of each matrix with exact-zero LU pivots replaced by epsilon (`det` backward).
pub(crate) fn inverse_perturbed(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
    cpu::linalg::inverse_perturbed(cpu_in(a), cpu_mut(dst), dt)
}

/// Solves `A X = B` per batch (equal batch shapes); on a singular `A` returns its batch index.
pub(crate) fn solve(a: In<'_>, b: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<usize>> {
    cpu::linalg::solve(cpu_in(a), cpu_in(b), cpu_mut(dst), dt)
}

/// The Cholesky factor of each matrix (lower, or its transpose with `upper`); on failure
/// returns `(batch index, order of the leading minor)`.
pub(crate) fn cholesky(
    a: In<'_>,
    dst: &mut Buffer,
    dt: DType,
    upper: bool,
) -> Result<Option<(usize, usize)>> {
    cpu::linalg::cholesky(cpu_in(a), cpu_mut(dst), dt, upper)
}

/// Triangular solve `A X = B` (`left`) or `X A = B` per batch.
pub(crate) fn solve_triangular(
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dt: DType,
    upper: bool,
    left: bool,
    unit: bool,
) -> Result<()> {
    cpu::linalg::solve_triangular(cpu_in(a), cpu_in(b), cpu_mut(dst), dt, upper, left, unit)
}

/// The cofactor matrix (`adj(A)^T`) of each matrix, valid for singular ones too.
pub(crate) fn cofactor(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
    cpu::linalg::cofactor(cpu_in(a), cpu_mut(dst), dt)
}

/// Copies rows between two buffers (see `cpu::index`): `dst[row b] = src[row b]`, or `+=`
/// with `accumulate`. Offsets come from validated indices; `src` and `dst` differ.
#[allow(clippy::too_many_arguments)]
pub(crate) fn copy_rows(
    src: &Buffer,
    src_offsets: &[usize],
    src_strides: &[usize],
    dst: &mut Buffer,
    dst_offsets: &[usize],
    dst_strides: &[usize],
    rest: &[usize],
    dt: DType,
    accumulate: bool,
) -> Result<()> {
    let s = cpu::index::Rows {
        offsets: src_offsets,
        strides: src_strides,
    };
    let d = cpu::index::Rows {
        offsets: dst_offsets,
        strides: dst_strides,
    };
    cpu::index::copy_rows(cpu(src), &s, cpu_mut(dst), &d, rest, dt, accumulate);
    Ok(())
}
