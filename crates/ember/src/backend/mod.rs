//! The primitive-kernel interface (DESIGN §4): the small, fixed set of kernels each device
//! implements, as the [`Backend`] trait. Everything else is composed from these in
//! device-independent code.
//!
//! Kernels write into an output buffer described by a layout; inputs come with layouts
//! already broadcast to the output's shape (stride 0 on expanded dims). An input given as
//! `None` is the output itself, read at the output's layout — the in-place case (`x.add_(y)`)
//! — so no copy is needed when an op updates its first operand.
//!
//! Note [Backend dispatch]
//! The free functions of this module (and of its family files `conv`, `nn`, `norm`, `pad`)
//! are the only way into a backend. Each one checks that every operand lives on the output's
//! device — PyTorch's "Expected all tensors to be on the same device" — and then calls the
//! output's backend, so a kernel never sees memory of another device and ops never copy
//! between devices silently. Only `copy_strided` may cross devices (`x.to(device)`), and
//! only toward a device that can receive the data.
//!
//! Adding a device means: a `Buffer` variant, an `impl Backend` (see `cpu/primitives.rs`
//! and `meta.rs`), and an arm in [`backend_of`].

pub(crate) mod conv;
pub mod cpu;
pub(crate) mod cuda;
pub(crate) mod meta;
pub(crate) mod nn;
pub(crate) mod norm;
pub(crate) mod pad;

use crate::error::Result;
use crate::layout::Layout;
use crate::ops::table::{BinaryOp, CmpOp, ParamOp, ReduceOp, ScanOp, UnaryOp};
use crate::{DType, Device, Scalar};

pub(crate) use cpu::optim::AdamScalars;
pub(crate) use cpu::{conv::Window, loss::NllDims, pad::PadMaps};

/// Device memory of one backend.
pub(crate) enum Buffer {
    /// Host memory.
    Cpu(cpu::CpuBuffer),
    /// No memory at all (the meta device).
    Meta,
}

impl Buffer {
    /// The device this memory lives on.
    pub fn device(&self) -> Device {
        match self {
            Buffer::Cpu(_) => Device::Cpu,
            Buffer::Meta => Device::Meta,
        }
    }
}

/// An input operand: a buffer and the layout to read it at.
pub(crate) type In<'a> = (&'a Buffer, &'a Layout);

/// Declares the primitives once: the [`Backend`] trait, and the meta device's impl of it,
/// whose every primitive succeeds without touching memory and returns what a device
/// without data answers ([`NoData`]).
macro_rules! primitives {
    ($($(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;)*) => {
        /// The primitives one device implements. Operands were checked to live on the device
        /// (see Note [Backend dispatch]); shapes, dtypes and indices were validated by the op
        /// layer.
        #[allow(clippy::too_many_arguments)]
        pub(crate) trait Backend: Sync {
            $($(#[$doc])* fn $name(&self $(, $arg: $ty)*) -> $ret;)*
        }

        #[allow(clippy::too_many_arguments)]
        impl Backend for meta::Meta {
            $(fn $name(&self $(, _: $ty)*) -> $ret {
                NoData::no_data()
            })*
        }
    };
}

/// What a primitive returns on a device that holds no data (meta): nothing to report, no
/// values, a unit total weight, a buffer without memory.
trait NoData {
    fn no_data() -> Self;
}

impl<T: NoData> NoData for Result<T> {
    fn no_data() -> Self {
        Ok(T::no_data())
    }
}

impl NoData for () {
    fn no_data() {}
}

impl<T> NoData for Option<T> {
    fn no_data() -> Self {
        None
    }
}

impl NoData for f64 {
    fn no_data() -> Self {
        1.0
    }
}

impl NoData for Buffer {
    fn no_data() -> Self {
        Buffer::Meta
    }
}

primitives! {
    /// A buffer of `bytes` bytes, zeroed when `zeroed`, otherwise with unspecified contents.
    fn alloc(&self, bytes: usize, zeroed: bool) -> Result<Buffer>;
    /// The values of `src` (row-major, cast to i64) for validating indices or divisors on
    /// the host; `None` where the device holds no data (meta).
    fn read_i64(&self, src: In<'_>, dt: DType) -> Result<Option<Vec<i64>>>;
    /// Copies (and casts) `src` into `dst`; shapes are equal (src may be broadcast). `src`
    /// may live on another device (see [`copy_strided`]).
    fn copy_strided(
        &self,
        src: In<'_>,
        src_dt: DType,
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()>;
    /// Writes `value` (cast to `dt`) to every element of `dst` at `dst_l`.
    fn fill(&self, dst: &mut Buffer, dst_l: &Layout, dt: DType, value: Scalar) -> Result<()>;
    /// `dst = op(src)`, same dtype.
    fn unary(
        &self,
        op: UnaryOp,
        src: Option<In<'_>>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()>;
    /// `dst = op(src)` for an op with parameters, same dtype.
    fn param(
        &self,
        op: ParamOp,
        src: Option<In<'_>>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()>;
    /// `dst = op(a, b)`, all of dtype `dt`.
    fn binary(
        &self,
        op: BinaryOp,
        a: Option<In<'_>>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()>;
    /// `dst = op(a, b)` with a bool `dst`; `a` and `b` are of dtype `dt`.
    fn cmp(
        &self,
        op: CmpOp,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()>;
    /// `dst = cond ? a : b`; `cond` is bool, `a`, `b` and `dst` are of dtype `dt`.
    fn where_(
        &self,
        cond: In<'_>,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()>;
    /// Reduces `src` over `dims` into `dst`, whose layout has the keepdim shape.
    fn reduce(
        &self,
        op: ReduceOp,
        src: In<'_>,
        src_dt: DType,
        dims: &[usize],
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()>;
    /// Cumulative `op` of `src` along `dim` (from the end when `reverse`) into `dst`, which
    /// has `src`'s shape.
    fn scan(
        &self,
        op: ScanOp,
        src: In<'_>,
        src_dt: DType,
        dim: usize,
        reverse: bool,
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()>;
    /// Batched matrix product: `a` is `[B, M, K]`, `b` is `[B, K, N]`, `dst` is `[B, M, N]`.
    /// With `beta`, `dst = beta * dst + alpha * a @ b`; otherwise `dst = alpha * a @ b`.
    fn matmul(
        &self,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
        alpha: f64,
        beta: Option<f64>,
    ) -> Result<()>;
    /// Inverts each matrix of `a` (last two dims) into the contiguous `dst`; on a singular
    /// one returns `(batch index, LAPACK info)`.
    fn inverse(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<(usize, usize)>>;
    /// The determinant of each matrix of `a` into the contiguous `dst`.
    fn det(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()>;
    /// The inverse of each matrix with exact-zero LU pivots replaced by epsilon (`det`
    /// backward).
    fn inverse_perturbed(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()>;
    /// Solves `A X = B` per batch (equal batch shapes); on a singular `A` returns its batch
    /// index.
    fn solve(&self, a: In<'_>, b: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<usize>>;
    /// The Cholesky factor of each matrix (lower, or its transpose with `upper`); on failure
    /// returns `(batch index, order of the leading minor)`.
    fn cholesky(
        &self,
        a: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        upper: bool,
    ) -> Result<Option<(usize, usize)>>;
    /// Triangular solve `A X = B` (`left`) or `X A = B` per batch.
    fn solve_triangular(
        &self,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        upper: bool,
        left: bool,
        unit: bool,
    ) -> Result<()>;
    /// The cofactor matrix (`adj(A)^T`) of each matrix, valid for singular ones too.
    fn cofactor(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()>;
    /// Copies rows between two buffers: `dst[row b] = src[row b]`, or `+=` with
    /// `accumulate`. Offsets come from validated indices; `src` and `dst` differ.
    fn copy_rows(
        &self,
        src: &Buffer,
        src_rows: (&[usize], &[usize]),
        dst: &mut Buffer,
        dst_rows: (&[usize], &[usize]),
        rest: &[usize],
        dt: DType,
        accumulate: bool,
    ) -> Result<()>;
    /// One fused Adam step (see Note [Fused Adam]) over the contiguous runs of `n` elements
    /// at the given offsets; `dt` is f32 or f64.
    fn adam_step(
        &self,
        p: (&mut Buffer, usize),
        g: (&Buffer, usize),
        m: (&mut Buffer, usize),
        v: (&mut Buffer, usize),
        n: usize,
        dt: DType,
        s: &AdamScalars,
    ) -> Result<()>;
    /// The column matrix of the planes `src` (see [`Window`]).
    fn im2col(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()>;
    /// The planes summed back from the column matrix `src` (the adjoint of `im2col`).
    fn col2im(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()>;
    /// Max pooling of the planes `src` into `dst`, with in-plane indices into `idx` (i64).
    fn max_pool2d(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        idx: &mut Buffer,
        dt: DType,
        g: &Window,
    ) -> Result<()>;
    /// Softmax (`log`: log-softmax) of `src` viewed as `[outer, n, inner]` along `n`.
    fn softmax(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        n: usize,
        inner: usize,
        log: bool,
    ) -> Result<()>;
    /// Per-target nll losses into `dst`; returns the total weight (1 where the device holds
    /// no data).
    fn nll_loss(
        &self,
        x: In<'_>,
        target: In<'_>,
        weight: Option<In<'_>>,
        dst: &mut Buffer,
        dt: DType,
        d: NllDims,
    ) -> Result<f64>;
    /// The input gradient of nll: `-w[t] g scale` at each target.
    fn nll_loss_backward(
        &self,
        g: In<'_>,
        target: In<'_>,
        weight: Option<In<'_>>,
        dst: &mut Buffer,
        dt: DType,
        d: NllDims,
        scale: f64,
    ) -> Result<()>;
    /// `src` viewed as `[outer, c, inner]`: writes the per-channel mean and biased variance
    /// (`[c]` each) and `dst = (src - mean) / sqrt(var + eps)`.
    fn moments(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        mean: &mut Buffer,
        var: &mut Buffer,
        dt: DType,
        dims: (usize, usize),
        eps: f64,
    ) -> Result<()>;
    /// `dst[b, i, j, k] = src[b, maps[0][i], maps[1][j], maps[2][k]]` (reflection and
    /// replication padding).
    fn pad_gather(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()>;
    /// The adjoint of `pad_gather`: sums `src` (the padded shape) back into `dst`.
    fn pad_scatter_add(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        g: &PadMaps<'_>,
    ) -> Result<()>;
}

/// The backend of a device.
pub(crate) fn backend_of(device: Device) -> Result<&'static dyn Backend> {
    match device {
        Device::Cpu => Ok(&cpu::primitives::Cpu),
        Device::Meta => Ok(&meta::Meta),
        Device::Cuda(i) => Err(cuda::device_error(i)),
    }
}

/// The backend that runs a kernel writing `dst` from `inputs`, after checking they all live
/// on `dst`'s device. See Note [Backend dispatch].
pub(crate) fn on<'b>(
    dst: &Buffer,
    inputs: impl IntoIterator<Item = &'b Buffer>,
) -> Result<&'static dyn Backend> {
    let d = dst.device();
    for i in inputs {
        check_same_device(d, i.device())?;
    }
    backend_of(d)
}

/// PyTorch's error for operands on two devices.
pub(crate) fn check_same_device(a: Device, b: Device) -> Result<()> {
    if a != b {
        crate::error::bail!(
            Device,
            "Expected all tensors to be on the same device, but found at least two devices, {a} and {b}!"
        );
    }
    Ok(())
}

use crate::error::no_data;

/// A new buffer of `bytes` bytes on `device` (zeroed when `zeroed`).
pub(crate) fn alloc(device: Device, bytes: usize, zeroed: bool) -> Result<Buffer> {
    backend_of(device)?.alloc(bytes, zeroed)
}

/// The values of `src` as i64 for host-side validation; `None` on a device without data.
pub(crate) fn read_i64(src: In<'_>, dt: DType) -> Result<Option<Vec<i64>>> {
    backend_of(src.0.device())?.read_i64(src, dt)
}

/// Copies (and casts) `src` into `dst`; shapes are equal (src may be broadcast). The one
/// primitive that may cross devices: into a meta buffer from anywhere (nothing to write),
/// never out of one (no data to read).
pub(crate) fn copy_strided(
    src: In<'_>,
    src_dt: DType,
    dst: &mut Buffer,
    dst_l: &Layout,
    dst_dt: DType,
) -> Result<()> {
    let (s, d) = (src.0.device(), dst.device());
    if s == Device::Meta && d != Device::Meta {
        return Err(no_data());
    }
    if d != Device::Meta {
        check_same_device(d, s)?;
    }
    backend_of(d)?.copy_strided(src, src_dt, dst, dst_l, dst_dt)
}

/// See [`Backend::adam_step`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn adam_step(
    p: (&mut Buffer, usize),
    g: (&Buffer, usize),
    m: (&mut Buffer, usize),
    v: (&mut Buffer, usize),
    n: usize,
    dt: DType,
    s: &AdamScalars,
) -> Result<()> {
    let be = on(p.0, [g.0, &*m.0, &*v.0])?;
    be.adam_step(p, g, m, v, n, dt, s)
}

/// See [`Backend::fill`].
pub(crate) fn fill(dst: &mut Buffer, dst_l: &Layout, dt: DType, value: Scalar) -> Result<()> {
    on(dst, [])?.fill(dst, dst_l, dt, value)
}

/// See [`Backend::unary`].
pub(crate) fn unary(
    op: UnaryOp,
    src: Option<In<'_>>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    on(dst, src.map(|s| s.0))?.unary(op, src, dst, dst_l, dt)
}

/// See [`Backend::param`].
pub(crate) fn param(
    op: ParamOp,
    src: Option<In<'_>>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    on(dst, src.map(|s| s.0))?.param(op, src, dst, dst_l, dt)
}

/// See [`Backend::binary`].
pub(crate) fn binary(
    op: BinaryOp,
    a: Option<In<'_>>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    on(dst, a.map(|a| a.0).into_iter().chain([b.0]))?.binary(op, a, b, dst, dst_l, dt)
}

/// See [`Backend::cmp`].
pub(crate) fn cmp(
    op: CmpOp,
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    on(dst, [a.0, b.0])?.cmp(op, a, b, dst, dst_l, dt)
}

/// See [`Backend::where_`].
pub(crate) fn where_(
    cond: In<'_>,
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dst_l: &Layout,
    dt: DType,
) -> Result<()> {
    on(dst, [cond.0, a.0, b.0])?.where_(cond, a, b, dst, dst_l, dt)
}

/// See [`Backend::reduce`].
pub(crate) fn reduce(
    op: ReduceOp,
    src: In<'_>,
    src_dt: DType,
    dims: &[usize],
    dst: &mut Buffer,
    dst_l: &Layout,
    dst_dt: DType,
) -> Result<()> {
    on(dst, [src.0])?.reduce(op, src, src_dt, dims, dst, dst_l, dst_dt)
}

/// See [`Backend::scan`].
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
    on(dst, [src.0])?.scan(op, src, src_dt, dim, reverse, dst, dst_l, dst_dt)
}

/// See [`Backend::matmul`].
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
    on(dst, [a.0, b.0])?.matmul(a, b, dst, dst_l, dt, alpha, beta)
}

/// See [`Backend::inverse`].
pub(crate) fn inverse(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<(usize, usize)>> {
    on(dst, [a.0])?.inverse(a, dst, dt)
}

/// See [`Backend::det`].
pub(crate) fn det(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
    on(dst, [a.0])?.det(a, dst, dt)
}

/// See [`Backend::inverse_perturbed`].
pub(crate) fn inverse_perturbed(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
    on(dst, [a.0])?.inverse_perturbed(a, dst, dt)
}

/// See [`Backend::solve`].
pub(crate) fn solve(a: In<'_>, b: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<usize>> {
    on(dst, [a.0, b.0])?.solve(a, b, dst, dt)
}

/// See [`Backend::cholesky`].
pub(crate) fn cholesky(
    a: In<'_>,
    dst: &mut Buffer,
    dt: DType,
    upper: bool,
) -> Result<Option<(usize, usize)>> {
    on(dst, [a.0])?.cholesky(a, dst, dt, upper)
}

/// See [`Backend::solve_triangular`].
pub(crate) fn solve_triangular(
    a: In<'_>,
    b: In<'_>,
    dst: &mut Buffer,
    dt: DType,
    upper: bool,
    left: bool,
    unit: bool,
) -> Result<()> {
    on(dst, [a.0, b.0])?.solve_triangular(a, b, dst, dt, upper, left, unit)
}

/// See [`Backend::cofactor`].
pub(crate) fn cofactor(a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
    on(dst, [a.0])?.cofactor(a, dst, dt)
}

/// See [`Backend::copy_rows`].
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
    on(dst, [src])?.copy_rows(
        src,
        (src_offsets, src_strides),
        dst,
        (dst_offsets, dst_strides),
        rest,
        dt,
        accumulate,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_devices_are_an_error() {
        let err = check_same_device(Device::Cuda(0), Device::Cpu).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
        );
        assert!(check_same_device(Device::Cuda(1), Device::Cuda(0)).is_err());
        assert!(check_same_device(Device::Cuda(1), Device::Cuda(1)).is_ok());
        assert!(check_same_device(Device::Cpu, Device::Cpu).is_ok());
        assert!(check_same_device(Device::Meta, Device::Cpu).is_err());
    }

    #[test]
    fn kernels_refuse_operands_of_another_device() {
        let mut dst = alloc(Device::Cpu, 16, true).unwrap();
        let src = alloc(Device::Meta, 16, false).unwrap();
        let l = Layout::contiguous(&[4]);
        let err = unary(UnaryOp::Neg, Some((&src, &l)), &mut dst, &l, DType::F32).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Expected all tensors to be on the same device, but found at least two devices, cpu and meta!"
        );
        let err = copy_strided((&src, &l), DType::F32, &mut dst, &l, DType::F32).unwrap_err();
        assert_eq!(err.to_string(), "Cannot copy out of meta tensor; no data!");
    }
}
