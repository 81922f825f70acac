//! The one way from an op to a backend kernel: each function here takes tensors, locks
//! their storages, and calls the backend's dispatcher, which checks the devices (see
//! Note [Backend dispatch]).
//!
//! Note [Kernel calls]
//! Op families (`ops/<family>/`) and the API layers above them never touch a storage or a
//! backend themselves; they describe a kernel call with tensors:
//! - an input is an [`Arg`]: a tensor read at a layout, its own ([`Tensor::arg`]) or another
//!   view of its memory ([`Tensor::at`]: broadcast, transposed, a batch of matrices);
//! - an output is an [`Arg`] too where the kernel writes at a layout, or a plain tensor
//!   where it fills a fresh contiguous one;
//! - dtypes are the tensors' own.
//!
//! The locks follow Note [Storage locks]: read guards on the inputs, a write guard on each
//! output. An input that shares an output's storage would deadlock, so the helper resolves
//! it here, once for every op: at the output's own layout it is the in-place case
//! (`x.add_(y)` reads `x` where it writes it; the kernel gets `None`), at any other layout
//! it is read into a temporary first, as if every input were read before the first write.

use crate::Scalar;
use crate::backend::{self, Buffer, In};
use crate::error::Result;
use crate::layout::Layout;
use crate::ops::table::{BinaryOp, CmpOp, ParamOp, ReduceOp, ScanOp, UnaryOp};
use crate::tensor::Tensor;
use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

pub(crate) use crate::backend::{AdamScalars, NllDims, PadMaps, Window};

/// A kernel operand: a tensor read (or written) at a layout of its memory. See
/// Note [Kernel calls].
#[derive(Clone, Copy)]
pub(crate) struct Arg<'a> {
    t: &'a Tensor,
    l: &'a Layout,
}

impl Tensor {
    /// This tensor at its own layout, as a kernel operand.
    pub(crate) fn arg(&self) -> Arg<'_> {
        Arg {
            t: self,
            l: self.layout(),
        }
    }

    /// This tensor's memory at `l` (a broadcast or other view of it), as a kernel operand.
    pub(crate) fn at<'a>(&'a self, l: &'a Layout) -> Arg<'a> {
        Arg { t: self, l }
    }

    /// A tensor with no history sharing this one's memory at `layout` (an internal view:
    /// autograd does not see it as one).
    pub(crate) fn alias(&self, layout: Layout) -> Tensor {
        Tensor::from_parts(self.storage().clone(), layout, self.dtype())
    }

    /// Marks an in-place write to this tensor's memory. See Note [Version counter].
    pub(crate) fn bump_version(&self) {
        self.storage().bump_version();
    }
}

/// An input held for the duration of a call: locked, or copied when it shares an output's
/// memory.
enum Held<'a> {
    Locked(RwLockReadGuard<'a, Buffer>, &'a Layout),
    Copied(Buffer, Layout),
}

impl Held<'_> {
    fn input(&self) -> In<'_> {
        match self {
            Held::Locked(g, l) => (g, l),
            Held::Copied(b, l) => (b, l),
        }
    }
}

/// Holds `a` for reading while `outs` are written.
fn hold<'a>(a: Arg<'a>, outs: &[&Tensor]) -> Result<Held<'a>> {
    if !outs.iter().any(|o| o.shares_storage(a.t)) {
        return Ok(Held::Locked(a.t.storage().read(), a.l));
    }
    let l = Layout::contiguous(&a.l.shape);
    let dt = a.t.dtype();
    let g = a.t.storage().read();
    let mut b = backend::alloc(g.device(), l.numel() * dt.size_in_bytes(), false)?;
    backend::copy_strided((&g, a.l), dt, &mut b, &l, dt)?;
    Ok(Held::Copied(b, l))
}

/// Holds `a` for reading while `dst` is written; `None` when it is `dst` itself (the
/// in-place case of the kernels that take an optional input).
fn hold_or_self<'a>(a: Arg<'a>, dst: Arg<'_>) -> Result<Option<Held<'a>>> {
    if a.t.shares_storage(dst.t) && a.l == dst.l {
        return Ok(None);
    }
    hold(a, &[dst.t]).map(Some)
}

fn write(t: &Tensor) -> RwLockWriteGuard<'_, Buffer> {
    t.storage().write()
}

/// The values of `src` as i64 for validating indices or divisors on the host; `None` on a
/// device without data (meta).
pub(crate) fn read_i64(src: Arg<'_>) -> Result<Option<Vec<i64>>> {
    backend::read_i64((&src.t.storage().read(), src.l), src.t.dtype())
}

/// The elements of the contiguous `src`, of dtype `T`, in order; an error on a device
/// without data (meta).
pub(crate) fn read_vec<T: crate::Element>(src: &Tensor) -> Result<Vec<T>> {
    debug_assert!(src.is_contiguous() && src.dtype() == T::DTYPE);
    let l = src.layout();
    match &*src.storage().read() {
        // An empty view's offset may lie past the end of its buffer.
        Buffer::Cpu(_) if l.numel() == 0 => Ok(Vec::new()),
        Buffer::Cpu(b) => Ok(b.as_slice::<T>()[l.offset..l.offset + l.numel()].to_vec()),
        Buffer::Meta => Err(crate::error::no_data()),
    }
}

/// Copies (and casts) `src` into `dst`, of equal shapes (`src` may be broadcast). The one
/// kernel that may cross devices (see `backend::copy_strided`).
pub(crate) fn copy(src: Arg<'_>, dst: Arg<'_>) -> Result<()> {
    let s = hold(src, &[dst.t])?;
    backend::copy_strided(
        s.input(),
        src.t.dtype(),
        &mut write(dst.t),
        dst.l,
        dst.t.dtype(),
    )
}

/// Writes `value` (cast to `dst`'s dtype) to every element of `dst`.
pub(crate) fn fill(dst: Arg<'_>, value: Scalar) -> Result<()> {
    backend::fill(&mut write(dst.t), dst.l, dst.t.dtype(), value)
}

/// Whether an elementwise kernel has nothing to write. It must not run then: an empty view
/// may sit at an offset past its empty buffer (`zeros([4, 0]).narrow(0, 2, 2)`), which the
/// kernels would slice. The operands' devices were checked by then.
fn empty(dst: Arg<'_>) -> bool {
    dst.l.numel() == 0
}

/// `dst = op(src)`.
pub(crate) fn unary(op: UnaryOp, src: Arg<'_>, dst: Arg<'_>) -> Result<()> {
    let s = hold_or_self(src, dst)?;
    let s = s.as_ref().map(Held::input);
    if empty(dst) {
        return Ok(());
    }
    backend::unary(op, s, &mut write(dst.t), dst.l, dst.t.dtype())
}

/// `dst = op(src)` for an op with parameters.
pub(crate) fn param(op: ParamOp, src: Arg<'_>, dst: Arg<'_>) -> Result<()> {
    let s = hold_or_self(src, dst)?;
    let s = s.as_ref().map(Held::input);
    if empty(dst) {
        return Ok(());
    }
    backend::param(op, s, &mut write(dst.t), dst.l, dst.t.dtype())
}

/// `dst = op(a, b)`, all of `dst`'s dtype.
pub(crate) fn binary(op: BinaryOp, a: Arg<'_>, b: Arg<'_>, dst: Arg<'_>) -> Result<()> {
    let ha = hold_or_self(a, dst)?;
    let hb = hold(b, &[dst.t])?;
    let ia = ha.as_ref().map(Held::input);
    if empty(dst) {
        return Ok(());
    }
    backend::binary(op, ia, hb.input(), &mut write(dst.t), dst.l, dst.t.dtype())
}

/// `dst = op(a, b)` into a bool `dst`; `a` and `b` share a dtype.
pub(crate) fn cmp(op: CmpOp, a: Arg<'_>, b: Arg<'_>, dst: Arg<'_>) -> Result<()> {
    let (ha, hb) = (hold(a, &[dst.t])?, hold(b, &[dst.t])?);
    if empty(dst) {
        return Ok(());
    }
    backend::cmp(
        op,
        ha.input(),
        hb.input(),
        &mut write(dst.t),
        dst.l,
        a.t.dtype(),
    )
}

/// `dst = cond ? a : b`.
pub(crate) fn where_(cond: Arg<'_>, a: Arg<'_>, b: Arg<'_>, dst: Arg<'_>) -> Result<()> {
    let hc = hold(cond, &[dst.t])?;
    let (ha, hb) = (hold(a, &[dst.t])?, hold(b, &[dst.t])?);
    let dt = dst.t.dtype();
    if empty(dst) {
        return Ok(());
    }
    backend::where_(
        hc.input(),
        ha.input(),
        hb.input(),
        &mut write(dst.t),
        dst.l,
        dt,
    )
}

/// Reduces `src` over `dims` into `dst`, whose layout has the keepdim shape.
pub(crate) fn reduce(op: ReduceOp, src: Arg<'_>, dims: &[usize], dst: Arg<'_>) -> Result<()> {
    let s = hold(src, &[dst.t])?;
    let (sdt, ddt) = (src.t.dtype(), dst.t.dtype());
    backend::reduce(op, s.input(), sdt, dims, &mut write(dst.t), dst.l, ddt)
}

/// Cumulative `op` of `src` along `dim` (from the end when `reverse`) into `dst`.
pub(crate) fn scan(
    op: ScanOp,
    src: Arg<'_>,
    dim: usize,
    reverse: bool,
    dst: Arg<'_>,
) -> Result<()> {
    let s = hold(src, &[dst.t])?;
    let (sdt, ddt) = (src.t.dtype(), dst.t.dtype());
    backend::scan(
        op,
        s.input(),
        sdt,
        dim,
        reverse,
        &mut write(dst.t),
        dst.l,
        ddt,
    )
}

/// Batched `dst = alpha * a @ b` (`+ beta * dst` with `beta`); `a` is `[B, M, K]`, `b`
/// `[B, K, N]`, `dst` `[B, M, N]`.
pub(crate) fn matmul(
    a: Arg<'_>,
    b: Arg<'_>,
    dst: Arg<'_>,
    alpha: f64,
    beta: Option<f64>,
) -> Result<()> {
    let (ha, hb) = (hold(a, &[dst.t])?, hold(b, &[dst.t])?);
    let dt = dst.t.dtype();
    backend::matmul(
        ha.input(),
        hb.input(),
        &mut write(dst.t),
        dst.l,
        dt,
        alpha,
        beta,
    )
}

/// Inverts each matrix of `a` into the contiguous `dst`; on a singular one returns
/// `(batch index, LAPACK info)`.
pub(crate) fn inverse(a: Arg<'_>, dst: &Tensor) -> Result<Option<(usize, usize)>> {
    let h = hold(a, &[dst])?;
    backend::inverse(h.input(), &mut write(dst), dst.dtype())
}

/// The determinant of each matrix of `a` into the contiguous `dst`.
pub(crate) fn det(a: Arg<'_>, dst: &Tensor) -> Result<()> {
    let h = hold(a, &[dst])?;
    backend::det(h.input(), &mut write(dst), dst.dtype())
}

/// The inverse of each matrix with exact-zero pivots replaced by epsilon (`det` backward).
pub(crate) fn inverse_perturbed(a: Arg<'_>, dst: &Tensor) -> Result<()> {
    let h = hold(a, &[dst])?;
    backend::inverse_perturbed(h.input(), &mut write(dst), dst.dtype())
}

/// The cofactor matrix of each matrix of `a`, singular ones included.
pub(crate) fn cofactor(a: Arg<'_>, dst: &Tensor) -> Result<()> {
    let h = hold(a, &[dst])?;
    backend::cofactor(h.input(), &mut write(dst), dst.dtype())
}

/// Solves `A X = B` per batch; on a singular `A` returns its batch index.
pub(crate) fn solve(a: Arg<'_>, b: Arg<'_>, dst: &Tensor) -> Result<Option<usize>> {
    let (ha, hb) = (hold(a, &[dst])?, hold(b, &[dst])?);
    backend::solve(ha.input(), hb.input(), &mut write(dst), dst.dtype())
}

/// The Cholesky factor of each matrix; on failure `(batch index, order of the minor)`.
pub(crate) fn cholesky(a: Arg<'_>, dst: &Tensor, upper: bool) -> Result<Option<(usize, usize)>> {
    let h = hold(a, &[dst])?;
    backend::cholesky(h.input(), &mut write(dst), dst.dtype(), upper)
}

/// Triangular solve `A X = B` (`left`) or `X A = B` per batch.
pub(crate) fn solve_triangular(
    a: Arg<'_>,
    b: Arg<'_>,
    dst: &Tensor,
    upper: bool,
    left: bool,
    unit: bool,
) -> Result<()> {
    let (ha, hb) = (hold(a, &[dst])?, hold(b, &[dst])?);
    let dt = dst.dtype();
    backend::solve_triangular(
        ha.input(),
        hb.input(),
        &mut write(dst),
        dt,
        upper,
        left,
        unit,
    )
}

/// Rows of a gather or scatter: their element offsets and the strides of the rest.
pub(crate) type Rows<'a> = (&'a [usize], &'a [usize]);

/// Copies rows of `src` into rows of `dst` (`+=` with `accumulate`); the offsets come from
/// validated indices, over the `rest` dims.
pub(crate) fn copy_rows(
    src: &Tensor,
    src_rows: Rows<'_>,
    dst: &Tensor,
    dst_rows: Rows<'_>,
    rest: &[usize],
    accumulate: bool,
) -> Result<()> {
    // The offsets address `src`'s own storage, so an aliasing `src` cannot be read from a
    // copy: the op copies it first (as `put_rows_raw` does).
    if src.shares_storage(dst) {
        crate::error::bail!(
            Value,
            "copy_rows: the source shares the destination's memory; copy it first"
        );
    }
    let buf = src.storage().read();
    let (so, ss) = src_rows;
    let (d_o, ds) = dst_rows;
    let dt = dst.dtype();
    backend::copy_rows(&buf, so, ss, &mut write(dst), d_o, ds, rest, dt, accumulate)
}

/// One fused Adam step over the contiguous runs of `n` elements of the parameter, its
/// gradient and both moments, each at its element offset. The four must not share memory.
pub(crate) fn adam_step(
    p: (&Tensor, usize),
    g: (&Tensor, usize),
    m: (&Tensor, usize),
    v: (&Tensor, usize),
    n: usize,
    s: &AdamScalars,
) -> Result<()> {
    let ts = [p.0, g.0, m.0, v.0];
    if (0..4).any(|i| (i + 1..4).any(|j| ts[i].shares_storage(ts[j]))) {
        crate::error::bail!(
            Value,
            "adam_step: the parameter, gradient and moments must not share memory"
        );
    }
    let (mut pw, gr, mut mw, mut vw) = (write(p.0), g.0.storage().read(), write(m.0), write(v.0));
    let dt = p.0.dtype();
    backend::adam_step(
        (&mut pw, p.1),
        (&gr, g.1),
        (&mut mw, m.1),
        (&mut vw, v.1),
        n,
        dt,
        s,
    )
}

/// The column matrix of the planes `src` (see [`Window`]) into `dst`.
pub(crate) fn im2col(src: Arg<'_>, dst: &Tensor, g: &Window) -> Result<()> {
    let h = hold(src, &[dst])?;
    backend::conv::im2col(h.input(), &mut write(dst), dst.dtype(), g)
}

/// The planes summed back from the column matrix `src` (the adjoint of [`im2col`]).
pub(crate) fn col2im(src: Arg<'_>, dst: &Tensor, g: &Window) -> Result<()> {
    let h = hold(src, &[dst])?;
    backend::conv::col2im(h.input(), &mut write(dst), dst.dtype(), g)
}

/// Max pooling of the planes `src` into `dst`, with in-plane indices into `idx` (i64).
pub(crate) fn max_pool2d(src: Arg<'_>, dst: &Tensor, idx: &Tensor, g: &Window) -> Result<()> {
    let h = hold(src, &[dst, idx])?;
    let dt = dst.dtype();
    backend::conv::max_pool2d(h.input(), &mut write(dst), &mut write(idx), dt, g)
}

/// Softmax (`log`: log-softmax) of `src` viewed as `[outer, n, inner]` along `n`, into the
/// contiguous `dst`.
pub(crate) fn softmax(src: Arg<'_>, dst: &Tensor, n: usize, inner: usize, log: bool) -> Result<()> {
    let h = hold(src, &[dst])?;
    backend::nn::softmax(h.input(), &mut write(dst), dst.dtype(), n, inner, log)
}

/// Per-target nll losses of `x` into `dst`; returns the total weight.
pub(crate) fn nll_loss(
    x: Arg<'_>,
    target: Arg<'_>,
    weight: Option<Arg<'_>>,
    dst: &Tensor,
    d: NllDims,
) -> Result<f64> {
    let (hx, ht) = (hold(x, &[dst])?, hold(target, &[dst])?);
    let hw = weight.map(|w| hold(w, &[dst])).transpose()?;
    let iw = hw.as_ref().map(Held::input);
    let dt = x.t.dtype();
    backend::nn::nll_loss(hx.input(), ht.input(), iw, &mut write(dst), dt, d)
}

/// The input gradient of nll, `-w[t] g scale` at each target, into `dst`.
pub(crate) fn nll_loss_backward(
    g: Arg<'_>,
    target: Arg<'_>,
    weight: Option<Arg<'_>>,
    dst: &Tensor,
    d: NllDims,
    scale: f64,
) -> Result<()> {
    let (hg, ht) = (hold(g, &[dst])?, hold(target, &[dst])?);
    let hw = weight.map(|w| hold(w, &[dst])).transpose()?;
    let iw = hw.as_ref().map(Held::input);
    let (ig, it) = (hg.input(), ht.input());
    backend::nn::nll_loss_backward(ig, it, iw, &mut write(dst), dst.dtype(), d, scale)
}

/// `src` viewed as `[outer, c, inner]`: the per-channel mean and biased variance into
/// `mean` and `var` (`[c]` each), and `dst = (src - mean) / sqrt(var + eps)`.
pub(crate) fn moments(
    src: Arg<'_>,
    dst: &Tensor,
    mean: &Tensor,
    var: &Tensor,
    dims: (usize, usize),
    eps: f64,
) -> Result<()> {
    let h = hold(src, &[dst, mean, var])?;
    let (mut d, mut m, mut v) = (write(dst), write(mean), write(var));
    backend::norm::moments(h.input(), &mut d, &mut m, &mut v, dst.dtype(), dims, eps)
}

/// `dst[b, i, j, k] = src[b, maps[0][i], maps[1][j], maps[2][k]]` (reflection and
/// replication padding).
pub(crate) fn pad_gather(src: Arg<'_>, dst: &Tensor, g: &PadMaps<'_>) -> Result<()> {
    let h = hold(src, &[dst])?;
    backend::pad::gather(h.input(), &mut write(dst), dst.dtype(), g)
}

/// The adjoint of [`pad_gather`]: sums `src` (the padded shape) back into `dst`.
pub(crate) fn pad_scatter_add(src: Arg<'_>, dst: &Tensor, g: &PadMaps<'_>) -> Result<()> {
    let h = hold(src, &[dst])?;
    backend::pad::scatter_add(h.input(), &mut write(dst), dst.dtype(), g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_aliasing_the_output_is_read_before_the_write() {
        // `x[1:] = x[:-1] * 2` through the kernel: every input element is read before the
        // first write (element by element it would give [1, 2, 4, 8]).
        let x = crate::tensor([1.0f32, 2.0, 3.0, 4.0]);
        let (lo, hi) = (x.narrow(0, 0, 3), x.narrow(0, 1, 3));
        let two = crate::full([3], 2.0);
        binary(BinaryOp::Mul, lo.arg(), two.arg(), hi.arg()).unwrap();
        assert_eq!(x.to_vec::<f32>(), vec![1.0, 2.0, 4.0, 6.0]);
    }

    #[test]
    fn an_input_at_the_outputs_layout_is_the_in_place_case() {
        let x = crate::tensor([1.0f32, -2.0]);
        unary(UnaryOp::Neg, x.arg(), x.arg()).unwrap();
        assert_eq!(x.to_vec::<f32>(), vec![-1.0, 2.0]);
        let y = crate::tensor([1.0f32, 2.0]);
        binary(BinaryOp::Mul, y.arg(), y.arg(), y.arg()).unwrap();
        assert_eq!(y.to_vec::<f32>(), vec![1.0, 4.0]);
    }
}
