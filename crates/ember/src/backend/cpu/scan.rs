//! Cumulative ops along one dim (`cumsum`, `cumprod`), forwards or backwards. Floats
//! accumulate in f64 (PyTorch's CPU `acc_type`) and are rounded per output element;
//! integers and bool accumulate in wrapping i64 and give int64.

use super::CpuBuffer;
use super::dispatch::with_dtype;
use crate::DType;
use crate::dtype::Element;
use crate::error::{Result, bail};
use crate::layout::{Layout, for_each_offsets};
use crate::ops::table::ScanOp;
use crate::shape::Dims;

/// Calls `f(src_base, dst_base)` for every line along `dim`; returns the line's length and
/// the source and destination strides along it (a 0-dim tensor is one line of length 1).
fn for_each_line(
    sl: &Layout,
    dl: &Layout,
    dim: usize,
    mut f: impl FnMut(usize, usize),
) -> (usize, usize, usize) {
    if sl.ndim() == 0 {
        f(sl.offset, dl.offset);
        return (1, 0, 0);
    }
    let mut shape: Dims = sl.shape.clone();
    shape[dim] = 1;
    for_each_offsets(
        &shape,
        [&sl.strides, &dl.strides],
        [sl.offset, dl.offset],
        |[s, d]| f(s, d),
    );
    (sl.shape[dim], sl.strides[dim], dl.strides[dim])
}

/// Runs `step` over each line in scan order (reversed when `reverse`), writing each running
/// value with `put`.
#[allow(clippy::too_many_arguments)]
fn scan_lines<T: Element, A: Copy, D: Element>(
    src: &[T],
    sl: &Layout,
    dst: &mut [D],
    dl: &Layout,
    dim: usize,
    reverse: bool,
    init: A,
    step: impl Fn(A, T) -> A,
    put: impl Fn(A) -> D,
) {
    let mut lines = Vec::new();
    let (n, ss, ds) = for_each_line(sl, dl, dim, |s, d| lines.push((s, d)));
    for (s, d) in lines {
        let mut acc = init;
        for k in 0..n {
            let k = if reverse { n - 1 - k } else { k };
            acc = step(acc, src[s + k * ss]);
            dst[d + k * ds] = put(acc);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn scan_typed<T: Element>(
    op: ScanOp,
    src: &[T],
    sl: &Layout,
    dst: &mut CpuBuffer,
    dl: &Layout,
    dim: usize,
    reverse: bool,
) {
    if T::IS_FLOAT {
        let d = dst.as_mut_slice::<T>();
        match op {
            ScanOp::Sum => scan_lines(
                src,
                sl,
                d,
                dl,
                dim,
                reverse,
                0f64,
                |a, x| a + x.to_f64(),
                T::from_f64,
            ),
            ScanOp::Prod => scan_lines(
                src,
                sl,
                d,
                dl,
                dim,
                reverse,
                1f64,
                |a, x| a * x.to_f64(),
                T::from_f64,
            ),
        }
    } else {
        let d = dst.as_mut_slice::<i64>();
        match op {
            ScanOp::Sum => scan_lines(
                src,
                sl,
                d,
                dl,
                dim,
                reverse,
                0i64,
                |a, x| a.wrapping_add(x.to_i64()),
                |a| a,
            ),
            ScanOp::Prod => scan_lines(
                src,
                sl,
                d,
                dl,
                dim,
                reverse,
                1i64,
                |a, x| a.wrapping_mul(x.to_i64()),
                |a| a,
            ),
        }
    }
}

/// `dst = scan(src)` along `dim`; `dst` has `src`'s shape and the op's output dtype.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan(
    op: ScanOp,
    src: &CpuBuffer,
    sl: &Layout,
    src_dt: DType,
    dim: usize,
    reverse: bool,
    dst: &mut CpuBuffer,
    dl: &Layout,
    dst_dt: DType,
) -> Result<()> {
    let expect = op.out_dtype(src_dt);
    if dst_dt != expect || sl.shape != dl.shape || (sl.ndim() > 0 && dim >= sl.ndim()) {
        bail!(
            DType,
            "scan {op:?}: output {dst_dt} {:?} does not fit input {src_dt} {:?} along dim {dim}",
            dl.shape,
            sl.shape
        );
    }
    with_dtype!(src_dt, T => scan_typed(op, src.as_slice::<T>(), sl, dst, dl, dim, reverse));
    Ok(())
}
